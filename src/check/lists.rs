//! Pass 0: named lists, put in before anything else reads the program.
//!
//! `list versions 3.5.3 3.5.2 2.2.5` names words. A bare word `@versions`
//! (an argument, or an item of a `[…]`) stands for all of them; a word with
//! `{@versions}` in it stands for one word per item. Side-by-side words that
//! range over the same lists range together, item by item, so
//!
//! ```text
//! try /{@versions}{path}/index.html /{@versions}{path}.html
//! ```
//!
//! is, for each version in order, its folder's index and then its page.
//! A word ranging over two lists is each item of the first with each of the
//! second.
//!
//! Every reader and every check after this sees only words, so each
//! directive takes lists by construction; a quoted string is never
//! expanded (`"@home"` is text). Every word put in points at the word that
//! named the list (`@versions`, `/{@versions}{path}`): a diagnostic about
//! it is about that use. The list's own items are checked where they are
//! written too (pass 0, `value::text`).

use std::borrow::Cow;
use std::collections::HashMap;

use crate::check::say;
use crate::check::value::time::CRON_MACROS;
use crate::diag::Diagnostic;
use crate::source::{SourceMap, Span};
use crate::syntax::{Arg, ArgKind, Ast, Directive};
use crate::vocabulary::{Directives as _, top};

/// A list's items, resolved (lists named in a list are put in).
type Items<'a> = Vec<Arg<'a>>;

/// The name a whole-word reference names: `@versions` → `versions`; cron's
/// `@daily` is cron's (no list may be named so).
fn whole(word: &str) -> Option<&str> {
    let name = word.strip_prefix('@')?;
    (!name.is_empty() && name.chars().all(is_name_char) && !CRON_MACROS.contains(&name))
        .then_some(name)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'
}

/// The lists a word ranges over (`{@a}` … `{@b}`), in order, each once.
fn ranges(word: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = word;
    while let Some(at) = rest.find("{@") {
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !names.contains(&name) {
            names.push(name);
        }
        rest = &after[end + 1..];
    }
    names
}

fn word<'a>(arg: &'a Arg<'_>) -> Option<&'a str> {
    match &arg.kind {
        ArgKind::Word(w) => Some(w),
        _ => None,
    }
}

/// Whether any argument (or list item) of the program names a list.
fn uses_lists(args: &[Arg<'_>]) -> bool {
    args.iter().any(|a| match &a.kind {
        ArgKind::Word(w) => w.starts_with('@') || w.contains("{@"),
        ArgKind::Str(_) => false,
        ArgKind::List(items) => uses_lists(items),
    })
}

struct Lists<'a> {
    /// Definitions by name (the first; a second is the checker's
    /// `duplicate-declaration`): the items as written.
    defs: HashMap<String, Vec<Arg<'a>>>,
    resolved: HashMap<String, Items<'a>>,
    diags: Vec<Diagnostic>,
}

