//! The Caddyfile of a Caddy host: the site plans translated to Caddy's
//! terms (matchers, placeholders, upstream addresses), laid out by
//! `templates/Caddyfile.j2`.

use serde::Serialize;

use super::escape::Raw;
use super::plan::{
    CHALLENGE_PATH, Candidate, Certificate, Challenge, Files, Handler, HostPlan, Limits, Redirect,
    SitePlan, UpstreamHost, UpstreamPath, WebhookPlan,
};
use super::{Context, patterns_regex, proxy_address, regex_escape};
use crate::model::{AccessLog, Encoding, PathPattern, Site, Webhook};
use crate::quote::{self, Segment, Var, caddy::Part};

#[derive(Serialize)]
struct View {
    plan: HostPlan,
    admin: Option<String>,
    email: Option<String>,
    acme_ca: Option<String>,
    /// On the host (under its prefix).
    acme_ca_root: Option<String>,
    /// `error_log`: Caddy's own log, at level ERROR, to this file.
    error_log: Option<Raw>,
    http_port: Option<u16>,
    https_port: Option<u16>,
    sites: Vec<SiteView>,
    webhooks: Vec<WebhookView>,
    /// Whether a site serves files: the snippets that do are defined.
    serves_files: bool,
}

#[derive(Serialize)]
struct SiteView {
    name: String,
    file: Raw,
    addresses: Vec<String>,
    /// The access log's file (none: Caddy's default, no access log).
    access_log: Option<Raw>,
    tls: Option<Vec<String>>,
    encode: Option<EncodeView>,
    headers: Vec<HeaderView>,
    hidden: Option<String>,
    /// Whether `{vars.path}` is used, and so captured.
    captures_path: bool,
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
struct EncodeView {
    encodings: Vec<&'static str>,
    min_length: u32,
    /// `Content-Type` globs (`text/html*`: with or without a charset).
    types: Vec<String>,
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
    /// `path_regexp` of the challenge folder (case-sensitive, as all paths).
    matcher: Raw,
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

/// A path pattern as a `path_regexp` (case-sensitive, as the plan's
/// paths are; Caddy's `path` matcher is not), capturing a prefix's `{rest}`.
#[derive(Serialize)]
struct PathMatcher {
    name: String,
    regexp: Raw,
    /// Whether `{rest}` is used, and so set from the capture.
    rest: bool,
}

#[derive(Serialize)]
struct RewriteView {
    matcher: PathMatcher,
    to: Raw,
}

#[derive(Serialize)]
struct LocationView {
    /// None: the catch-all.
    matcher: Option<PathMatcher>,
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
        /// `header_up Host` (else the client's, Caddy's default).
        host: Option<Raw>,
        /// `uri strip_prefix` then `rewrite *` before proxying (in a
        /// `route`, so in that order): the path the backend is sent.
        strip: Option<Raw>,
        rewrite: Option<Raw>,
        /// The CA bundle an `https://` backend is verified against.
        trust: Option<&'static str>,
        timeout: u64,
    },
    Files {
        strip: Option<String>,
        tries: Vec<TryView>,
        slash_status: u16,
    },
    NotFound,
}

#[derive(Serialize)]
/// Files looked for in each root, in order; the first found is redirected
/// to `to`.
struct CandidateView {
    name: String,
    roots: Vec<String>,
    files: Vec<Raw>,
    to: Raw,
}

#[derive(Serialize)]
struct TryView {
    name: String,
    root: String,
    files: Vec<Raw>,
    /// The folder's slashed URL, when the request names it without.
    slash: Option<Raw>,
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
    /// The hooks' folder, `^/gh/`, case-sensitive as NGINX's location.
    path: Raw,
    /// `^/ping$`
    health: Option<Raw>,
    port: u16,
    http: Option<HttpView>,
}

/// Caddy's placeholder for a neutral one. `{path}` is `{vars.path}`, the
/// path as the plan reads it (decoded, doubled slashes merged: what
/// `path_regexp` matches), captured in each site's route: Caddy's own
/// `{path}` keeps doubled slashes.
fn placeholder(v: Var) -> &'static str {
    match v {
        Var::Path => "vars.path",
        Var::Query => "query",
        // As sent, before any rewrite (NGINX's `$request_uri`).
        Var::Uri => "http.request.orig_uri",
        Var::Host => "host",
        Var::Rest => "vars.rest",
        Var::KeptQuery => "?query",
    }
}

