//! Pass 1: every top-level declaration by kind and name, duplicates
//! reported.

use std::collections::HashMap;

use crate::check::say;
use crate::check::{Checker, Decl, Decls};
use crate::source::Span;
use crate::syntax::Ast;
use crate::vocabulary::{Directives, top};

impl<'a> Checker<'a> {
    /// Pass 1: every top-level declaration, grouped by kind,
    /// duplicates and missing required settings reported.
    pub(crate) fn collect(&mut self, asts: &'a [&'a Ast<'a>]) -> Decls<'a> {
        let mut decls = Decls::default();
        // Hosts and pools share one namespace: `on NAME` may be either.
        let mut seen: HashMap<(&str, String), Span> = HashMap::new();
        for ast in asts {
            for (id, directive) in self.items::<top::Id>(&ast.items) {
                let kind = directive.name.value;
                if id == top::Id::Defaults {
                    if let Some(previous) = decls.defaults {
                        self.report(say::shape::defaults_twice(
                            directive.name.span,
                            previous.name.span,
                        ));
                    } else {
                        decls.defaults = Some(directive);
                    }
                    continue;
                }
                let name_arg = &directive.args[0];
                let Some(name) = self.name(name_arg, kind) else {
                    continue;
                };
                // Hosts and pools share one namespace.
                let namespace = if id == top::Id::Pool { "host" } else { kind };
                let decl = Decl {
                    name: name.clone(),
                    name_span: name_arg.span,
                    directive,
                };
                if let Some(&first) = seen.get(&(namespace, name.clone())) {
                    let what = if namespace == "host" {
                        "host or pool"
                    } else {
                        kind
                    };
                    self.report(say::shape::declared_twice(
                        name_arg.span,
                        what,
                        &name,
                        first,
                    ));
                    continue;
                }
                seen.insert((namespace, name), name_arg.span);
                if let Some(block) = id.spec().opens {
                    self.missing_settings(block, &decl);
                }
                let list = match id {
                    // Put in by pass 0 (`lists`).
                    top::Id::Defaults | top::Id::List => continue,
                    top::Id::Host => &mut decls.hosts,
                    top::Id::Pool => &mut decls.pools,
                    top::Id::Site => &mut decls.sites,
                    top::Id::Service => &mut decls.services,
                    top::Id::Sysctl => &mut decls.profiles,
                    top::Id::Cron => &mut decls.jobs,
                    top::Id::Unit => &mut decls.units,
                    top::Id::Webhook => &mut decls.webhooks,
                };
                list.push(decl);
            }
        }
        for list in [
            &mut decls.hosts,
            &mut decls.pools,
            &mut decls.sites,
            &mut decls.services,
            &mut decls.profiles,
            &mut decls.jobs,
            &mut decls.units,
            &mut decls.webhooks,
        ] {
            list.sort_by(|a, b| a.name.cmp(&b.name));
        }
        decls
    }
}
