//! YAML scalars of a compose or stack file.
//!
//! A scalar is written plain only when it is a name that no YAML version
//! reads as anything but a string; otherwise it is double-quoted with
//! escapes for everything YAML does not take literally (and for U+0085,
//! U+2028 and U+2029, which YAML 1.1 reads as line breaks). Compose
//! replaces `$VAR` and `${VAR}` in values; `$$` is a literal `$`.

use std::fmt::Write as _;

fn plain(value: &str) -> bool {
    const SPECIAL: [&str; 11] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "nan",
    ];
    value.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && !SPECIAL.contains(&value.to_ascii_lowercase().as_str())
}

/// Whether YAML takes `c` literally inside a double-quoted scalar.
fn printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// `value` as a scalar compose reads back as exactly `value`.
#[must_use]
pub fn scalar(value: &str) -> String {
    if plain(value) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("$$"),
            c if printable(c) => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04X}");
                }
            }
        }
    }
    out.push('"');
    out
}

/// A reference compose resolves from the environment: `"${NAME}"`.
pub fn variable(name: &str) -> Result<String, super::Unquotable> {
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(super::Unquotable::new(
            super::Format::Yaml,
            name,
            "not an environment variable name",
        ));
    }
    Ok(format!("\"${{{name}}}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars() {
        assert_eq!(scalar("opam_live"), "opam_live");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("8080"), "\"8080\"");
        assert_eq!(scalar("a: b\n- c"), "\"a: b\\u000A- c\"");
        assert_eq!(scalar("${VAR} \"x\""), "\"$${VAR} \\\"x\\\"\"");
        assert_eq!(scalar("\u{2028}"), "\"\\u2028\"");
        assert_eq!(scalar("\u{1F600}"), "\"\u{1F600}\"");
        assert_eq!(variable("DB_PASS").unwrap(), "\"${DB_PASS}\"");
        assert!(variable("A{repo}").is_err());
    }
}
