//! The Caddyfile of a Caddy host: the site plans translated to Caddy's
//! terms (matchers, placeholders, upstream addresses), laid out by
//! `templates/Caddyfile.j2`.

use serde::Serialize;

use super::escape::Raw;
use super::plan::{Files, ForwardedFor, Handler, HostPlan, Limits, SitePlan};
use super::{Context, port_suffix, proxy_address, regex_escape, scheme};
use crate::model::{Backend, Encoding, Host, Model, PathPattern, ProxyKind, Site, Tls, Webhook};
use crate::quote::{self, Segment, Var, caddy::Part};

#[derive(Serialize)]
struct View {
    plan: HostPlan,
    admin: Option<String>,
    email: Option<String>,
    acme_ca: Option<String>,
    http_port: Option<u16>,
    https_port: Option<u16>,
    sites: Vec<SiteView>,
    webhooks: Vec<WebhookView>,
}

#[derive(Serialize)]
struct SiteView {
    name: String,
    file: Raw,
    addresses: Vec<String>,
    tls: Option<Vec<String>>,
    encode: Vec<&'static str>,
    headers: Vec<HeaderView>,
    hidden: Option<String>,
    rewrites: Vec<RewriteView>,
    locations: Vec<LocationView>,
    error_pages: Vec<ErrorView>,
    limits: Limits,
    /// `http://` block: ACME challenges, then the redirect to HTTPS.
    http: Option<HttpView>,
    /// `redirect_from` names.
    aliases: Option<AliasView>,
}

#[derive(Serialize)]
struct HeaderView {
    /// `Name` to set, `-Name` to remove.
    name: String,
    value: Option<String>,
}

#[derive(Serialize)]
struct HttpView {
    addresses: Vec<String>,
    challenge: Option<ChallengeView>,
    redirect: Raw,
    status: u16,
}

#[derive(Serialize)]
struct ChallengeView {
    webroot: Option<String>,
    peers: Vec<String>,
}

#[derive(Serialize)]
struct AliasView {
    addresses: Vec<String>,
    tls: Option<Vec<String>>,
    redirect: Raw,
    status: u16,
    /// With TLS, the plain-HTTP names: challenges, then the same redirect.
    http: Option<HttpView>,
}

#[derive(Serialize)]
struct RewriteView {
    matcher: String,
    /// `path_regexp` for `{rest}`.
    regexp: Option<String>,
    to: Raw,
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
        /// `PARAM=*`
        /// A CEL expression: the parameter is absent or empty.
        unless_query: Option<Raw>,
        to: Raw,
        status: u16,
        otherwise: Box<HandlerView>,
    },
    RedirectFirst {
        candidates: Vec<CandidateView>,
        status: u16,
        otherwise: Box<HandlerView>,
    },
    Proxy {
        upstreams: Vec<String>,
        external: bool,
        forwarded_for: Raw,
        timeout: u64,
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
    file: Raw,
    to: Raw,
}

#[derive(Serialize)]
struct TryView {
    name: String,
    root: String,
    files: Vec<Raw>,
}

#[derive(Serialize)]
struct ErrorView {
    status: u16,
    /// Under `root`.
    page: Option<String>,
    root: Option<String>,
}

#[derive(Serialize)]
struct WebhookView {
    name: String,
    file: Raw,
    addresses: Vec<String>,
    /// `/gh/*`
    path: String,
    port: u16,
    http: Option<HttpView>,
}

/// Caddy's placeholder for a neutral one.
fn placeholder(v: Var) -> &'static str {
    match v {
        Var::Path => "path",
        Var::Query => "query",
        Var::Uri => "uri",
        Var::Host => "host",
        Var::Rest => "vars.rest",
    }
}

/// Text with neutral placeholders (`/new/{rest}`) as one Caddy token.
fn interp(s: &str) -> Result<Raw> {
    let segments = super::escape::segments(s)?;
    let parts: Vec<Part<'_>> = segments
        .iter()
        .map(|seg| match seg {
            Segment::Text(t) => Part::Text(t),
            Segment::Var(v) => Part::Placeholder(placeholder(*v)),
        })
        .collect();
    Ok(Raw::new(quote::caddy::token_parts(&parts)?))
}

fn encode(e: &[Encoding]) -> Vec<&'static str> {
    e.iter()
        .map(|e| match e {
            Encoding::Gzip => "gzip",
            Encoding::Zstd => "zstd",
        })
        .collect()
}

