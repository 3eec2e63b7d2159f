//! NGINX confs of an NGINX host: one file per site (and per webhook) in
//! conf.d, translating the site plans, laid out by `templates/nginx-*.j2`.
//!
//! Every group of pattern locations (one handler, `location_groups`) is one
//! regex location in plan order: NGINX uses the first regex location that
//! matches, which is the plan's precedence, and a named capture gives
//! `{rest}` without `alias` (which misbehaves with `try_files`). An exact
//! path alone keeps `=`: it precedes every regex location, as it precedes
//! whatever covers it in the plan. The only `if` blocks hold a `return`.

use serde::Serialize;

use super::escape::Raw;
use super::plan::{
    Answer, CHALLENGE_PATH, Certificate, Compression, Files, Handler, HostPlan, Limits,
    PLAIN_ERRORS, SitePlan, UpstreamHost, UpstreamPath, UpstreamTls, WebhookPlan, plain,
};
use super::{Context, patterns_regex, proxy_address, regex_escape};
use crate::model::{AccessLog, Backend, PathPattern, Site, Webhook};
use crate::quote::{self, Segment, Var, nginx::Part};

type Result<T> = std::result::Result<T, minijinja::Error>;

#[derive(Serialize)]
struct SiteView {
    name: String,
    /// `off` or the file (none: the `http` block's).
    access_log: Option<Raw>,
    listen_http: Vec<Raw>,
    listen_https: Vec<Raw>,
    server_names: Vec<String>,
    tls: bool,
    /// Which servers this file holds ([`SitePart`]).
    http_part: bool,
    tls_part: bool,
    cert: Option<(String, String)>,
    gzip: Option<Compression>,
    headers: Vec<(String, String)>,
    hide_headers: Vec<String>,
    resolver: Option<String>,
    hidden: Option<Raw>,
    /// Regex, replacement.
    rewrites: Vec<(Raw, Raw)>,
    locations: Vec<LocationView>,
    named: Vec<NamedView>,
    upstreams: Vec<UpstreamView>,
    /// Status, named location, root, file under it, the plain answer.
    error_pages: Vec<(u16, Raw, String, Raw, String)>,
    challenge: Option<ChallengeView>,
    https_redirect: Option<Raw>,
    https_status: u16,
    aliases: Option<AliasView>,
    errors_snippet: String,
    misdirected: Answer,
    limits: Limits,
    /// `error_page CODE @infrac_CODE` for these, unless the site has a page.
    plain_errors: [u16; 8],
}

#[derive(Serialize)]
struct ChallengeView {
    /// `^~ /.well-known/acme-challenge/`.
    selector: Raw,
    webroot: Option<String>,
    peer: Option<String>,
    /// Re-resolve the peer's name at request time (else at start-up).
    resolver: Option<String>,
}

#[derive(Serialize)]
struct AliasView {
    server_names: Vec<String>,
    redirect: Raw,
    status: u16,
}

#[derive(Serialize)]
struct LocationView {
    /// `= /exact`, `~ "regex"`, or `/` (the catch-all).
    selector: Raw,
    handler: HandlerView,
}

#[derive(Serialize)]
struct NamedView {
    name: Raw,
    files: FilesView,
}

/// One stage of a files location: `root`, the slash redirect's test, then
/// `try_files` (ending in the next stage's named location, or `=404`).
#[derive(Serialize)]
struct FilesView {
    root: String,
    /// `if (-f FILE) { return STATUS URL; }`: the request's folder has an
    /// index and the path has no trailing slash (`$infrac_folder_index`
    /// is empty when it has one, so the test is of the folder itself).
    slash: Option<(Raw, u16, Raw)>,
    try_files: Vec<Raw>,
}

