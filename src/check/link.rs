//! Pass 3: what crosses declarations once all are read: where services
//! run, and what each host runs.

use crate::check::read::Uses;
use crate::check::say;
use crate::check::{Checker, Decls};
use crate::diag::Code;
use crate::model::{Model, ServiceId, SiteId};

impl Checker<'_> {
    pub(crate) fn link(&mut self, model: &mut Model, uses: &Uses, decls: &Decls<'_>) {
        // A service without `on` runs where the sites that proxy to it run;
        // one with `on` must run everywhere they do.
        for (sid, users) in &uses.services {
            for &(site, span) in users {
                let site_hosts = model.sites[site.0].hosts.clone();
                let service = &mut model.services[sid.0];
                if uses.explicit_on[sid.0] {
                    let missing: Vec<&str> = site_hosts
                        .iter()
                        .filter(|h| !service.hosts.contains(h))
                        .map(|h| model.hosts[h.0].name.as_str())
                        .collect();
                    if !missing.is_empty() {
                        let name = service.name.clone();
                        let diag = say::lint::service_not_on_hosts(
                            span,
                            &name,
                            &missing,
                            service.origin.span,
                        );
                        self.report(diag);
                    }
                } else {
                    service.hosts.extend(site_hosts);
                }
            }
        }
        // A misspelt reference to a service is the real problem: say only that.
        let misspelt = self.diags.iter().any(|d| d.code == Code::UnknownService);
        for (i, service) in model.services.iter_mut().enumerate() {
            service.hosts.sort();
            service.hosts.dedup();
            if service.hosts.is_empty() && !uses.explicit_on[i] && !misspelt {
                self.report(say::lint::service_runs_nowhere(
                    decls.services[i].name_span,
                    &service.name,
                ));
            }
        }

        link_hosts(model);
    }
}

/// Fills each host's lists of what runs on it.
fn link_hosts(model: &mut Model) {
    for (i, site) in model.sites.iter().enumerate() {
        for h in &site.hosts {
            model.hosts[h.0].sites.push(SiteId(i));
        }
    }
    for (i, service) in model.services.iter().enumerate() {
        for h in &service.hosts {
            model.hosts[h.0].services.push(ServiceId(i));
        }
    }
    for (i, job) in model.jobs.iter().enumerate() {
        for h in &job.hosts {
            model.hosts[h.0].jobs.push(crate::model::JobId(i));
        }
    }
    for (i, unit) in model.units.iter().enumerate() {
        for h in &unit.hosts {
            model.hosts[h.0].units.push(crate::model::UnitId(i));
        }
    }
    for (i, webhook) in model.webhooks.iter().enumerate() {
        for h in &webhook.hosts {
            model.hosts[h.0].webhooks.push(crate::model::WebhookId(i));
        }
    }
}