/// `example.org` (HTTPS, with the port when it is not 443) or
/// `http://example.org` when TLS is off.
fn addresses(names: &[String], host: &Host, tls: bool) -> Vec<String> {
    names
        .iter()
        .map(|n| match (tls, host.https_port, host.http_port) {
            (true, 443, _) => n.clone(),
            (true, p, _) => format!("{n}:{p}"),
            (false, _, 80) => format!("http://{n}"),
            (false, _, p) => format!("http://{n}:{p}"),
        })
        .collect()
}

fn http_addresses(names: &[String], host: &Host) -> Vec<String> {
    addresses(names, host, false)
}

/// The arguments of a site's `tls` line.
fn tls_line(site: &Site, host: &Host) -> Option<Vec<String>> {
    match &site.tls {
        Tls::Acme => site.acme_email.clone().map(|e| vec![e]),
        Tls::Certbot { .. } => {
            let live = host.path(camino::Utf8Path::new(&format!(
                "/etc/letsencrypt/live/{}",
                site.canonical()
            )));
            Some(vec![
                format!("{live}/fullchain.pem"),
                format!("{live}/privkey.pem"),
            ])
        }
        Tls::Files { cert, key } => Some(vec![
            host.path(cert).to_string(),
            host.path(key).to_string(),
        ]),
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

type Result<T> = std::result::Result<T, minijinja::Error>;

fn handler(h: &Handler, ctx: &Context<'_>, names: &mut Names) -> Result<HandlerView> {
    Ok(match h {
        Handler::Redirect {
            to,
            status,
            unless_query,
            otherwise,
        } => HandlerView::Redirect {
            name: names.next("redirect"),
            // `ph(req, …)`, not a `{…}` placeholder: CEL cannot read `-`
            // or `~` (query names may have them) in a placeholder's name.
            unless_query: unless_query
                .as_ref()
                .map(|q| {
                    let name = quote::caddy::cel_string(&format!("http.request.uri.query.{q}"));
                    quote::caddy::token(&format!("ph(req, {name}) == \"\""))
                })
                .transpose()?
                .map(Raw::new),
            to: interp(to)?,
            status: *status,
            otherwise: Box::new(handler(otherwise, ctx, names)?),
        },
        Handler::RedirectFirst {
            candidates,
            status,
            otherwise,
        } => HandlerView::RedirectFirst {
            candidates: candidates
                .iter()
                .map(|c| {
                    Ok(CandidateView {
                        name: names.next("candidate"),
                        roots: c.roots.iter().map(ToString::to_string).collect(),
                        file: interp(&c.file)?,
                        to: interp(&c.url)?,
                    })
                })
                .collect::<Result<_>>()?,
            status: *status,
            otherwise: Box::new(handler(otherwise, ctx, names)?),
        },
        Handler::Proxy {
            backends,
            forwarded_for,
            timeout,
        } => HandlerView::Proxy {
            timeout: *timeout,
            forwarded_for: Raw::new(match forwarded_for {
                ForwardedFor::Peer => "{remote_host}",
            }),
            upstreams: backends
                .iter()
                .map(|b| proxy_address(b, ctx.host, ctx.model))
                .collect(),
            external: backends.iter().any(|b| matches!(b, Backend::Url { .. })),
        },
        Handler::Files(files) => files_view(files, names)?,
        Handler::NotFound => HandlerView::NotFound,
    })
}

fn files_view(files: &Files, names: &mut Names) -> Result<HandlerView> {
    let candidates: Vec<Raw> = files
        .try_files
        .iter()
        .map(|c| interp(c))
        .collect::<Result<_>>()?;
    let tries = std::iter::once(&files.root)
        .chain(files.fallback.as_ref())
        .map(|root| TryView {
            name: names.next("file"),
            root: root.to_string(),
            files: candidates.clone(),
        })
        .collect();
    Ok(HandlerView::Files {
        strip: files.strip_prefix.clone(),
        tries,
    })
}

fn location_matcher(p: &PathPattern) -> (String, Option<String>) {
    match p {
        PathPattern::Exact(p) => (p.clone(), None),
        PathPattern::Prefix(p) => (format!("{p}*"), Some(format!("^{}(.*)$", regex_escape(p)))),
    }
}

fn uses_rest(h: &HandlerView) -> bool {
    let uses = |r: &Raw| r.as_str().contains("{vars.rest}");
    match h {
        HandlerView::Redirect { to, otherwise, .. } => uses(to) || uses_rest(otherwise),
        HandlerView::RedirectFirst {
            candidates,
            otherwise,
            ..
        } => candidates.iter().any(|c| uses(&c.file) || uses(&c.to)) || uses_rest(otherwise),
        HandlerView::Files { tries, .. } => tries.iter().any(|t| t.files.iter().any(uses)),
        HandlerView::Proxy { .. } | HandlerView::NotFound => false,
    }
}

fn site_view(site: &Site, ctx: &Context<'_>) -> Result<SiteView> {
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
            let handler = handler(&l.handler, ctx, &mut names)?;
            // Capture `{rest}` only where something uses it.
            Ok(LocationView {
                matcher,
                rest: rest.filter(|_| uses_rest(&handler)),
                handler,
            })
        })
        .collect::<Result<_>>()?;
    let rewrites = plan
        .rewrites
        .iter()
        .map(|r| {
            let (matcher, regexp) = location_matcher(&r.from);
            Ok(RewriteView {
                matcher,
                regexp,
                to: interp(&r.to)?,
            })
        })
        .collect::<Result<_>>()?;
    let redirect_scheme = scheme(tls);
    let alias_redirect = |site: &Site| -> Result<Raw> {
        let port = port_suffix(
            if tls { host.https_port } else { host.http_port },
            if tls { 443 } else { 80 },
        );
        let to = format!("{redirect_scheme}{}{port}", site.canonical());
        Ok(Raw::new(quote::caddy::token_parts(&[
            Part::Text(&to),
            Part::Placeholder("uri"),
        ])?))
    };
    Ok(SiteView {
        name: site.name.clone(),
        file: Raw::new(quote::comment(site.origin.file.as_str())),
        addresses: addresses(&site.domains, host, tls),
        tls: tls_line(site, host),
        encode: encode(&site.encode),
        headers: site
            .headers
            .iter()
            .map(|h| match &h.value {
                Some(v) => HeaderView {
                    name: h.name.clone(),
                    value: Some(v.clone()),
                },
                None => HeaderView {
                    name: format!("-{}", h.name),
                    value: None,
                },
            })
            .collect(),
        hidden: super::hidden_regex(&plan.hidden),
        rewrites,
        locations,
        error_pages: plan
            .error_pages
            .iter()
            .map(|e| ErrorView {
                status: e.status,
                page: e.file.as_ref().map(|f| f.path.clone()),
                root: e.file.as_ref().map(|f| f.root.to_string()),
            })
            .collect(),
        limits: plan.limits,
        http: tls.then(|| HttpView {
            addresses: http_addresses(&site.domains, host),
            challenge: challenge(site, host, ctx),
            redirect: Raw::new(format!(
                "{redirect_scheme}{{host}}{}{{uri}}",
                port_suffix(host.https_port, 443)
            )),
            status: plan.https_redirect.unwrap_or(plan.alias_redirect),
        }),
        aliases: if site.redirect_from.is_empty() {
            None
        } else {
            let redirect = alias_redirect(site)?;
            Some(AliasView {
                addresses: addresses(&site.redirect_from, host, tls),
                tls: tls_line(site, host),
                http: tls.then(|| HttpView {
                    addresses: http_addresses(&site.redirect_from, host),
                    challenge: challenge(site, host, ctx),
                    redirect: redirect.clone(),
                    status: plan.alias_redirect,
                }),
                redirect,
                status: plan.alias_redirect,
            })
        },
    })
}

