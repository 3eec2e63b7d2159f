//! Typed values: every argument of a directive is read by one function of
//! this module, by its type (`vocabulary::Ty`), with that type's diagnostic
//! code. The pure rules are in [`rules`] and [`text`].

pub(crate) mod container;
pub(crate) mod http;
pub(crate) mod names;
pub(crate) mod net;
pub(crate) mod paths;
pub mod rules;
pub(crate) mod secret;
pub mod text;
pub mod time;
pub mod unit_setting;

use crate::check::Checker;
use crate::check::say::{self, Expect};
use crate::source::Span;
use crate::syntax::Arg;

impl Checker<'_> {
    /// The text of a word or string; a list is reported. A value that
    /// cannot be text at all was reported by pass 0 and is `None` here.
    pub(crate) fn text<'d>(&mut self, arg: &'d Arg<'_>) -> Option<&'d str> {
        if let Some(t) = arg.text() {
            return text::problem(t).is_none().then_some(t);
        }
        self.report(say::value::unexpected_list(arg.span));
        None
    }

    /// One argument checked by a typed rule (`text`, `values`): the text,
    /// or a diagnostic with the rule's reason as its label.
    pub(crate) fn typed(
        &mut self,
        arg: &Arg<'_>,
        rule: fn(&str) -> Result<(), String>,
        expect: &Expect,
    ) -> Option<String> {
        let text = self.text(arg)?;
        self.typed_text(text, arg.span, rule, expect)
    }

    /// [`Checker::typed`] for text that is not one argument (the value of
    /// a `KEY=VALUE` word), which pass 0 has not seen.
    pub(crate) fn typed_text(
        &mut self,
        text: &str,
        span: Span,
        rule: fn(&str) -> Result<(), String>,
        expect: &Expect,
    ) -> Option<String> {
        let checked = match text::problem(text) {
            Some((code, why, help)) => Err((code, why, help)),
            None => rule(text).map_err(|why| (expect.code, why, expect.help)),
        };
        match checked {
            Ok(()) => Some(text.to_owned()),
            Err((code, why, help)) => {
                self.report(say::value::not_a(code, span, text, expect.what, why, help));
                None
            }
        }
    }

    /// One of `choices`, or an `invalid-value` with a suggestion.
    pub(crate) fn choice(
        &mut self,
        arg: &Arg<'_>,
        choices: &[&'static str],
        what: &str,
    ) -> Option<&'static str> {
        let text = self.text(arg)?;
        if let Some(c) = choices.iter().find(|c| **c == text) {
            return Some(c);
        }
        self.report(say::value::not_a_choice(arg.span, text, what, choices));
        None
    }

    pub(crate) fn flag(&mut self, arg: &Arg<'_>, what: &str) -> Option<bool> {
        self.choice(arg, crate::vocabulary::FLAG, what)
            .map(|c| matches!(c, "yes" | "on" | "true"))
    }
}
