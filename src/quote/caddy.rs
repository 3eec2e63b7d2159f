//! Caddyfile tokens.
//!
//! Caddy's lexer splits tokens at Unicode white space, starts a comment at
//! a `#` that begins a token, reads `"…"` with `\"` as the only escape
//! (other backslashes stay), reads `` `…` `` with no escape at all, and
//! reads heredocs (`<<END` … `END`). Whatever the quoting, `{$VAR}` is
//! replaced by an environment variable when the file is read and `{…}` is
//! a placeholder at run time: braces are never the user's text (the
//! checker rejects them), only infrac's placeholders.

use super::{Format, Unquotable};

/// A character a bare token may hold without changing meaning.
fn bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._~:/@=+%*?&!-".contains(c)
}

/// One piece of a token: the user's text, or a Caddy placeholder written
/// by infrac (`vars.rest` for `{vars.rest}`).
#[derive(Clone, Copy, Debug)]
pub enum Part<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

/// A string literal in a CEL expression (an `expression` matcher), with
/// CEL's escapes; the expression is then one token like any other.
#[must_use]
pub fn cel_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A value as one Caddyfile token.
pub fn token(value: &str) -> Result<String, Unquotable> {
    token_parts(&[Part::Text(value)])
}

/// Text and placeholders as one token: `https://example.org{uri}`.
pub fn token_parts(parts: &[Part<'_>]) -> Result<String, Unquotable> {
    let mut full = String::new();
    for part in parts {
        match part {
            Part::Text(t) => {
                if let Some(why) = problem(t) {
                    return Err(Unquotable::new(Format::Caddy, t, why));
                }
                full.push_str(t);
            }
            Part::Placeholder(p) => {
                // `{?query}`: the Caddyfile's shorthand for `?` and the
                // query, or nothing.
                if *p != "?query"
                    && !p
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                {
                    return Err(Unquotable::new(Format::Caddy, p, "not a placeholder name"));
                }
                full.push('{');
                full.push_str(p);
                full.push('}');
            }
        }
    }
    Ok(quote_checked(&full))
}

fn problem(text: &str) -> Option<&'static str> {
    if text.contains(['{', '}']) {
        return Some("Caddy reads `{…}` as a placeholder or an environment variable");
    }
    if text.chars().any(super::forbidden_char) {
        return Some("a control or invisible character");
    }
    None
}

/// Quotes text whose braces are placeholders.
fn quote_checked(full: &str) -> String {
    if !full.is_empty() && full.chars().all(|c| bare(c) || c == '{' || c == '}') {
        return full.to_owned();
    }
    if !full.contains('`') {
        return format!("`{full}`");
    }
    if !full.contains('\\') {
        return format!("\"{}\"", full.replace('"', "\\\""));
    }
    // Backticks and backslashes: a heredoc, whose content is literal.
    let mut marker = "INFRAC".to_owned();
    while full.contains(&marker) {
        marker.push('_');
    }
    format!("<<{marker}\n{full}\n{marker}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(token("/var/www").unwrap(), "/var/www");
        assert_eq!(token("localhost:2019").unwrap(), "localhost:2019");
    }

    #[test]
    fn anything_else_is_quoted_literally() {
        assert_eq!(token("a b").unwrap(), "`a b`");
        assert_eq!(token("#x").unwrap(), "`#x`");
        assert_eq!(token("").unwrap(), "``");
        assert_eq!(token("a\u{a0}b").unwrap(), "`a\u{a0}b`");
        assert_eq!(token("a`b\"c").unwrap(), "\"a`b\\\"c\"");
        assert_eq!(token("a`b\\").unwrap(), "<<INFRAC\na`b\\\nINFRAC");
    }

    #[test]
    fn braces_are_never_text() {
        assert!(token("{$HOME}").is_err());
        assert!(token("{env.HOME}").is_err());
        assert_eq!(
            token_parts(&[Part::Text("/x "), Part::Placeholder("vars.rest")]).unwrap(),
            "`/x {vars.rest}`"
        );
    }
}
