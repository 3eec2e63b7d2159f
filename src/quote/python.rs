//! Python string literals (the webhook receiver): a JSON string, which
//! Python reads as the same text, with everything outside ASCII escaped.

use std::fmt::Write as _;

#[must_use]
pub fn string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn strings() {
        assert_eq!(super::string("a\"b\n\u{e9}"), "\"a\\\"b\\u000a\\u00e9\"");
    }
}
