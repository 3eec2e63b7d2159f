//! systemd unit files.
//!
//! A unit file's value runs to the end of its line; a line ending in `\`
//! continues on the next; white space around a value is dropped; `%x` is a
//! specifier (`%%` is a `%`). In command lines (`ExecStart=`), words are
//! split at white space and may be `"…"`-quoted with C escapes, and `$VAR`
//! and `${VAR}` are environment variables (`$$` is a `$`).

use super::{Format, Unquotable};

/// A value of a setting (`Description=`, a `set` value, a path).
pub fn text(value: &str) -> Result<String, Unquotable> {
    if value.chars().any(super::forbidden_char) {
        return Err(Unquotable::new(
            Format::Systemd,
            value,
            "a control or invisible character",
        ));
    }
    if value.ends_with('\\') {
        return Err(Unquotable::new(
            Format::Systemd,
            value,
            "a line ending in `\\` continues on the next line",
        ));
    }
    if value.trim() != value {
        return Err(Unquotable::new(
            Format::Systemd,
            value,
            "systemd drops white space around a value",
        ));
    }
    Ok(value.replace('%', "%%"))
}

fn bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._/:@+,=-".contains(c)
}

/// One word of a command line.
pub fn exec_word(value: &str) -> Result<String, Unquotable> {
    if value.chars().any(super::forbidden_char) {
        return Err(Unquotable::new(
            Format::Systemd,
            value,
            "a control or invisible character",
        ));
    }
    if !value.is_empty() && value.chars().all(bare) {
        return Ok(value.to_owned());
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            _ => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

/// A command line from words (`ExecStart=`).
pub fn exec<S: AsRef<str>>(words: &[S]) -> Result<String, Unquotable> {
    let quoted: Result<Vec<String>, Unquotable> =
        words.iter().map(|w| exec_word(w.as_ref())).collect();
    Ok(quoted?.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_specifiers_literal_and_refuses_continuations() {
        assert_eq!(text("100% on %H").unwrap(), "100%% on %%H");
        assert!(text("x\\").is_err());
        assert!(text(" x").is_err());
        assert!(text("x\n[Service]").is_err());
    }

    #[test]
    fn exec_words_are_quoted_with_c_escapes() {
        assert_eq!(
            exec(&["/bin/sh", "-c", "echo \"$HOME\" 100% \\"]).unwrap(),
            "/bin/sh -c \"echo \\\"$$HOME\\\" 100%% \\\\\""
        );
    }
}
