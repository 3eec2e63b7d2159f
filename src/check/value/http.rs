//! HTTP values: headers, status codes.

use crate::check::Checker;
use crate::check::value::text;
use crate::diag::{Code, Diagnostic};
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
            self.report(
                Diagnostic::new(
                    Code::InvalidHeader,
                    args[0].span,
                    format!("`{name}` is not a header name"),
                )
                .label("letters, digits and `-`")
                .help("write `header X-Frame-Options DENY`, or `header -Server` to remove one"),
            );
            return None;
        }
        match (remove, args.get(1)) {
            (true, None) => Some(Header {
                name: bare.to_owned(),
                value: None,
            }),
            (false, Some(v)) => {
                let value = self.typed(
                    v,
                    text::header_value,
                    Code::InvalidText,
                    "a header value both proxies can send",
                    "write the value without `{` and `}`, and without white space around it",
                )?;
                Some(Header {
                    name: bare.to_owned(),
                    value: Some(value),
                })
            }
            (true, Some(v)) => {
                self.report(
                    Diagnostic::new(
                        Code::ExtraArgument,
                        v.span,
                        format!("`header -{bare}` removes the header and takes no value"),
                    )
                    .label("not expected")
                    .help(format!("to set it, write `header {bare} VALUE`")),
                );
                None
            }
            (false, None) => {
                self.report(
                    Diagnostic::new(
                        Code::MissingArgument,
                        args[0].span,
                        format!("`header {bare}` needs a value"),
                    )
                    .label("expected a value after the name")
                    .help(format!(
                        "write `header {bare} VALUE`, or `header -{bare}` to remove it"
                    )),
                );
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
                self.report(
                    Diagnostic::new(
                        Code::InvalidStatus,
                        arg.span,
                        format!("`{text}` is not {what}"),
                    )
                    .label(format!("expected {what}"))
                    .help(format!(
                        "use a status from {} to {}",
                        range.start(),
                        range.end()
                    )),
                );
                None
            }
        }
    }
}
