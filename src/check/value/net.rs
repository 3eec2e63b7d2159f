//! Network values: domains, ports, resolvers, host keys, repositories.

use crate::check::Checker;
use crate::check::value::{rules as values, text};
use crate::diag::{Code, Diagnostic};
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
                let help = if bare != text && values::domain(bare).is_ok() {
                    format!("write the name only: `{bare}`")
                } else {
                    "a domain is labels of letters, digits and `-`, separated by dots".to_owned()
                };
                self.report(
                    Diagnostic::new(
                        Code::InvalidDomain,
                        arg.span,
                        format!("`{text}` is not a valid domain name"),
                    )
                    .label(why)
                    .help(help),
                );
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
                self.report(
                    Diagnostic::new(
                        Code::InvalidPort,
                        span,
                        format!("`{text}` is not a valid port"),
                    )
                    .label(why)
                    .help("a port is a number from 1 to 65535"),
                );
                None
            }
        }
    }

    pub(crate) fn resolver(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(
            arg,
            text::resolver,
            Code::InvalidAddress,
            "a resolver address",
            "write `resolver 127.0.0.11` (Docker's) or `resolver \"[::1]:5353\"`",
        )
    }

    pub(crate) fn host_key(&mut self, kind: &Arg<'_>, key: &Arg<'_>) -> Option<String> {
        let kind_text = self.choice(kind, host::Id::HostKey.spec().choices(0), "host key type")?;
        let key_text = self.text(key)?;
        let base64 = key_text.len() >= 16
            && key_text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c));
        if !base64 {
            self.report(
                Diagnostic::new(Code::InvalidHostKey, key.span, "not a public key")
                    .label("expected the base64 key from `ssh-keyscan`")
                    .help("copy the key from `ssh-keyscan HOST` or the host's /etc/ssh/ssh_host_*_key.pub"),
            );
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
                self.report(
                    Diagnostic::new(Code::InvalidUrl, arg.span, format!("`{text}` is not {what}"))
                        .label(why)
                        .help("write the whole URL, e.g. `https://acme-staging-v02.api.letsencrypt.org/directory`"),
                );
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
            self.report(
                Diagnostic::new(
                    Code::InvalidUrl,
                    arg.span,
                    format!("`{text}` is not a git repository URL"),
                )
                .label("expected https://… or git@host:org/repo")
                .help("write `https://github.com/matplotlib/mpl-gui`"),
            );
            None
        }
    }
}
