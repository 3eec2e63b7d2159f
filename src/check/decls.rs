//! Pass 2: reading each declaration's block into the model, with references
//! resolved and defaults applied.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use camino::Utf8PathBuf;

use super::schema::Context;
use super::{Checker, Decl, Decls, Index, Placement, Served, flat_args, text, values};
use crate::diag::{Code, Diagnostic, did_you_mean, one_of};
use crate::model::{
    Backend, ContainerMode, CronJob, Defaults, DeployMode, Encoding, EnvValue, EnvVar, ErrorPage,
    Header, Host, HostId, Model, PathPattern, Pool, PoolId, ProfileId, Protocol, Proxy, ProxyKind,
    Publish, PublishMode, Restart, Route, RunMode, Service, ServiceId, Site, SiteId, Ssh,
    StaticFiles, Subproject, SysctlProfile, Task, Tls, TlsKind, Unit, Volume, VolumeSource,
    Webhook,
};
use crate::source::Span;
use crate::syntax::{Arg, Directive};

/// Built-in sysctl profiles (SPEC §1; the opam.ocaml.org and ocaml.org seeds).
pub const BUILTIN_PROFILES: &[(&str, &[(&str, &str)])] = &[
    (
        "bbr",
        &[
            ("net.core.default_qdisc", "fq"),
            ("net.ipv4.tcp_congestion_control", "bbr"),
        ],
    ),
    ("keepalive", &[("net.ipv4.tcp_keepalive_time", "60")]),
];

/// From this many sites on, they are read on all cores.
const PARALLEL_SITES: usize = 500;

const REDIRECT_PLACEHOLDERS: &[&str] = &["path", "query", "uri", "rest", "host"];

fn index(decls: &[Decl<'_>]) -> Index {
    decls
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.clone(), i))
        .collect()
}

/// Whether a block has a directive `name`, accepted or not: a setting that
/// was written but rejected is reported as such, not also as missing.
fn written(d: &Directive<'_>, name: &str) -> bool {
    block(d).iter().any(|i| i.name.value == name)
}

fn block<'d, 'a>(d: &'d Directive<'a>) -> &'d [Directive<'a>] {
    d.block.as_ref().map_or(&[], |b| b.items.as_slice())
}

