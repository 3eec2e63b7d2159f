//! Escaping by construction: every `{{ value }}` in a template goes through
//! the quoting rule of the template's format (`crate::quote`), chosen by
//! the template's file name. A template has no way to write a value raw:
//! the `safe` and `tojson` filters are removed, and the only unescaped
//! text is a [`Raw`] that Rust code of `render` built with the same
//! quoting functions (grep `Raw::` to review every one).

use minijinja::value::{Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State};
use serde::Serialize;

use crate::quote::{Format, Unquotable};

/// Text already in the target format's syntax, written by infrac: a
/// matcher, a variable, a listen address, a value quoted by `quote`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raw(String);

impl Raw {
    /// Syntax infrac writes itself (no user value in it), or text that a
    /// `quote` function produced.
    #[must_use]
    pub fn new(text: impl Into<String>) -> Raw {
        Raw(text.into())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for Raw {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // minijinja keeps the "safe" mark through its own serialization.
        Value::from_safe_string(self.0.clone()).serialize(s)
    }
}

impl From<Raw> for Value {
    fn from(raw: Raw) -> Value {
        Value::from_safe_string(raw.0)
    }
}

impl From<Unquotable> for Error {
    fn from(u: Unquotable) -> Error {
        Error::new(ErrorKind::InvalidOperation, u.to_string())
    }
}

/// Text with infrac's placeholders (`/new/{rest}`) split into text and
/// variables, for a renderer to write in its format's syntax. Any other
/// brace was rejected by the checker: here it is an internal error.
pub fn segments(text: &str) -> Result<Vec<crate::quote::Segment>, Error> {
    crate::quote::segments(text).map_err(|why| Error::new(ErrorKind::InvalidOperation, why))
}

fn format_of(state: &State<'_, '_>) -> Result<Format, Error> {
    match state.auto_escape() {
        AutoEscape::Custom(name) => Format::from_name(name)
            .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, format!("no format `{name}`"))),
        _ => Err(Error::new(
            ErrorKind::InvalidOperation,
            "a template without a format",
        )),
    }
}

/// One value written by a template, in the template's format.
fn write_value(format: Format, value: &Value) -> Result<String, Error> {
    if value.is_safe() {
        return Ok(value.to_string());
    }
    match value.kind() {
        ValueKind::Number | ValueKind::Bool => Ok(value.to_string()),
        ValueKind::String => Ok(format.quote(value.as_str().unwrap_or_default())?),
        kind => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("a template writes a {kind} where text belongs"),
        )),
    }
}

/// Installs the formats, the formatter and the filters.
pub fn install(env: &mut Environment<'static>) {
    env.set_auto_escape_callback(|name| match Format::of_template(name) {
        Some(format) => AutoEscape::Custom(format.name().into()),
        // Refused by the formatter: every template must have a format.
        None => AutoEscape::None,
    });
    env.set_formatter(|out: &mut Output, state: &mut State, value: &Value| {
        let text = write_value(format_of(state)?, value)?;
        out.write_str(&text).map_err(Error::from)
    });
    // No raw output from a template.
    env.remove_filter("safe");
    env.remove_filter("tojson");
    env.remove_filter("escape");
    env.remove_filter("e");
    // `{{ list | words }}`: each item quoted, joined by a space (or `sep`).
    env.add_filter(
        "words",
        |state: &State, items: Vec<Value>, sep: Option<String>| -> Result<Value, Error> {
            let format = format_of(state)?;
            let words: Result<Vec<String>, Error> =
                items.iter().map(|v| write_value(format, v)).collect();
            Ok(Value::from_safe_string(
                words?.join(sep.as_deref().unwrap_or(" ")),
            ))
        },
    );
    // `indent(n)`: n tabs, for macros that nest blocks.
    env.add_function("indent", |n: usize| Value::from_safe_string("\t".repeat(n)));
    env.add_function("spaces", |n: usize| Value::from_safe_string(" ".repeat(n)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(name: &'static str, text: &'static str) -> Environment<'static> {
        let mut env = Environment::new();
        install(&mut env);
        env.add_template(name, text).unwrap();
        env
    }

    #[test]
    fn values_are_quoted_for_the_templates_format() {
        let env = env_with("nginx-x.conf.j2", "root {{ v }};");
        let out = env
            .get_template("nginx-x.conf.j2")
            .unwrap()
            .render(minijinja::context! { v => "/x; return 200 pwned; #" })
            .unwrap();
        assert_eq!(out, "root \"/x; return 200 pwned; #\";");
        let env = env_with("x.sh.j2", "echo {{ v }}");
        let out = env
            .get_template("x.sh.j2")
            .unwrap()
            .render(minijinja::context! { v => "'$(pwned)'" })
            .unwrap();
        assert_eq!(out, "echo ''\\''$(pwned)'\\'''");
    }

    #[test]
    fn templates_cannot_write_raw() {
        let mut env = Environment::new();
        install(&mut env);
        assert!(env.add_template("a.sh.j2", "{{ v | safe }}").is_ok());
        let err = env
            .get_template("a.sh.j2")
            .unwrap()
            .render(minijinja::context! { v => "x" });
        assert!(err.is_err());
    }

    #[test]
    fn a_template_without_a_format_renders_nothing() {
        let env = env_with("notes.txt", "{{ v }}");
        assert!(
            env.get_template("notes.txt")
                .unwrap()
                .render(minijinja::context! { v => "x" })
                .is_err()
        );
    }

    #[test]
    fn raw_marks_survive_serialization() {
        #[derive(Serialize)]
        struct View {
            raw: Raw,
            text: String,
        }
        let env = env_with("c.sh.j2", "{{ raw }} {{ text }}");
        let view = View {
            raw: Raw::new("a b"),
            text: "a b".into(),
        };
        let out = env
            .get_template("c.sh.j2")
            .unwrap()
            .render(Value::from(minijinja::value::Serde(&view)))
            .unwrap();
        assert_eq!(out, "a b 'a b'");
    }
}
