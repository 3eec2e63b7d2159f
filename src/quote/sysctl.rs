//! `/etc/sysctl.d` files: `key = value` lines. The value runs to the end of
//! the line with white space around it dropped; nothing is escaped.

use super::{Format, Unquotable};

/// A setting's value.
pub fn value(value: &str) -> Result<String, Unquotable> {
    if value.chars().any(super::forbidden_char) {
        return Err(Unquotable::new(
            Format::Sysctl,
            value,
            "a control or invisible character",
        ));
    }
    if value.is_empty() || value.trim() != value {
        return Err(Unquotable::new(
            Format::Sysctl,
            value,
            "sysctl drops white space around a value",
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn values() {
        assert_eq!(super::value("4096 87380").unwrap(), "4096 87380");
        assert!(super::value("x\nkernel.pwned = 1").is_err());
        assert!(super::value(" 1").is_err());
    }
}
