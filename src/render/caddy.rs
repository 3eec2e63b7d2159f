//! The Caddyfile of a Caddy host: the site plans translated to Caddy's
//! terms (matchers, placeholders, upstream addresses), laid out by
//! `templates/Caddyfile.j2`.

use serde::Serialize;

use super::plan::{Files, Handler, SitePlan};
use super::{Context, port_suffix, proxy_address, regex_escape, scheme};
use crate::model::{Backend, Encoding, Host, Model, PathPattern, ProxyKind, Site, Tls, Webhook};

#[derive(Serialize)]
struct View {
    global: Vec<String>,
    sites: Vec<SiteView>,
    webhooks: Vec<WebhookView>,
}

#[derive(Serialize)]
struct SiteView {
    name: String,
    file: String,
    addresses: String,
    tls: Option<String>,
    encode: Option<String>,
    headers: Vec<String>,
    hidden: Option<String>,
    rewrites: Vec<RewriteView>,
    locations: Vec<LocationView>,
    error_pages: Vec<ErrorView>,
    /// `http://` block: ACME challenges, then the redirect to HTTPS.
    http: Option<HttpView>,
    /// `redirect_from` names.
    aliases: Option<AliasView>,
}

#[derive(Serialize)]
struct HttpView {
    addresses: String,
    challenge: Option<ChallengeView>,
    redirect: String,
}

#[derive(Serialize)]
struct ChallengeView {
    webroot: Option<String>,
    peers: Vec<String>,
}

#[derive(Serialize)]
struct AliasView {
    addresses: String,
    tls: Option<String>,
    redirect: String,
    /// With TLS, the plain-HTTP names: challenges, then the same redirect.
    http: Option<HttpView>,
}

#[derive(Serialize)]
struct RewriteView {
    matcher: String,
    /// `path_regexp` for `{rest}`.
    regexp: Option<String>,
    to: String,
}

