//! The unit settings `set SECTION.Key VALUE` may write, each with the type
//! of value systemd takes for it, so a value systemd would reject (or
//! split, or expand) is reported here instead of by `systemd-analyze`.

/// What a setting's value is.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Bool,
    Choice(&'static [&'static str]),
    /// One absolute path (`-` in front: a missing file is no error).
    Path,
    /// Absolute paths separated by spaces (each may start with `-`).
    Paths,
    /// A time span: `30s`, `5min`, `1h 30min`, `infinity`.
    Span,
    Number,
    /// Unit names separated by spaces.
    Units,
    /// A user or group name.
    Name,
    /// `NAME=VALUE`, one assignment without spaces or quotes.
    Assignment,
    /// URLs separated by spaces.
    Urls,
}

use Kind::{Assignment, Bool, Choice, Name, Number, Path, Paths, Span, Units, Urls};

const SETTINGS: &[(&str, &str, Kind)] = &[
    ("Unit", "Documentation", Urls),
    ("Unit", "Requires", Units),
    ("Unit", "BindsTo", Units),
    ("Unit", "PartOf", Units),
    ("Unit", "Before", Units),
    ("Unit", "Conflicts", Units),
    ("Unit", "ConditionPathExists", Path),
    ("Unit", "StartLimitIntervalSec", Span),
    ("Unit", "StartLimitBurst", Number),
    (
        "Service",
        "ProtectSystem",
        Choice(&["yes", "no", "true", "false", "full", "strict"]),
    ),
    (
        "Service",
        "ProtectHome",
        Choice(&["yes", "no", "true", "false", "read-only", "tmpfs"]),
    ),
    ("Service", "NoNewPrivileges", Bool),
    ("Service", "PrivateTmp", Bool),
    ("Service", "PrivateDevices", Bool),
    ("Service", "PrivateNetwork", Bool),
    ("Service", "ProtectKernelTunables", Bool),
    ("Service", "ProtectKernelModules", Bool),
    ("Service", "ProtectKernelLogs", Bool),
    ("Service", "ProtectControlGroups", Bool),
    ("Service", "ProtectClock", Bool),
    ("Service", "ProtectHostname", Bool),
    ("Service", "RestrictRealtime", Bool),
    ("Service", "RestrictSUIDSGID", Bool),
    ("Service", "LockPersonality", Bool),
    ("Service", "MemoryDenyWriteExecute", Bool),
    ("Service", "RemainAfterExit", Bool),
    ("Service", "ReadWritePaths", Paths),
    ("Service", "ReadOnlyPaths", Paths),
    ("Service", "InaccessiblePaths", Paths),
    ("Service", "WorkingDirectory", Path),
    ("Service", "EnvironmentFile", Path),
    ("Service", "Environment", Assignment),
    ("Service", "TimeoutStartSec", Span),
    ("Service", "TimeoutStopSec", Span),
    ("Service", "RestartSec", Span),
    ("Service", "RuntimeMaxSec", Span),
    ("Service", "LimitNOFILE", Number),
    ("Service", "Nice", Number),
    ("Service", "Group", Name),
    ("Service", "SupplementaryGroups", Name),
    (
        "Service",
        "KillMode",
        Choice(&["control-group", "mixed", "process", "none"]),
    ),
    ("Install", "WantedBy", Units),
    ("Install", "RequiredBy", Units),
    ("Install", "Alias", Units),
    ("Timer", "RandomizedDelaySec", Span),
    ("Timer", "AccuracySec", Span),
    ("Timer", "OnBootSec", Span),
    ("Timer", "Persistent", Bool),
];

/// Every `SECTION.Key` `set` takes, for "did you mean".
pub fn names() -> impl Iterator<Item = String> {
    SETTINGS.iter().map(|(s, k, _)| format!("{s}.{k}"))
}

/// Whether `SECTION.Key` is one `set` takes.
#[must_use]
pub fn known(section: &str, key: &str) -> bool {
    SETTINGS.iter().any(|(s, k, _)| *s == section && *k == key)
}

