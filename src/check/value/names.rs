//! Names: declarations, users, stacks, environment variables, units, git
//! branches, e-mail addresses.

use crate::check::Checker;
use crate::check::value::{rules as values, text};
use crate::diag::{Code, Diagnostic};
use crate::syntax::Arg;

impl Checker<'_> {
    /// A declaration name: letters, digits, `-`, `_`, `.`.
    pub(crate) fn name(&mut self, arg: &Arg<'_>, kind: &str) -> Option<String> {
        let text = self.text(arg)?;
        if text.chars().count() > text::MAX_NAME {
            self.report(
                Diagnostic::new(
                    Code::ValueTooLong,
                    arg.span,
                    format!("a {kind} name of {} characters", text.chars().count()),
                )
                .label(format!("at most {} characters", text::MAX_NAME))
                .help("names become file names and container names: shorten it"),
            );
            return None;
        }
        let valid = text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !valid {
            self.report(
                Diagnostic::new(
                    Code::InvalidName,
                    arg.span,
                    format!("`{text}` is not a valid {kind} name"),
                )
                .label("invalid name")
                .help(
                    "names start with a letter or digit and use letters, digits, `-`, `_` and `.`",
                ),
            );
            return None;
        }
        Some(text.to_owned())
    }

    pub(crate) fn user(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let ok = text.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && text.len() <= 32
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c));
        if ok {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(Code::InvalidUser, arg.span, format!("`{text}` is not a user name"))
                    .label("expected a Unix user name")
                    .help("user names are lower-case letters, digits, `_` and `-`, starting with a letter"),
            );
            None
        }
    }

    pub(crate) fn stack_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let ok = text.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c));
        if ok {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(
                    Code::InvalidName,
                    arg.span,
                    format!("`{text}` is not a valid stack name"),
                )
                .label("Docker project names are lower case")
                .help("use lower-case letters, digits, `_` and `-`"),
            );
            None
        }
    }

    pub(crate) fn env_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        if values::env_name(text) {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(
                    Code::InvalidEnvName,
                    arg.span,
                    format!("`{text}` is not an environment variable name"),
                )
                .label("letters, digits and `_`, not starting with a digit")
                .help("write it as `env NAME value`"),
            );
            None
        }
    }

    pub(crate) fn unit_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let ok = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":-_.@".contains(c));
        if ok {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(
                    Code::InvalidUnitName,
                    arg.span,
                    format!("`{text}` is not a unit name"),
                )
                .label("expected a name such as `network-online.target`")
                .help("unit names use letters, digits, `:`, `-`, `_`, `.`, `@`"),
            );
            None
        }
    }

    pub(crate) fn branch(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(
            arg,
            text::git_ref,
            Code::InvalidGitRef,
            "a git branch",
            "write the branch's name, e.g. `gh-pages`",
        )
    }

    pub(crate) fn email(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        match values::email(text) {
            Ok(()) => Some(text.to_owned()),
            Err(why) => {
                self.report(
                    Diagnostic::new(
                        Code::InvalidEmail,
                        arg.span,
                        format!("`{text}` is not an email address"),
                    )
                    .label(why)
                    .help("the ACME account email, e.g. `acme_email admin@example.org`"),
                );
                None
            }
        }
    }
}
