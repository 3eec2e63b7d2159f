//! What the editor asks of a file: hover, completion, definition, symbols,
//! formatting. Each reads the syntax tree and the vocabulary table.

use camino::Utf8Path;
use lsp_types::{
    CompletionItem, CompletionItemKind, DocumentSymbol, Documentation, Hover, HoverContents,
    Location, MarkupContent, MarkupKind, NumberOrString, Position, SymbolKind, TextEdit,
};

use super::position::{offset, position, range};
use super::workspace::{Workspace, uri};
use crate::diag::Code;
use crate::source::{FileId, Span};
use crate::syntax::{self, Arg, Ast, Directive};
use crate::vocabulary::{Block, Group, Spec, Ty};

/// Where an offset is in a file.
struct At<'t, 'a> {
    /// The kind of block the offset is directly in.
    block: Option<Block>,
    directive: Option<&'t Directive<'a>>,
    on_name: bool,
    arg: Option<&'t Arg<'a>>,
}

fn spec(block: Option<Block>, name: &str) -> Option<&'static Spec> {
    block?.specs().into_iter().find(|s| s.name == name)
}

fn at<'t, 'a>(ast: &'t Ast<'a>, off: usize) -> At<'t, 'a> {
    let mut block = Some(Block::Top);
    let mut items = &ast.items;
    loop {
        let Some(d) = items
            .iter()
            .find(|d| d.span.start <= off && off <= d.span.end)
        else {
            return At {
                block,
                directive: None,
                on_name: false,
                arg: None,
            };
        };
        if let Some(b) = &d.block
            && b.span.start < off
            && off < b.span.end
        {
            block = spec(block, d.name.value).and_then(|s| s.opens);
            items = &b.items;
            continue;
        }
        let on_name = d.name.span.start <= off && off <= d.name.span.end;
        let arg = d.args.iter().find_map(|a| arg_at(a, off));
        return At {
            block,
            directive: Some(d),
            on_name,
            arg,
        };
    }
}

fn arg_at<'t, 'a>(a: &'t Arg<'a>, off: usize) -> Option<&'t Arg<'a>> {
    if !(a.span.start <= off && off <= a.span.end) {
        return None;
    }
    match &a.kind {
        syntax::ArgKind::List(items) => items.iter().find_map(|i| arg_at(i, off)),
        _ => Some(a),
    }
}

fn parsed(text: &str) -> Option<Ast<'_>> {
    syntax::parse(FileId(0), text).ok()
}

/// A directive's row as Markdown: how it is written, what it means, its
/// default, an example.
fn describe(s: &Spec) -> String {
    let mut md = format!("```infrac\n{}\n```\n\n{}", s.usage, s.doc);
    if !s.default.is_empty() {
        md.push_str(&format!("\n\nDefault: {}", s.default));
    }
    if !s.example.is_empty() {
        md.push_str(&format!("\n\nExample: `{}`", s.example));
    }
    md
}

/// An argument: the parameter it stands for, in its directive's usage,
/// and what it may be — a choice's words, the declaration a reference
/// names, else the rule its type's diagnostic states.
fn describe_value(ws: &Workspace, s: &Spec, p: &crate::vocabulary::Param, arg: &Arg<'_>) -> String {
    let mut md = format!("`{}` in `{}`: {}", p.name, s.usage, s.doc);
    match p.ty {
        Ty::Choice(words) => {
            let words: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
            md.push_str(&format!("\n\nOne of {}.", words.join(", ")));
        }
        Ty::Ref(r) => {
            let name = arg.text().unwrap_or_default();
            let found = declarations(ws)
                .into_iter()
                .find(|(k, n, _)| n == name && r.kinds().contains(k));
            match found {
                Some((kind, _, at)) => {
                    let file = super::workspace::path(&at.uri)
                        .and_then(|p| p.file_name().map(str::to_owned))
                        .unwrap_or_default();
                    md.push_str(&format!(
                        "\n\n{kind} `{name}`, declared in {file}:{}.",
                        at.range.start.line + 1
                    ));
                }
                None => md.push_str(&format!(
                    "\n\nNames a {}; none is called `{name}`.",
                    r.kinds().join(" or ")
                )),
            }
        }
        ty => {
            // The rule, as the type's diagnostic explains it.
            let rule = ty.code().explain();
            if let Some(first) = rule.split("\n\n").next() {
                md.push_str(&format!("\n\nWrong when: {}", first.replace('\n', " ")));
            }
        }
    }
    md
}

