//! `sysctl NAME { KEY VALUE … }` and references to profiles.

use crate::check::read::{Scope, block};
use crate::check::say;
use crate::check::value::{rules as values, text};
use crate::check::{Checker, Decl, flat_args};
use crate::model::{ProfileId, SysctlProfile};
use crate::source::Span;
use crate::syntax::Arg;

/// Built-in sysctl profiles (SPEC §1; the opam.ocaml.org and ocaml.org seeds).
pub const BUILTIN_PROFILES: &[(&str, &[(&str, &str)])] = &[
    (
        "bbr",
        &[
            ("net.core.default_qdisc", "fq"),
            ("net.ipv4.tcp_congestion_control", "bbr"),
        ],
    ),
    ("keepalive", &[("net.ipv4.tcp_keepalive_time", "60")]),
];

impl Checker<'_> {
    pub(crate) fn read_profile(&mut self, decl: &Decl<'_>) -> SysctlProfile {
        let mut settings = Vec::new();
        for item in self.kernel_settings(block(decl.directive)) {
            let mut args = flat_args(item);
            // `KEY = VALUE`, as in /etc/sysctl.conf.
            if args.len() == 2 && args[0].text() == Some("=") {
                args.remove(0);
            }
            if let Some(setting) =
                self.sysctl_setting(item.name.value, item.name.span, &args, item.span)
            {
                settings.push(setting);
            }
        }
        SysctlProfile {
            name: decl.name.clone(),
            origin: Some(self.origin(decl.name_span)),
            settings,
        }
    }

    /// `KEY VALUE`, or `KEY=VALUE` as one word.
    pub(crate) fn sysctl_setting(
        &mut self,
        key: &str,
        key_span: Span,
        args: &[&Arg<'_>],
        whole: Span,
    ) -> Option<(String, String)> {
        let (key, value) = match (key.split_once('='), args) {
            (Some((k, v)), []) => (
                k.to_owned(),
                self.typed_text(
                    v,
                    key_span,
                    text::sysctl_value,
                    &say::decl::SYSCTL_VALUE_WORD,
                )?,
            ),
            (None, [value]) => (
                key.to_owned(),
                self.typed(value, text::sysctl_value, &say::decl::SYSCTL_VALUE)?,
            ),
            (None, []) => {
                self.report(say::decl::sysctl_without_value(key_span, key));
                return None;
            }
            _ => {
                self.report(say::decl::sysctl_values(whole));
                return None;
            }
        };
        if !values::sysctl_key_known(&key) {
            self.report(say::decl::unknown_sysctl_key(
                key_span,
                &key,
                values::sysctl_keys(),
            ));
            return None;
        }
        Some((key.replace('/', "."), value))
    }

    pub(crate) fn profile_ref(&mut self, arg: &Arg<'_>, scope: &Scope) -> Option<ProfileId> {
        let name = self.text(arg)?;
        if let Some(&i) = scope.profiles.get(name) {
            return Some(ProfileId(i));
        }
        self.report(say::decl::unknown_profile(
            arg.span,
            name,
            scope.profiles.keys().map(String::as_str),
        ));
        None
    }
}
