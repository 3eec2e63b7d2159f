//! Pass 3: checks across declarations, on the assembled model: one domain
//! served twice on a host, ports published twice, two files at one path, and
//! the seeds' pitfalls.

use std::collections::HashMap;

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::layout;
use crate::model::{
    Backend, ContainerMode, HostId, Model, ProxyKind, PublishMode, Route, VolumeSource,
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
        acme(checker, model, site);
        nginx_resolution(checker, model, site);
    }
}

fn domains_once(checker: &mut Checker<'_>, model: &Model, id: HostId) {
    let host = model.host(id);
    let mut seen: HashMap<&str, (&str, Span)> = HashMap::new();
    let sites = host.sites.iter().map(|s| model.site(*s)).flat_map(|site| {
        site.domains
            .iter()
            .chain(&site.redirect_from)
            .map(move |d| (d.as_str(), site.name.as_str(), site.origin.span))
    });
    let hooks = host.webhooks.iter().map(|w| {
        let w = model.webhook(*w);
        (w.domain.as_str(), w.name.as_str(), w.origin.span)
    });
    for (domain, owner, span) in sites.chain(hooks) {
        match seen.get(domain) {
            Some(&(first_owner, first_span)) => {
                let message = if first_owner == owner {
                    format!("`{domain}` is listed twice in `{owner}`")
                } else {
                    format!(
                        "`{domain}` is served by both `{first_owner}` and `{owner}` on host `{}`",
                        host.name
                    )
                };
                checker.report(
                    Diagnostic::new(Code::DuplicateDomain, span, message)
                        .label(format!("serves `{domain}` again"))
                        .with_label(first_span, format!("already serves `{domain}`"))
                        .help("serve each domain from one site per host"),
                );
            }
            None => {
                seen.insert(domain, (owner, span));
            }
        }
    }
}

fn ports_once(checker: &mut Checker<'_>, model: &Model, id: HostId) {
    let host = model.host(id);
    let mut seen: HashMap<(u16, bool), (String, Span)> = HashMap::new();
    if !host.sites.is_empty() || !host.webhooks.is_empty() {
        for port in [host.http_port, host.https_port, host.probe_port] {
            seen.insert(
                (port, false),
                (
                    format!("the {} proxy", host.proxy.kind.name()),
                    host.origin.span,
                ),
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
                    checker.report(
                        Diagnostic::new(
                            Code::PortConflict,
                            publish.span,
                            format!("port {} is published twice on host `{}`", publish.host_port, host.name),
                        )
                        .label(format!("`{}` publishes {}", service.name, publish.host_port))
                        .with_label(*first, format!("{owner} already takes it"))
                        .help(if owner.contains("proxy") {
                            "the proxy takes ports 80 and 443: let it reach the service (`port` without `publish`, and `proxy` from a site)".to_owned()
                        } else {
                            "publish one of them on another host port".to_owned()
                        }),
                    );
                }
                None => {
                    seen.insert(key, (format!("`{}`", service.name), publish.span));
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
            checker.report(
                Diagnostic::new(
                    Code::PathConflict,
                    p.origin,
                    format!(
                        "two files would be written to /{} on host `{}`",
                        p.path, host.name
                    ),
                )
                .label("this declaration writes it")
                .with_label(first, "and so does this one")
                .help("rename one of the two declarations"),
            );
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
                checker.report(
                    Diagnostic::new(
                        Code::StaleMount,
                        service.origin.span,
                        format!(
                            "`{}` bind-mounts {source}, a file infrac replaces",
                            service.name
                        ),
                    )
                    .label("a reload inside the container would keep reading the old file")
                    .help(format!(
                        "mount the folder instead: `volume {dir}:{}:ro`",
                        volume
                            .target
                            .parent()
                            .map_or("/".into(), ToString::to_string)
                    )),
                );
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
            checker.report(
                Diagnostic::new(
                    Code::SwarmIngressIpv6,
                    publish.span,
                    format!("swarm ingress does not listen on IPv6, and host `{}` has an IPv6 address", host.name),
                )
                .label("published through the ingress mesh: unreachable over IPv6")
                .with_label(host.origin.span, "this host has IPv6")
                .help(format!(
                    "publish it in host mode: `publish {}:{} host` (with `mode global` for one container per node)",
                    publish.host_port, publish.container_port
                )),
            );
        }
    }
}

fn acme(checker: &mut Checker<'_>, model: &Model, site: &crate::model::Site) {
    if let Some(pool) = site.pool.map(|p| model.pool(p))
        && site.tls.http01()
        && !pool.acme_forward
    {
        checker.report(
                Diagnostic::new(
                    Code::AcmePoolForwarding,
                    site.origin.span,
                    format!("site `{}` gets certificates over HTTP-01 on round-robin pool `{}`, which does not forward challenges", site.name, pool.name),
                )
                .label("the ACME server may ask the member that did not start the challenge")
                .with_label(pool.origin.span, "`acme_forward off`")
                .help("remove `acme_forward off` so members forward challenge misses to each other, or use `tls files`"),
            );
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
            checker.report(
                Diagnostic::new(
                    Code::MissingSetting,
                    site.origin.span,
                    format!(
                        "certbot needs an account email for site `{}` on host `{}`",
                        site.name, host.name
                    ),
                )
                .label("no `acme_email` on the host or in `defaults`")
                .help("add `acme_email admin@example.org` to `defaults` or to the host"),
            );
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
                checker.report(
                    Diagnostic::new(
                        Code::NginxStaticResolution,
                        site.origin.span,
                        format!("NGINX on `{}` resolves `{name}` only once, at start-up", host.name),
                    )
                    .label(format!("site proxies to `{name}`"))
                    .with_label(host.origin.span, "this NGINX host has no `resolver`")
                    .help("set `resolver ADDRESS` on the host so NGINX re-resolves it, or proxy to a service"),
                );
                return;
            }
        }
    }
}
