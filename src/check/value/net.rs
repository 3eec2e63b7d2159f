//! Network values: domains, ports, resolvers, host keys, repositories.

use crate::check::Checker;
use crate::check::say;
use crate::check::value::{rules as values, text};
use crate::source::Span;
use crate::syntax::Arg;
use crate::vocabulary::{Directives, host};

impl Checker<'_> {
    pub(crate) fn domain(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        match values::domain(text) {
            Ok(()) => Some(text.to_ascii_lowercase()),
            Err(why) => {
                let bare = text
                    .split("://")
                    .last()
                    .unwrap_or(text)
                    .split(['/', ':'])
                    .next()
                    .unwrap_or(text);
                let bare = (bare != text && values::domain(bare).is_ok()).then_some(bare);
                self.report(say::value::invalid_domain(arg.span, text, why, bare));
                None
            }
        }
    }

    pub(crate) fn port(&mut self, arg: &Arg<'_>) -> Option<u16> {
        let text = self.text(arg)?;
        self.port_text(text, arg.span)
    }

    pub(crate) fn port_text(&mut self, text: &str, span: Span) -> Option<u16> {
        match values::port(text) {
            Ok(p) => Some(p),
            Err(why) => {
                self.report(say::value::invalid_port(span, text, why));
                None
            }
        }
    }

    pub(crate) fn resolver(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(arg, text::resolver, &say::value::RESOLVER)
    }

    pub(crate) fn trusted_proxy(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(arg, text::network, &say::value::TRUSTED_PROXY)
    }

    pub(crate) fn host_key(&mut self, kind: &Arg<'_>, key: &Arg<'_>) -> Option<String> {
        let kind_text = self.choice(kind, host::Id::HostKey.spec().choices(0), "host key type")?;
        let key_text = self.text(key)?;
        let base64 = key_text.len() >= 16
            && key_text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c));
        if !base64 {
            self.report(say::value::not_a_host_key(key.span));
            return None;
        }
        Some(format!("{kind_text} {key_text}"))
    }

    /// An `http://` or `https://` URL.
    pub(crate) fn url(&mut self, arg: &Arg<'_>, what: &str) -> Option<String> {
        let text = self.text(arg)?;
        match values::url(text) {
            Ok(_) => Some(text.to_owned()),
            Err(why) => {
                self.report(say::value::invalid_url(arg.span, text, what, why));
                None
            }
        }
    }

    pub(crate) fn repo(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let ok = values::url(text).is_ok() || (text.starts_with("git@") && text.contains(':'));
        if ok {
            Some(text.to_owned())
        } else {
            self.report(say::value::not_a_repository(arg.span, text));
            None
        }
    }
}
