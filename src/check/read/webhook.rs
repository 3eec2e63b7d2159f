//! `webhook NAME { … }`.

use crate::check::read::{Scope, block};
use crate::check::say;
use crate::check::{Checker, Decl, flat_args};
use crate::model::{HostId, Model, SecretRef, SiteId, Webhook};
use crate::vocabulary::webhook;

impl Checker<'_> {
    pub(crate) fn read_webhook(
        &mut self,
        decl: &Decl<'_>,
        scope: &Scope,
        model: &Model,
    ) -> Webhook {
        let mut domain = None;
        let mut path = "/hooks/".to_owned();
        let mut port = 9000;
        let mut sites = Vec::new();
        let mut secret = None;
        let mut secret_span = None;
        for (id, item) in self.items::<webhook::Id>(block(decl.directive)) {
            let args = flat_args(item);
            match id {
                webhook::Id::Domain => domain = self.domain(args[0]),
                webhook::Id::Path => {
                    if let Some(p) = self.url_path(args[0], "webhook path", false) {
                        path = if p.ends_with('/') { p } else { format!("{p}/") };
                    }
                }
                webhook::Id::Port => port = self.port(args[0]).unwrap_or(port),
                webhook::Id::Updates => {
                    for arg in args {
                        let Some(name) = self.text(arg) else { continue };
                        if let Some(&i) = scope.sites.get(name) {
                            sites.push(SiteId(i));
                        } else {
                            self.report(say::decl::unknown_updated_site(
                                arg.span,
                                name,
                                scope.sites.keys().map(String::as_str),
                            ));
                        }
                    }
                }
                webhook::Id::Secret => {
                    secret = self.secret(&args, item.span, true);
                    secret_span = args.get(1).map(|a| a.span);
                }
            }
        }
        // `{repo}` in a variable's name: each repository's name must make
        // a variable name (`{REPO}` always does).
        if let (Some(SecretRef::Env(name)), Some(span)) = (&secret, secret_span) {
            let subs = sites.iter().flat_map(|s| &model.site(*s).subprojects);
            for sub in subs.filter(|sub| sub.secret.is_none()) {
                let SecretRef::Env(made) = SecretRef::Env(name.clone()).for_repo(&sub.name) else {
                    continue;
                };
                if crate::check::value::rules::env_name(&made).is_err() {
                    let upper = name.replace("{repo}", "{REPO}");
                    let fixed = SecretRef::Env(upper.clone()).for_repo(&sub.name);
                    let fixed = fixed.env_name().unwrap_or_default();
                    self.report(say::decl::repo_secret_name(
                        span,
                        name,
                        &made,
                        &sub.name,
                        (&upper, fixed),
                    ));
                    break;
                }
            }
        }
        let mut hosts: Vec<HostId> = sites
            .iter()
            .flat_map(|s| model.site(*s).hosts.clone())
            .collect();
        hosts.sort();
        hosts.dedup();
        Webhook {
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            domain: domain.unwrap_or_default(),
            path,
            port,
            sites,
            secret: secret.unwrap_or(crate::model::SecretRef::Env(String::new())),
            hosts,
        }
    }
}