#[derive(Serialize)]
struct LocationView {
    /// `/exact`, `/prefix/*`, or none for the catch-all.
    matcher: Option<String>,
    /// Regexp capturing `{rest}` into `{vars.rest}`.
    rest: Option<String>,
    handler: HandlerView,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum HandlerView {
    Redirect {
        name: String,
        unless_query: Option<String>,
        to: String,
        status: u16,
        otherwise: Box<HandlerView>,
    },
    RedirectFirst {
        candidates: Vec<CandidateView>,
        status: u16,
        otherwise: Box<HandlerView>,
    },
    Proxy {
        upstreams: String,
        external: bool,
    },
    Files {
        strip: Option<String>,
        tries: Vec<TryView>,
    },
    NotFound,
}

#[derive(Serialize)]
struct CandidateView {
    name: String,
    roots: Vec<String>,
    file: String,
    to: String,
}

#[derive(Serialize)]
struct TryView {
    name: String,
    root: String,
    files: String,
}

#[derive(Serialize)]
struct ErrorView {
    status: u16,
    page: String,
    root: Option<String>,
}

#[derive(Serialize)]
struct WebhookView {
    name: String,
    file: String,
    addresses: String,
    path: String,
    port: u16,
    http: Option<HttpView>,
}

/// Neutral placeholders → Caddy's.
fn placeholders(s: &str) -> String {
    s.replace("{rest}", "{vars.rest}")
}

fn encode(e: &[Encoding]) -> Option<String> {
    (!e.is_empty()).then(|| {
        e.iter()
            .map(|e| match e {
                Encoding::Gzip => "gzip",
                Encoding::Zstd => "zstd",
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `example.org` (HTTPS, with the port when it is not 443) or
/// `http://example.org` when TLS is off.
fn addresses(names: &[String], host: &Host, tls: bool) -> String {
    names
        .iter()
        .map(|n| match (tls, host.https_port, host.http_port) {
            (true, 443, _) => n.clone(),
            (true, p, _) => format!("{n}:{p}"),
            (false, _, 80) => format!("http://{n}"),
            (false, _, p) => format!("http://{n}:{p}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn http_addresses(names: &[String], host: &Host) -> String {
    addresses(names, host, false)
}

/// The `tls` line of a site.
fn tls_line(site: &Site, host: &Host) -> Option<String> {
    match &site.tls {
        Tls::Acme => site.acme_email.clone(),
        Tls::Certbot { .. } => {
            let live = host.path(camino::Utf8Path::new(&format!(
                "/etc/letsencrypt/live/{}",
                site.canonical()
            )));
            Some(format!("{live}/fullchain.pem {live}/privkey.pem"))
        }
        Tls::Files { cert, key } => Some(format!("{} {}", host.path(cert), host.path(key))),
        Tls::Off => None,
    }
}

fn challenge(site: &Site, host: &Host, ctx: &Context<'_>) -> Option<ChallengeView> {
    let webroot = site
        .tls
        .certbot_webroot(ProxyKind::Caddy, &ctx.model.defaults)
        .map(|w| host.path(w).to_string());
    let peers = ctx.acme_peers(site);
    (webroot.is_some() || !peers.is_empty()).then_some(ChallengeView { webroot, peers })
}

struct Names {
    next: usize,
}

impl Names {
    fn next(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{}", self.next)
    }
}

fn handler(h: &Handler, ctx: &Context<'_>, names: &mut Names) -> HandlerView {
    match h {
        Handler::Redirect {
            to,
            status,
            unless_query,
            otherwise,
        } => HandlerView::Redirect {
            name: names.next("redirect"),
            unless_query: unless_query.clone(),
            to: placeholders(to),
            status: *status,
            otherwise: Box::new(handler(otherwise, ctx, names)),
        },
        Handler::RedirectFirst {
            candidates,
            status,
            otherwise,
        } => HandlerView::RedirectFirst {
            candidates: candidates
                .iter()
                .map(|c| CandidateView {
                    name: names.next("candidate"),
                    roots: c.roots.iter().map(ToString::to_string).collect(),
                    file: placeholders(&c.file),
                    to: placeholders(&c.url),
                })
                .collect(),
            status: *status,
            otherwise: Box::new(handler(otherwise, ctx, names)),
        },
        Handler::Proxy { backends } => HandlerView::Proxy {
            upstreams: backends
                .iter()
                .map(|b| proxy_address(b, ctx.host, ctx.model))
                .collect::<Vec<_>>()
                .join(" "),
            external: backends.iter().any(|b| matches!(b, Backend::Url { .. })),
        },
        Handler::Files(files) => files_view(files, names),
        Handler::NotFound => HandlerView::NotFound,
    }
}

fn files_view(files: &Files, names: &mut Names) -> HandlerView {
    let tries = std::iter::once(&files.root)
        .chain(files.fallback.as_ref())
        .map(|root| TryView {
            name: names.next("file"),
            root: root.to_string(),
            files: files.try_files.join(" "),
        })
        .collect();
    HandlerView::Files {
        strip: files.strip_prefix.clone(),
        tries,
    }
}

fn location_matcher(p: &PathPattern) -> (String, Option<String>) {
    match p {
        PathPattern::Exact(p) => (p.clone(), None),
        PathPattern::Prefix(p) => (format!("{p}*"), Some(format!("^{}(.*)$", regex_escape(p)))),
    }
}

fn site_view(site: &Site, ctx: &Context<'_>) -> SiteView {
    let host = ctx.host;
    let plan = SitePlan::new(site, host);
    let mut names = Names { next: 0 };
    let tls = site.tls != Tls::Off;
    let locations = plan
        .locations
        .iter()
        .map(|l| {
            let (matcher, rest) = match &l.pattern {
                Some(p) => {
                    let (m, r) = location_matcher(p);
                    (Some(m), r)
                }
                None => (None, None),
            };
            let handler = handler(&l.handler, ctx, &mut names);
            // Capture `{rest}` only where something uses it.
            let uses_rest =
                serde_json::to_string(&handler).is_ok_and(|j| j.contains("{vars.rest}"));
            LocationView {
                matcher,
                rest: rest.filter(|_| uses_rest),
                handler,
            }
        })
        .collect();
    let rewrites = plan
        .rewrites
        .iter()
        .map(|r| {
            let (matcher, regexp) = location_matcher(&r.from);
            RewriteView {
                matcher,
                regexp,
                to: placeholders(&r.to),
            }
        })
        .collect();
    let redirect_scheme = scheme(tls);
    SiteView {
        name: site.name.clone(),
        file: site.origin.file.to_string(),
        addresses: addresses(&site.domains, host, tls),
        tls: tls_line(site, host),
        encode: encode(&site.encode),
        headers: site
            .headers
            .iter()
            .map(|h| match &h.value {
                Some(v) => format!("{} {}", h.name, quote(v)),
                None => format!("-{}", h.name),
            })
            .collect(),
        hidden: plan.hidden.clone(),
        rewrites,
        locations,
        error_pages: plan
            .error_pages
            .iter()
            .map(|e| ErrorView {
                status: e.status,
                page: e.page.clone(),
                root: e.files.as_ref().map(|f| f.root.to_string()),
            })
            .collect(),
        http: tls.then(|| HttpView {
            addresses: http_addresses(&site.domains, host),
            challenge: challenge(site, host, ctx),
            redirect: format!(
                "{redirect_scheme}{{host}}{}{{uri}}",
                port_suffix(host.https_port, 443)
            ),
        }),
        aliases: (!site.redirect_from.is_empty()).then(|| {
            let redirect = format!(
                "{redirect_scheme}{}{}{{uri}}",
                site.canonical(),
                port_suffix(
                    if tls { host.https_port } else { host.http_port },
                    if tls { 443 } else { 80 }
                )
            );
            AliasView {
                addresses: addresses(&site.redirect_from, host, tls),
                tls: tls_line(site, host),
                http: tls.then(|| HttpView {
                    addresses: http_addresses(&site.redirect_from, host),
                    challenge: challenge(site, host, ctx),
                    redirect: redirect.clone(),
                }),
                redirect,
            }
        }),
    }
}

fn webhook_view(w: &Webhook, model: &Model, host: &Host) -> WebhookView {
    let tls = model.defaults.tls != crate::model::TlsKind::Off;
    WebhookView {
        name: w.name.clone(),
        file: w.origin.file.to_string(),
        addresses: addresses(std::slice::from_ref(&w.domain), host, tls),
        path: w.path.clone(),
        port: w.port,
        http: tls.then(|| HttpView {
            addresses: http_addresses(std::slice::from_ref(&w.domain), host),
            challenge: None,
            redirect: format!(
                "https://{{host}}{}{{uri}}",
                port_suffix(host.https_port, 443)
            ),
        }),
    }
}

/// The Caddyfile for `ctx.host`.
pub fn render(ctx: &Context<'_>) -> Result<String, minijinja::Error> {
    let host = ctx.host;
    let model = ctx.model;
    let mut global = Vec::new();
    if let Some(admin) = &host.proxy.caddy_admin {
        global.push(format!("admin {admin}"));
    }
    if let Some(email) = &host.acme_email {
        global.push(format!("email {email}"));
    }
    if host.http_port != 80 {
        global.push(format!("http_port {}", host.http_port));
    }
    if host.https_port != 443 {
        global.push(format!("https_port {}", host.https_port));
    }
    let view = View {
        global,
        sites: host
            .sites
            .iter()
            .map(|s| site_view(model.site(*s), ctx))
            .collect(),
        webhooks: host
            .webhooks
            .iter()
            .map(|w| webhook_view(model.webhook(*w), model, host))
            .collect(),
    };
    ctx.render("Caddyfile.j2", &view)
}
