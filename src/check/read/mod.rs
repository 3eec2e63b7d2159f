//! Pass 2: reading each declaration's block into the model, one reader per
//! kind of declaration, with references resolved and defaults applied.
//! Readers dispatch on their block's directive ids (`vocabulary`), so every
//! row has a reader by construction.

mod cron;
mod defaults;
mod host;
mod pool;
mod profile;
mod route;
mod service;
mod site;
mod subproject;
mod unit;
mod webhook;

use profile::BUILTIN_PROFILES;

use std::collections::{BTreeSet, HashMap};

use crate::check::memo::{ServiceFacts, SiteFacts};
use crate::check::say;
use crate::check::{Checker, Decl, Decls, Index, Placement, flat_args};
use crate::model::{Defaults, HostId, Model, PoolId, ServiceId, Site, SiteId, SysctlProfile};
use crate::source::Span;
use crate::syntax::Directive;

/// From this many sites on, they are read on all cores.
const PARALLEL_SITES: usize = 500;

pub(crate) fn index(decls: &[Decl<'_>]) -> Index {
    decls
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.clone(), i))
        .collect()
}

/// Whether a block has a directive `name`, accepted or not: a setting that
/// was written but rejected is reported as such, not also as missing.
pub(crate) fn written(d: &Directive<'_>, name: &str) -> bool {
    block(d).iter().any(|i| i.name.value == name)
}

pub(crate) fn block<'d, 'a>(d: &'d Directive<'a>) -> &'d [Directive<'a>] {
    d.block.as_ref().map_or(&[], |b| b.items.as_slice())
}

/// Everything a reader may resolve against.
/// What the read pass learnt that only the link pass can act on.
pub(crate) struct Uses {
    /// The sites (and where in them) that proxy to each service.
    pub services: UsedServices,
    /// Whether each service has its own `on`.
    pub explicit_on: Vec<bool>,
}

/// The services, as a site's read sees them: each one looked at is noted,
/// so a re-check reuses the read only while those are unchanged (`memo`).
pub(crate) struct Services<'m> {
    all: &'m [crate::model::Service],
    seen: std::cell::RefCell<Vec<ServiceId>>,
}

impl<'m> Services<'m> {
    pub fn get(&self, id: ServiceId) -> &'m crate::model::Service {
        self.seen.borrow_mut().push(id);
        &self.all[id.0]
    }
}

pub(crate) struct Scope {
    pub defaults: Defaults,
    pub hosts: Index,
    pub pools: Index,
    pub services: Index,
    pub sites: Index,
    pub profiles: Index,
    /// Member hosts of each pool, by pool id.
    pub pool_members: Vec<Vec<HostId>>,
}

impl Scope {
    fn expand(&self, placements: &[(Placement, Span)]) -> Vec<HostId> {
        let set: BTreeSet<HostId> = placements
            .iter()
            .flat_map(|(p, _)| match p {
                Placement::Host(h) => vec![*h],
                Placement::Pool(p) => self.pool_members[p.0].clone(),
            })
            .collect();
        set.into_iter().collect()
    }
}

/// The sites (and where in them) that proxy to each service.
pub(crate) type UsedServices = HashMap<ServiceId, Vec<(SiteId, Span)>>;