/// A run of candidates that are their own URLs in one root is one `file`
/// matcher trying them all, redirected to the file it found (relative to
/// the root, which is the candidate's URL): a lookup over a list of
/// versions stays a few lines.
fn candidate_views(candidates: &[Candidate], names: &mut Names) -> Result<Vec<CandidateView>> {
    let mut views: Vec<CandidateView> = Vec::new();
    let mut joinable = false;
    for c in candidates {
        let roots: Vec<String> = c.roots.iter().map(ToString::to_string).collect();
        let own = c.url_is_file && roots.len() == 1;
        if own
            && joinable
            && let Some(last) = views.last_mut()
            && last.roots == roots
        {
            last.files.push(interp(&c.file)?);
            continue;
        }
        joinable = own;
        views.push(CandidateView {
            name: names.next("candidate"),
            roots,
            files: vec![interp(&c.file)?],
            to: if own {
                Raw::new(format!(
                    "{{http.matchers.file.relative}}{{{}}}",
                    placeholder(Var::KeptQuery)
                ))
            } else {
                interp(&c.url)?
            },
        });
    }
    Ok(views)
}

/// Text with neutral placeholders (`/new/{rest}`) as one Caddy token.
fn interp(s: &str) -> Result<Raw> {
    interp_with(s, placeholder)
}

/// A file to look for under a root: `{path}` is Caddy's own (after `uri
/// strip_prefix`, which `{vars.path}` is not), which the `file` matcher
/// cleans itself.
fn file_interp(s: &str) -> Result<Raw> {
    interp_with(s, |v| match v {
        Var::Path => "path",
        v => placeholder(v),
    })
}

fn interp_with(s: &str, placeholder: impl Fn(Var) -> &'static str) -> Result<Raw> {
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
fn addresses(names: &[String], listen: &HostPlan, tls: bool) -> Vec<String> {
    names
        .iter()
        .map(|n| match (tls, listen.https_port, listen.http_port) {
            (true, 443, _) => n.clone(),
            (true, p, _) => format!("{n}:{p}"),
            (false, _, 80) => format!("http://{n}"),
            (false, _, p) => format!("http://{n}:{p}"),
        })
        .collect()
}

fn http_addresses(names: &[String], listen: &HostPlan) -> Vec<String> {
    addresses(names, listen, false)
}

/// The arguments of a `tls` line: an email for Caddy's own ACME account,
/// or certificate and key files; none for Caddy's defaults.
fn tls_line(certificate: Option<&Certificate>) -> Option<Vec<String>> {
    match certificate? {
        Certificate::Automatic { email } => email.clone().map(|e| vec![e]),
        Certificate::Files { cert, key } => Some(vec![cert.to_string(), key.to_string()]),
    }
}

fn challenge(c: &Challenge) -> Result<ChallengeView> {
    let regexp = format!("^{}", regex_escape(CHALLENGE_PATH));
    Ok(ChallengeView {
        matcher: Raw::new(quote::caddy::token(&regexp)?),
        webroot: c.webroot.as_ref().map(ToString::to_string),
        peers: c.peers.iter().map(|p| p.url.clone()).collect(),
    })
}

/// The `http://` block of TLS names: ACME challenges, then the redirect.
fn http_view(
    names: &[String],
    listen: &HostPlan,
    challenge: Option<ChallengeView>,
    r: &Redirect,
) -> Result<HttpView> {
    let (redirect, status) = redirect(r)?;
    Ok(HttpView {
        addresses: http_addresses(names, listen),
        challenge,
        redirect,
        status,
    })
}

/// A redirect of a whole name (to HTTPS, to the canonical name): nothing
/// rewrites its requests, so `{uri}` is Caddy's own.
fn redirect(r: &Redirect) -> Result<(Raw, u16)> {
    let to = interp_with(&r.to, |v| match v {
        Var::Uri => "uri",
        v => placeholder(v),
    })?;
    Ok((to, r.status))
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
                    let name =
                        quote::caddy::cel_string(&format!("http.request.uri.query.{}", q.name));
                    // Redirect unless the parameter has a value (this one).
                    let want = q.value.as_deref().map_or_else(
                        || "== \"\"".to_owned(),
                        |v| format!("!= {}", quote::caddy::cel_string(v)),
                    );
                    quote::caddy::token(&format!("ph(req, {name}) {want}"))
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
            candidates: candidate_views(candidates, names)?,
            status: *status,
            otherwise: Box::new(handler(otherwise, ctx, names)?),
        },
        Handler::Proxy {
            backends,
            host,
            path,
            tls,
            timeout,
        } => HandlerView::Proxy {
            timeout: *timeout,
            host: match host {
                UpstreamHost::Client => None,
                UpstreamHost::Backend => Some(Raw::new("{upstream_hostport}")),
                UpstreamHost::Named(name) => Some(Raw::new(quote::caddy::token(name)?)),
            },
            strip: match path {
                Some(UpstreamPath::Prefix { prefix, .. }) if prefix != "/" => {
                    Some(Raw::new(quote::caddy::token(prefix.trim_end_matches('/'))?))
                }
                _ => None,
            },
            rewrite: match path {
                // The path after the strip; without a `?`, the query stays
                // as sent (`{uri}` would have Caddy re-encode it: `a=` → `a`).
                Some(UpstreamPath::Prefix { to, .. }) if to != "/" => {
                    Some(Raw::new(quote::caddy::token_parts(&[
                        Part::Text(to.trim_end_matches('/')),
                        Part::Placeholder("http.request.uri.path"),
                    ])?))
                }
                // Without a `?`, Caddy's rewrite leaves the query as sent
                // (with `{?query}` it would re-encode it: `a=` → `a`).
                Some(UpstreamPath::Whole(to)) => Some(Raw::new(quote::caddy::token(to)?)),
                _ => None,
            },
            trust: tls.map(|t| t.ca_bundle),
            upstreams: backends
                .iter()
                .map(|b| proxy_address(b, ctx.host, ctx.model))
                .collect(),
        },
        Handler::Files(files) => files_view(files, names)?,
        Handler::NotFound => HandlerView::NotFound,
    })
}