#[derive(Serialize)]
struct UpstreamView {
    name: String,
    servers: Vec<String>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum HandlerView {
    Redirect {
        to: Raw,
        status: u16,
        /// A regex the query string must not match.
        unless_query: Option<Raw>,
        otherwise: Box<HandlerView>,
    },
    RedirectFirst {
        /// The file to test, the URL to redirect to.
        candidates: Vec<(Raw, Raw)>,
        status: u16,
        otherwise: Box<HandlerView>,
    },
    Proxy {
        /// `set $NAME VALUE;`: a backend resolved at request time.
        set: Option<(Raw, String)>,
        /// `rewrite REGEX REPLACEMENT break;`: the path the backend is
        /// sent (NGINX escapes it again, and keeps the query).
        rewrite: Option<(Raw, Raw)>,
        pass: Raw,
        host_header: Raw,
        tls: Option<UpstreamTls>,
    },
    Files(FilesView),
    NotFound,
}

#[derive(Serialize)]
struct WebhookView {
    name: String,
    /// The `map` variable that says whether a request looks like GitHub's.
    var: Raw,
    listen_http: Vec<Raw>,
    listen_https: Vec<Raw>,
    server_name: String,
    tls: bool,
    /// Which servers this file holds ([`SitePart`]).
    http_part: bool,
    tls_part: bool,
    /// certbot's webroot, served for the ACME challenges over HTTP.
    challenge_root: Option<String>,
    cert: Option<(String, String)>,
    path_regex: Raw,
    /// The `map`'s keys that let a request through: a GitHub-shaped POST
    /// under the hooks' folder, a GET or HEAD of the health check.
    hook_key: Raw,
    health_key: Option<Raw>,
    /// `= /ping`'s path.
    health: Option<Raw>,
    port: u16,
    https_redirect: Option<Raw>,
    https_status: u16,
    misdirected: Answer,
    not_found: Answer,
    failed: Answer,
    health_down: Answer,
}

/// Text with neutral placeholders as one parameter, with NGINX variables.
/// `strip` locations capture the path after the prefix as `$rest`, so
/// `{path}` is `/${rest}` there.
fn interp(s: &str, strip: bool) -> Result<Raw> {
    let segments = super::escape::segments(s)?;
    let mut parts = Vec::new();
    for seg in &segments {
        match seg {
            Segment::Text(t) => parts.push(Part::Text(t)),
            Segment::Var(Var::Path) if strip => {
                parts.push(Part::Text("/"));
                parts.push(Part::Var("rest"));
            }
            Segment::Var(v) => parts.extend(
                match v {
                    Var::Path => [Part::Var("uri")].as_slice(),
                    Var::Query => &[Part::Var("args")],
                    Var::Uri => &[Part::Var("request_uri")],
                    Var::Host => &[Part::Var("host")],
                    Var::Rest => &[Part::Var("rest")],
                    Var::KeptQuery => &[Part::Var("is_args"), Part::Var("args")],
                }
                .iter()
                .copied(),
            ),
        }
    }
    Ok(Raw::new(quote::nginx::param_parts(&parts)?))
}

/// Infrac's text then variables, as one parameter: `https://${host}`.
fn with_vars(text: &str, vars: &[&str]) -> Result<Raw> {
    let mut parts = vec![Part::Text(text)];
    parts.extend(vars.iter().map(|v| Part::Var(v)));
    Ok(Raw::new(quote::nginx::param_parts(&parts)?))
}

/// A regex (never expanded) as one parameter.
fn regex(r: &str) -> Result<Raw> {
    Ok(Raw::new(quote::nginx::literal(r)?))
}

fn listen(plan: &HostPlan, port: u16, ssl: bool) -> Vec<Raw> {
    let suffix = if ssl { " ssl http2" } else { "" };
    let mut out = vec![Raw::new(format!("{port}{suffix}"))];
    if plan.ipv6 {
        out.push(Raw::new(format!("[::]:{port}{suffix}")));
    }
    out
}

/// Certificate and key files (NGINX has no ACME client: the plan never
/// gives it an automatic certificate).
fn cert(certificate: Option<&Certificate>) -> Option<(String, String)> {
    match certificate? {
        Certificate::Files { cert, key } => Some((cert.to_string(), key.to_string())),
        Certificate::Automatic { .. } => None,
    }
}

struct Builder<'c, 'm> {
    ctx: &'c Context<'m>,
    site_name: String,
    named: Vec<NamedView>,
    upstreams: Vec<UpstreamView>,
    uses_resolver: bool,
}

impl Builder<'_, '_> {
    fn handler(&mut self, h: &Handler, strip: bool) -> Result<HandlerView> {
        Ok(match h {
            Handler::Redirect {
                to,
                status,
                unless_query,
                otherwise,
            } => HandlerView::Redirect {
                to: interp(to, strip)?,
                status: *status,
                unless_query: unless_query
                    .as_ref()
                    // Present with a value (`keep=` or a bare `keep` is
                    // absent), or with exactly this one.
                    .map(|q| {
                        let value = q.value.as_deref().map_or_else(
                            || "[^&]".to_owned(),
                            |v| format!("{}(&|$)", regex_escape(v)),
                        );
                        regex(&format!("(^|&){}={value}", regex_escape(&q.name)))
                    })
                    .transpose()?,
                otherwise: Box::new(self.handler(otherwise, strip)?),
            },
            Handler::RedirectFirst {
                candidates,
                status,
                otherwise,
            } => {
                let mut pairs = Vec::new();
                for c in candidates {
                    for root in &c.roots {
                        pairs.push((
                            interp(&format!("{root}{}", c.file), strip)?,
                            interp(&c.url, strip)?,
                        ));
                    }
                }
                HandlerView::RedirectFirst {
                    candidates: pairs,
                    status: *status,
                    otherwise: Box::new(self.handler(otherwise, strip)?),
                }
            }
            // The timeout is the server's (`limits`), for every location.
            Handler::Proxy {
                backends,
                host,
                path,
                tls,
                timeout: _,
            } => self.proxy(backends, host, path.as_ref(), *tls)?,
            Handler::Files(files) => self.files(files)?,
            Handler::NotFound => HandlerView::NotFound,
        })
    }

