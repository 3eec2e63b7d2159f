//! `webhook NAME { … }`.

use crate::check::read::{Scope, block};
use crate::check::say;
use crate::check::{Checker, Decl, flat_args};
use crate::model::{HostId, Model, PathPattern, SecretRef, SiteId, Webhook};
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
        let mut health = None;
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
                webhook::Id::Health => {
                    health = self.pattern(args[0]).map(|p| (p, args[0].span));
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
        // A variable's name with `{repo}` or `{REPO}`: what each repository
        // makes of it must be a variable name (`{REPO}` makes one unless
        // it starts the name and the repository's name starts with a digit).
        if let (Some(written @ SecretRef::Env(name)), Some(span)) = (&secret, secret_span) {
            let valid = |s: &SecretRef| {
                s.env_name()
                    .is_some_and(|n| crate::check::value::rules::env_name(n).is_ok())
            };
            let subs = sites.iter().flat_map(|s| &model.site(*s).subprojects);
            for sub in subs.filter(|sub| sub.secret.is_none()) {
                let made = written.for_repo(&sub.name);
                if valid(&made) {
                    continue;
                }
                let upper = SecretRef::Env(name.replace("{repo}", "{REPO}"));
                let fixed = upper.for_repo(&sub.name);
                self.report(say::decl::repo_secret_name(
                    span,
                    name,
                    made.env_name().unwrap_or_default(),
                    &sub.name,
                    valid(&fixed).then(|| {
                        (
                            upper.env_name().unwrap_or_default(),
                            fixed.env_name().unwrap_or_default(),
                        )
                    }),
                ));
                break;
            }
        }
        let mut hosts: Vec<HostId> = sites
            .iter()
            .flat_map(|s| model.site(*s).hosts.clone())
            .collect();
        hosts.sort();
        hosts.dedup();
        // The health check is one path, outside the hooks' folder (where it
        // would be a repository's hook).
        let health = health.and_then(|(pattern, span)| match pattern {
            PathPattern::Exact(p) if !p.starts_with(&path) => Some(p),
            PathPattern::Exact(p) => {
                self.report(say::decl::health_under_hooks(span, &p, &path));
                None
            }
            PathPattern::Prefix(p) => {
                self.report(say::decl::health_not_one_path(span, &p));
                None
            }
        });
        Webhook {
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            domain: domain.unwrap_or_default(),
            path,
            health,
            port,
            sites,
            secret: secret.unwrap_or(crate::model::SecretRef::Env(String::new())),
            hosts,
        }
    }
}
