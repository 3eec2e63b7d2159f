//! HTTP values: headers, status codes.

use crate::check::Checker;
use crate::check::say;
use crate::check::value::text;
use crate::model::Header;
use crate::syntax::Arg;

impl Checker<'_> {
    pub(crate) fn header(&mut self, args: &[&Arg<'_>]) -> Option<Header> {
        let name = self.text(args[0])?;
        let (remove, bare) = match name.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, name),
        };
        if text::header_name(bare).is_err() {
            self.report(say::value::not_a_header_name(args[0].span, name));
            return None;
        }
        match (remove, args.get(1)) {
            (true, None) => Some(Header {
                name: bare.to_owned(),
                value: None,
            }),
            (false, Some(v)) => {
                let value = self.typed(v, text::header_value, &say::value::HEADER_VALUE)?;
                Some(Header {
                    name: bare.to_owned(),
                    value: Some(value),
                })
            }
            (true, Some(v)) => {
                self.report(say::value::header_removal_with_value(v.span, bare));
                None
            }
            (false, None) => {
                self.report(say::value::header_without_value(args[0].span, bare));
                None
            }
        }
    }

    /// A number of bytes (`100m`).
    pub(crate) fn size(&mut self, arg: &Arg<'_>) -> Option<u64> {
        let text = self.text(arg)?;
        match crate::check::value::rules::size(text) {
            Ok(bytes) => Some(bytes),
            Err(why) => {
                self.report(say::value::invalid_size(arg.span, text, why));
                None
            }
        }
    }

    pub(crate) fn status(
        &mut self,
        arg: &Arg<'_>,
        range: std::ops::RangeInclusive<u16>,
        what: &str,
    ) -> Option<u16> {
        let text = self.text(arg)?;
        match text.parse::<u16>() {
            Ok(s) if range.contains(&s) => Some(s),
            _ => {
                self.report(say::value::invalid_status(arg.span, text, what, &range));
                None
            }
        }
    }
}
