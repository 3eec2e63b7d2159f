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
        self.typed(
            arg,
            values::user,
            Code::InvalidUser,
            "a user name",
            "user names are lower-case letters, digits, `_` and `-`, starting with a letter",
        )
    }

    pub(crate) fn stack_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(
            arg,
            values::stack,
            Code::InvalidName,
            "a valid stack name",
            "use lower-case letters, digits, `_` and `-`",
        )
    }

    pub(crate) fn env_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(
            arg,
            values::env_name,
            Code::InvalidEnvName,
            "an environment variable name",
            "write it as `env NAME value`",
        )
    }

    pub(crate) fn unit_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(
            arg,
            values::unit_name,
            Code::InvalidUnitName,
            "a unit name",
            "unit names use letters, digits, `:`, `-`, `_`, `.`, `@`",
        )
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
        self.typed(
            arg,
            values::email,
            Code::InvalidEmail,
            "an email address",
            "the ACME account email, e.g. `acme_email admin@example.org`",
        )
    }
}