impl<'a> Lists<'a> {
    /// A list's items, its own references put in; `None` (reported) for
    /// an unknown list or a list that names itself.
    fn items(&mut self, name: &str, at: Span, visiting: &mut Vec<String>) -> Option<Items<'a>> {
        if let Some(items) = self.resolved.get(name) {
            return Some(items.clone());
        }
        let Some(written) = self.defs.get(name).cloned() else {
            let known: Vec<&str> = self.defs.keys().map(String::as_str).collect();
            let diag = say::decl::unknown_list(at, name, known);
            self.diags.push(diag);
            return None;
        };
        if visiting.iter().any(|v| v == name) {
            self.diags.push(say::decl::list_names_itself(at, name));
            return None;
        }
        visiting.push(name.to_owned());
        // `list v [a b]` is `list v a b`.
        let items: Items<'a> = self
            .expand(&written, visiting)
            .into_iter()
            .flat_map(|a| match a.kind {
                ArgKind::List(items) => items,
                _ => vec![a],
            })
            .collect();
        visiting.pop();
        self.resolved.insert(name.to_owned(), items.clone());
        Some(items)
    }

    /// Arguments with every reference put in.
    fn expand(&mut self, args: &[Arg<'a>], visiting: &mut Vec<String>) -> Vec<Arg<'a>> {
        let mut out = Vec::with_capacity(args.len());
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            if let ArgKind::List(items) = &arg.kind {
                out.push(Arg {
                    kind: ArgKind::List(self.expand(items, visiting)),
                    span: arg.span,
                });
                i += 1;
                continue;
            }
            let Some(text) = word(arg) else {
                out.push(arg.clone());
                i += 1;
                continue;
            };
            if let Some(name) = whole(text) {
                match self.items(name, arg.span, visiting) {
                    Some(items) => {
                        out.extend(items.into_iter().map(|item| used_at(item, arg.span)));
                    }
                    None => out.push(arg.clone()),
                }
                i += 1;
                continue;
            }
            let names = ranges(text);
            if names.is_empty() {
                out.push(arg.clone());
                i += 1;
                continue;
            }
            // The run of words ranging over the same lists.
            let run_end = args[i..]
                .iter()
                .position(|a| word(a).is_none_or(|w| ranges(w) != names))
                .map_or(args.len(), |n| i + n);
            let run = &args[i..run_end];
            i = run_end;
            let mut lists = Vec::with_capacity(names.len());
            for name in &names {
                let Some(items) = self.items(name, run[0].span, visiting) else {
                    out.extend(run.iter().cloned());
                    lists.clear();
                    break;
                };
                lists.push((*name, items));
            }
            if lists.is_empty() {
                continue;
            }
            for choice in combinations(&lists) {
                for arg in run {
                    let mut text = word(arg).unwrap_or_default().to_owned();
                    for (name, item) in &choice {
                        text = text.replace(&format!("{{@{name}}}"), item);
                    }
                    out.push(Arg {
                        kind: ArgKind::Word(Cow::Owned(text)),
                        span: arg.span,
                    });
                }
            }
        }
        out
    }

    fn directive(&mut self, d: &mut Directive<'a>) {
        if uses_lists(&d.args) {
            d.args = self.expand(&d.args, &mut Vec::new());
        }
        if let Some(block) = &mut d.block {
            for item in &mut block.items {
                self.directive(item);
            }
        }
    }
}

/// An item put in where its list is named: it points there (a diagnostic
/// about it, or about the arguments around it, is about that use), and its
/// text is not the file's at that place (see [`Arg::part`]).
fn used_at(item: Arg<'_>, at: Span) -> Arg<'_> {
    let kind = match item.kind {
        ArgKind::Word(w) => ArgKind::Word(Cow::Owned(w.into_owned())),
        ArgKind::Str(s) => ArgKind::Str(Cow::Owned(s.into_owned())),
        list @ ArgKind::List(_) => list,
    };
    Arg { kind, span: at }
}

/// Every choice of one item per list, the first list varying slowest.
fn combinations<'l>(lists: &'l [(&'l str, Items<'_>)]) -> Vec<Vec<(&'l str, String)>> {
    let mut out: Vec<Vec<(&str, String)>> = vec![Vec::new()];
    for (name, items) in lists {
        let texts: Vec<String> = items
            .iter()
            .filter_map(|a| a.text().map(str::to_owned))
            .collect();
        out = out
            .into_iter()
            .flat_map(|prefix| {
                texts.iter().map(move |t| {
                    let mut next = prefix.clone();
                    next.push((*name, t.clone()));
                    next
                })
            })
            .collect();
    }
    out
}

