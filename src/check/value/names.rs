//! Names: declarations, users, stacks, environment variables, units, git
//! branches, e-mail addresses.

use crate::check::Checker;
use crate::check::say;
use crate::check::value::{rules as values, text};
use crate::syntax::Arg;

impl Checker<'_> {
    /// A declaration name: letters, digits, `-`, `_`, `.`.
    pub(crate) fn name(&mut self, arg: &Arg<'_>, kind: &str) -> Option<String> {
        let text = self.text(arg)?;
        if text.chars().count() > text::MAX_NAME {
            self.report(say::value::name_too_long(
                arg.span,
                kind,
                text.chars().count(),
                text::MAX_NAME,
            ));
            return None;
        }
        let valid = text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !valid {
            self.report(say::value::invalid_name(arg.span, text, kind));
            return None;
        }
        Some(text.to_owned())
    }

    pub(crate) fn user(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(arg, values::user, &say::value::USER)
    }

    pub(crate) fn stack_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(arg, values::stack, &say::value::STACK)
    }

    pub(crate) fn env_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(arg, values::env_name, &say::value::ENV_NAME)
    }

    pub(crate) fn unit_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(arg, values::unit_name, &say::value::UNIT_NAME)
    }

    pub(crate) fn branch(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(arg, text::git_ref, &say::value::BRANCH)
    }

    pub(crate) fn email(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(arg, values::email, &say::value::EMAIL)
    }
}
