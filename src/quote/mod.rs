//! How a value is written into each generated file's format: one module
//! per format, one rule per kind of token. Pure functions, used by the
//! renderers (through the template formatter, so a template cannot forget
//! them) and by the checker (to know what a format can carry at all).
//!
//! A quoting function either returns the value written so that the
//! consuming tool reads it back as exactly that value — never as a second
//! directive, key, option or variable — or says why the format cannot
//! carry it ([`Unquotable`]). The checker rejects such values first, so an
//! `Unquotable` during rendering is a bug in infrac (exit 2), never output.

pub mod caddy;
pub mod cron;
pub mod nginx;
pub mod python;
pub mod shell;
pub mod sysctl;
pub mod systemd;
pub mod yaml;

use std::fmt;

/// A generated file's format: how values are quoted in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Caddy,
    Nginx,
    Shell,
    Systemd,
    Yaml,
    Sysctl,
    Cron,
    Python,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Caddy,
        Format::Nginx,
        Format::Shell,
        Format::Systemd,
        Format::Yaml,
        Format::Sysctl,
        Format::Cron,
        Format::Python,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Caddy => "caddyfile",
            Format::Nginx => "nginx",
            Format::Shell => "shell",
            Format::Systemd => "systemd",
            Format::Yaml => "yaml",
            Format::Sysctl => "sysctl",
            Format::Cron => "cron",
            Format::Python => "python",
        }
    }

    #[must_use]
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The format of a template, by its file name. Every template has one:
    /// an unknown name is a bug caught when the templates are loaded.
    #[must_use]
    pub fn of_template(name: &str) -> Option<Format> {
        let stem = name.strip_suffix(".j2")?;
        Some(if stem == "Caddyfile" {
            Format::Caddy
        } else if stem.starts_with("nginx-") && stem.ends_with(".conf") {
            Format::Nginx
        } else if stem.ends_with(".sh") {
            Format::Shell
        } else if stem.ends_with(".service") || stem.ends_with(".timer") {
            Format::Systemd
        } else if stem.ends_with(".yml") {
            Format::Yaml
        } else if stem.starts_with("sysctl") {
            Format::Sysctl
        } else if stem == "cron" {
            Format::Cron
        } else if stem.ends_with(".py") {
            Format::Python
        } else {
            return None;
        })
    }

    /// `value` as one token, word or scalar of this format: what a template
    /// writes for `{{ value }}`.
    pub fn quote(self, value: &str) -> Result<String, Unquotable> {
        match self {
            Format::Caddy => caddy::token(value),
            Format::Nginx => nginx::param(value),
            Format::Shell => Ok(shell::word(value)),
            Format::Systemd => systemd::text(value),
            Format::Yaml => Ok(yaml::scalar(value)),
            Format::Sysctl => sysctl::value(value),
            Format::Cron => cron::field(value),
            Format::Python => Ok(python::string(value)),
        }
    }
}

/// A value a format cannot carry as the literal it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unquotable {
    pub format: Format,
    pub value: String,
    pub why: &'static str,
}

impl Unquotable {
    pub(crate) fn new(format: Format, value: &str, why: &'static str) -> Unquotable {
        Unquotable {
            format,
            value: value.chars().take(80).collect(),
            why,
        }
    }
}

impl fmt::Display for Unquotable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cannot carry {:?}: {}",
            self.format.name(),
            self.value,
            self.why
        )
    }
}

impl std::error::Error for Unquotable {}

/// Characters no value may hold, whatever its format: control characters
/// (line breaks, tabs, NUL, …), Unicode line and paragraph separators,
/// and invisible formatting characters (bidirectional overrides,
/// zero-width characters, byte-order marks) that make text read
/// differently from what it is.
#[must_use]
pub fn forbidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{2028}' | '\u{2029}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}')
}

/// Text for a comment line of any format: a file name in a generated
/// file's header. Characters a comment cannot hold become `?`: those that
/// end a line, a `\` (systemd joins the next line), and braces (Caddy
/// replaces `{$VAR}` before it sees comments).
#[must_use]
pub fn comment(text: &str) -> String {
    text.chars()
        .map(|c| {
            if forbidden_char(c) || matches!(c, '\\' | '{' | '}') {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// A piece of a value that mixes the user's text with the target's
/// variables: `/stable{path}index.html` is `Text("/stable")`, `Var(Path)`,
/// `Text("index.html")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Var(Var),
}

/// Request values a redirect target, rewrite or candidate may include.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Var {
    /// The request path.
    Path,
    /// The query string (without `?`).
    Query,
    /// Path and query.
    Uri,
    /// The requested host name.
    Host,
    /// What the trailing `*` of a prefix pattern matched.
    Rest,
    /// `?` and the query string, or nothing when there is none: the
    /// plan's (a redirect keeps the request's query); users write `{query}`.
    KeptQuery,
}

impl Var {
    pub const ALL: [Var; 6] = [
        Var::Path,
        Var::Query,
        Var::Uri,
        Var::Host,
        Var::Rest,
        Var::KeptQuery,
    ];

    /// Its name in infrac (`{path}`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Var::Path => "path",
            Var::Query => "query",
            Var::Uri => "uri",
            Var::Host => "host",
            Var::Rest => "rest",
            Var::KeptQuery => "?query",
        }
    }
}

/// Splits text with infrac placeholders (`{path}`, …) into segments. A
/// brace that is not one of [`Var::ALL`] is an error (the checker reports
/// it first).
pub fn segments(text: &str) -> Result<Vec<Segment>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("`}` without `{`".to_owned());
        }
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| "`{` is never closed".to_owned())?;
        let name = &rest[open + 1..open + close];
        let var = Var::ALL
            .into_iter()
            .find(|v| v.name() == name)
            .ok_or_else(|| format!("`{{{name}}}` is not a placeholder"))?;
        if open > 0 {
            out.push(Segment::Text(rest[..open].to_owned()));
        }
        out.push(Segment::Var(var));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_has_a_format() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(Format::of_template(&name).is_some(), "{name}");
            seen += 1;
        }
        assert!(seen >= 13, "{seen} templates");
        assert_eq!(Format::of_template("README.md"), None);
    }

    #[test]
    fn segments_split_placeholders_and_reject_other_braces() {
        assert_eq!(
            segments("/stable{path}index.html").unwrap(),
            vec![
                Segment::Text("/stable".into()),
                Segment::Var(Var::Path),
                Segment::Text("index.html".into())
            ]
        );
        assert!(segments("{env.HOME}").is_err());
        assert!(segments("{$HOME}").is_err());
        assert!(segments("a}b").is_err());
        assert!(segments("a{path").is_err());
    }

    #[test]
    fn comments_cannot_end_their_line() {
        assert_eq!(comment("a\nb\u{2028}c\\"), "a?b?c?");
        assert_eq!(comment("{$HOME}.infra"), "?$HOME?.infra");
    }
}
