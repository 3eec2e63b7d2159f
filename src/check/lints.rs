//! Pass 3: checks across declarations, on the assembled model: one domain
//! served twice on a host, ports published twice, two files at one path, and
//! the seeds' pitfalls.

use std::collections::HashMap;

use super::Checker;
use crate::check::say::{self, lint::PortOwner};
use crate::layout;
use crate::model::{
    Backend, ContainerMode, Encoding, HostId, Model, ProxyKind, PublishMode, Route, Site,
    VolumeSource,
};
use crate::source::Span;

pub(super) fn run(checker: &mut Checker<'_>, model: &Model) {
    for id in (0..model.hosts.len()).map(HostId) {
        domains_once(checker, model, id);
        ports_once(checker, model, id);
        paths_once(checker, model, id);
        swarm_ipv6(checker, model, id);
    }
    for site in &model.sites {
        host_names(checker, model, site);
        acme(checker, model, site);
        nginx_resolution(checker, model, site);
        nginx_cannot(checker, model, site);
    }
}

/// What a site asks for that NGINX cannot do: refused, not dropped.
fn nginx_cannot(checker: &mut Checker<'_>, model: &Model, site: &Site) {
    let Some(host) = site
        .hosts
        .iter()
        .map(|h| model.host(*h))
        .find(|h| h.proxy.kind == ProxyKind::Nginx)
    else {
        return;
    };
    let mut report = |what: &str, why: &str, help: &str| {
        checker.report(say::lint::unsupported_by_nginx(
            site.origin.span,
            &site.name,
            what,
            why,
            help,
            &host.name,
            host.origin.span,
        ));
    };
    if site.encode.contains(&Encoding::Zstd) {
        report("encode zstd", say::lint::ZSTD_WHY, say::lint::ZSTD_HELP);
    }
    if site
        .headers
        .iter()
        .any(|h| h.value.is_none() && h.name.eq_ignore_ascii_case("server"))
    {
        report(
            "header -Server",
            say::lint::SERVER_WHY,
            say::lint::SERVER_HELP,
        );
    }
}

/// `{host}` on a host without a name of its own adds nothing there.
fn host_names(checker: &mut Checker<'_>, model: &Model, site: &Site) {
    let Some(written) = site.host_names else {
        return;
    };
    for host in site.hosts.iter().map(|h| model.host(*h)) {
        if host.dns_name.is_none() && host.aliases.is_empty() {
            checker.report(say::lint::host_without_names(
                written,
                &host.name,
                host.origin.span,
            ));
        }
    }
}

fn domains_once(checker: &mut Checker<'_>, model: &Model, id: HostId) {
    let host = model.host(id);
    let mut seen: HashMap<String, (&str, Span)> = HashMap::new();
    let sites = host.sites.iter().map(|s| model.site(*s)).flat_map(|site| {
        site.names_on(host)
            .into_iter()
            .chain(site.redirect_from.iter().cloned())
            .map(move |d| (d, site.name.as_str(), site.origin.span))
    });
    let hooks = host.webhooks.iter().map(|w| {
        let w = model.webhook(*w);
        (w.domain.clone(), w.name.as_str(), w.origin.span)
    });
    for (domain, owner, span) in sites.chain(hooks) {
        match seen.get(&domain) {
            Some(&(first_owner, first_span)) => {
                checker.report(say::lint::domain_twice(
                    span,
                    &domain,
                    owner,
                    first_owner,
                    &host.name,
                    first_span,
                ));
            }
            None => {
                seen.insert(domain, (owner, span));
            }
        }
    }
}

