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

use crate::check::say;
use crate::check::{Checker, Decl, Decls, Index, Placement, flat_args};
use crate::model::{Defaults, HostId, Model, PoolId, ServiceId, SiteId, SysctlProfile};
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
    pub services: HashMap<ServiceId, Vec<(SiteId, Span)>>,
    /// Whether each service has its own `on`.
    pub explicit_on: Vec<bool>,
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

impl<'a> Checker<'a> {
    pub(crate) fn read(&mut self, decls: &Decls<'a>) -> (Model, Uses) {
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

        let mut explicit_on = Vec::new();
        for decl in &decls.services {
            let (service, explicit) = self.read_service(decl, &scope, &model);
            explicit_on.push(explicit);
            model.services.push(service);
        }

        // Sites are most of a program and independent of one another: large
        // programs read them on all cores, each with its own diagnostics and
        // service users, merged in site order.
        let sites: Vec<(usize, &Decl<'_>)> = decls.sites.iter().enumerate().collect();
        let read = crate::parallel::map(&sites, sites.len() >= PARALLEL_SITES, |&(i, decl)| {
            let mut checker = Checker {
                sources: self.sources,
                diags: Vec::new(),
            };
            let mut used = HashMap::new();
            let site = checker.read_site(decl, &scope, &model, SiteId(i), &mut used);
            (site, checker.diags, used)
        });
        let mut used_services: HashMap<ServiceId, Vec<(SiteId, Span)>> = HashMap::new();
        for (site, diags, used) in read {
            model.sites.push(site);
            self.diags.extend(diags);
            for (service, users) in used {
                used_services.entry(service).or_default().extend(users);
            }
        }
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