#[must_use]
pub fn hover(ws: &Workspace, path: &Utf8Path, pos: Position) -> Option<Hover> {
    let text = ws.text(path)?;
    let off = offset(&text, pos);
    let mut parts = Vec::new();
    if let Some(ast) = parsed(&text) {
        let here = at(&ast, off);
        if let (true, Some(d)) = (here.on_name, here.directive)
            && let Some(s) = spec(here.block, d.name.value)
        {
            parts.push(describe(s));
        }
        if let (Some(d), Some(arg)) = (here.directive, here.arg)
            && let Some(s) = spec(here.block, d.name.value)
        {
            let args = crate::check::flat_args(d);
            if let Some(i) = args.iter().position(|a| std::ptr::eq(*a, arg))
                && let Some(p) = s.param_of(i, args.len())
            {
                parts.push(describe_value(ws, s, p, arg));
            }
        }
    }
    // The explanation of each diagnostic shown here (`infrac explain`).
    for d in ws.diagnostics.get(path).into_iter().flatten() {
        let covers = d.range.start <= pos && pos <= d.range.end;
        if let (true, Some(NumberOrString::String(code))) = (covers, &d.code)
            && let Some(code) = Code::from_name(code)
        {
            parts.push(format!("**{code}**\n\n{}", code.explain()));
        }
    }
    (!parts.is_empty()).then(|| Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range: None,
    })
}

/// A declaration's name in a file: its kind (`host`, `list`, …), the name,
/// where the name is written.
fn declared<'t>(ast: &'t Ast<'_>) -> impl Iterator<Item = (&'static str, &'t str, Span)> {
    ast.items.iter().filter_map(|d| {
        let s = spec(Some(Block::Top), d.name.value)?;
        if s.group != Group::Declaration && s.name != "list" {
            return None;
        }
        let first = d.args.first()?;
        Some((s.name, first.text()?, first.span))
    })
}

/// A use of a name: a reference argument (`on web1`, `proxy api`) or a
/// list named in a word (`@versions`, `/{@versions}/x`); the kinds of
/// declaration it may name, the name, where the name is written.
struct Use<'t> {
    kinds: &'static [&'static str],
    name: &'t str,
    span: Span,
}

fn uses<'t>(ast: &'t Ast<'_>) -> Vec<Use<'t>> {
    fn walk<'t>(d: &'t Directive<'_>, block: Option<Block>, out: &mut Vec<Use<'t>>) {
        let s = spec(block, d.name.value);
        let args = crate::check::flat_args(d);
        for (i, a) in args.iter().enumerate() {
            if let syntax::ArgKind::Word(w) = &a.kind {
                let base = a.span.start;
                if let Some(name) = w.strip_prefix('@') {
                    out.push(Use {
                        kinds: &["list"],
                        name,
                        span: Span::new(a.span.file, base + 1, a.span.end),
                    });
                    continue;
                }
                let mut from = 0;
                while let Some(open) = w[from..].find("{@").map(|o| o + from)
                    && let Some(len) = w[open..].find('}')
                {
                    out.push(Use {
                        kinds: &["list"],
                        name: &w[open + 2..open + len],
                        span: Span::new(a.span.file, base + open + 2, base + open + len),
                    });
                    from = open + len;
                }
            }
            if let Some(Ty::Ref(r)) = s.and_then(|s| s.param_of(i, args.len())).map(|p| p.ty)
                && let Some(name) = a.text()
            {
                out.push(Use {
                    kinds: r.kinds(),
                    name,
                    span: a.span,
                });
            }
        }
        for c in d.block.iter().flat_map(|b| &b.items) {
            walk(c, s.and_then(|s| s.opens), out);
        }
    }
    let mut out = Vec::new();
    for d in &ast.items {
        walk(d, Some(Block::Top), &mut out);
    }
    out
}

/// A file's syntax tree: the last check's, else parsed now.
fn tree<'w>(
    ws: &'w Workspace,
    file: &'w crate::source::SourceFile,
) -> Option<std::borrow::Cow<'w, Ast<'w>>> {
    match ws.tree(&file.display) {
        Some(ast) => Some(std::borrow::Cow::Borrowed(ast)),
        None => parsed(&file.text).map(std::borrow::Cow::Owned),
    }
}

/// Declarations of the whole program: kind, name, where the name is.
fn declarations(ws: &Workspace) -> Vec<(&'static str, String, Location)> {
    let sources = &ws.program;
    let mut out = Vec::new();
    for (_, file) in sources.iter() {
        let (Some(ast), Some(file_uri)) = (tree(ws, file), uri(&file.display)) else {
            continue;
        };
        for (kind, name, span) in declared(&ast) {
            let r = range(&file.text, span.start, span.end);
            out.push((kind, name.to_owned(), Location::new(file_uri.clone(), r)));
        }
    }
    out
}