/// Puts every named list in; the problems found (unknown lists, a list
/// naming itself).
#[must_use]
pub fn expand(sources: &SourceMap, asts: &mut [Cow<'_, Ast<'_>>]) -> Vec<Diagnostic> {
    let mut lists = Lists {
        defs: HashMap::new(),
        resolved: HashMap::new(),
        diags: Vec::new(),
    };
    let is_list = |d: &Directive<'_>| d.name.value == top::Id::List.spec().name;
    for ast in asts.iter() {
        for d in &ast.items {
            if is_list(d)
                && let Some(name) = d.args.first().and_then(word)
            {
                if CRON_MACROS.contains(&name) {
                    lists
                        .diags
                        .push(say::decl::list_name_is_cron(d.args[0].span, name));
                    continue;
                }
                lists
                    .defs
                    .entry(name.to_owned())
                    .or_insert_with(|| d.args[1..].to_vec());
            }
        }
    }
    // A file without an `@` names no list: not walked (most programs).
    for ast in asts
        .iter_mut()
        .filter(|a| sources.get(a.file).text.as_bytes().contains(&b'@'))
    {
        for d in &mut ast.to_mut().items {
            if !is_list(d) {
                lists.directive(d);
            }
        }
    }
    lists.diags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    /// The words of the last directive of `text` after expansion (a `[…]`
    /// as `[a b]`), and the codes reported.
    fn expanded(text: &str) -> (String, Vec<&'static str>) {
        let mut sources = SourceMap::new();
        let file = sources.add("t.infra", text);
        let mut asts = vec![Cow::Owned(parse(file, text).expect("parses"))];
        let codes = expand(&sources, &mut asts)
            .iter()
            .map(|d| d.code.name())
            .collect();
        fn show(a: &Arg<'_>) -> String {
            match &a.kind {
                ArgKind::List(items) => {
                    format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(" "))
                }
                ArgKind::Str(s) => format!("\"{s}\""),
                ArgKind::Word(w) => w.to_string(),
            }
        }
        let last = asts[0].items.last().expect("a directive");
        let words: Vec<String> = last.args.iter().map(show).collect();
        (words.join(" "), codes)
    }

    #[test]
    fn a_whole_word_stands_for_the_items() {
        let (words, codes) = expanded("list v 3.5 2.2\nx a @v b [@v c] \"@v\"\n");
        assert_eq!(words, "a 3.5 2.2 b [3.5 2.2 c] \"@v\"");
        assert!(codes.is_empty());
        // Written as a `[…]` over several lines: the same items.
        let (words, _) = expanded("list v [\n  3.5\n  2.2\n]\nx /{@v}\n");
        assert_eq!(words, "/3.5 /2.2");
    }

    #[test]
    fn side_by_side_words_range_together_item_by_item() {
        let (words, _) = expanded("list v 3 2\nx /{@v}{path}/index.html /{@v}{path}.html /z\n");
        assert_eq!(
            words,
            "/3{path}/index.html /3{path}.html /2{path}/index.html /2{path}.html /z"
        );
        // Two lists in one word: the first varies slowest.
        let (words, _) = expanded("list v 3 2\nlist d api users\nx [/{@d}/{@v}]\n");
        assert_eq!(words, "[/api/3 /api/2 /users/3 /users/2]");
    }

    #[test]
    fn lists_name_lists_but_not_themselves() {
        let (words, codes) = expanded("list a x @b\nlist b y z\nq @a\n");
        assert_eq!(words, "x y z");
        assert!(codes.is_empty());
        let (_, codes) = expanded("list a x @b\nlist b @a\nq @a\n");
        assert_eq!(codes, vec!["unknown-list"]);
    }

    #[test]
    fn unknown_lists_are_reported_and_cron_names_are_cron() {
        let (_, codes) = expanded("list versions 1\nq @version\n");
        assert_eq!(codes, vec!["unknown-list"]);
        let (words, codes) = expanded("q @daily\n");
        assert_eq!((words.as_str(), codes.len()), ("@daily", 0));
        let (_, codes) = expanded("list daily a\nq x\n");
        assert_eq!(codes, vec!["invalid-name"]);
    }
}