    fn proxy(
        &mut self,
        backends: &[Backend],
        upstream_host: &UpstreamHost,
        path: Option<&UpstreamPath>,
        tls: Option<UpstreamTls>,
    ) -> Result<HandlerView> {
        let host = self.ctx.host;
        let rewrite = path.map(upstream_path).transpose()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let host_header = Raw::new(match upstream_host {
            // The Host as sent (with its port), as Caddy passes it.
            UpstreamHost::Client => "${infrac_host}".to_owned(),
            UpstreamHost::Backend => "${proxy_host}".to_owned(),
            UpstreamHost::Named(name) => quote::nginx::param(name)?,
        });
        let addresses: Vec<String> = backends
            .iter()
            .map(|b| {
                proxy_address(b, host, self.ctx.model)
                    .trim_start_matches("http://")
                    .trim_start_matches("https://")
                    .to_owned()
            })
            .collect();
        if let [address] = addresses.as_slice() {
            let literal = address.starts_with('[')
                || address
                    .split(':')
                    .next()
                    .is_some_and(|h| h.parse::<std::net::Ipv4Addr>().is_ok());
            if !literal && host.proxy.resolver.is_some() {
                // A variable makes NGINX resolve the name at request time
                // (with `resolver`), so a replaced container is found again.
                self.uses_resolver = true;
                let var = format!("backend_{}", self.upstreams.len() + self.named.len() + 1);
                return Ok(HandlerView::Proxy {
                    rewrite,
                    pass: with_vars(&format!("{scheme}://"), &[&var])?,
                    set: Some((Raw::new(format!("${var}")), address.clone())),
                    host_header,
                    tls,
                });
            }
            return Ok(HandlerView::Proxy {
                rewrite,
                set: None,
                pass: Raw::new(quote::nginx::param(&format!("{scheme}://{address}"))?),
                host_header,
                tls,
            });
        }
        let name = format!(
            "infrac_{}_{}",
            self.site_name.replace(['-', '.'], "_"),
            self.upstreams.len() + 1
        );
        self.upstreams.push(UpstreamView {
            name: name.clone(),
            servers: addresses,
        });
        Ok(HandlerView::Proxy {
            rewrite,
            set: None,
            pass: Raw::new(quote::nginx::param(&format!("{scheme}://{name}"))?),
            host_header,
            tls,
        })
    }