/// Everything a reader may resolve against.
struct Scope {
    defaults: Defaults,
    hosts: Index,
    pools: Index,
    services: Index,
    sites: Index,
    profiles: Index,
    /// Member hosts of each pool, by pool id.
    pool_members: Vec<Vec<HostId>>,
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
    pub(super) fn read(&mut self, decls: &Decls<'a>) -> Model {
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
        // A service without `on` runs where the sites that proxy to it run;
        // one with `on` must run everywhere they do.
        for (sid, users) in &used_services {
            for &(site, span) in users {
                let site_hosts = model.sites[site.0].hosts.clone();
                let service = &mut model.services[sid.0];
                if explicit_on[sid.0] {
                    let missing: Vec<&str> = site_hosts
                        .iter()
                        .filter(|h| !service.hosts.contains(h))
                        .map(|h| model.hosts[h.0].name.as_str())
                        .collect();
                    if !missing.is_empty() {
                        let name = service.name.clone();
                        let diag = Diagnostic::new(
                            Code::ServiceNotOnHost,
                            span,
                            format!("service `{name}` does not run on {}", one_of(&missing)),
                        )
                        .label(format!("the site is served there, but `{name}` runs elsewhere"))
                        .with_label(service.origin.span, "declared here")
                        .help(format!(
                            "add {} to the service's `on`, or remove its `on` to run it wherever its sites are",
                            one_of(&missing)
                        ));
                        self.report(diag);
                    }
                } else {
                    service.hosts.extend(site_hosts);
                }
            }
        }
        for (i, service) in model.services.iter_mut().enumerate() {
            service.hosts.sort();
            service.hosts.dedup();
            // A misspelt reference to it is the real problem: say only that.
            let misspelt = self.diags.iter().any(|d| d.code == Code::UnknownService);
            if service.hosts.is_empty() && !explicit_on[i] && !misspelt {
                self.report(
                    Diagnostic::new(
                        Code::Unused,
                        decls.services[i].name_span,
                        format!("service `{}` runs nowhere", service.name),
                    )
                    .label("no site proxies to it and it has no `on`")
                    .help("add `on HOST` to run it, or `proxy` to it from a site"),
                );
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

        link_hosts(&mut model);
        model.defaults = scope.defaults;
        model
    }

    fn read_defaults(&mut self, d: Option<&Directive>) -> Defaults {
        let mut defaults = Defaults::default();
        let Some(d) = d else { return defaults };
        for item in self.items(Context::Defaults, block(d)) {
            let args = flat_args(item);
            match item.name.value {
                "acme_email" => defaults.acme_email = self.email(args[0]),
                "site_root" => {
                    if let Some(p) = self.abs_path(args[0], "site root") {
                        defaults.site_root = p;
                    }
                }
                "proxy" => {
                    if let Some((kind, mode)) = self.proxy_kind(&args) {
                        defaults.proxy = kind;
                        if let Some(mode) = mode {
                            defaults.proxy_mode = mode;
                        }
                    }
                }
                "tls" => {
                    if let Some(t) =
                        self.choice(args[0], &["acme", "certbot", "off"], "default TLS mode")
                    {
                        defaults.tls = match t {
                            "acme" => TlsKind::Acme,
                            "certbot" => TlsKind::Certbot,
                            _ => TlsKind::Off,
                        };
                    }
                }
                "ssh_user" => {
                    if let Some(u) = self.user(args[0]) {
                        defaults.ssh_user = u;
                    }
                }
                "ssh_port" => {
                    if let Some(p) = self.port(args[0]) {
                        defaults.ssh_port = p;
                    }
                }
                "stack" => {
                    if let Some(s) = self.stack_name(args[0]) {
                        defaults.stack = s;
                    }
                }
                "acme_webroot" => {
                    let p = self.abs_path(args[0], "ACME webroot");
                    if let Some(p) = self.served(p, args[0], "ACME webroot", Served::Folder) {
                        defaults.acme_webroot = p;
                    }
                }
                "branch" => {
                    if let Some(b) = self.branch(args[0]) {
                        defaults.branch = b;
                    }
                }
                other => unreachable!("schema::DEFAULTS lists `{other}`"),
            }
        }
        defaults
    }

    /// A container command split into words as a shell would: what compose
    /// also does with a command string, but checked here, so quotes that do
    /// not close are a diagnostic, not a failed deploy.
    fn command_words(&mut self, arg: &Arg<'_>) -> Option<Vec<String>> {
        let text = self.text(arg)?;
        match shlex::split(text) {
            Some(words) if !words.is_empty() => Some(words),
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::InvalidText,
                        arg.span,
                        format!("`{text}` is not a command"),
                    )
                    .label("a quote that is not closed, or no words")
                    .help(
                        "write the arguments as a shell would: `command \"--root '/srv/my site'\"`",
                    ),
                );
                None
            }
        }
    }

    fn branch(&mut self, arg: &Arg<'_>) -> Option<String> {
        self.typed(
            arg,
            text::git_ref,
            Code::InvalidGitRef,
            "a git branch",
            "write the branch's name, e.g. `gh-pages`",
        )
    }

    fn email(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        match values::email(text) {
            Ok(()) => Some(text.to_owned()),
            Err(why) => {
                self.report(
                    Diagnostic::new(
                        Code::InvalidValue,
                        arg.span,
                        format!("`{text}` is not an email address"),
                    )
                    .label(why)
                    .help("the ACME account email, e.g. `acme_email admin@example.org`"),
                );
                None
            }
        }
    }

    fn user(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let ok = text.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && text.len() <= 32
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c));
        if ok {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(Code::InvalidValue, arg.span, format!("`{text}` is not a user name"))
                    .label("expected a Unix user name")
                    .help("user names are lower-case letters, digits, `_` and `-`, starting with a letter"),
            );
            None
        }
    }

    fn stack_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let ok = text.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c));
        if ok {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    arg.span,
                    format!("`{text}` is not a valid stack name"),
                )
                .label("Docker project names are lower case")
                .help("use lower-case letters, digits, `_` and `-`"),
            );
            None
        }
    }

    fn proxy_kind(&mut self, args: &[&Arg<'_>]) -> Option<(ProxyKind, Option<RunMode>)> {
        let kind = match self.choice(args[0], &["caddy", "nginx"], "proxy")? {
            "caddy" => ProxyKind::Caddy,
            _ => ProxyKind::Nginx,
        };
        let mode = match args.get(1) {
            None => None,
            Some(arg) => Some(
                match self.choice(
                    arg,
                    &["systemd", "compose", "swarm"],
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

    fn read_profile(&mut self, decl: &Decl<'_>) -> SysctlProfile {
        let mut settings = Vec::new();
        for item in self.items(Context::Sysctl, block(decl.directive)) {
            let mut args = flat_args(item);
            // `KEY = VALUE`, as in /etc/sysctl.conf.
            if args.len() == 2 && args[0].text() == Some("=") {
                args.remove(0);
            }
            if let Some(setting) =
                self.sysctl_setting(item.name.value, item.name.span, &args, item.span)
            {
                settings.push(setting);
            }
        }
        SysctlProfile {
            name: decl.name.clone(),
            origin: Some(self.origin(decl.name_span)),
            settings,
        }
    }

    /// `KEY VALUE`, or `KEY=VALUE` as one word.
    fn sysctl_setting(
        &mut self,
        key: &str,
        key_span: Span,
        args: &[&Arg<'_>],
        whole: Span,
    ) -> Option<(String, String)> {
        let (key, value) = match (key.split_once('='), args) {
            (Some((k, v)), []) => (
                k.to_owned(),
                self.typed_text(
                    v,
                    key_span,
                    text::sysctl_value,
                    Code::InvalidText,
                    "a kernel setting's value",
                    "write `KEY=VALUE` or `KEY VALUE`",
                )?,
            ),
            (None, [value]) => (
                key.to_owned(),
                self.typed(
                    value,
                    text::sysctl_value,
                    Code::InvalidText,
                    "a kernel setting's value",
                    "write the value without white space around it",
                )?,
            ),
            (None, []) => {
                self.report(
                    Diagnostic::new(
                        Code::MissingArgument,
                        key_span,
                        format!("`{key}` needs a value"),
                    )
                    .label("expected a value after the key")
                    .help(format!("write it as `{key} VALUE`")),
                );
                return None;
            }
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::ExtraArgument,
                        whole,
                        "a kernel setting takes one value",
                    )
                    .label("more than one value")
                    .help("quote a value with spaces: `net.ipv4.tcp_rmem \"4096 87380 6291456\"`"),
                );
                return None;
            }
        };
        if !values::sysctl_key_known(&key) {
            let help = match did_you_mean(&key, values::sysctl_keys()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "check the key under /proc/sys (dots for slashes)".to_owned(),
            };
            self.report(
                Diagnostic::new(
                    Code::UnknownSysctlKey,
                    key_span,
                    format!("unknown kernel setting `{key}`"),
                )
                .label("not a sysctl key on Linux")
                .help(help),
            );
            return None;
        }
        Some((key.replace('/', "."), value))
    }

    fn profile_ref(&mut self, arg: &Arg<'_>, scope: &Scope) -> Option<ProfileId> {
        let name = self.text(arg)?;
        if let Some(&i) = scope.profiles.get(name) {
            return Some(ProfileId(i));
        }
        let help = match did_you_mean(name, scope.profiles.keys().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "the built-in profiles are `bbr` and `keepalive`; declare others with `sysctl {name} {{ KEY VALUE }}`"
            ),
        };
        self.report(
            Diagnostic::new(
                Code::UnknownProfile,
                arg.span,
                format!("no sysctl profile named `{name}`"),
            )
            .label("unknown profile")
            .help(help),
        );
        None
    }

    fn read_host(&mut self, decl: &Decl<'_>, scope: &Scope) -> Host {
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
        let mut stack = defaults.stack.clone();
        let mut prefix = None;
        let mut http_port = 80;
        let mut https_port = 443;
        let mut probe_port = 7707;
        let mut profiles = Vec::new();
        let mut tags = Vec::new();
        for item in self.items(Context::Host, block(decl.directive)) {
            let args = flat_args(item);
            match item.name.value {
                "address" => {
                    for arg in args {
                        let Some(text) = self.text(arg) else { continue };
                        match text.parse::<IpAddr>() {
                            Ok(IpAddr::V4(a)) => ipv4.push(a),
                            Ok(IpAddr::V6(a)) => ipv6.push(a),
                            Err(_) => {
                                if text.chars().all(|c| c.is_ascii_digit() || c == '.')
                                    || text.contains(':')
                                {
                                    self.report(
                                        Diagnostic::new(Code::InvalidAddress, arg.span, format!("`{text}` is not an IP address"))
                                            .label("not a valid IPv4 or IPv6 address")
                                            .help("write an IPv4 (`203.0.113.7`), an IPv6 (`2001:db8::7`) or a DNS name"),
                                    );
                                } else if let Some((first, first_span)) = &dns_name {
                                    let first = first.clone();
                                    self.report(
                                        Diagnostic::new(Code::InvalidAddress, arg.span, format!("host `{}` has two DNS names", decl.name))
                                            .label("second DNS name")
                                            .with_label(*first_span, "first DNS name")
                                            .help(format!("`address` takes one DNS name (`{first}`) and any IPs; put other names in `alias`")),
                                    );
                                } else if let Some(name) = self.domain(arg) {
                                    dns_name = Some((name, arg.span));
                                }
                            }
                        }
                    }
                }
                "alias" => aliases.extend(args.iter().filter_map(|a| self.domain(a))),
                "ssh_user" => {
                    if let Some(u) = self.user(args[0]) {
                        ssh_user = u;
                    }
                }
                "ssh_port" => {
                    if let Some(p) = self.port(args[0]) {
                        ssh_port = p;
                    }
                }
                "host_key" => {
                    if let Some(key) = self.host_key(args[0], args[1]) {
                        host_keys.push(key);
                    }
                }
                "proxy" => {
                    if let Some((kind, mode)) = self.proxy_kind(&args) {
                        proxy_kind = kind;
                        proxy_mode = mode.unwrap_or(defaults.proxy_mode);
                    }
                }
                "proxy_image" => proxy_image = self.image(args[0]),
                "containers" => {
                    containers = self
                        .choice(args[0], &["compose", "swarm"], "container mode")
                        .map(|c| {
                            if c == "swarm" {
                                ContainerMode::Swarm
                            } else {
                                ContainerMode::Compose
                            }
                        });
                }
                "resolver" => resolver = self.resolver(args[0]),
                "caddy_admin" => {
                    caddy_admin = self.typed(
                        args[0],
                        text::caddy_admin,
                        Code::InvalidAddress,
                        "an admin endpoint",
                        "write `localhost:2019`, `unix//run/caddy-admin.sock` or `off`",
                    );
                }
                "acme_email" => acme_email = self.email(args[0]),
                "stack" => {
                    if let Some(s) = self.stack_name(args[0]) {
                        stack = s;
                    }
                }
                "prefix" => prefix = self.abs_path(args[0], "host prefix"),
                "http_port" => http_port = self.port(args[0]).unwrap_or(http_port),
                "https_port" => https_port = self.port(args[0]).unwrap_or(https_port),
                "probe_port" => probe_port = self.port(args[0]).unwrap_or(probe_port),
                "sysctl" => profiles.extend(args.iter().filter_map(|a| self.profile_ref(a, scope))),
                "tags" => tags.extend(args.iter().filter_map(|a| a.text().map(str::to_owned))),
                other => unreachable!("schema::HOST lists `{other}`"),
            }
        }
        if !written(decl.directive, "address") {
            self.report(
                Diagnostic::new(Code::MissingSetting, decl.name_span, format!("host `{}` has no `address`", decl.name))
                    .label("infrac needs to know how to reach this host")
                    .help("add `address DNS-NAME` and/or its IP addresses, e.g. `address opam-4.ocaml.org 203.0.113.4`"),
            );
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
            stack,
            prefix,
            http_port,
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

    fn host_key(&mut self, kind: &Arg<'_>, key: &Arg<'_>) -> Option<String> {
        let kind_text = self.choice(
            kind,
            &[
                "ssh-ed25519",
                "ecdsa-sha2-nistp256",
                "ecdsa-sha2-nistp384",
                "ecdsa-sha2-nistp521",
                "ssh-rsa",
            ],
            "host key type",
        )?;
        let key_text = self.text(key)?;
        let base64 = key_text.len() >= 16
            && key_text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c));
        if !base64 {
            self.report(
                Diagnostic::new(Code::InvalidValue, key.span, "not a public key")
                    .label("expected the base64 key from `ssh-keyscan`")
                    .help("copy the key from `ssh-keyscan HOST` or the host's /etc/ssh/ssh_host_*_key.pub"),
            );
            return None;
        }
        Some(format!("{kind_text} {key_text}"))
    }

    fn resolver(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        if text::resolver(text) {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(
                    Code::InvalidAddress,
                    arg.span,
                    format!("`{text}` is not a resolver address"),
                )
                .label("expected an IP address, optionally with a port")
                .help("write `resolver 127.0.0.11` (Docker's) or `resolver \"[::1]:5353\"`"),
            );
            None
        }
    }

    fn image(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        match values::image(text) {
            Ok(()) => Some(text.to_owned()),
            Err(why) => {
                self.report(
                    Diagnostic::new(Code::InvalidImage, arg.span, format!("`{text}` is not a valid image reference"))
                        .label(why)
                        .help("write `[registry/]name[:tag][@sha256:…]` in lower case, e.g. `ocurrent/opam.ocaml.org:live`"),
                );
                None
            }
        }
    }

    fn read_pool(&mut self, decl: &Decl<'_>, scope: &Scope) -> Pool {
        let mut members = Vec::new();
        let mut acme_forward = true;
        for item in self.items(Context::Pool, block(decl.directive)) {
            let args = flat_args(item);
            match item.name.value {
                "hosts" => {
                    for arg in args {
                        let Some(name) = self.text(arg) else { continue };
                        if let Some(&h) = scope.hosts.get(name) {
                            members.push(HostId(h));
                        } else {
                            let help = if scope.pools.contains_key(name) {
                                "a pool's members are hosts; pools do not nest".to_owned()
                            } else {
                                match did_you_mean(name, scope.hosts.keys().map(String::as_str)) {
                                    Some(s) => format!("did you mean `{s}`?"),
                                    None => format!("declare it with `host {name} {{ … }}`"),
                                }
                            };
                            self.report(
                                Diagnostic::new(
                                    Code::UnknownHost,
                                    arg.span,
                                    format!("no host named `{name}`"),
                                )
                                .label("unknown host")
                                .help(help),
                            );
                        }
                    }
                }
                "acme_forward" => {
                    acme_forward = self.flag(args[0], "`acme_forward` setting").unwrap_or(true)
                }
                other => unreachable!("schema::POOL lists `{other}`"),
            }
        }
        members.sort();
        members.dedup();
        if !written(decl.directive, "hosts") {
            self.report(
                Diagnostic::new(
                    Code::EmptyPool,
                    decl.name_span,
                    format!("pool `{}` has no members", decl.name),
                )
                .label("no `hosts`")
                .help("list its hosts: `hosts opam-4 opam-5`"),
            );
        }
        Pool {
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            members,
            acme_forward,
        }
    }

    fn read_service(&mut self, decl: &Decl<'_>, scope: &Scope, model: &Model) -> (Service, bool) {
        let mut image = None;
        let mut command = None;
        let mut port = None;
        let mut publish = Vec::new();
        let mut env: Vec<EnvVar> = Vec::new();
        let mut volumes = Vec::new();
        let mut sysctls: Vec<(String, String)> = Vec::new();
        let mut restart = Restart::UnlessStopped;
        let mut mode_global = false;
        let mut replicas: Option<(u32, Span)> = None;
        let mut mode_span = None;
        let mut constraints = Vec::new();
        let mut placements = Vec::new();
        let mut explicit_on = false;
        for item in self.items(Context::Service, block(decl.directive)) {
            let args = flat_args(item);
            match item.name.value {
                "image" => {
                    image = self.image(args[0]);
                }
                "command" => command = self.command_words(args[0]),
                "port" => port = self.port(args[0]),
                "publish" => {
                    if let Some(p) = self.publish(&args) {
                        publish.push(p);
                    }
                }
                "env" => {
                    let (Some(name), Some(value)) = (self.env_name(args[0]), self.text(args[1]))
                    else {
                        continue;
                    };
                    if looks_secret(&name) && !value.starts_with('$') {
                        self.report(
                            Diagnostic::new(Code::LiteralSecret, args[1].span, format!("`{name}` looks like a secret, written into the source"))
                                .label("the value would be committed and copied into out/")
                                .help(format!("refer to it instead: `secret {name} env VARIABLE` or `secret {name} file /PATH`")),
                        );
                        continue;
                    }
                    env.push(EnvVar {
                        name,
                        value: EnvValue::Literal(value.to_owned()),
                    });
                }
                "secret" => {
                    let Some(name) = self.env_name(args[0]) else {
                        continue;
                    };
                    if let Some(secret) =
                        self.secret(&args[1..], args[1].span.to(args[2].span), false)
                    {
                        env.push(EnvVar {
                            name,
                            value: EnvValue::Secret(secret),
                        });
                    }
                }
                "volume" => {
                    if let Some(v) = self.volume(&args) {
                        volumes.push(v);
                    }
                }
                "sysctl" => {
                    let first = args[0].text().unwrap_or("");
                    if args.len() == 1 && !first.contains('=') {
                        // A profile.
                        if let Some(p) = self.profile_ref(args[0], scope) {
                            sysctls.extend(model.profile(p).settings.iter().cloned());
                        }
                    } else if let Some(s) =
                        self.sysctl_setting(first, args[0].span, &args[1..], item.span)
                    {
                        sysctls.push(s);
                    }
                }
                "restart" => {
                    restart = match self.choice(
                        args[0],
                        &["always", "unless-stopped", "on-failure", "no"],
                        "restart policy",
                    ) {
                        Some("always") => Restart::Always,
                        Some("on-failure") => Restart::OnFailure,
                        Some("no") => Restart::No,
                        _ => Restart::UnlessStopped,
                    };
                }
                "mode" => {
                    mode_span = Some(item.span);
                    mode_global = self.choice(args[0], &["replicated", "global"], "deploy mode")
                        == Some("global");
                }
                "replicas" => {
                    let text = args[0].text().unwrap_or("");
                    match text.parse::<u32>() {
                        Ok(n) if n >= 1 => replicas = Some((n, item.span)),
                        _ => self.report(
                            Diagnostic::new(
                                Code::InvalidValue,
                                args[0].span,
                                format!("`{text}` is not a number of replicas"),
                            )
                            .label("expected a whole number, 1 or more")
                            .help("write `replicas 2`"),
                        ),
                    }
                }
                "placement" => {
                    if let Some(c) = self.constraint(args[0]) {
                        constraints.push(c);
                    }
                }
                "on" => {
                    explicit_on = true;
                    placements = self.placements(item, &scope.hosts, &scope.pools);
                }
                other => unreachable!("schema::SERVICE lists `{other}`"),
            }
        }
        if !written(decl.directive, "image") {
            self.report(
                Diagnostic::new(
                    Code::MissingSetting,
                    decl.name_span,
                    format!("service `{}` has no `image`", decl.name),
                )
                .label("which container image does it run?")
                .help("add `image NAME[:TAG]`, e.g. `image ocurrent/opam.ocaml.org:live`"),
            );
        }
        if let (true, Some((_, span))) = (mode_global, replicas) {
            self.report(
                Diagnostic::new(Code::InvalidValue, span, "`replicas` with `mode global`")
                    .label("a global service runs one container per node")
                    .with_label(mode_span.unwrap_or(span), "")
                    .help("remove `replicas`, or use `mode replicated`"),
            );
        }
        sysctls.sort();
        sysctls.dedup_by(|a, b| a.0 == b.0);
        let mode = if mode_global {
            DeployMode::Global
        } else {
            DeployMode::Replicated(replicas.map_or(1, |(n, _)| n))
        };
        let hosts = scope.expand(&placements);
        (
            Service {
                name: decl.name.clone(),
                origin: self.origin(decl.name_span),
                image: image.unwrap_or_default(),
                command,
                port,
                publish,
                env,
                volumes,
                sysctls,
                restart,
                mode,
                placement: constraints,
                hosts,
            },
            explicit_on,
        )
    }

    /// A swarm placement constraint: `node.ATTRIBUTE ==|!= VALUE`.
    fn constraint(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let parsed = ["==", "!="].iter().find_map(|op| {
            let (left, right) = text.split_once(op)?;
            let (left, right) = (left.trim(), right.trim());
            let attribute_ok = (left.starts_with("node.") || left.starts_with("engine.labels."))
                && left
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
            let value_ok = !right.is_empty() && !right.contains(char::is_whitespace);
            (attribute_ok && value_ok).then(|| format!("{left} {op} {right}"))
        });
        if parsed.is_none() {
            self.report(
                Diagnostic::new(Code::InvalidValue, arg.span, format!("`{text}` is not a placement constraint"))
                    .label("expected `node.ATTRIBUTE == VALUE` or `!=`")
                    .help("write e.g. `placement \"node.role == manager\"` or `placement \"node.labels.web == true\"`"),
            );
        }
        parsed
    }

    fn env_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let ok = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    arg.span,
                    format!("`{text}` is not an environment variable name"),
                )
                .label("letters, digits and `_`, not starting with a digit")
                .help("write it as `env NAME value`"),
            );
            None
        }
    }

    /// `publish HOST:CONTAINER[/udp] [host|ingress]` or `publish PORT`.
    fn publish(&mut self, args: &[&Arg<'_>]) -> Option<Publish> {
        let text = self.text(args[0])?;
        let span = args[0].span;
        let (ports, protocol) = match text.split_once('/') {
            Some((p, "tcp")) => (p, Protocol::Tcp),
            Some((p, "udp")) => (p, Protocol::Udp),
            Some((_, other)) => {
                self.report(
                    Diagnostic::new(
                        Code::InvalidValue,
                        span,
                        format!("`{other}` is not a protocol"),
                    )
                    .label("expected `tcp` or `udp`")
                    .help("write `publish 53:53/udp`"),
                );
                return None;
            }
            None => (text, Protocol::Tcp),
        };
        let (host_port, container_port) = match ports.split_once(':') {
            Some((h, c)) => (self.port_text(h, span)?, self.port_text(c, span)?),
            None => {
                let p = self.port_text(ports, span)?;
                (p, p)
            }
        };
        let mode = match args.get(1) {
            Some(arg) => match self.choice(arg, &["ingress", "host"], "publish mode")? {
                "host" => PublishMode::Host,
                _ => PublishMode::Ingress,
            },
            None => PublishMode::Ingress,
        };
        Some(Publish {
            host_port,
            container_port,
            protocol,
            mode,
            span: args[0].span.to(args[args.len() - 1].span),
        })
    }

    /// `volume NAME:/TARGET[:ro] [external]` or `volume /HOST/PATH:/TARGET[:ro]`.
    fn volume(&mut self, args: &[&Arg<'_>]) -> Option<Volume> {
        let text = self.text(args[0])?;
        let span = args[0].span;
        let parts: Vec<&str> = text.split(':').collect();
        let (source, target, read_only) = match parts.as_slice() {
            [s, t] => (*s, *t, false),
            [s, t, "ro"] => (*s, *t, true),
            [s, t, "rw"] => (*s, *t, false),
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::InvalidValue,
                        span,
                        format!("`{text}` is not a volume"),
                    )
                    .label("expected SOURCE:/TARGET or SOURCE:/TARGET:ro")
                    .help("write `volume caddy_data:/data` or `volume /etc/caddy:/etc/caddy:ro`"),
                );
                return None;
            }
        };
        let external = match args.get(1) {
            Some(arg) => self.choice(arg, &["external"], "volume option").is_some(),
            None => false,
        };
        if let Err(problem) = values::absolute_path(target) {
            self.path_problem(
                span,
                target,
                "volume target",
                &problem,
                "an absolute path inside the container",
            );
            return None;
        }
        let source = if source.starts_with('/') {
            if let Err(problem) = values::absolute_path(source) {
                self.path_problem(
                    span,
                    source,
                    "volume source",
                    &problem,
                    "an absolute path on the host",
                );
                return None;
            }
            if external {
                self.report(
                    Diagnostic::new(
                        Code::InvalidValue,
                        args[1].span,
                        "`external` is for named volumes",
                    )
                    .label("a host path is not a volume")
                    .help("remove `external`"),
                );
            }
            VolumeSource::Path(source.into())
        } else {
            let ok = source.starts_with(|c: char| c.is_ascii_alphanumeric())
                && source
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if !ok {
                self.report(
                    Diagnostic::new(Code::InvalidValue, span, format!("`{source}` is not a volume name or absolute path"))
                        .label("expected a name or a path starting with `/`")
                        .help("named volumes use letters, digits, `_`, `.` and `-`; host paths start with `/`"),
                );
                return None;
            }
            VolumeSource::Named {
                name: source.to_owned(),
                external,
            }
        };
        Some(Volume {
            source,
            target: target.into(),
            read_only,
        })
    }

    fn read_site(
        &mut self,
        decl: &Decl<'_>,
        scope: &Scope,
        model: &Model,
        id: SiteId,
        used: &mut HashMap<ServiceId, Vec<(SiteId, Span)>>,
    ) -> Site {
        let defaults = &scope.defaults;
        let items = self.items(Context::Site, block(decl.directive));
        // `root` first: routes resolve relative paths against it.
        let mut root = defaults.site_root.join(&decl.name);
        for item in items.iter().filter(|i| i.name.value == "root") {
            let arg = flat_args(item)[0];
            let p = self.abs_path(arg, "site root");
            if let Some(p) = self.served(p, arg, "site root", Served::Folder) {
                root = p;
            }
        }
        let mut domains = Vec::new();
        let mut redirect_from = Vec::new();
        let mut placements = Vec::new();
        let mut tls = match defaults.tls {
            TlsKind::Acme => Tls::Acme,
            TlsKind::Certbot => Tls::Certbot {
                webroot: defaults.acme_webroot.clone(),
            },
            TlsKind::Off => Tls::Off,
        };
        let mut routes = Vec::new();
        let mut subprojects: Vec<Subproject> = Vec::new();
        let mut error_pages = Vec::new();
        let mut encode = Vec::new();
        let mut headers = Vec::new();
        let mut hide = Vec::new();
        let mut acme_email = None;
        for item in items {
            let args = flat_args(item);
            match item.name.value {
                "root" => {}
                "acme_email" => acme_email = self.email(args[0]),
                "domains" => {
                    domains.extend(args.iter().filter_map(|a| self.domain(a)));
                }
                "redirect_from" => redirect_from.extend(args.iter().filter_map(|a| self.domain(a))),
                "on" => {
                    placements = self.placements(item, &scope.hosts, &scope.pools);
                }
                "tls" => {
                    if let Some(t) = self.tls(&args, item, defaults) {
                        tls = t;
                    }
                }
                "encode" => {
                    for arg in args {
                        match self.choice(arg, &["gzip", "zstd"], "encoding") {
                            Some("gzip") => encode.push(Encoding::Gzip),
                            Some(_) => encode.push(Encoding::Zstd),
                            None => {}
                        }
                    }
                }
                "header" => {
                    if let Some(h) = self.header(&args) {
                        headers.push(h);
                    }
                }
                "error" => {
                    let status = self.status(args[0], 400..=599, "an error status (400 to 599)");
                    let page = self.url_path(args[1], "error page", false);
                    if let (Some(status), Some(page)) = (status, page) {
                        error_pages.push(ErrorPage { status, page });
                    }
                }
                "hide" => {
                    for arg in args {
                        hide.extend(self.typed(
                            arg,
                            text::file_name,
                            Code::InvalidValue,
                            "a file or folder name",
                            "`hide` takes names that are never served wherever they appear, e.g. `hide .git .env`",
                        ));
                    }
                }
                "proxy" => {
                    if let Some(r) = self.proxy_route(&args, item, scope, model, id, used) {
                        routes.push(r);
                    }
                }
                "static" => {
                    if let Some(r) = self.static_route(&args, item, &root) {
                        routes.push(Route::Static(r));
                    }
                }
                "redirect" => {
                    if let Some(r) = self.redirect(&args) {
                        routes.push(r);
                    }
                }
                "rewrite" => {
                    let from = self.pattern(args[0]);
                    let to = self.url_path(args[1], "rewrite target", true);
                    if let (Some(from), Some(to)) = (from, to)
                        && self.check_placeholders(args[1], &to, &from, &["path", "query", "rest"])
                    {
                        routes.push(Route::Rewrite { from, to });
                    }
                }
                "redirect_first" => {
                    if let Some(r) = self.redirect_first(&args, item) {
                        routes.push(r);
                    }
                }
                "subproject" => {
                    if let Some(s) = self.subproject(&args, item, &root, defaults) {
                        if let Some(prev) = subprojects.iter().find(|p| p.name == s.name) {
                            let prev_span = prev.origin.span;
                            self.report(
                                Diagnostic::new(
                                    Code::DuplicateDeclaration,
                                    s.origin.span,
                                    format!("subproject `{}` is declared twice", s.name),
                                )
                                .label("declared again here")
                                .with_label(prev_span, "first declared here")
                                .help("remove one of them"),
                            );
                        } else {
                            subprojects.push(s);
                        }
                    }
                }
                other => unreachable!("schema::SITE lists `{other}`"),
            }
        }
        if !written(decl.directive, "domains") {
            self.report(
                Diagnostic::new(
                    Code::MissingSetting,
                    decl.name_span,
                    format!("site `{}` has no `domains`", decl.name),
                )
                .label("which names does it answer to?")
                .help("add `domains example.org www.example.org`"),
            );
        }
        if !written(decl.directive, "on") {
            self.report(
                Diagnostic::new(
                    Code::MissingSetting,
                    decl.name_span,
                    format!("site `{}` has no `on`", decl.name),
                )
                .label("where does it run?")
                .help("add `on HOST` or `on POOL`"),
            );
        }
        // Served subprojects must not share a URL folder.
        let mut served: HashMap<String, Span> = HashMap::new();
        for s in &subprojects {
            if let Some(at) = &s.serve_at {
                if let Some(&first) = served.get(at) {
                    self.report(
                        Diagnostic::new(
                            Code::PathConflict,
                            s.origin.span,
                            format!("two subprojects are served at `{at}`"),
                        )
                        .label("served at the same folder")
                        .with_label(first, "as this one")
                        .help("give one of them another `path`"),
                    );
                }
                served.insert(at.clone(), s.origin.span);
            }
        }
        // An unknown directive may be a misspelt route: that error is enough.
        let routes_written = block(decl.directive).iter().any(|d| {
            Context::Site
                .lookup(d.name.value)
                .is_none_or(|s| s.group == super::schema::Group::Route)
        });
        if !routes_written && written(decl.directive, "domains") {
            self.report(
                Diagnostic::new(
                    Code::SiteWithoutRoutes,
                    decl.name_span,
                    format!("site `{}` serves nothing", decl.name),
                )
                .label("no routes")
                .help("add `proxy SERVICE`, `static`, `redirect` or a `subproject`"),
            );
        }
        if !hide.iter().any(|h| h == ".git") && !subprojects.is_empty() {
            // Checkouts carry a `.git` folder: never serve it.
            hide.push(".git".to_owned());
        }
        let hosts = scope.expand(&placements);
        let pool = placements.iter().find_map(|(p, _)| match p {
            Placement::Pool(p) => Some(*p),
            Placement::Host(_) => None,
        });
        Site {
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            domains,
            redirect_from,
            hosts,
            pool,
            tls,
            acme_email,
            root,
            routes,
            subprojects,
            error_pages,
            encode,
            headers,
            hide,
        }
    }

    fn tls(&mut self, args: &[&Arg<'_>], item: &Directive<'_>, defaults: &Defaults) -> Option<Tls> {
        let mode = self.choice(args[0], &["acme", "certbot", "files", "off"], "TLS mode")?;
        if mode == "files" {
            if args.len() != 3 {
                let at = Span::new(item.span.file, item.span.end, item.span.end);
                self.report(
                    Diagnostic::new(Code::MissingArgument, at, "`tls files` needs a certificate and a key")
                        .label("expected two paths")
                        .help("write `tls files /etc/ssl/example.org/fullchain.pem /etc/ssl/example.org/privkey.pem`"),
                );
                return None;
            }
            let cert = self.abs_path(args[1], "certificate");
            let cert = self.served(cert, args[1], "certificate", Served::File);
            let key = self.abs_path(args[2], "key");
            let key = self.served(key, args[2], "key", Served::File);
            return Some(Tls::Files {
                cert: cert?,
                key: key?,
            });
        }
        if args.len() > 1 {
            self.report(
                Diagnostic::new(
                    Code::ExtraArgument,
                    args[1].span.to(args[args.len() - 1].span),
                    format!("`tls {mode}` takes no paths"),
                )
                .label("not expected")
                .help("only `tls files CERT KEY` takes paths"),
            );
            return None;
        }
        Some(match mode {
            "acme" => Tls::Acme,
            "certbot" => Tls::Certbot {
                webroot: defaults.acme_webroot.clone(),
            },
            _ => Tls::Off,
        })
    }

    fn header(&mut self, args: &[&Arg<'_>]) -> Option<Header> {
        let name = self.text(args[0])?;
        let (remove, bare) = match name.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, name),
        };
        if text::header_name(bare).is_err() {
            self.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    args[0].span,
                    format!("`{name}` is not a header name"),
                )
                .label("letters, digits and `-`")
                .help("write `header X-Frame-Options DENY`, or `header -Server` to remove one"),
            );
            return None;
        }
        match (remove, args.get(1)) {
            (true, None) => Some(Header {
                name: bare.to_owned(),
                value: None,
            }),
            (false, Some(v)) => {
                let value = self.typed(
                    v,
                    text::header_value,
                    Code::InvalidText,
                    "a header value both proxies can send",
                    "write the value without `{` and `}`, and without white space around it",
                )?;
                Some(Header {
                    name: bare.to_owned(),
                    value: Some(value),
                })
            }
            (true, Some(v)) => {
                self.report(
                    Diagnostic::new(
                        Code::ExtraArgument,
                        v.span,
                        format!("`header -{bare}` removes the header and takes no value"),
                    )
                    .label("not expected")
                    .help(format!("to set it, write `header {bare} VALUE`")),
                );
                None
            }
            (false, None) => {
                self.report(
                    Diagnostic::new(
                        Code::MissingArgument,
                        args[0].span,
                        format!("`header {bare}` needs a value"),
                    )
                    .label("expected a value after the name")
                    .help(format!(
                        "write `header {bare} VALUE`, or `header -{bare}` to remove it"
                    )),
                );
                None
            }
        }
    }

    fn status(
        &mut self,
        arg: &Arg<'_>,
        range: std::ops::RangeInclusive<u16>,
        what: &str,
    ) -> Option<u16> {
        let text = self.text(arg)?;
        match text.parse::<u16>() {
            Ok(s) if range.contains(&s) => Some(s),
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::InvalidStatus,
                        arg.span,
                        format!("`{text}` is not {what}"),
                    )
                    .label(format!("expected {what}"))
                    .help(format!(
                        "use a status from {} to {}",
                        range.start(),
                        range.end()
                    )),
                );
                None
            }
        }
    }

    /// A URL path (`/404.html`, `/gh/`); a target (`placeholders`) may
    /// have placeholders and a query.
    fn url_path(&mut self, arg: &Arg<'_>, what: &str, placeholders: bool) -> Option<String> {
        let text = self.text(arg)?;
        match values::url_path(text, placeholders) {
            Ok(()) => Some(text.to_owned()),
            Err(problem) => {
                self.path_problem(
                    arg.span,
                    text,
                    what,
                    &problem,
                    "a URL path such as `/docs/`",
                );
                None
            }
        }
    }

    /// `/exact` or `/prefix/*`.
    fn pattern(&mut self, arg: &Arg<'_>) -> Option<PathPattern> {
        let text = self.url_path(arg, "path", false)?;
        if let Some(prefix) = text.strip_suffix('*') {
            if prefix.contains('*') || !prefix.ends_with('/') {
                self.report(
                    Diagnostic::new(Code::InvalidPath, arg.span, format!("`{text}` is not a path pattern"))
                        .label("`*` is only allowed as a last `/*`")
                        .help("write `/docs/*` for everything under /docs/, or `/docs` for that path only"),
                );
                return None;
            }
            return Some(PathPattern::Prefix(prefix.to_owned()));
        }
        if text.contains('*') {
            self.report(
                Diagnostic::new(
                    Code::InvalidPath,
                    arg.span,
                    format!("`{text}` is not a path pattern"),
                )
                .label("`*` is only allowed as a last `/*`")
                .help("write `/docs/*` for everything under /docs/"),
            );
            return None;
        }
        Some(PathPattern::Exact(text))
    }

    /// Reports unknown placeholders, and `{rest}` without a `/*` pattern.
    fn check_placeholders(
        &mut self,
        arg: &Arg<'_>,
        text: &str,
        from: &PathPattern,
        allowed: &[&str],
    ) -> bool {
        if let Err(why) = crate::quote::segments(text) {
            self.report(
                Diagnostic::new(Code::InvalidText, arg.span, format!("`{text}` has a brace that is not a placeholder"))
                    .label(why)
                    .help("braces are only infrac's placeholders (`{path}`, `{rest}`, …); write a literal brace as `%7B` or `%7D`"),
            );
            return false;
        }
        let mut ok = true;
        for p in values::placeholders(text) {
            if !allowed.contains(&p) {
                let help = match did_you_mean(p, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{{{s}}}`?"),
                    None => format!(
                        "the placeholders here are {}",
                        one_of(
                            &allowed
                                .iter()
                                .map(|a| format!("{{{a}}}"))
                                .collect::<Vec<_>>()
                        )
                    ),
                };
                self.report(
                    Diagnostic::new(
                        Code::InvalidValue,
                        arg.span,
                        format!("unknown placeholder `{{{p}}}`"),
                    )
                    .label("not a placeholder infrac knows")
                    .help(help),
                );
                ok = false;
            } else if p == "rest" && !matches!(from, PathPattern::Prefix(_)) {
                self.report(
                    Diagnostic::new(
                        Code::InvalidValue,
                        arg.span,
                        "`{rest}` needs a `/*` pattern",
                    )
                    .label("`{rest}` is what `*` matched")
                    .help("match a prefix (`/old/*`), or use `{path}`"),
                );
                ok = false;
            }
        }
        ok
    }

    fn redirect(&mut self, args: &[&Arg<'_>]) -> Option<Route> {
        let from = self.pattern(args[0]);
        let to_text = self.text(args[1])?;
        let to = if to_text.starts_with('/') {
            self.url_path(args[1], "redirect target", true)
        } else {
            let stripped: String = strip_placeholders(to_text);
            match values::url(&stripped) {
                Ok(_) => Some(to_text.to_owned()),
                Err(why) => {
                    self.report(
                        Diagnostic::new(Code::InvalidUrl, args[1].span, format!("`{to_text}` is not a redirect target"))
                            .label(why)
                            .help("redirect to a path (`/new{rest}`) or a full URL (`https://example.org{uri}`)"),
                    );
                    None
                }
            }
        };
        let mut status = 301;
        let mut unless_query = None;
        let mut i = 2;
        while i < args.len() {
            let word = args[i].text().unwrap_or("");
            match word {
                "permanent" => status = 301,
                "temporary" => status = 302,
                "unless_query" => {
                    let Some(param) = args.get(i + 1) else {
                        self.report(
                            Diagnostic::new(
                                Code::MissingArgument,
                                args[i].span,
                                "`unless_query` needs a parameter name",
                            )
                            .label("expected a name after this")
                            .help("write `unless_query PARAM`"),
                        );
                        return None;
                    };
                    unless_query = Some(self.typed(
                        param,
                        text::query_param,
                        Code::InvalidValue,
                        "a query parameter name",
                        "write the parameter's name: letters, digits, `.`, `_`, `~`, `-`",
                    )?);
                    i += 1;
                }
                w if w.chars().all(|c| c.is_ascii_digit()) => {
                    status = self.status(
                        args[i],
                        301..=308,
                        "a redirect status (301, 302, 303, 307 or 308)",
                    )?;
                    if status == 304 || status == 305 || status == 306 {
                        self.report(
                            Diagnostic::new(
                                Code::InvalidStatus,
                                args[i].span,
                                format!("`{status}` is not a redirect status"),
                            )
                            .label("expected 301, 302, 303, 307 or 308")
                            .help("use `permanent` (301) or `temporary` (302)"),
                        );
                        return None;
                    }
                }
                _ => {
                    self.choice(
                        args[i],
                        &["permanent", "temporary", "unless_query"],
                        "redirect option",
                    );
                    return None;
                }
            }
            i += 1;
        }
        let (from, to) = (from?, to?);
        if !self.check_placeholders(args[1], &to, &from, REDIRECT_PLACEHOLDERS) {
            return None;
        }
        Some(Route::Redirect {
            from,
            to,
            status,
            unless_query,
        })
    }

    fn redirect_first(&mut self, args: &[&Arg<'_>], item: &Directive<'_>) -> Option<Route> {
        let from = self.pattern(args[0])?;
        let mut status = 302;
        let mut candidates = Vec::new();
        for (i, arg) in args.iter().enumerate().skip(1) {
            match arg.text() {
                Some("permanent") if i == args.len() - 1 => status = 301,
                Some("temporary") if i == args.len() - 1 => status = 302,
                _ => {
                    let c = self.url_path(arg, "candidate", true)?;
                    if !self.check_placeholders(arg, &c, &from, &["path", "rest"]) {
                        return None;
                    }
                    candidates.push(c);
                }
            }
        }
        if candidates.is_empty() {
            self.report(
                Diagnostic::new(
                    Code::MissingArgument,
                    item.span,
                    "`redirect_first` needs candidate paths",
                )
                .label("no candidates")
                .help("write `redirect_first /old/* /3.8/{rest} /3.7/{rest}`"),
            );
            return None;
        }
        Some(Route::RedirectFirst {
            from,
            candidates,
            status,
        })
    }

    fn proxy_route(
        &mut self,
        args: &[&Arg<'_>],
        item: &Directive<'_>,
        scope: &Scope,
        model: &Model,
        site: SiteId,
        used: &mut HashMap<ServiceId, Vec<(SiteId, Span)>>,
    ) -> Option<Route> {
        let (path, targets) = match args[0].text() {
            Some(t) if t.starts_with('/') => (Some(self.pattern(args[0])?), &args[1..]),
            _ => (None, args),
        };
        if targets.is_empty() {
            let at = Span::new(item.span.file, item.span.end, item.span.end);
            self.report(
                Diagnostic::new(Code::MissingArgument, at, "`proxy` needs a backend")
                    .label("expected a service or URL")
                    .help("write `proxy /api/* SERVICE` or `proxy /stats/* https://stats.example.net`"),
            );
            return None;
        }
        let mut backends = Vec::new();
        for arg in targets {
            let Some(text) = self.text(arg) else { continue };
            if text.contains("://") {
                match values::url(text) {
                    Ok(url) => {
                        // A URL naming a declared service is that service:
                        // the renderers then re-resolve it (NGINX).
                        if let Some(&sid) = scope.services.get(&url.host) {
                            let service = model.service(ServiceId(sid));
                            let port = url.port.or(service.port).unwrap_or(80);
                            used.entry(ServiceId(sid))
                                .or_default()
                                .push((site, arg.span));
                            backends.push(Backend::Service {
                                service: ServiceId(sid),
                                name: service.name.clone(),
                                port,
                            });
                        } else {
                            backends.push(Backend::Url {
                                scheme: url.scheme,
                                host: url.host,
                                port: url.port,
                                path: url.path,
                            });
                        }
                    }
                    Err(why) => self.report(
                        Diagnostic::new(
                            Code::InvalidUrl,
                            arg.span,
                            format!("`{text}` is not a valid URL"),
                        )
                        .label(why)
                        .help("write `http://HOST[:PORT]` or `https://HOST[:PORT]`"),
                    ),
                }
                continue;
            }
            let (name, port_text) = match text.split_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (text, None),
            };
            let Some(&sid) = scope.services.get(name) else {
                let help = match did_you_mean(name, scope.services.keys().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "declare `service {name} {{ image …; port … }}`, or write a URL such as `http://{text}`"
                    ),
                };
                self.report(
                    Diagnostic::new(
                        Code::UnknownService,
                        arg.span,
                        format!("no service named `{name}`"),
                    )
                    .label("unknown service")
                    .help(help),
                );
                continue;
            };
            let service = model.service(ServiceId(sid));
            let port = match port_text {
                Some(p) => self.port_text(p, arg.span),
                None => {
                    match service.port {
                        Some(p) => Some(p),
                        None => {
                            self.report(
                            Diagnostic::new(Code::MissingSetting, arg.span, format!("which port of `{name}` should the proxy reach?"))
                                .label(format!("service `{name}` has no `port`"))
                                .with_label(service.origin.span, "declared here")
                                .help(format!("add `port 8080` to service `{name}`, or write `{name}:8080` here")),
                        );
                            None
                        }
                    }
                }
            };
            if let Some(port) = port {
                used.entry(ServiceId(sid))
                    .or_default()
                    .push((site, arg.span));
                backends.push(Backend::Service {
                    service: ServiceId(sid),
                    name: service.name.clone(),
                    port,
                });
            }
        }
        if backends.len() != targets.len() {
            return None;
        }
        Some(Route::Proxy { path, backends })
    }

    fn static_route(
        &mut self,
        args: &[&Arg<'_>],
        item: &Directive<'_>,
        site_root: &Utf8PathBuf,
    ) -> Option<StaticFiles> {
        let path = match args.first() {
            Some(a) => Some(self.pattern(a)?),
            None => None,
        };
        let mut root = site_root.clone();
        let mut try_files = Vec::new();
        let mut fallback = None;
        for inner in self.items(Context::Static, block(item)) {
            let inner_args = flat_args(inner);
            match inner.name.value {
                "root" => {
                    let p = self.path_under(inner_args[0], site_root, "static root");
                    root = self.served(p, inner_args[0], "static root", Served::Folder)?;
                }
                "try" => {
                    for arg in inner_args {
                        let t = self.text(arg)?;
                        if values::no_parent(t).is_err()
                            || !(t.starts_with('/') || t.starts_with('{'))
                        {
                            self.report(
                                Diagnostic::new(
                                    Code::InvalidPath,
                                    arg.span,
                                    format!("`{t}` is not a file to try"),
                                )
                                .label(
                                    "expected a path such as `{path}`, `{path}/` or `/index.html`",
                                )
                                .help("write `try {path} {path}/ {path}.html`"),
                            );
                            return None;
                        }
                        if !self.check_placeholders(
                            arg,
                            t,
                            &PathPattern::Exact(String::new()),
                            &["path"],
                        ) {
                            return None;
                        }
                        try_files.push(t.to_owned());
                    }
                }
                "fallback" => {
                    let p = self.path_under(inner_args[0], site_root, "fallback tree");
                    fallback =
                        Some(self.served(p, inner_args[0], "fallback tree", Served::Folder)?);
                }
                other => unreachable!("schema::STATIC lists `{other}`"),
            }
        }
        if try_files.is_empty() {
            try_files = vec!["{path}".to_owned(), "{path}/".to_owned()];
        }
        Some(StaticFiles {
            path,
            root,
            try_files,
            fallback,
        })
    }

    fn subproject(
        &mut self,
        args: &[&Arg<'_>],
        item: &Directive<'_>,
        site_root: &Utf8PathBuf,
        defaults: &Defaults,
    ) -> Option<Subproject> {
        let name = self.name(args[0], "subproject")?;
        let mut repo = match args.get(1) {
            Some(a) => Some(self.repo(a)?),
            None => None,
        };
        let mut branch = defaults.branch.clone();
        let mut serve_at = Some(format!("/{name}/"));
        let mut secret = None;
        for inner in self.items(Context::Subproject, block(item)) {
            let inner_args = flat_args(inner);
            match inner.name.value {
                "repo" => {
                    if repo.is_some() {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateSetting,
                                inner.name.span,
                                "the repository is given twice",
                            )
                            .label("second repository")
                            .with_label(args[1].span, "first given here")
                            .help(
                                "give the repository once, on the `subproject` line or as `repo`",
                            ),
                        );
                        return None;
                    }
                    repo = Some(self.repo(inner_args[0])?);
                }
                "branch" => branch = self.branch(inner_args[0])?,
                "path" => {
                    let p = self.url_path(inner_args[0], "subproject path", false)?;
                    serve_at = Some(if p.ends_with('/') { p } else { format!("{p}/") });
                }
                "serve" => {
                    if !self.flag(inner_args[0], "`serve` setting")? {
                        serve_at = None;
                    }
                }
                "secret" => secret = Some(self.secret(&inner_args, inner.span, true)?),
                other => unreachable!("schema::SUBPROJECT lists `{other}`"),
            }
        }
        let Some(repo) = repo else {
            self.report(
                Diagnostic::new(
                    Code::MissingSetting,
                    args[0].span,
                    format!("subproject `{name}` has no repository"),
                )
                .label("where is it checked out from?")
                .help(format!(
                    "write `subproject {name} https://github.com/ORG/{name}`"
                )),
            );
            return None;
        };
        Some(Subproject {
            dir: site_root.join(&name),
            name,
            origin: self.origin(args[0].span),
            repo,
            branch,
            serve_at,
            secret,
        })
    }

    fn repo(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let ok = values::url(text).is_ok() || (text.starts_with("git@") && text.contains(':'));
        if ok {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(
                    Code::InvalidUrl,
                    arg.span,
                    format!("`{text}` is not a git repository URL"),
                )
                .label("expected https://… or git@host:org/repo")
                .help("write `https://github.com/matplotlib/mpl-gui`"),
            );
            None
        }
    }

    fn read_webhook(&mut self, decl: &Decl<'_>, scope: &Scope, model: &Model) -> Webhook {
        let mut domain = None;
        let mut path = "/hooks/".to_owned();
        let mut port = 9000;
        let mut sites = Vec::new();
        let mut secret = None;
        // What was written, even if rejected: a bad `secret` is not a
        // missing one.
        let given: Vec<&str> = block(decl.directive).iter().map(|d| d.name.value).collect();
        for item in self.items(Context::Webhook, block(decl.directive)) {
            let args = flat_args(item);
            match item.name.value {
                "domain" => domain = self.domain(args[0]),
                "path" => {
                    if let Some(p) = self.url_path(args[0], "webhook path", false) {
                        path = if p.ends_with('/') { p } else { format!("{p}/") };
                    }
                }
                "port" => port = self.port(args[0]).unwrap_or(port),
                "updates" => {
                    for arg in args {
                        let Some(name) = self.text(arg) else { continue };
                        match scope.sites.get(name) {
                            Some(&i) => sites.push(SiteId(i)),
                            None => {
                                let help = match did_you_mean(
                                    name,
                                    scope.sites.keys().map(String::as_str),
                                ) {
                                    Some(s) => format!("did you mean `{s}`?"),
                                    None => "name a site whose subprojects this webhook updates"
                                        .to_owned(),
                                };
                                self.report(
                                    Diagnostic::new(
                                        Code::UnknownSite,
                                        arg.span,
                                        format!("no site named `{name}`"),
                                    )
                                    .label("unknown site")
                                    .help(help),
                                );
                            }
                        }
                    }
                }
                "secret" => secret = self.secret(&args, item.span, true),
                other => unreachable!("schema::WEBHOOK lists `{other}`"),
            }
        }
        for (what, help) in [
            ("domain", "add `domain hooks.example.org`"),
            (
                "updates",
                "add `updates SITE` naming the site whose subprojects it updates",
            ),
            (
                "secret",
                "add `secret env NAME` or `secret file /PATH` (`{repo}` is replaced by each repository's name)",
            ),
        ] {
            if !given.contains(&what) {
                self.report(
                    Diagnostic::new(
                        Code::MissingSetting,
                        decl.name_span,
                        format!("webhook `{}` has no `{what}`", decl.name),
                    )
                    .label(format!("`{what}` is needed"))
                    .help(help),
                );
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

    /// `schedule` or `every`, `run` or `builtin`: shared by cron and units.
    fn task(&mut self, item: &Directive<'_>, builtins: &[&'static str]) -> Option<Task> {
        let args = flat_args(item);
        match item.name.value {
            "run" => {
                let cmd = self.text(args[0])?;
                if cmd.trim().is_empty() {
                    self.report(
                        Diagnostic::new(Code::InvalidValue, args[0].span, "empty command")
                            .label("nothing to run")
                            .help("write `run \"COMMAND\"`"),
                    );
                    return None;
                }
                Some(Task::Run(cmd.to_owned()))
            }
            _ => Some(match self.choice(args[0], builtins, "built-in task")? {
                "certbot-renew" => Task::CertbotRenew,
                "restart-proxy" => Task::RestartProxy,
                _ => Task::StackUp,
            }),
        }
    }

    fn read_job(&mut self, decl: &Decl<'_>, scope: &Scope) -> CronJob {
        let mut schedule: Option<(String, Span)> = None;
        let mut task: Option<(Task, Span)> = None;
        let mut user = "root".to_owned();
        let mut placements = Vec::new();
        if !decl
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    decl.name_span,
                    format!("`{}` cannot name a cron job", decl.name),
                )
                .label("cron ignores files in /etc/cron.d whose names contain `.`")
                .help("use letters, digits, `-` and `_`"),
            );
        }
        let given: Vec<&str> = block(decl.directive).iter().map(|d| d.name.value).collect();
        for item in self.items(Context::Cron, block(decl.directive)) {
            let args = flat_args(item);
            match item.name.value {
                "schedule" | "every" => {
                    let parsed = if item.name.value == "every" {
                        self.every(args[0])
                    } else {
                        self.cron_schedule(args[0])
                    };
                    if let Some((_, first)) = &schedule {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateSetting,
                                item.name.span,
                                "a cron job has one schedule",
                            )
                            .label("second schedule")
                            .with_label(*first, "first schedule")
                            .help("keep either `schedule` or `every`"),
                        );
                    } else if let Some(s) = parsed {
                        schedule = Some((s, item.name.span));
                    }
                }
                "run" | "builtin" => {
                    if let Some((_, first)) = &task {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateSetting,
                                item.name.span,
                                "a cron job runs one thing",
                            )
                            .label("second command")
                            .with_label(*first, "first command")
                            .help("keep either `run` or `builtin`; make two jobs for two commands"),
                        );
                    } else if let Some(t) = self.task(item, &["certbot-renew", "restart-proxy"]) {
                        task = Some((t, item.name.span));
                    }
                }
                "user" => {
                    if let Some(u) = self.user(args[0]) {
                        user = u;
                    }
                }
                "on" => {
                    placements = self.placements(item, &scope.hosts, &scope.pools);
                }
                other => unreachable!("schema::CRON lists `{other}`"),
            }
        }
        for (what, missing, help) in [
            (
                "schedule",
                !given.iter().any(|g| *g == "schedule" || *g == "every"),
                "add `every 15m` or `schedule \"0 3 * * *\"`",
            ),
            (
                "command",
                !given.iter().any(|g| *g == "run" || *g == "builtin"),
                "add `run \"COMMAND\"` or `builtin certbot-renew|restart-proxy`",
            ),
            (
                "on",
                !written(decl.directive, "on"),
                "add `on HOST` or `on POOL`",
            ),
        ] {
            if missing {
                self.report(
                    Diagnostic::new(
                        Code::MissingSetting,
                        decl.name_span,
                        format!("cron job `{}` has no {what}", decl.name),
                    )
                    .label(format!("no {what}"))
                    .help(help),
                );
            }
        }
        CronJob {
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            schedule: schedule.map(|(s, _)| s).unwrap_or_default(),
            task: task.map_or(Task::Run(String::new()), |(t, _)| t),
            user,
            hosts: scope.expand(&placements),
        }
    }

    fn every(&mut self, arg: &Arg<'_>) -> Option<String> {
        let seconds = self.duration(arg)?;
        match values::every_to_cron(seconds) {
            Ok(s) => Some(s),
            Err(why) => {
                self.report(
                    Diagnostic::new(Code::InvalidSchedule, arg.span, format!("cron cannot run every {}", arg.text().unwrap_or("")))
                        .label(why)
                        .help("use an interval that divides an hour or a day (`5m`, `15m`, `1h`, `6h`, `1d`), or write a `schedule`"),
                );
                None
            }
        }
    }

    fn cron_schedule(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        match values::schedule(text) {
            Ok(()) => Some(text.split_whitespace().collect::<Vec<_>>().join(" ")),
            Err((field, why)) => {
                // Point at the field when the schedule is a string on one line.
                let span = field_span(arg, text, field);
                self.report(
                    Diagnostic::new(Code::InvalidSchedule, span, format!("`{text}` is not a valid cron schedule"))
                        .label(why)
                        .help("five fields: minute (0-59) hour (0-23) day (1-31) month (1-12) weekday (0-7), or `@daily`, `@hourly`, …"),
                );
                None
            }
        }
    }

    fn read_unit(&mut self, decl: &Decl<'_>, scope: &Scope) -> Unit {
        let mut description = None;
        let mut task: Option<(Task, Span)> = None;
        let mut user = None;
        let mut after = Vec::new();
        let mut wants = Vec::new();
        let mut restart = None;
        let mut oneshot = None;
        let mut schedule: Option<(String, Span)> = None;
        let mut settings = Vec::new();
        let mut placements = Vec::new();
        let has_task = block(decl.directive)
            .iter()
            .any(|d| matches!(d.name.value, "run" | "builtin"));
        for item in self.items(Context::Unit, block(decl.directive)) {
            let args = flat_args(item);
            match item.name.value {
                "description" => {
                    description = self.typed(
                        args[0],
                        text::unit_text,
                        Code::InvalidText,
                        "a unit description",
                        "write one line of text, without white space around it",
                    );
                }
                "run" | "builtin" => {
                    if let Some((_, first)) = &task {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateSetting,
                                item.name.span,
                                "a unit runs one thing",
                            )
                            .label("second command")
                            .with_label(*first, "first command")
                            .help("keep either `run` or `builtin`"),
                        );
                    } else if let Some(t) =
                        self.task(item, &["stack-up", "restart-proxy", "certbot-renew"])
                    {
                        task = Some((t, item.name.span));
                    }
                }
                "user" => user = self.user(args[0]),
                "after" => after.extend(args.iter().filter_map(|a| self.unit_name(a))),
                "wants" => wants.extend(args.iter().filter_map(|a| self.unit_name(a))),
                "restart" => {
                    restart = self
                        .choice(
                            args[0],
                            &["no", "always", "on-failure", "on-abnormal", "on-success"],
                            "restart policy",
                        )
                        .map(str::to_owned);
                }
                "type" => {
                    oneshot = self
                        .choice(args[0], &["simple", "oneshot"], "unit type")
                        .map(|t| t == "oneshot")
                }
                "schedule" | "every" => {
                    let parsed = if item.name.value == "every" {
                        self.duration(args[0]).map(|s| format!("every {s}s"))
                    } else {
                        self.calendar(args[0])
                    };
                    if let Some((_, first)) = &schedule {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateSetting,
                                item.name.span,
                                "a unit has one schedule",
                            )
                            .label("second schedule")
                            .with_label(*first, "first schedule")
                            .help("keep either `schedule` or `every`"),
                        );
                    } else if let Some(s) = parsed {
                        schedule = Some((s, item.name.span));
                    }
                }
                "set" => {
                    if let Some(s) = self.unit_setting(args[0], args[1]) {
                        settings.push(s);
                    }
                }
                "on" => {
                    placements = self.placements(item, &scope.hosts, &scope.pools);
                }
                other => unreachable!("schema::UNIT lists `{other}`"),
            }
        }
        if !has_task {
            self.report(
                Diagnostic::new(
                    Code::MissingSetting,
                    decl.name_span,
                    format!("unit `{}` runs nothing", decl.name),
                )
                .label("no `run` or `builtin`")
                .help("add `run \"COMMAND\"` or `builtin stack-up`"),
            );
        }
        if !written(decl.directive, "on") {
            self.report(
                Diagnostic::new(
                    Code::MissingSetting,
                    decl.name_span,
                    format!("unit `{}` has no `on`", decl.name),
                )
                .label("where is it installed?")
                .help("add `on HOST` or `on POOL`"),
            );
        }
        let task = task.map_or(Task::Run(String::new()), |(t, _)| t);
        let oneshot = oneshot.unwrap_or(
            matches!(
                task,
                Task::StackUp | Task::CertbotRenew | Task::RestartProxy
            ) || schedule.is_some(),
        );
        Unit {
            description: description.unwrap_or_else(|| format!("{} (infrac)", decl.name)),
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            task,
            user,
            after,
            wants,
            restart,
            oneshot,
            schedule: schedule.map(|(s, _)| s),
            settings,
            hosts: scope.expand(&placements),
        }
    }

    fn unit_name(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let ok = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":-_.@".contains(c));
        if ok {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    arg.span,
                    format!("`{text}` is not a unit name"),
                )
                .label("expected a name such as `network-online.target`")
                .help("unit names use letters, digits, `:`, `-`, `_`, `.`, `@`"),
            );
            None
        }
    }

    /// A systemd calendar expression (`daily`, `*-*-* 03:00:00`); `@daily`
    /// is accepted as in cron.
    fn calendar(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let text = text.strip_prefix('@').unwrap_or(text);
        if values::calendar(text).is_ok() {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(
                    Code::InvalidSchedule,
                    arg.span,
                    format!("`{text}` is not a systemd calendar expression"),
                )
                .label("expected e.g. `daily` or `*-*-* 03:00:00`")
                .help("see `man systemd.time`; or use `every 15m`"),
            );
            None
        }
    }

    fn unit_setting(&mut self, key: &Arg<'_>, value: &Arg<'_>) -> Option<(String, String, String)> {
        let key_text = self.text(key)?;
        let value_text = self.text(value)?;
        let parts = key_text.split_once('.');
        let valid = parts.is_some_and(|(section, k)| super::unit_setting::known(section, k));
        if !valid {
            let names: Vec<String> = super::unit_setting::names().collect();
            let help = match did_you_mean(key_text, names.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "`set` writes hardening, paths, time limits and dependencies, e.g. `set Service.ProtectSystem strict` (docs/LANGUAGE.md lists them)".to_owned(),
            };
            self.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    key.span,
                    format!("`{key_text}` is not a unit setting infrac writes"),
                )
                .label("expected SECTION.Key")
                .help(help),
            );
            return None;
        }
        let (section, k) = parts.unwrap_or_default();
        if let Err(why) = text::unit_text(value_text)
            .and_then(|()| super::unit_setting::check(section, k, value_text))
        {
            self.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    value.span,
                    format!("`{value_text}` is not a value of `{key_text}`"),
                )
                .label(why)
                .help(format!("see `man systemd.exec` for `{k}`")),
            );
            return None;
        }
        Some((section.to_owned(), k.to_owned(), value_text.to_owned()))
    }
}

/// The span of field `field` of a cron schedule written as a one-line string
/// or word; the whole argument when it cannot be pinned down.
fn field_span(arg: &Arg<'_>, text: &str, field: usize) -> Span {
    if field == usize::MAX {
        return arg.span;
    }
    let offset = usize::from(arg.is_string());
    let mut start = None;
    let mut count = 0;
    let mut in_field = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_field {
                if count == field + 1 {
                    let s: usize = start.unwrap_or(0);
                    return Span::new(
                        arg.span.file,
                        arg.span.start + offset + s,
                        arg.span.start + offset + i,
                    );
                }
                in_field = false;
            }
        } else if !in_field {
            in_field = true;
            count += 1;
            if count == field + 1 {
                start = Some(i);
            }
        }
    }
    match start {
        Some(s) => Span::new(
            arg.span.file,
            arg.span.start + offset + s,
            arg.span.start + offset + text.len(),
        ),
        None => arg.span,
    }
}

fn strip_placeholders(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Environment variable names that hold secrets by convention.
fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words = [
        "PASS",
        "PASSWORD",
        "PASSWD",
        "PWD",
        "SECRET",
        "TOKEN",
        "CREDENTIALS",
        "APIKEY",
    ];
    upper
        .split(['_', '-', '.'])
        .any(|part| words.contains(&part))
        || [
            "PASSWORD",
            "SECRET",
            "TOKEN",
            "API_KEY",
            "PRIVATE_KEY",
            "ACCESS_KEY",
        ]
        .iter()
        .any(|w| upper.contains(w))
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