/// What the name at `pos` names: a declaration's kind and name, from the
/// declaration itself or from a use of it.
fn target(ws: &Workspace, path: &Utf8Path, pos: Position) -> Option<(&'static str, String)> {
    let text = ws.text(path)?;
    let off = offset(&text, pos);
    let ast = parsed(&text)?;
    let covers = |s: Span| s.start <= off && off <= s.end;
    if let Some((kind, name, _)) = declared(&ast).find(|(_, _, s)| covers(*s)) {
        return Some((kind, name.to_owned()));
    }
    let used = uses(&ast);
    let u = used.iter().find(|u| covers(u.span))?;
    // `on NAME` may name a host or a pool: the declaration decides.
    let kind = declarations(ws)
        .into_iter()
        .find(|(k, n, _)| n == u.name && u.kinds.contains(k))
        .map_or(u.kinds[0], |(k, _, _)| k);
    Some((kind, u.name.to_owned()))
}

/// Every use of the name at `pos` in the program, and its declaration
/// when `declaration` is asked for.
#[must_use]
pub fn references(
    ws: &Workspace,
    path: &Utf8Path,
    pos: Position,
    declaration: bool,
) -> Vec<Location> {
    let Some((kind, name)) = target(ws, path, pos) else {
        return Vec::new();
    };
    let sources = &ws.program;
    let mut out = Vec::new();
    for (_, file) in sources.iter() {
        let (Some(ast), Some(file_uri)) = (tree(ws, file), uri(&file.display)) else {
            continue;
        };
        let at = |s: Span| Location::new(file_uri.clone(), range(&file.text, s.start, s.end));
        if declaration {
            out.extend(
                declared(&ast)
                    .filter(|(k, n, _)| *k == kind && *n == name)
                    .map(|(_, _, s)| at(s)),
            );
        }
        out.extend(
            uses(&ast)
                .into_iter()
                .filter(|u| u.name == name && u.kinds.contains(&kind))
                .map(|u| at(u.span)),
        );
    }
    out
}