fn ports_once(checker: &mut Checker<'_>, model: &Model, id: HostId) {
    let host = model.host(id);
    let mut seen: HashMap<(u16, bool), (PortOwner<'_>, Span)> = HashMap::new();
    if !host.sites.is_empty() || !host.webhooks.is_empty() {
        for port in [host.http_port, host.https_port, host.probe_port] {
            seen.insert(
                (port, false),
                (PortOwner::Proxy(host.proxy.kind.name()), host.origin.span),
            );
        }
    }
    for s in &host.services {
        let service = model.service(*s);
        for publish in &service.publish {
            let key = (
                publish.host_port,
                publish.protocol == crate::model::Protocol::Udp,
            );
            match seen.get(&key) {
                Some((owner, first)) => {
                    checker.report(say::lint::port_twice(
                        publish.span,
                        publish.host_port,
                        &host.name,
                        &service.name,
                        *owner,
                        *first,
                    ));
                }
                None => {
                    seen.insert(key, (PortOwner::Service(&service.name), publish.span));
                }
            }
        }
    }
}

fn paths_once(checker: &mut Checker<'_>, model: &Model, id: HostId) {
    let host = model.host(id);
    let planned = layout::plan(model, id);
    let mut seen: HashMap<&camino::Utf8Path, Span> = HashMap::new();
    for p in &planned {
        if let Some(&first) = seen.get(p.path.as_path()) {
            checker.report(say::lint::path_twice(
                p.origin,
                p.path.as_str(),
                &host.name,
                first,
            ));
        } else {
            seen.insert(&p.path, p.origin);
        }
    }
    // A container bind-mounting a single generated file would not see the
    // new file after an atomic replace.
    for s in &host.services {
        let service = model.service(*s);
        for volume in &service.volumes {
            let VolumeSource::Path(source) = &volume.source else {
                continue;
            };
            let relative = source.as_str().trim_start_matches('/');
            if planned.iter().any(|p| p.path.as_str() == relative) {
                let dir = source.parent().map_or("/".to_owned(), ToString::to_string);
                checker.report(say::lint::stale_mount(
                    service.origin.span,
                    &service.name,
                    source.as_str(),
                    &dir,
                    &volume
                        .target
                        .parent()
                        .map_or("/".into(), ToString::to_string),
                ));
            }
        }
    }
}

fn swarm_ipv6(checker: &mut Checker<'_>, model: &Model, id: HostId) {
    let host = model.host(id);
    if host.containers != ContainerMode::Swarm || !host.has_ipv6() {
        return;
    }
    for s in &host.services {
        let service = model.service(*s);
        for publish in service
            .publish
            .iter()
            .filter(|p| p.mode == PublishMode::Ingress)
        {
            checker.report(say::lint::swarm_ingress_ipv6(
                publish.span,
                &host.name,
                host.origin.span,
                publish.host_port,
                publish.container_port,
            ));
        }
    }
}

fn acme(checker: &mut Checker<'_>, model: &Model, site: &crate::model::Site) {
    if let Some(pool) = site.pool.map(|p| model.pool(p))
        && site.tls.http01()
        && !pool.acme_forward
    {
        checker.report(say::lint::acme_on_pool_without_forwarding(
            site.origin.span,
            &site.name,
            &pool.name,
            pool.origin.span,
        ));
    }
    for h in &site.hosts {
        let host = model.host(*h);
        if site
            .tls
            .certbot_webroot(host.proxy.kind, &model.defaults)
            .is_some()
            && site.acme_email.is_none()
            && host.acme_email.is_none()
        {
            checker.report(say::lint::certbot_without_email(
                site.origin.span,
                &site.name,
                &host.name,
            ));
            break;
        }
    }
}

fn nginx_resolution(checker: &mut Checker<'_>, model: &Model, site: &crate::model::Site) {
    for h in &site.hosts {
        let host = model.host(*h);
        if host.proxy.kind != ProxyKind::Nginx || host.proxy.resolver.is_some() {
            continue;
        }
        for route in &site.routes {
            let Route::Proxy { backends, .. } = route else {
                continue;
            };
            for backend in backends {
                let Backend::Url { host: name, .. } = backend else {
                    continue;
                };
                if name.starts_with('[') || name.parse::<std::net::Ipv4Addr>().is_ok() {
                    continue;
                }
                checker.report(say::lint::nginx_resolves_once(
                    site.origin.span,
                    &host.name,
                    name,
                    host.origin.span,
                ));
                return;
            }
        }
    }
}
