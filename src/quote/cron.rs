//! `/etc/cron.d` entries: `SCHEDULE USER COMMAND`. Fields are split at
//! white space, and in the command `%` is a line break.

use super::{Format, Unquotable};

/// A user or a script path: one field.
pub fn field(value: &str) -> Result<String, Unquotable> {
    if value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c == '%' || super::forbidden_char(c))
    {
        return Err(Unquotable::new(
            Format::Cron,
            value,
            "a cron field has no white space and no `%`",
        ));
    }
    Ok(value.to_owned())
}

/// A five-field schedule or an `@` macro (checked by the checker).
pub fn schedule(value: &str) -> Result<String, Unquotable> {
    let ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " */,-@".contains(c));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(Unquotable::new(Format::Cron, value, "not a cron schedule"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields() {
        assert!(super::field("/usr/local/lib/infrac/x").is_ok());
        assert!(super::field("a b").is_err());
        assert!(super::field("a%b").is_err());
        assert!(super::schedule("*/15 * * * *").is_ok());
        assert!(super::schedule("0 0 * * * %").is_err());
        assert!(super::schedule("0 0 * * * ;").is_err());
    }
}