fn webhook_view(w: &Webhook, model: &Model, host: &Host) -> WebhookView {
    let tls = model.defaults.tls != crate::model::TlsKind::Off;
    WebhookView {
        name: w.name.clone(),
        file: Raw::new(quote::comment(w.origin.file.as_str())),
        addresses: addresses(std::slice::from_ref(&w.domain), host, tls),
        path: format!("{}*", w.path),
        port: w.port,
        http: tls.then(|| HttpView {
            addresses: http_addresses(std::slice::from_ref(&w.domain), host),
            challenge: None,
            redirect: Raw::new(format!(
                "https://{{host}}{}{{uri}}",
                port_suffix(host.https_port, 443)
            )),
            status: HostPlan::new(model, host).webhook_https_redirect,
        }),
    }
}

/// The Caddyfile for `ctx.host`.
pub fn render(ctx: &Context<'_>) -> Result<String> {
    let host = ctx.host;
    let model = ctx.model;
    let view = View {
        plan: HostPlan::new(model, host),
        admin: host.proxy.caddy_admin.clone(),
        email: host.acme_email.clone(),
        acme_ca: host.acme_ca.clone(),
        http_port: (host.http_port != 80).then_some(host.http_port),
        https_port: (host.https_port != 443).then_some(host.https_port),
        sites: host
            .sites
            .iter()
            .map(|s| site_view(model.site(*s), ctx))
            .collect::<Result<_>>()?,
        webhooks: host
            .webhooks
            .iter()
            .map(|w| webhook_view(model.webhook(*w), model, host))
            .collect(),
    };
    ctx.render("Caddyfile.j2", &view)
}
