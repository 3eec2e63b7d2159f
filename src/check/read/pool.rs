//! `pool NAME { … }`.

use crate::check::read::{Scope, block, written};
use crate::check::say;
use crate::check::{Checker, Decl, flat_args};
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
                            self.report(say::decl::unknown_member(
                                arg.span,
                                name,
                                scope.pools.contains_key(name),
                                scope.hosts.keys().map(String::as_str),
                            ));
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
            self.report(say::decl::empty_pool(decl.name_span, &decl.name));
        }
        Pool {
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            members,
            acme_forward,
        }
    }
}
