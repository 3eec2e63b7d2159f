//! Stage 1: source text → [`Ast`]. pest is used here and nowhere else.

mod ast;
pub mod fmt;

pub use ast::{Arg, ArgKind, Ast, Block, Directive};

use std::borrow::Cow;

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span, Spanned};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/infrac.pest"]
struct InfracParser;

/// How deep `{` and `[` may nest. The language needs three levels (a
/// `static` block in a `site`, a list in it); the limit keeps the recursive
/// parser's stack bounded whatever the input.
const MAX_DEPTH: usize = 32;

/// Parses one file. A syntax error is reported as one diagnostic at the
/// first place the file stops making sense.
pub fn parse(file: FileId, text: &str) -> Result<Ast<'_>, Diagnostic> {
    if let Some(at) = text
        .bytes()
        .position(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\n' | b'\r'))
    {
        let code = text.as_bytes()[at];
        return Err(Diagnostic::new(Code::Syntax, Span::new(file, at, at + 1), format!("unexpected control character U+{code:04X}"))
            .label("this character")
            .help("infrac files are plain text: remove it (inside a quoted string, write `\\t` for a tab or `\\n` for a line break)"));
    }
    if let Some(at) = too_deep(text) {
        return Err(Diagnostic::new(Code::Syntax, Span::new(file, at, at + 1), "blocks nest too deeply")
            .label(format!("more than {MAX_DEPTH} levels deep here"))
            .help("infrac blocks nest at most a few levels (`site { static { … } }`): close the blocks above"));
    }
    match InfracParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let file_pair = pairs
                .next()
                .expect("the `file` rule always produces one pair");
            let items = file_pair
                .into_inner()
                .filter(|p| p.as_rule() == Rule::directive)
                .map(|p| directive(file, p))
                .collect();
            Ok(Ast { file, items })
        }
        Err(err) => Err(syntax_error(file, text, &err)),
    }
}

/// The offset of the first `{` or `[` that opens a level deeper than
/// [`MAX_DEPTH`], ignoring strings and comments. Placeholders (`{path}`)
/// count as a level while open, which only makes the limit stricter by one.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn span_of(file: FileId, pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(file, s.start(), s.end())
}

