//! NGINX parameters.
//!
//! NGINX splits parameters at white space and `;`, opens blocks at `{`,
//! starts comments at a `#` that begins a parameter, and reads `"…"` with
//! `\"` and `\\` as escapes. In most directives' parameters `$name` and
//! `${name}` are variables, and NGINX has no escape for `$`: a literal `$`
//! is written as `${infrac_dollar}`, a variable that `geo` defines as `$`
//! in the common conf. Directives that never expand variables (`location`,
//! regexes, `include`) take [`literal`] instead.

use super::{Format, Unquotable};

/// NGINX reads a parameter into a 4 KiB buffer ("too long parameter").
pub const MAX_PARAM: usize = 4000;

/// The variable the common conf defines as a literal `$`.
pub const DOLLAR: &str = "${infrac_dollar}";

fn bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._~:/@=+%*?&!,-".contains(c)
}

/// One piece of a parameter: the user's text, or a variable written by
/// infrac (`uri` for `${uri}`).
#[derive(Clone, Copy, Debug)]
pub enum Part<'a> {
    Text(&'a str),
    Var(&'a str),
}

/// A value as one parameter of a directive that expands variables
/// (`return`, `root`, `add_header`, `try_files`, `error_page`, `set`, …).
pub fn param(value: &str) -> Result<String, Unquotable> {
    param_parts(&[Part::Text(value)])
}

/// Text and variables as one parameter: `https://example.org${request_uri}`.
pub fn param_parts(parts: &[Part<'_>]) -> Result<String, Unquotable> {
    let mut body = String::new();
    let mut plain = true;
    for part in parts {
        match part {
            Part::Text(t) => {
                check(t)?;
                for c in t.chars() {
                    match c {
                        '$' => body.push_str(DOLLAR),
                        '"' | '\\' => {
                            body.push('\\');
                            body.push(c);
                        }
                        _ => body.push(c),
                    }
                    plain &= bare(c);
                }
            }
            Part::Var(v) => {
                if !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(Unquotable::new(Format::Nginx, v, "not a variable name"));
                }
                body.push_str("${");
                body.push_str(v);
                body.push('}');
            }
        }
    }
    finish(body, plain, parts)
}

/// A value as one parameter of a directive that does not expand variables
/// (a `location` path or regex, `rewrite`'s regex, `include`).
pub fn literal(value: &str) -> Result<String, Unquotable> {
    check(value)?;
    let plain = value.chars().all(bare);
    let body: String = value
        .chars()
        .flat_map(|c| {
            let escape = matches!(c, '"' | '\\');
            escape.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect();
    finish(body, plain, &[Part::Text(value)])
}

fn check(text: &str) -> Result<(), Unquotable> {
    if text.chars().any(super::forbidden_char) {
        return Err(Unquotable::new(
            Format::Nginx,
            text,
            "a control or invisible character",
        ));
    }
    Ok(())
}

fn finish(body: String, plain: bool, parts: &[Part<'_>]) -> Result<String, Unquotable> {
    if body.len() > MAX_PARAM {
        let text = parts
            .iter()
            .find_map(|p| match p {
                Part::Text(t) => Some(*t),
                Part::Var(_) => None,
            })
            .unwrap_or("");
        return Err(Unquotable::new(
            Format::Nginx,
            text,
            "longer than an NGINX parameter may be",
        ));
    }
    let only_vars = parts.iter().all(|p| matches!(p, Part::Var(_)));
    if (plain || only_vars) && !body.is_empty() {
        Ok(body)
    } else {
        Ok(format!("\"{body}\""))
    }
}

/// How long `value` is once written as a parameter.
#[must_use]
pub fn written_len(value: &str) -> usize {
    value
        .chars()
        .map(|c| match c {
            '$' => DOLLAR.len(),
            '"' | '\\' => 2,
            _ => c.len_utf8(),
        })
        .sum::<usize>()
        + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(param("/var/www/site").unwrap(), "/var/www/site");
    }

    #[test]
    fn separators_quotes_and_dollars_stay_text() {
        assert_eq!(
            param("x; return 200 pwned; #").unwrap(),
            "\"x; return 200 pwned; #\""
        );
        assert_eq!(param("a\"b\\").unwrap(), "\"a\\\"b\\\\\"");
        assert_eq!(param("$http_x").unwrap(), "\"${infrac_dollar}http_x\"");
        assert_eq!(param("").unwrap(), "\"\"");
        assert_eq!(literal("^/a$").unwrap(), "\"^/a$\"");
    }

    #[test]
    fn variables_are_braced_so_text_may_follow() {
        assert_eq!(
            param_parts(&[
                Part::Text("/stable"),
                Part::Var("uri"),
                Part::Text("index.html")
            ])
            .unwrap(),
            "/stable${uri}index.html"
        );
        assert_eq!(
            param_parts(&[Part::Var("request_uri")]).unwrap(),
            "${request_uri}"
        );
    }

    #[test]
    fn long_values_are_refused() {
        assert!(param(&"a".repeat(MAX_PARAM + 1)).is_err());
        assert!(param(&"$".repeat(300)).is_err());
        assert!(written_len(&"$".repeat(300)) > MAX_PARAM);
    }
}