#[must_use]
pub fn completion(ws: &Workspace, path: &Utf8Path, pos: Position) -> Vec<CompletionItem> {
    let Some(text) = ws.text(path) else {
        return Vec::new();
    };
    let off = offset(&text, pos);
    let line_start = text[..off].rfind('\n').map_or(0, |n| n + 1);
    let before = &text[line_start..off];
    let first_word = before
        .trim_start()
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if first_word {
        // Where the directive being typed goes: the block around it.
        let block = parsed(&text).map_or(Some(Block::Top), |ast| at(&ast, off).block);
        return block
            .map(Block::specs)
            .unwrap_or_default()
            .into_iter()
            .map(|s| CompletionItem {
                label: s.name.to_owned(),
                kind: Some(CompletionItemKind::KEYWORD),
                detail: Some(s.usage.to_owned()),
                documentation: Some(Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: describe(s),
                })),
                ..Default::default()
            })
            .collect();
    }
    // An argument: what its parameter takes — the names of the
    // declarations a reference may name, or a choice's words.
    let words: Vec<&str> = before
        .split(|c: char| c.is_whitespace() || c == '[' || c == ']')
        .filter(|w| !w.is_empty())
        .collect();
    let typing = !before.ends_with(|c: char| c.is_whitespace() || c == '[');
    let Some(index) = words.len().checked_sub(1 + usize::from(typing)) else {
        return Vec::new();
    };
    let block = parsed(&text).map_or(Some(Block::Top), |ast| at(&ast, line_start).block);
    let Some(s) = spec(block, words[0]) else {
        return Vec::new();
    };
    match s.param_of(index, (index + 1).max(s.min())).map(|p| p.ty) {
        Some(Ty::Ref(r)) => declarations(ws)
            .into_iter()
            .filter(|(kind, _, _)| r.kinds().contains(kind))
            .map(|(kind, name, _)| CompletionItem {
                label: name,
                kind: Some(CompletionItemKind::REFERENCE),
                detail: Some(kind.to_owned()),
                ..Default::default()
            })
            .collect(),
        Some(Ty::Choice(words)) => words
            .iter()
            .map(|w| CompletionItem {
                label: (*w).to_owned(),
                kind: Some(CompletionItemKind::ENUM_MEMBER),
                ..Default::default()
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The name an argument refers to at `off`: the list in `{@name}` or
/// `@name`, else the whole word.
fn name_at(arg: &Arg<'_>, off: usize) -> Option<String> {
    let text = arg.text()?;
    // A string's text is its escapes resolved: an offset into the source
    // may fall inside a character of it (`get` then finds nothing).
    let rel = off.saturating_sub(arg.span.start).min(text.len());
    if let Some(open) = text.get(..rel).and_then(|t| t.rfind("{@"))
        && let Some(close) = text[open..].find('}')
        && open + close >= rel
    {
        return Some(text[open + 2..open + close].to_owned());
    }
    Some(text.strip_prefix('@').unwrap_or(text).to_owned())
}

#[must_use]
pub fn definition(ws: &Workspace, path: &Utf8Path, pos: Position) -> Option<Location> {
    if let Some((kind, name)) = target(ws, path, pos) {
        return declarations(ws)
            .into_iter()
            .find(|(k, n, _)| *k == kind && *n == name)
            .map(|(_, _, l)| l);
    }
    // Not a reference position: any declaration of that name.
    let text = ws.text(path)?;
    let off = offset(&text, pos);
    let ast = parsed(&text)?;
    let name = name_at(at(&ast, off).arg?, off)?;
    declarations(ws)
        .into_iter()
        .find(|(_, n, _)| *n == name)
        .map(|(_, _, l)| l)
}

#[must_use]
pub fn symbols(ws: &Workspace, path: &Utf8Path) -> Vec<DocumentSymbol> {
    fn of(text: &str, d: &Directive<'_>, block: Option<Block>) -> DocumentSymbol {
        let s = spec(block, d.name.value);
        let name = match d.args.first().and_then(Arg::text) {
            Some(first) => format!("{} {first}", d.name.value),
            None => d.name.value.to_owned(),
        };
        let children: Vec<DocumentSymbol> = d
            .block
            .iter()
            .flat_map(|b| &b.items)
            .map(|c| of(text, c, s.and_then(|s| s.opens)))
            .collect();
        #[allow(deprecated)] // `deprecated` is a required field of the type
        DocumentSymbol {
            name,
            detail: s.map(|s| s.doc.to_owned()),
            kind: match s.map(|s| s.group) {
                Some(Group::Declaration) => SymbolKind::NAMESPACE,
                Some(Group::Route) => SymbolKind::FUNCTION,
                _ => SymbolKind::PROPERTY,
            },
            tags: None,
            deprecated: None,
            range: range(text, d.span.start, d.span.end),
            selection_range: range(text, d.name.span.start, d.name.span.end),
            children: (!children.is_empty()).then_some(children),
        }
    }
    let Some(text) = ws.text(path) else {
        return Vec::new();
    };
    let Some(ast) = parsed(&text) else {
        return Vec::new();
    };
    ast.items
        .iter()
        .map(|d| of(&text, d, Some(Block::Top)))
        .collect()
}

/// The whole file replaced by its `infrac fmt` layout (nothing when it is
/// already laid out or does not parse).
#[must_use]
pub fn formatting(ws: &Workspace, path: &Utf8Path) -> Vec<TextEdit> {
    let Some(text) = ws.text(path) else {
        return Vec::new();
    };
    match syntax::fmt::format(FileId(0), &text) {
        Ok(formatted) if formatted != text => vec![TextEdit {
            range: lsp_types::Range::new(Position::new(0, 0), position(&text, text.len())),
            new_text: formatted,
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word_at(text: &str, cursor: usize) -> Option<String> {
        let ast = parsed(text).unwrap();
        let arg = at(&ast, cursor).arg?;
        name_at(arg, cursor)
    }

    #[test]
    fn uses_are_references_by_parameter_type_and_list_names() {
        let text = "site s {\n    on web1 edge\n    proxy /api api\n    domains web1\n    redirect /{@old}/x /y\n}\n";
        let ast = parsed(text).unwrap();
        let found: Vec<(&str, &str)> = uses(&ast)
            .iter()
            .map(|u| (u.kinds[0], &text[u.span.start..u.span.end]))
            .collect();
        // `domains web1` is a domain, not a reference; `/api` a pattern.
        assert_eq!(
            found,
            [
                ("host", "web1"),
                ("host", "edge"),
                ("service", "api"),
                ("list", "old")
            ]
        );
        // Every kind a reference may name is a declaration.
        use crate::vocabulary::Ref;
        for r in [
            Ref::Placement,
            Ref::Host,
            Ref::Site,
            Ref::Backend,
            Ref::Profile,
        ] {
            for kind in r.kinds() {
                let s = spec(Some(Block::Top), kind).unwrap();
                assert_eq!(s.group, Group::Declaration, "{kind}");
            }
        }
    }

    #[test]
    fn the_name_under_the_cursor_is_the_list_or_the_word() {
        let text = "site s {\n    redirect /{@old}/x web1 @vers\n}\n";
        let at = |needle: &str| text.find(needle).unwrap();
        assert_eq!(word_at(text, at("old")).as_deref(), Some("old"));
        // Past `{@old}`: not the list.
        assert_eq!(word_at(text, at("/x")).as_deref(), Some("/{@old}/x"));
        assert_eq!(word_at(text, at("web1") + 2).as_deref(), Some("web1"));
        assert_eq!(word_at(text, at("vers")).as_deref(), Some("vers"));
        // On a quoted value starting with `é`: the offset is one byte into
        // the text without its quote, inside `é`.
        let text = "site s {\n    header X-Name \"éa\"\n}\n";
        assert_eq!(
            word_at(text, text.find('é').unwrap()).as_deref(),
            Some("éa")
        );
    }
}