fn files_view(files: &Files, names: &mut Names) -> Result<HandlerView> {
    // The path before `uri strip_prefix`, then the slash and the query.
    let slashed = Raw::new(quote::caddy::token_parts(&[
        Part::Placeholder(placeholder(Var::Path)),
        Part::Text("/"),
        Part::Placeholder("?query"),
    ])?);
    let tries = files
        .stages()
        .into_iter()
        .map(|stage| {
            Ok(TryView {
                name: names.next("file"),
                root: stage.root.to_string(),
                files: stage
                    .files
                    .iter()
                    .map(|c| file_interp(c))
                    .collect::<Result<_>>()?,
                slash: stage.slash.then(|| slashed.clone()),
            })
        })
        .collect::<Result<_>>()?;
    Ok(HandlerView::Files {
        strip: files.strip_prefix.clone(),
        tries,
        slash_status: files.slash_redirect,
    })
}

fn path_matcher(name: String, p: &PathPattern, rest: bool) -> Result<PathMatcher> {
    paths_matcher(name, &[p], rest)
}

/// Several patterns as one `path_regexp`: `^(?:/a|/b)$`, `^(?:/a/|/b/)(.*)$`,
/// or both joined by `|` (the capture is group 1 either way).
fn paths_matcher(name: String, patterns: &[&PathPattern], rest: bool) -> Result<PathMatcher> {
    let (regexp, has_prefix) = patterns_regex(patterns, "(.*)");
    Ok(PathMatcher {
        name,
        regexp: Raw::new(quote::caddy::token(&regexp)?),
        rest: rest && has_prefix,
    })
}

/// Whether a handler's tokens use a placeholder (`{vars.rest}`).
fn uses(h: &HandlerView, placeholder: &str) -> bool {
    let has = |r: &Raw| r.as_str().contains(placeholder);
    match h {
        HandlerView::Redirect { to, otherwise, .. } => has(to) || uses(otherwise, placeholder),
        HandlerView::RedirectFirst {
            candidates,
            otherwise,
            ..
        } => {
            candidates
                .iter()
                .any(|c| c.files.iter().any(has) || has(&c.to))
                || uses(otherwise, placeholder)
        }
        HandlerView::Files { tries, .. } => tries
            .iter()
            .any(|t| t.files.iter().any(has) || t.slash.as_ref().is_some_and(has)),
        HandlerView::Proxy { .. } | HandlerView::NotFound => false,
    }
}

/// Whether a handler serves files (`import infrac_files`).
fn serves_files(h: &HandlerView) -> bool {
    match h {
        HandlerView::Redirect { otherwise, .. } | HandlerView::RedirectFirst { otherwise, .. } => {
            serves_files(otherwise)
        }
        HandlerView::Files { .. } => true,
        HandlerView::Proxy { .. } | HandlerView::NotFound => false,
    }
}

