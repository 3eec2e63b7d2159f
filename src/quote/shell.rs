//! POSIX shell words: a value is one word, single-quoted unless it is
//! plainly safe. Inside single quotes nothing is special; a `'` is written
//! `'\''`. A command the user writes is one word too, given to `sh -c`.

fn bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._/:@+%,-".contains(c)
}

/// `value` as one shell word.
#[must_use]
pub fn word(value: &str) -> String {
    if !value.is_empty() && value.chars().all(bare) {
        return value.to_owned();
    }
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// Words as a command line: each quoted, joined by spaces.
#[must_use]
pub fn command<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| word(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(word("/var/www"), "/var/www");
        assert_eq!(word(""), "''");
        assert_eq!(word("a b"), "'a b'");
        assert_eq!(word("it's $(x)"), "'it'\\''s $(x)'");
        assert_eq!(word("~root"), "'~root'");
        assert_eq!(command(&["echo", "a b"]), "echo 'a b'");
    }
}
