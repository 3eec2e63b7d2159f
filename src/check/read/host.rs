//! `host NAME { … }`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::check::read::{Scope, block};
use crate::check::say;
use crate::check::value::text;
use crate::check::{Checker, Decl, flat_args};
use crate::model::{ContainerMode, Host, Proxy, ProxyKind, RunMode, Ssh};
use crate::source::Span;
use crate::syntax::Arg;
use crate::vocabulary::Directives;
use crate::vocabulary::host;

impl Checker<'_> {
    pub(crate) fn read_host(&mut self, decl: &Decl<'_>, scope: &Scope) -> Host {
        let defaults = &scope.defaults;
        let mut dns_name: Option<(String, Span)> = None;
        let mut ipv4: Vec<Ipv4Addr> = Vec::new();
        let mut ipv6: Vec<Ipv6Addr> = Vec::new();
        let mut aliases = Vec::new();
        let mut ssh_user = defaults.ssh_user.clone();
        let mut ssh_port = defaults.ssh_port;
        let mut host_keys = Vec::new();
        let mut proxy_kind = defaults.proxy;
        let mut proxy_mode = defaults.proxy_mode;
        let mut proxy_image: Option<String> = None;
        let mut containers: Option<ContainerMode> = None;
        let mut resolver = None;
        let mut caddy_admin = None;
        let mut acme_email = defaults.acme_email.clone();
        let mut error_log = None;
        let mut acme_ca_root = None;
        let mut acme_ca = None;
        let mut trusted_proxies = Vec::new();
        let mut stack = defaults.stack.clone();
        let mut prefix = None;
        let mut plain_port = 80;
        let mut https_port = 443;
        let mut probe_port = 7707;
        let mut profiles = Vec::new();
        let mut tags = Vec::new();
        for (id, item) in self.items::<host::Id>(block(decl.directive)) {
            let args = flat_args(item);
            match id {
                host::Id::Address => {
                    for arg in args {
                        let Some(text) = self.text(arg) else { continue };
                        match text.parse::<IpAddr>() {
                            Ok(IpAddr::V4(a)) => ipv4.push(a),
                            Ok(IpAddr::V6(a)) => ipv6.push(a),
                            Err(_) => {
                                if text.chars().all(|c| c.is_ascii_digit() || c == '.')
                                    || text.contains(':')
                                {
                                    self.report(say::decl::not_an_ip(arg.span, text));
                                } else if let Some((first, first_span)) = &dns_name {
                                    let first = first.clone();
                                    self.report(say::decl::two_dns_names(
                                        arg.span,
                                        &decl.name,
                                        &first,
                                        *first_span,
                                    ));
                                } else if let Some(name) = self.domain(arg) {
                                    dns_name = Some((name, arg.span));
                                }
                            }
                        }
                    }
                }
                host::Id::TrustedProxies => {
                    trusted_proxies.extend(args.iter().filter_map(|a| self.trusted_proxy(a)));
                }
                host::Id::Alias => aliases.extend(args.iter().filter_map(|a| self.domain(a))),
                host::Id::SshUser => {
                    if let Some(u) = self.user(args[0]) {
                        ssh_user = u;
                    }
                }
                host::Id::SshPort => {
                    if let Some(p) = self.port(args[0]) {
                        ssh_port = p;
                    }
                }
                host::Id::HostKey => {
                    if let Some(key) = self.host_key(args[0], args[1]) {
                        host_keys.push(key);
                    }
                }
                host::Id::Proxy => {
                    if let Some((kind, mode)) = self.proxy_kind(&args) {
                        proxy_kind = kind;
                        proxy_mode = mode.unwrap_or(defaults.proxy_mode);
                    }
                }
                host::Id::ProxyImage => proxy_image = self.image(args[0]),
                host::Id::Containers => {
                    containers = self
                        .choice(
                            args[0],
                            host::Id::Containers.spec().choices(0),
                            "container mode",
                        )
                        .map(|c| {
                            if c == "swarm" {
                                ContainerMode::Swarm
                            } else {
                                ContainerMode::Compose
                            }
                        });
                }
                host::Id::Resolver => resolver = self.resolver(args[0]),
                host::Id::CaddyAdmin => {
                    caddy_admin = self.typed(args[0], text::caddy_admin, &say::decl::CADDY_ADMIN);
                }
                host::Id::AcmeEmail => acme_email = self.email(args[0]),
                host::Id::ErrorLog => error_log = self.abs_path(args[0], "error log"),
                host::Id::AcmeCaRoot => acme_ca_root = self.abs_path(args[0], "ACME CA root"),
                host::Id::AcmeCa => {
                    acme_ca = self
                        .url(args[0], say::decl::ACME_DIRECTORY)
                        .map(|url| (url, item.span));
                }
                host::Id::Stack => {
                    if let Some(s) = self.stack_name(args[0]) {
                        stack = s;
                    }
                }
                host::Id::Prefix => prefix = self.abs_path(args[0], "host prefix"),
                host::Id::HttpPort => plain_port = self.port(args[0]).unwrap_or(plain_port),
                host::Id::HttpsPort => https_port = self.port(args[0]).unwrap_or(https_port),
                host::Id::ProbePort => probe_port = self.port(args[0]).unwrap_or(probe_port),
                host::Id::Sysctl => {
                    profiles.extend(args.iter().filter_map(|a| self.profile_ref(a, scope)));
                }
                host::Id::Tags => {
                    tags.extend(args.iter().filter_map(|a| a.text().map(str::to_owned)));
                }
            }
        }
        let dns_name = dns_name.map(|(n, _)| n);
        let ssh_address = dns_name
            .clone()
            .or_else(|| ipv4.first().map(ToString::to_string))
            .or_else(|| ipv6.first().map(ToString::to_string))
            .unwrap_or_default();
        let containers = containers.unwrap_or(if proxy_mode == RunMode::Swarm {
            ContainerMode::Swarm
        } else {
            ContainerMode::Compose
        });
        let resolver =
            resolver.or_else(|| proxy_mode.in_container().then(|| "127.0.0.11".to_owned()));
        profiles.sort();
        profiles.dedup();
        Host {
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            dns_name,
            ipv4,
            ipv6,
            aliases,
            ssh: Ssh {
                user: ssh_user,
                port: ssh_port,
                address: ssh_address,
                host_keys,
            },
            proxy: Proxy {
                kind: proxy_kind,
                mode: proxy_mode,
                image: proxy_image.unwrap_or_else(|| proxy_kind.name().to_owned()),
                caddy_admin,
                resolver,
            },
            containers,
            acme_email,
            error_log,
            acme_ca_root,
            acme_ca: acme_ca.map(|(url, _)| url),
            trusted_proxies,
            stack,
            prefix,
            http_port: plain_port,
            https_port,
            probe_port,
            tags,
            profiles,
            pools: Vec::new(),
            sites: Vec::new(),
            services: Vec::new(),
            jobs: Vec::new(),
            units: Vec::new(),
            webhooks: Vec::new(),
        }
    }

    pub(crate) fn proxy_kind(&mut self, args: &[&Arg<'_>]) -> Option<(ProxyKind, Option<RunMode>)> {
        let kind = match self.choice(args[0], host::Id::Proxy.spec().choices(0), "proxy")? {
            "caddy" => ProxyKind::Caddy,
            _ => ProxyKind::Nginx,
        };
        let mode = match args.get(1) {
            None => None,
            Some(arg) => Some(
                match self.choice(
                    arg,
                    host::Id::Proxy.spec().choices(1),
                    "way to run the proxy",
                )? {
                    "systemd" => RunMode::Systemd,
                    "compose" => RunMode::Compose,
                    _ => RunMode::Swarm,
                },
            ),
        };
        Some((kind, mode))
    }
}
