//! `pool NAME { … }`.

use crate::check::read::{Scope, block, written};
use crate::check::{Checker, Decl, flat_args};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::model::{HostId, Pool};
use crate::vocabulary::pool;

impl Checker<'_> {
    pub(crate) fn read_pool(&mut self, decl: &Decl<'_>, scope: &Scope) -> Pool {
        let mut members = Vec::new();
        let mut acme_forward = true;
        for (id, item) in self.items::<pool::Id>(block(decl.directive)) {
            let args = flat_args(item);
            match id {
                pool::Id::Hosts => {
                    for arg in args {
                        let Some(name) = self.text(arg) else { continue };
                        if let Some(&h) = scope.hosts.get(name) {
                            members.push(HostId(h));
                        } else {
                            let help = if scope.pools.contains_key(name) {
                                "a pool's members are hosts; pools do not nest".to_owned()
                            } else {
                                match did_you_mean(name, scope.hosts.keys().map(String::as_str)) {
                                    Some(s) => format!("did you mean `{s}`?"),
                                    None => format!("declare it with `host {name} {{ … }}`"),
                                }
                            };
                            self.report(
                                Diagnostic::new(
                                    Code::UnknownHost,
                                    arg.span,
                                    format!("no host named `{name}`"),
                                )
                                .label("unknown host")
                                .help(help),
                            );
                        }
                    }
                }
                pool::Id::AcmeForward => {
                    acme_forward = self.flag(args[0], "`acme_forward` setting").unwrap_or(true);
                }
            }
        }
        members.sort();
        members.dedup();
        if !written(decl.directive, "hosts") {
            self.report(
                Diagnostic::new(
                    Code::EmptyPool,
                    decl.name_span,
                    format!("pool `{}` has no members", decl.name),
                )
                .label("no `hosts`")
                .help("list its hosts: `hosts opam-4 opam-5`"),
            );
        }
        Pool {
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            members,
            acme_forward,
        }
    }
}