fn directive(file: FileId, pair: Pair<'_, Rule>) -> Directive<'_> {
    let span = span_of(file, &pair);
    let mut name = None;
    let mut args = Vec::new();
    let mut block = None;
    for inner in pair.into_inner() {
        match inner.as_rule() {
            Rule::name => {
                name = Some(Spanned::new(inner.as_str(), span_of(file, &inner)));
            }
            Rule::block => block = Some(block_of(file, inner)),
            _ => args.push(arg(file, inner)),
        }
    }
    Directive {
        name: name.expect("grammar: a directive starts with a name"),
        args,
        block,
        span,
    }
}

fn block_of(file: FileId, pair: Pair<'_, Rule>) -> Block<'_> {
    let span = span_of(file, &pair);
    let items = pair
        .into_inner()
        .filter(|p| p.as_rule() == Rule::directive)
        .map(|p| directive(file, p))
        .collect();
    Block { items, span }
}

fn arg(file: FileId, pair: Pair<'_, Rule>) -> Arg<'_> {
    let span = span_of(file, &pair);
    let kind = match pair.as_rule() {
        Rule::word => ArgKind::Word(Cow::Borrowed(pair.as_str())),
        Rule::string => {
            let inner = pair
                .into_inner()
                .find(|p| p.as_rule() == Rule::string_inner)
                .map_or("", |p| p.as_str());
            ArgKind::Str(unescape(inner))
        }
        Rule::list => ArgKind::List(
            pair.into_inner()
                .filter(|p| matches!(p.as_rule(), Rule::word | Rule::string))
                .map(|p| arg(file, p))
                .collect(),
        ),
        other => unreachable!("grammar: {other:?} is not an argument"),
    };
    Arg { kind, span }
}

fn unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\\') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Turns pest's error into a diagnostic that names what was expected in
/// words, in the context of the block the error is in.
fn syntax_error(file: FileId, text: &str, err: &pest::error::Error<Rule>) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives: &[Rule] = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => &[],
    };
    let open = enclosing_block(&text[..pos]);
    let context = open.as_ref().map(|(name, _)| name.as_str());
    let expected = expected_words(positives, context);
    let found = found_at(text, pos);
    let message = format!("expected {expected}, found {}", describe_found(&found));
    let help = help_for(positives, &found, context);
    // A block left open at the end of the file: point at its `{`.
    if found.is_empty()
        && let Some((name, brace)) = &open
    {
        return Diagnostic::new(Code::Syntax, Span::new(file, *brace, brace + 1), message)
            .label(format!("this `{name}` block is never closed"))
            .help(help);
    }
    let label = if found.is_empty() || found.ends_with('\n') {
        format!("expected {expected} here")
    } else {
        format!("unexpected {}", describe_found(&found))
    };
    Diagnostic::new(
        Code::Syntax,
        Span::new(file, pos, pos + found.len()),
        message,
    )
    .label(label)
    .help(help)
}

fn describe_found(found: &str) -> String {
    if found.is_empty() {
        "the end of the file".to_owned()
    } else if found == "\n" || found == "\r\n" {
        "the end of the line".to_owned()
    } else {
        format!("`{found}`")
    }
}

/// The token-ish text at `pos`: one punctuation character or a run of word
/// characters.
fn found_at(text: &str, pos: usize) -> String {
    let rest = &text[pos.min(text.len())..];
    let mut chars = rest.chars();
    match chars.next() {
        None => String::new(),
        Some('\r') if rest.starts_with("\r\n") => "\r\n".to_owned(),
        Some(c) if "{}[]\";,\n".contains(c) => c.to_string(),
        Some(_) => rest
            .chars()
            .take_while(|c| !c.is_whitespace() && !"{}[]\";,#".contains(*c))
            .take(40)
            .collect(),
    }
}

/// Only a closing quote can follow: the error is inside a string.
fn in_string(positives: &[Rule]) -> bool {
    positives == [Rule::quote]
}

fn expected_words(positives: &[Rule], context: Option<&str>) -> String {
    if in_string(positives) {
        return "a closing `\"`".to_owned();
    }
    let has = |rules: &[Rule]| positives.iter().any(|r| rules.contains(r));
    let in_list = has(&[Rule::list_close]);
    let mut words: Vec<String> = Vec::new();
    if has(&[Rule::directive, Rule::name]) {
        words.push(crate::vocabulary::expected_in(context));
    }
    if has(&[Rule::word, Rule::string, Rule::list, Rule::quote]) {
        words.push(if in_list {
            "a list item".into()
        } else {
            "an argument".into()
        });
    }
    if has(&[Rule::block, Rule::block_open]) {
        words.push("`{`".into());
    }
    if in_list {
        words.push("`]`".into());
    } else if has(&[Rule::word, Rule::string, Rule::list]) {
        words.push("the end of the line".into());
    }
    if has(&[Rule::block_close]) {
        words.push("`}`".into());
    }
    if has(&[Rule::EOI]) {
        words.push("the end of the file".into());
    }
    match words.as_slice() {
        [] => "a directive".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
    }
}

fn help_for(positives: &[Rule], found: &str, context: Option<&str>) -> String {
    if in_string(positives) {
        return "a string ends on the line it starts on: close it with `\"`".to_owned();
    }
    if positives.contains(&Rule::list_close) {
        return "close the list with `]`".to_owned();
    }
    if found.is_empty() && context.is_some() {
        return "add the `}` that closes it".to_owned();
    }
    if found == "}" {
        return "this `}` closes no block: remove it, or open the block it closes".to_owned();
    }
    if found == "{" {
        return "a block opens at the end of the line of the directive it belongs to".to_owned();
    }
    if found
        .starts_with(|c: char| c.is_ascii_digit() || c == '/' || c == '.' || c == '-' || c == '"')
    {
        return "each line starts with a directive name, then its arguments".to_owned();
    }
    match context {
        Some(c) => format!("`{c}` blocks take one directive a line: `NAME ARGUMENT…`"),
        None => {
            "a file holds declarations such as `site NAME { … }` or `host NAME { … }`".to_owned()
        }
    }
}

/// The directive name and `{` offset of the innermost block still open at
/// the end of `before`: a small scan that skips strings, comments and
/// placeholders.
fn enclosing_block(before: &str) -> Option<(String, usize)> {
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut line_head: Option<String> = None;
    let bytes = before.as_bytes();
    let mut i = 0;
    let mut at_word_start = true;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' | b';' => {
                line_head = None;
                at_word_start = true;
            }
            b'#' if at_word_start => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => {
                let rest = &before[i + 1..];
                let ident_len = rest
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.'))
                    .unwrap_or(rest.len());
                let is_placeholder =
                    !at_word_start && ident_len > 0 && rest[ident_len..].starts_with('}');
                if is_placeholder {
                    // Skip to the placeholder's `}`: it closes no block.
                    i += ident_len + 1;
                } else {
                    stack.push((line_head.take().unwrap_or_default(), i));
                    at_word_start = true;
                }
            }
            b'}' => {
                stack.pop();
                line_head = None;
            }
            b' ' | b'\t' | b'\r' => at_word_start = true,
            _ => {
                if line_head.is_none() {
                    let end = before[i..]
                        .find(|ch: char| ch.is_whitespace() || "{}[]\";#".contains(ch))
                        .map_or(before.len(), |e| i + e);
                    line_head = Some(before[i..end].to_owned());
                }
                at_word_start = false;
            }
        }
        i += 1;
    }
    stack.pop().filter(|(s, _)| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(before: &str) -> Option<&'static str> {
        enclosing_block(before).map(|(n, _)| &*n.leak())
    }

    #[test]
    fn enclosing_block_skips_placeholders_strings_and_comments() {
        assert_eq!(
            name_of("site a {\n  redirect /x https://y{uri}\n  "),
            Some("site")
        );
        assert_eq!(name_of("site a {\n  x \"{\" # {\n"), Some("site"));
        assert_eq!(name_of("site a {\n static {\n root /x\n }\n"), Some("site"));
        assert_eq!(name_of("site a { }\n"), None);
    }

    fn words(text: &str) -> Vec<String> {
        let ast = parse(FileId(0), text).expect("parses");
        ast.items[0]
            .args
            .iter()
            .map(|a| match &a.kind {
                ArgKind::Word(w) => format!("w:{w}"),
                ArgKind::Str(s) => format!("s:{s}"),
                ArgKind::List(l) => format!("list:{}", l.len()),
            })
            .collect()
    }

    #[test]
    fn words_end_at_white_space_and_punctuation_and_keep_placeholders() {
        assert_eq!(
            words("redirect /a#b https://x{uri}/y{path}z \"q\" [a, b];"),
            ["w:/a#b", "w:https://x{uri}/y{path}z", "s:q", "list:2"]
        );
        assert_eq!(words("tags a # a comment"), ["w:a"]);
    }

    #[test]
    fn a_control_character_is_reported_where_it_is() {
        let text = "site a {\n    header X-A va\u{c}lue\n}\n";
        let err = parse(FileId(0), text).expect_err("rejected");
        let at = text.find('\u{c}').unwrap();
        assert_eq!((err.span().start, err.span().end), (at, at + 1));
        assert!(err.message.contains("U+000C"), "{}", err.message);
        // A tab is white space, not an error.
        assert!(parse(FileId(0), "site a {\n\theader X-A v\n}\n").is_ok());
    }
}