fn site_view(site: &Site, ctx: &Context<'_>) -> Result<SiteView> {
    let plan = SitePlan::new(ctx.model, ctx.id, site);
    let mut names = Names { next: 0 };
    let tls = plan.certificate.is_some();
    let listen = ctx.plan;
    let locations: Vec<LocationView> = plan
        .location_groups()
        .iter()
        .map(|group| {
            let handler = handler(&group[0].handler, ctx, &mut names)?;
            let patterns: Vec<&PathPattern> =
                group.iter().filter_map(|l| l.pattern.as_ref()).collect();
            // Capture `{rest}` only where something uses it.
            let matcher = (!patterns.is_empty())
                .then(|| {
                    paths_matcher(
                        names.next("location"),
                        &patterns,
                        uses(&handler, "{vars.rest}"),
                    )
                })
                .transpose()?;
            Ok(LocationView { matcher, handler })
        })
        .collect::<Result<_>>()?;
    let rewrites: Vec<RewriteView> = plan
        .rewrites
        .iter()
        .map(|r| {
            Ok(RewriteView {
                matcher: path_matcher(names.next("rewrite"), &r.from, true)?,
                to: interp(&r.to)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(SiteView {
        name: site.name.clone(),
        file: Raw::new(quote::comment(site.origin.file.as_str())),
        addresses: addresses(&plan.names, listen, tls),
        access_log: match &plan.access_log {
            AccessLog::File(p) => Some(Raw::new(quote::caddy::token(p.as_str())?)),
            AccessLog::Off | AccessLog::Proxy => None,
        },
        tls: tls_line(plan.certificate.as_ref()),
        encode: plan.compression.as_ref().map(|c| EncodeView {
            encodings: encode(&c.encodings),
            min_length: c.min_length,
            types: c.types.iter().map(|t| format!("{t}*")).collect(),
        }),
        headers: plan
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
        captures_path: rewrites
            .iter()
            .any(|r| r.to.as_str().contains("{vars.path}"))
            || locations.iter().any(|l| uses(&l.handler, "{vars.path}")),
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
        http: plan
            .https_redirect
            .as_ref()
            .map(|r| {
                let challenge = plan.challenge.as_ref().map(challenge).transpose()?;
                http_view(&plan.names, listen, challenge, r)
            })
            .transpose()?,
        aliases: if plan.aliases.is_empty() {
            None
        } else {
            let (redirect, status) = redirect(&plan.alias_redirect)?;
            let challenge = plan.challenge.as_ref().map(challenge).transpose()?;
            Some(AliasView {
                addresses: addresses(&plan.aliases, listen, tls),
                tls: tls_line(plan.certificate.as_ref()),
                http: tls
                    .then(|| http_view(&plan.aliases, listen, challenge, &plan.alias_redirect))
                    .transpose()?,
                redirect,
                status,
            })
        },
    })
}

fn webhook_view(w: &Webhook, ctx: &Context<'_>) -> Result<WebhookView> {
    let plan = WebhookPlan::new(ctx.plan, ctx.host, w);
    let listen = ctx.plan;
    let names = std::slice::from_ref(&plan.domain);
    Ok(WebhookView {
        name: w.name.clone(),
        file: Raw::new(quote::comment(w.origin.file.as_str())),
        addresses: addresses(names, listen, plan.certificate.is_some()),
        path: Raw::new(quote::caddy::token(&format!(
            "^{}",
            regex_escape(&plan.path)
        ))?),
        health: plan
            .health
            .as_ref()
            .map(|h| quote::caddy::token(&format!("^{}$", regex_escape(h))).map(Raw::new))
            .transpose()?,
        port: plan.port,
        http: plan
            .https_redirect
            .as_ref()
            .map(|r| http_view(names, listen, None, r))
            .transpose()?,
    })
}

/// The Caddyfile for `ctx.host`.
pub fn render(ctx: &Context<'_>) -> Result<String> {
    let host = ctx.host;
    let model = ctx.model;
    let plan = ctx.plan.clone();
    let sites: Vec<SiteView> = host
        .sites
        .iter()
        .map(|s| site_view(model.site(*s), ctx))
        .collect::<Result<_>>()?;
    let view = View {
        serves_files: sites
            .iter()
            .any(|s| s.locations.iter().any(|l| serves_files(&l.handler))),
        sites,
        admin: host.proxy.caddy_admin.clone(),
        email: host.acme_email.clone(),
        acme_ca: host.acme_ca.clone(),
        acme_ca_root: host.acme_ca_root.as_ref().map(|p| host.path(p).to_string()),
        error_log: plan
            .error_log
            .as_ref()
            .map(|p| quote::caddy::token(p.as_str()).map(Raw::new))
            .transpose()?,
        http_port: (plan.http_port != 80).then_some(plan.http_port),
        https_port: (plan.https_port != 443).then_some(plan.https_port),
        plan,
        webhooks: host
            .webhooks
            .iter()
            .map(|w| webhook_view(model.webhook(*w), ctx))
            .collect::<Result<_>>()?,
    };
    ctx.render("Caddyfile.j2", &view)
}