fn span(word: &str) -> bool {
    if word == "infinity" {
        return true;
    }
    let mut rest = word;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = [
            "usec", "us", "msec", "ms", "sec", "s", "min", "m", "hr", "h", "d", "w",
        ]
        .into_iter()
        .find(|u| rest.starts_with(u))
        .unwrap_or("");
        rest = &rest[unit.len()..];
    }
    true
}

fn unit_name(w: &str) -> bool {
    !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":-_.@".contains(c))
        && w.contains('.')
}

/// Checks a value against its setting's type.
pub fn check(section: &str, key: &str, value: &str) -> Result<(), String> {
    let Some((_, _, kind)) = SETTINGS.iter().find(|(s, k, _)| *s == section && *k == key) else {
        return Err(crate::check::say::why::unit_setting_unknown(section, key));
    };
    let words: Vec<&str> = value.split(' ').collect();
    let path = |w: &str| super::rules::absolute_path(w.strip_prefix('-').unwrap_or(w)).is_ok();
    let ok = match kind {
        Bool => ["yes", "no", "true", "false", "on", "off", "1", "0"].contains(&value),
        Choice(choices) => choices.contains(&value),
        Path => path(value.strip_prefix('!').unwrap_or(value)),
        Paths => words.iter().all(|w| path(w)),
        Span => words.iter().all(|w| span(w)),
        Number => {
            value == "infinity"
                || value
                    .strip_prefix('-')
                    .unwrap_or(value)
                    .parse::<u64>()
                    .is_ok()
        }
        Units => words.iter().all(|w| unit_name(w)),
        Name => {
            !value.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
        }
        Assignment => value.split_once('=').is_some_and(|(n, v)| {
            n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !v
                    .chars()
                    .any(|c| c.is_whitespace() || "\"'\\%$".contains(c))
        }),
        Urls => words.iter().all(|w| {
            w.starts_with("man:")
                && w[4..]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "()._-".contains(c))
                || super::rules::url(w).is_ok()
        }),
    };
    if ok {
        Ok(())
    } else {
        use crate::check::say::why;
        Err(match kind {
            Bool => why::unit_bool(),
            Choice(c) => why::unit_choice(c),
            Path => why::unit_path(),
            Paths => why::unit_paths(),
            Span => why::unit_span(),
            Number => why::unit_number(),
            Units => why::unit_units(),
            Name => why::unit_group(),
            Assignment => why::unit_assignment(),
            Urls => why::unit_urls(),
        })
    }
}

use crate::check::Checker;
use crate::check::say;
use crate::syntax::Arg;

impl Checker<'_> {
    pub(crate) fn unit_setting(
        &mut self,
        key: &Arg<'_>,
        value: &Arg<'_>,
    ) -> Option<(String, String, String)> {
        let key_text = self.text(key)?;
        let value_text = self.text(value)?;
        let parts = key_text.split_once('.');
        let valid = parts.is_some_and(|(section, k)| super::unit_setting::known(section, k));
        if !valid {
            let names: Vec<String> = super::unit_setting::names().collect();
            self.report(say::value::unknown_unit_setting(key.span, key_text, &names));
            return None;
        }
        let (section, k) = parts.unwrap_or_default();
        if let Err(why) = super::text::unit_text(value_text)
            .and_then(|()| super::unit_setting::check(section, k, value_text))
        {
            self.report(say::value::invalid_unit_setting(
                value.span, value_text, key_text, k, why,
            ));
            return None;
        }
        Some((section.to_owned(), k.to_owned(), value_text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_take_their_types() {
        assert!(check("Service", "ProtectSystem", "strict").is_ok());
        assert!(check("Service", "ProtectSystem", "x; return").is_err());
        assert!(check("Service", "ReadWritePaths", "/var/www -/srv/x").is_ok());
        assert!(check("Service", "ReadWritePaths", "/var/www %H").is_err());
        assert!(check("Service", "TimeoutStartSec", "1min 30s").is_ok());
        assert!(check("Service", "Environment", "A=1").is_ok());
        assert!(check("Service", "Environment", "A=1 B=2").is_err());
        assert!(check("Service", "Bogus", "1").is_err());
        assert!(check("Unit", "Documentation", "https://example.org man:caddy(8)").is_ok());
    }
}
