//! Diagnostics about what crosses declarations: where services run
//! (`check::link`) and the lints (`check::lints`).

use crate::diag::{Code, Diagnostic, one_of};
use crate::source::Span;

// Linking.

pub(crate) fn service_not_on_hosts(
    span: Span,
    service: &str,
    missing: &[&str],
    declared: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::ServiceNotOnHost,
        span,
        format!("service `{service}` does not run on {}", one_of(missing)),
    )
    .label(format!(
        "the site is served there, but `{service}` runs elsewhere"
    ))
    .with_label(declared, "declared here")
    .help(format!(
        "add {} to the service's `on`, or remove its `on` to run it wherever its sites are",
        one_of(missing)
    ))
}

pub(crate) fn service_runs_nowhere(span: Span, service: &str) -> Diagnostic {
    Diagnostic::new(
        Code::Unused,
        span,
        format!("service `{service}` runs nowhere"),
    )
    .label("no site proxies to it and it has no `on`")
    .help("add `on HOST` to run it, or `proxy` to it from a site")
}

// Lints.

/// `first_owner == owner`: one site lists it twice.
pub(crate) fn domain_twice(
    span: Span,
    domain: &str,
    owner: &str,
    first_owner: &str,
    host: &str,
    first: Span,
) -> Diagnostic {
    let message = if first_owner == owner {
        format!("`{domain}` is listed twice in `{owner}`")
    } else {
        format!("`{domain}` is served by both `{first_owner}` and `{owner}` on host `{host}`")
    };
    Diagnostic::new(Code::DuplicateDomain, span, message)
        .label(format!("serves `{domain}` again"))
        .with_label(first, format!("already serves `{domain}`"))
        .help("serve each domain from one site per host")
}

/// What takes a port on a host first.
#[derive(Clone, Copy)]
pub(crate) enum PortOwner<'a> {
    /// The host's proxy, by its name (`caddy`).
    Proxy(&'a str),
    Service(&'a str),
}

pub(crate) fn port_twice(
    span: Span,
    port: u16,
    host: &str,
    service: &str,
    owner: PortOwner<'_>,
    first: Span,
) -> Diagnostic {
    let (owner, help) = match owner {
        PortOwner::Proxy(kind) => (
            format!("the {kind} proxy"),
            "the proxy takes ports 80 and 443: let it reach the service (`port` without `publish`, and `proxy` from a site)",
        ),
        PortOwner::Service(name) => (
            format!("`{name}`"),
            "publish one of them on another host port",
        ),
    };
    Diagnostic::new(
        Code::PortConflict,
        span,
        format!("port {port} is published twice on host `{host}`"),
    )
    .label(format!("`{service}` publishes {port}"))
    .with_label(first, format!("{owner} already takes it"))
    .help(help)
}

pub(crate) fn path_twice(span: Span, path: &str, host: &str, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::PathConflict,
        span,
        format!("two files would be written to /{path} on host `{host}`"),
    )
    .label("this declaration writes it")
    .with_label(first, "and so does this one")
    .help("rename one of the two declarations")
}

/// `dir`: the folder of the mounted file; `target_dir`: the folder of the
/// mount's target in the container.
pub(crate) fn stale_mount(
    span: Span,
    service: &str,
    source: &str,
    dir: &str,
    target_dir: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::StaleMount,
        span,
        format!("`{service}` bind-mounts {source}, a file infrac replaces"),
    )
    .label("a reload inside the container would keep reading the old file")
    .help(format!(
        "mount the folder instead: `volume {dir}:{target_dir}:ro`"
    ))
}

pub(crate) fn swarm_ingress_ipv6(
    span: Span,
    host: &str,
    host_span: Span,
    published: u16,
    container: u16,
) -> Diagnostic {
    Diagnostic::new(
        Code::SwarmIngressIpv6,
        span,
        format!("swarm ingress does not listen on IPv6, and host `{host}` has an IPv6 address"),
    )
    .label("published through the ingress mesh: unreachable over IPv6")
    .with_label(host_span, "this host has IPv6")
    .help(format!(
        "publish it in host mode: `publish {published}:{container} host` (with `mode global` for one container per node)"
    ))
}

pub(crate) fn acme_on_pool_without_forwarding(
    span: Span,
    site: &str,
    pool: &str,
    pool_span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::AcmePoolForwarding,
        span,
        format!("site `{site}` gets certificates over HTTP-01 on round-robin pool `{pool}`, which does not forward challenges"),
    )
    .label("the ACME server may ask the member that did not start the challenge")
    .with_label(pool_span, "`acme_forward off`")
    .help("remove `acme_forward off` so members forward challenge misses to each other, or use `tls files`")
}

pub(crate) fn host_without_names(span: Span, host: &str, host_span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingSetting,
        span,
        format!("host `{host}` has no name of its own for `{{host}}`"),
    )
    .label("each host's DNS name and aliases")
    .with_label(
        host_span,
        "its address is an IP address and it has no `alias`",
    )
    .help("give the host `alias NAME` (or a DNS name as `address`), or remove `{host}`")
}

pub(crate) fn certbot_without_email(span: Span, site: &str, host: &str) -> Diagnostic {
    Diagnostic::new(
        Code::MissingSetting,
        span,
        format!("certbot needs an account email for site `{site}` on host `{host}`"),
    )
    .label("no `acme_email` on the host or in `defaults`")
    .help("add `acme_email admin@example.org` to `defaults` or to the host")
}

/// `what`: the setting as written (`encode zstd`).
pub(crate) fn unsupported_by_nginx(
    span: Span,
    site: &str,
    what: &str,
    why: &str,
    help: &str,
    host: &str,
    host_span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::UnsupportedByProxy,
        span,
        format!("site `{site}` asks for `{what}`, which NGINX on `{host}` cannot do"),
    )
    .label(why.to_owned())
    .with_label(host_span, "this host runs NGINX")
    .help(help.to_owned())
}

pub(crate) const ZSTD_WHY: &str = "stock NGINX has no zstd compression";
pub(crate) const ZSTD_HELP: &str = "use `encode gzip`, or serve the site from a Caddy host";
pub(crate) const SERVER_WHY: &str = "NGINX always sends its own `Server` header";
pub(crate) const SERVER_HELP: &str =
    "remove `header -Server` (NGINX's names no version), or serve the site from a Caddy host";

pub(crate) fn nginx_resolves_once(
    span: Span,
    host: &str,
    name: &str,
    host_span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::NginxStaticResolution,
        span,
        format!("NGINX on `{host}` resolves `{name}` only once, at start-up"),
    )
    .label(format!("site proxies to `{name}`"))
    .with_label(host_span, "this NGINX host has no `resolver`")
    .help("set `resolver ADDRESS` on the host so NGINX re-resolves it, or proxy to a service")
}