impl<'a> Checker<'a> {
    pub(crate) fn read(
        &mut self,
        decls: &Decls<'a>,
        mut reuse: Option<&mut crate::check::memo::Reuse<'_>>,
    ) -> (Model, Uses) {
        let defaults = self.read_defaults(decls.defaults);
        let mut model = Model::default();

        // Sysctl profiles: declared ones first, then the built-ins they do
        // not shadow.
        for decl in &decls.profiles {
            let profile = self.read_profile(decl);
            model.profiles.push(profile);
        }
        for (name, settings) in BUILTIN_PROFILES {
            if !model.profiles.iter().any(|p| p.name == *name) {
                model.profiles.push(SysctlProfile {
                    name: (*name).to_owned(),
                    origin: None,
                    settings: settings
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                });
            }
        }
        let profiles: Index = model
            .profiles
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();

        let mut scope = Scope {
            defaults,
            hosts: index(&decls.hosts),
            pools: index(&decls.pools),
            services: index(&decls.services),
            sites: index(&decls.sites),
            profiles,
            pool_members: Vec::new(),
        };

        for decl in &decls.hosts {
            let host = self.read_host(decl, &scope);
            model.hosts.push(host);
        }
        for (i, decl) in decls.pools.iter().enumerate() {
            let pool = self.read_pool(decl, &scope);
            for &m in &pool.members {
                model.hosts[m.0].pools.push(PoolId(i));
            }
            scope.pool_members.push(pool.members.clone());
            model.pools.push(pool);
        }

        // Services as read, before link places them, and sites: a re-check
        // borrows those of unchanged files from its memo.
        let mut explicit_on = Vec::new();
        for (i, decl) in decls.services.iter().enumerate() {
            let file = decl.directive.span.file;
            if let Some((service, facts)) = reuse.as_mut().and_then(|r| r.service(file, i)) {
                self.diags.extend_from_slice(&facts.diags);
                explicit_on.push(facts.explicit);
                model.services.push(service);
                continue;
            }
            let mut checker = Checker {
                sources: self.sources,
                diags: Vec::new(),
            };
            let (service, explicit) = checker.read_service(decl, &scope, &model);
            self.diags.extend_from_slice(&checker.diags);
            if let Some(r) = reuse.as_mut() {
                let facts = ServiceFacts {
                    explicit,
                    diags: checker.diags,
                    hosts: service.hosts.clone(),
                };
                r.service_read(file, i, facts);
            }
            explicit_on.push(explicit);
            model.services.push(service);
        }

        // Sites are most of a program and independent of one another: large
        // programs read them on all cores, each with its own diagnostics and
        // service users, merged in site order.
        let mut used_services: UsedServices = HashMap::new();
        let mut note = |diags: &[crate::diag::Diagnostic], used: &UsedServices| {
            self.diags.extend_from_slice(diags);
            for (service, users) in used {
                used_services
                    .entry(*service)
                    .or_default()
                    .extend_from_slice(users);
            }
        };
        let mut sites: Vec<Option<Site>> = Vec::with_capacity(decls.sites.len());
        for (i, decl) in decls.sites.iter().enumerate() {
            // Reused while the services it looked at are as they were.
            let current = |s: ServiceId| {
                let span = decls.services[s.0].directive.span;
                (span, self.sources.slice(span))
            };
            let lent = reuse
                .as_mut()
                .and_then(|r| r.site(decl.directive.span.file, i, current));
            sites.push(lent.map(|(site, facts)| {
                note(&facts.diags, &facts.used);
                site
            }));
        }
        let todo: Vec<(usize, &Decl<'_>)> = decls
            .sites
            .iter()
            .enumerate()
            .filter(|(i, _)| sites[*i].is_none())
            .collect();
        let fresh = crate::parallel::map(&todo, todo.len() >= PARALLEL_SITES, |&(i, decl)| {
            let mut checker = Checker {
                sources: self.sources,
                diags: Vec::new(),
            };
            let mut used = HashMap::new();
            let services = Services {
                all: &model.services,
                seen: std::cell::RefCell::default(),
            };
            let site = checker.read_site(decl, &scope, &services, SiteId(i), &mut used);
            let mut seen = services.seen.into_inner();
            seen.sort_unstable();
            seen.dedup();
            let looked_at = seen
                .into_iter()
                .map(|s| {
                    let span = decls.services[s.0].directive.span;
                    (s, span, self.sources.slice(span).to_owned())
                })
                .collect();
            let facts = SiteFacts {
                diags: checker.diags,
                used,
                services: looked_at,
            };
            (site, facts)
        });
        for ((i, decl), (site, facts)) in todo.into_iter().zip(fresh) {
            note(&facts.diags, &facts.used);
            if let Some(r) = reuse.as_mut() {
                r.site_read(decl.directive.span.file, i, facts);
            }
            sites[i] = Some(site);
        }
        model.sites = sites.into_iter().flatten().collect();
        for decl in &decls.webhooks {
            let webhook = self.read_webhook(decl, &scope, &model);
            model.webhooks.push(webhook);
        }
        for decl in &decls.jobs {
            let job = self.read_job(decl, &scope);
            model.jobs.push(job);
        }
        for decl in &decls.units {
            let unit = self.read_unit(decl, &scope);
            model.units.push(unit);
        }

        model.defaults = scope.defaults;
        let uses = Uses {
            services: used_services,
            explicit_on,
        };
        (model, uses)
    }

    /// `on NAME…`: hosts and pools.
    pub(crate) fn placements(
        &mut self,
        d: &Directive<'_>,
        hosts: &Index,
        pools: &Index,
    ) -> Vec<(Placement, Span)> {
        let mut out = Vec::new();
        for arg in flat_args(d) {
            let Some(name) = self.text(arg) else { continue };
            if let Some(&h) = hosts.get(name) {
                out.push((Placement::Host(HostId(h)), arg.span));
            } else if let Some(&p) = pools.get(name) {
                out.push((Placement::Pool(PoolId(p)), arg.span));
            } else {
                self.report(say::decl::unknown_placement(
                    arg.span,
                    name,
                    hosts.keys().chain(pools.keys()).map(String::as_str),
                ));
            }
        }
        out
    }
}
