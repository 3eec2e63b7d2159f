//! Stage 1: source text → [`Ast`]. pest is used here and nowhere else.

mod ast;

pub use ast::{Arg, ArgKind, Ast, Block, Directive};

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use crate::check::schema;
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span, Spanned};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/infrac.pest"]
struct InfracParser;

/// Parses one file. A syntax error is reported as one diagnostic at the
/// first place the file stops making sense.
pub fn parse(file: FileId, text: &str) -> Result<Ast, Diagnostic> {
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

fn span_of(file: FileId, pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(file, s.start(), s.end())
}

fn directive(file: FileId, pair: Pair<'_, Rule>) -> Directive {
    let span = span_of(file, &pair);
    let mut name = None;
    let mut args = Vec::new();
    let mut block = None;
    for inner in pair.into_inner() {
        match inner.as_rule() {
            Rule::name => {
                name = Some(Spanned::new(
                    inner.as_str().to_owned(),
                    span_of(file, &inner),
                ))
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

fn block_of(file: FileId, pair: Pair<'_, Rule>) -> Block {
    let span = span_of(file, &pair);
    let items = pair
        .into_inner()
        .filter(|p| p.as_rule() == Rule::directive)
        .map(|p| directive(file, p))
        .collect();
    Block { items, span }
}

fn arg(file: FileId, pair: Pair<'_, Rule>) -> Arg {
    let span = span_of(file, &pair);
    let kind = match pair.as_rule() {
        Rule::word => ArgKind::Word(pair.as_str().to_owned()),
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

fn unescape(s: &str) -> String {
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
    out
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
    let context = enclosing_block(&text[..pos]);
    let expected = expected_words(positives, context.as_deref());
    let found = found_at(text, pos);
    let end = (pos + found.len()).max(pos);
    let mut diag = Diagnostic::new(
        Code::Syntax,
        Span::new(file, pos, end),
        format!("expected {expected}, found {}", describe_found(&found)),
    )
    .label(format!("expected {expected}"));
    diag = diag.help(help_for(positives, &found, context.as_deref()));
    diag
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
            .collect::<String>()
            .chars()
            .take(40)
            .collect(),
    }
}

fn expected_words(positives: &[Rule], context: Option<&str>) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut push = |w: String| {
        if !words.contains(&w) {
            words.push(w);
        }
    };
    let wants_arg = positives
        .iter()
        .any(|r| matches!(r, Rule::word | Rule::string | Rule::list));
    for rule in positives {
        match rule {
            Rule::directive | Rule::name => push(schema::expected_in(context)),
            Rule::word | Rule::string | Rule::list => {
                push("an argument".to_owned());
            }
            Rule::block | Rule::block_open => push("`{`".to_owned()),
            Rule::block_close => push("`}`".to_owned()),
            Rule::list_close => push("`]`".to_owned()),
            Rule::list_open => push("`[`".to_owned()),
            Rule::quote => push("a closing `\"`".to_owned()),
            Rule::EOI => push("the end of the file".to_owned()),
            Rule::placeholder => push("a placeholder such as `{path}`".to_owned()),
            _ => {}
        }
    }
    if wants_arg {
        push("the end of the line".to_owned());
    }
    if words.is_empty() {
        return "a directive".to_owned();
    }
    match words.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
        [] => unreachable!(),
    }
}

fn help_for(positives: &[Rule], found: &str, context: Option<&str>) -> String {
    if positives.contains(&Rule::quote) {
        return "a string ends on the line it starts on: close it with `\"`".to_owned();
    }
    if positives.contains(&Rule::block_close) && found.is_empty() {
        let what = context.map_or(String::new(), |c| format!(" of this `{c}`"));
        return format!("the block{what} is not closed: add `}}`");
    }
    if found == "}" {
        return "this `}` closes no block: remove it, or open the block it closes".to_owned();
    }
    if found.starts_with(|c: char| c.is_ascii_digit() || c == '/' || c == '.' || c == '-') {
        return "each line starts with a directive name, then its arguments".to_owned();
    }
    match context {
        Some(c) => format!("`{c}` blocks take one directive a line: `NAME ARGUMENT…`"),
        None => {
            "a file holds declarations such as `site NAME { … }` or `host NAME { … }`".to_owned()
        }
    }
}

/// The directive name of the innermost block still open at the end of
/// `before`: a small scan that skips strings, comments and placeholders.
fn enclosing_block(before: &str) -> Option<String> {
    let mut stack: Vec<String> = Vec::new();
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
                if !is_placeholder {
                    stack.push(line_head.take().unwrap_or_default());
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
    stack.pop().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enclosing_block_skips_placeholders_strings_and_comments() {
        assert_eq!(
            enclosing_block("site a {\n  redirect /x https://y{uri}\n  "),
            Some("site".into())
        );
        assert_eq!(
            enclosing_block("site a {\n  x \"{\" # {\n"),
            Some("site".into())
        );
        assert_eq!(
            enclosing_block("site a {\n static {\n root /x\n }\n"),
            Some("site".into())
        );
        assert_eq!(enclosing_block("site a { }\n"), None);
    }
}