    /// The plan's stages: the first is the location's own, each next one a
    /// named location its `try_files` ends in.
    fn files(&mut self, files: &Files) -> Result<HandlerView> {
        let strip = files.strip_prefix.is_some();
        let stages = files.stages();
        let first = self.named.len() + 1;
        let name = |i: usize| Raw::new(format!("@files_{}", first + i - 1));
        let mut views = Vec::new();
        for (i, stage) in stages.iter().enumerate() {
            let mut try_files: Vec<Raw> = stage
                .files
                .iter()
                .map(|c| interp(c, strip))
                .collect::<Result<_>>()?;
            try_files.push(if i + 1 < stages.len() {
                name(i + 1)
            } else {
                Raw::new("=404")
            });
            let slash = if stage.slash {
                let mut test = vec![Part::Text(stage.root.as_str())];
                if strip {
                    test.extend([Part::Text("/"), Part::Var("rest")]);
                } else {
                    test.push(Part::Var("uri"));
                }
                test.push(Part::Var("infrac_folder_index"));
                Some((
                    Raw::new(quote::nginx::param_parts(&test)?),
                    files.slash_redirect,
                    Raw::new(quote::nginx::param_parts(&[
                        Part::Var("uri"),
                        Part::Text("/"),
                        Part::Var("is_args"),
                        Part::Var("args"),
                    ])?),
                ))
            } else {
                None
            };
            views.push(FilesView {
                root: stage.root.to_string(),
                slash,
                try_files,
            });
        }
        let mut views = views.into_iter();
        let own = views.next().unwrap_or(FilesView {
            root: files.root.to_string(),
            slash: None,
            try_files: vec![Raw::new("=404")],
        });
        for (i, files) in views.enumerate() {
            self.named.push(NamedView {
                name: name(i + 1),
                files,
            });
        }
        Ok(HandlerView::Files(own))
    }
}

/// The `rewrite` that gives the backend its path: a prefix location's
/// `$rest` after the new folder; the catch-all captures its own.
fn upstream_path(path: &UpstreamPath) -> Result<(Raw, Raw)> {
    Ok(match path {
        UpstreamPath::Whole(to) => (Raw::new("^".to_owned()), Raw::new(quote::nginx::param(to)?)),
        UpstreamPath::Prefix { prefix, to } if prefix == "/" => (
            regex("^/(?<infrac_rest>.*)$")?,
            with_vars(to, &["infrac_rest"])?,
        ),
        UpstreamPath::Prefix { to, .. } => (Raw::new("^".to_owned()), with_vars(to, &["rest"])?),
    })
}

/// The selector of a group of locations with one handler (none: the
/// catch-all); a prefix captures what follows it as `$rest`. One exact
/// path keeps NGINX's own `=`; several share one regex location.
fn selector(patterns: &[&PathPattern]) -> Result<Raw> {
    Ok(Raw::new(match patterns {
        [] => "/".to_owned(),
        [PathPattern::Exact(p)] => format!("= {}", quote::nginx::literal(p)?),
        _ => format!(
            "~ {}",
            quote::nginx::literal(&patterns_regex(patterns, "(?<rest>.*)").0)?
        ),
    }))
}

fn site_view(site: &Site, ctx: &Context<'_>) -> Result<SiteView> {
    let host = ctx.host;
    let host_plan = ctx.plan;
    let plan = SitePlan::new(ctx.model, ctx.id, site);
    let mut b = Builder {
        ctx,
        site_name: site.name.clone(),
        named: Vec::new(),
        upstreams: Vec::new(),
        uses_resolver: false,
    };
    let locations: Vec<LocationView> = plan
        .location_groups()
        .iter()
        .map(|group| {
            let handler = &group[0].handler;
            let strip = matches!(handler, Handler::Files(f) if f.strip_prefix.is_some());
            let patterns: Vec<&PathPattern> =
                group.iter().filter_map(|l| l.pattern.as_ref()).collect();
            Ok(LocationView {
                selector: selector(&patterns)?,
                handler: b.handler(handler, strip)?,
            })
        })
        .collect::<Result<_>>()?;
    let tls = plan.certificate.is_some();
    let rewrites = plan
        .rewrites
        .iter()
        .map(|r| {
            let from = match &r.from {
                PathPattern::Exact(p) => format!("^{}$", regex_escape(p)),
                PathPattern::Prefix(p) => format!("^{}(?<rest>.*)$", regex_escape(p)),
            };
            Ok((regex(&from)?, interp(&r.to, false)?))
        })
        .collect::<Result<_>>()?;
    let challenge_path = quote::nginx::literal(CHALLENGE_PATH)?;
    let challenge = plan.challenge.as_ref().map(|c| ChallengeView {
        selector: Raw::new(format!("^~ {challenge_path}")),
        webroot: c.webroot.as_ref().map(ToString::to_string),
        peer: c
            .peers
            .first()
            .map(|p| p.url.trim_start_matches("http://").to_owned()),
        resolver: host.proxy.resolver.clone().filter(|_| !c.peers.is_empty()),
    });
    let (https_redirect, https_status) = match &plan.https_redirect {
        Some(r) => (Some(interp(&r.to, false)?), r.status),
        None => (None, 0),
    };
    Ok(SiteView {
        name: site.name.clone(),
        access_log: match &plan.access_log {
            AccessLog::File(p) => Some(Raw::new(quote::nginx::param(p.as_str())?)),
            AccessLog::Off => Some(Raw::new("off".to_owned())),
            AccessLog::Proxy => None,
        },
        listen_http: listen(host_plan, host_plan.http_port, false),
        listen_https: listen(host_plan, host_plan.https_port, true),
        misdirected: host_plan.misdirected.clone(),
        limits: plan.limits,
        plain_errors: PLAIN_ERRORS,
        server_names: plan.names.clone(),
        tls,
        http_part: true,
        tls_part: true,
        cert: cert(plan.certificate.as_ref()),
        gzip: plan.compression.clone(),
        headers: plan
            .headers
            .iter()
            .filter_map(|h| h.value.as_ref().map(|v| (h.name.clone(), v.clone())))
            .collect(),
        hide_headers: plan
            .headers
            .iter()
            .filter(|h| h.value.is_none())
            .map(|h| h.name.clone())
            .collect(),
        resolver: b
            .uses_resolver
            .then(|| host.proxy.resolver.clone())
            .flatten(),
        hidden: super::hidden_regex(&plan.hidden)
            .as_deref()
            .map(regex)
            .transpose()?,
        rewrites,
        locations,
        named: std::mem::take(&mut b.named),
        upstreams: std::mem::take(&mut b.upstreams),
        error_pages: plan
            .error_pages
            .iter()
            .filter_map(|e| {
                let f = e.file.as_ref()?;
                Some(Ok((
                    e.status,
                    Raw::new(format!("/.infrac-error-{}", e.status)),
                    f.root.to_string(),
                    interp(&f.path, false).ok()?,
                    f.plain.clone(),
                )))
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .collect(),
        challenge,
        https_redirect,
        https_status,
        errors_snippet: host.installed(crate::layout::NGINX_ERRORS).to_string(),
        aliases: if plan.aliases.is_empty() {
            None
        } else {
            Some(AliasView {
                server_names: plan.aliases.clone(),
                redirect: interp(&plan.alias_redirect.to, false)?,
                status: plan.alias_redirect.status,
            })
        },
    })
}

fn webhook_view(w: &Webhook, ctx: &Context<'_>) -> Result<WebhookView> {
    let host = ctx.host;
    let host_plan = ctx.plan;
    let plan = WebhookPlan::new(host_plan, host, w);
    let (https_redirect, https_status) = match &plan.https_redirect {
        Some(r) => (Some(interp(&r.to, false)?), r.status),
        None => (None, 0),
    };
    Ok(WebhookView {
        var: Raw::new(format!("$infrac_hook_{}", w.name.replace(['-', '.'], "_"))),
        name: w.name.clone(),
        listen_http: listen(host_plan, host_plan.http_port, false),
        listen_https: listen(host_plan, host_plan.https_port, true),
        misdirected: host_plan.misdirected.clone(),
        server_name: plan.domain.clone(),
        tls: plan.certificate.is_some(),
        http_part: true,
        tls_part: true,
        challenge_root: plan.challenge_root.as_ref().map(ToString::to_string),
        cert: cert(plan.certificate.as_ref()),
        path_regex: regex(&format!("^{}", regex_escape(&plan.path)))?,
        hook_key: regex(&format!(
            r"~^{}[^|]*\|POST\|application/json\|GitHub-Hookshot/[^|]*\|(ping|push)\|[^|]+\|[^|]+$",
            regex_escape(&plan.path)
        ))?,
        health_key: plan
            .health
            .as_ref()
            .map(|h| regex(&format!(r"~^{}\|(GET|HEAD)\|", regex_escape(h))))
            .transpose()?,
        health: plan.health.as_deref().map(regex).transpose()?,
        port: plan.port,
        https_redirect,
        https_status,
        not_found: host_plan.webhook_not_found.clone(),
        failed: host_plan.webhook_failed.clone(),
        health_down: host_plan.webhook_health_down.clone(),
    })
}

/// Which servers of a site a conf.d file holds: a site whose certificate
/// certbot obtains has its TLS servers in a file of their own, installed
/// once the certificate exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SitePart {
    /// Every server (one file).
    All,
    /// The HTTP servers: ACME challenges, redirects to HTTPS.
    Http,
    /// The TLS servers (and the upstreams they use).
    Tls,
}

impl SitePart {
    /// What a site's or webhook's first file holds: its HTTP servers when
    /// its TLS servers are `apart` (certbot obtains their certificate),
    /// else every server.
    #[must_use]
    pub fn http_file(apart: bool) -> SitePart {
        if apart { SitePart::Http } else { SitePart::All }
    }
}

/// A conf.d file of one site on `ctx.host`.
pub fn render_site(ctx: &Context<'_>, site: &Site, part: SitePart) -> Result<String> {
    let mut view = site_view(site, ctx)?;
    view.http_part = part != SitePart::Tls;
    view.tls_part = part != SitePart::Http;
    ctx.render("nginx-site.conf.j2", &view)
}

/// A webhook's conf.d file: its servers, or one part of them ([`SitePart`]).
pub fn render_webhook(ctx: &Context<'_>, w: &Webhook, part: SitePart) -> Result<String> {
    let mut view = webhook_view(w, ctx)?;
    view.http_part = part != SitePart::Tls;
    view.tls_part = part != SitePart::Http;
    ctx.render("nginx-webhook.conf.j2", &view)
}

#[derive(Serialize)]
struct CommonView {
    /// `error_log`: every site's errors, to this file.
    error_log: Option<Raw>,
    listen_http: Vec<Raw>,
    listen_https: Vec<Raw>,
    plan: HostPlan,
}

pub fn render_common(ctx: &Context<'_>) -> Result<String> {
    let plan = ctx.plan.clone();
    let default = |l: Vec<Raw>| {
        l.into_iter()
            .map(|r| Raw::new(format!("{} default_server", r.as_str())))
            .collect()
    };
    ctx.render(
        "nginx-common.conf.j2",
        &CommonView {
            error_log: plan
                .error_log
                .as_ref()
                .map(|p| quote::nginx::param(p.as_str()).map(Raw::new))
                .transpose()?,
            listen_http: default(listen(&plan, plan.http_port, false)),
            listen_https: default(listen(&plan, plan.https_port, true)),
            plan,
        },
    )
}

pub fn render_errors(ctx: &Context<'_>) -> Result<String> {
    let errors: Vec<(u16, String)> = PLAIN_ERRORS.iter().map(|s| (*s, plain(*s))).collect();
    ctx.render("nginx-errors.conf.j2", &minijinja::context! { errors })
}
