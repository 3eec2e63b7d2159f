//! `defaults { … }`: project-wide settings.

use crate::check::read::block;
use crate::check::{Checker, Served, flat_args};
use crate::model::{Defaults, TlsKind};
use crate::syntax::Directive;
use crate::vocabulary::Directives;
use crate::vocabulary::defaults;

impl Checker<'_> {
    pub(crate) fn read_defaults(&mut self, d: Option<&Directive>) -> Defaults {
        let mut defaults = Defaults::default();
        let Some(d) = d else { return defaults };
        for (id, item) in self.items::<defaults::Id>(block(d)) {
            let args = flat_args(item);
            match id {
                defaults::Id::AcmeEmail => defaults.acme_email = self.email(args[0]),
                defaults::Id::SiteRoot => {
                    if let Some(p) = self.abs_path(args[0], "site root") {
                        defaults.site_root = p;
                    }
                }
                defaults::Id::Proxy => {
                    if let Some((kind, mode)) = self.proxy_kind(&args) {
                        defaults.proxy = kind;
                        if let Some(mode) = mode {
                            defaults.proxy_mode = mode;
                        }
                    }
                }
                defaults::Id::Tls => {
                    if let Some(t) = self.choice(
                        args[0],
                        defaults::Id::Tls.spec().choices(0),
                        "default TLS mode",
                    ) {
                        defaults.tls = match t {
                            "acme" => TlsKind::Acme,
                            "certbot" => TlsKind::Certbot,
                            _ => TlsKind::Off,
                        };
                    }
                }
                defaults::Id::SshUser => {
                    if let Some(u) = self.user(args[0]) {
                        defaults.ssh_user = u;
                    }
                }
                defaults::Id::SshPort => {
                    if let Some(p) = self.port(args[0]) {
                        defaults.ssh_port = p;
                    }
                }
                defaults::Id::Stack => {
                    if let Some(s) = self.stack_name(args[0]) {
                        defaults.stack = s;
                    }
                }
                defaults::Id::AcmeWebroot => {
                    let p = self.abs_path(args[0], "ACME webroot");
                    if let Some(p) = self.served(p, args[0], "ACME webroot", Served::Folder) {
                        defaults.acme_webroot = p;
                    }
                }
                defaults::Id::Branch => {
                    if let Some(b) = self.branch(args[0]) {
                        defaults.branch = b;
                    }
                }
            }
        }
        defaults
    }
}
