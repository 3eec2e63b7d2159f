//! How a site answers requests, decided once for both proxies: the Caddy and
//! NGINX renderers only translate this plan, which is what keeps a site's
//! behaviour the same on either.
//!
//! A request is answered by the most specific location: exact paths first,
//! then the longest `/prefix/`, then the catch-all. Redirects that may not
//! apply (`unless_query`, `redirect_first` with no candidate found) wrap the
//! handler the request falls through to.

use camino::{Utf8Path, Utf8PathBuf};
use serde::Serialize;

use crate::model::{
    AccessLog, Backend, Encoding, Header, Host, HostId, Model, PathPattern, ProxyKind, QueryTest,
    Route, Site, Tls, TlsKind, Webhook,
};

/// A fixed answer: a status and its plain-text body (`404 Not Found`), as
/// both proxies send their own errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// The errors NGINX would answer with its own HTML page, answered instead
/// with `plain` text as Caddy answers them (`{err.status_code}
/// {err.status_text}`).
pub const PLAIN_ERRORS: [u16; 8] = [403, 404, 405, 413, 500, 502, 503, 504];

/// `404 Not Found`: an error's plain-text answer, on both proxies.
#[must_use]
pub fn plain(status: u16) -> String {
    format!("{status} {}", reason(status))
}

/// HTTP's reason phrase for an error status, as Go (and so Caddy's
/// `{err.status_text}`) writes it; empty for a status without one.
#[must_use]
pub fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "",
    }
}

impl Answer {
    fn plain(status: u16) -> Answer {
        Answer {
            status,
            body: plain(status),
        }
    }
}

/// What a host's proxy does outside its sites, the same on both proxies:
/// a request is only ever answered by the site it names.
#[derive(Clone, Debug, Serialize)]
pub struct HostPlan {
    pub http_port: u16,
    pub https_port: u16,
    /// Listen on IPv6 too (unless the host is declared IPv4-only).
    pub ipv6: bool,
    /// Whether anything is served over TLS: then the HTTPS port is open,
    /// and a handshake for a name nothing serves is refused (no
    /// certificate of another name is shown).
    pub tls: bool,
    /// Over HTTP, for a name nothing serves.
    pub unknown_name: Answer,
    /// Over TLS, for a request whose `Host` is not the name the
    /// connection was made for (its SNI).
    pub misdirected: Answer,
    /// Webhooks are served over TLS (unless the defaults turn TLS off).
    pub webhook_tls: bool,
    /// A webhook's `http://` to `https://`: a POST must stay a POST.
    pub webhook_https_redirect: u16,
    /// certbot's webroot on the host, where a webhook's ACME challenges
    /// are answered from over HTTP (NGINX, whose certificates certbot
    /// obtains).
    pub webhook_challenge_root: Option<Utf8PathBuf>,
    /// A webhook request that does not look like GitHub's.
    pub webhook_not_found: Answer,
    /// Whatever goes wrong in a webhook's receiver: its problems are not
    /// the client's business.
    pub webhook_failed: Answer,
    /// A webhook's health check when the receiver does not answer `200`.
    pub webhook_health_down: Answer,
    /// What backends are told of the client.
    pub forwarding: Forwarding,
    /// `error_log`: the proxy's errors, to this file on the host.
    pub error_log: Option<Utf8PathBuf>,
}

/// The forwarding headers every backend gets, the same on both proxies.
/// From a trusted proxy (the connection's peer is in `trusted`), its
/// headers are passed on: `X-Forwarded-For` extended with the peer
/// (`client, peer`), `-Proto` and `-Host` as it sent them. From anyone
/// else they are replaced by what this proxy saw: the peer's address, the
/// scheme, the `Host` as sent. A client's own header is never taken as
/// true unless the user said whom to believe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Forwarding {
    /// Addresses and networks (`10.0.0.0/8`); none by default.
    pub trusted: Vec<String>,
}

impl HostPlan {
    #[must_use]
    pub fn new(model: &Model, host: &Host) -> HostPlan {
        let webhook_tls = model.defaults.tls != TlsKind::Off;
        let tls = host.sites.iter().any(|s| model.site(*s).tls != Tls::Off)
            || (!host.webhooks.is_empty() && webhook_tls);
        HostPlan {
            webhook_tls,
            http_port: host.http_port,
            https_port: host.https_port,
            ipv6: host.has_ipv6() || host.ipv4.is_empty(),
            tls,
            unknown_name: Answer::plain(404),
            misdirected: Answer::plain(421),
            webhook_https_redirect: 308,
            webhook_challenge_root: model
                .certbot_for_webhooks(host)
                .then(|| host.path(&model.defaults.acme_webroot)),
            webhook_not_found: Answer::plain(404),
            webhook_failed: Answer::plain(400),
            webhook_health_down: Answer::plain(503),
            forwarding: Forwarding {
                trusted: host.trusted_proxies.clone(),
            },
            error_log: host.error_log.as_ref().map(|p| host.path(p)),
        }
    }
}

/// The path a backend is sent, when a backend URL has one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamPath {
    /// The request's path with `prefix` (`/api/`; `/` for the catch-all)
    /// replaced by `to` (`/v1/`): `/api/x` → `/v1/x`, the query kept
    /// as sent (the rest's escapes are each proxy's: see the reference).
    Prefix { prefix: String, to: String },
    /// The whole path replaced (an exact route, a subtree's bare prefix),
    /// the query kept.
    Whole(String),
}

/// The `Host` a backend gets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamHost {
    /// The client's, as sent (with its port): an app on this host serves
    /// the site's names.
    Client,
    /// The backend's own `host[:port]`: a site elsewhere (a URL backend)
    /// knows only its own name.
    Backend,
    /// `host NAME`.
    Named(String),
}

/// An `https://` backend: its certificate is verified, against the
/// system's CA bundle, for the backend's name (SNI), on both proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct UpstreamTls {
    pub ca_bundle: &'static str,
    /// Certificates in the chain beyond the backend's own (NGINX checks
    /// only 1 unless told; Go, Caddy's, has no limit).
    pub depth: u8,
}

/// Debian's and Ubuntu's bundle of the CAs the system trusts
/// (`ca-certificates`).
pub const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Handler {
    Redirect {
        to: String,
        status: u16,
        /// Not when the query has this parameter (with this value): then
        /// `otherwise`.
        unless_query: Option<QueryTest>,
        otherwise: Box<Handler>,
    },
    /// Redirect to the first candidate URL whose file exists.
    RedirectFirst {
        candidates: Vec<Candidate>,
        status: u16,
        otherwise: Box<Handler>,
    },
    Proxy {
        backends: Vec<Backend>,
        host: UpstreamHost,
        path: Option<UpstreamPath>,
        /// With `https://` backends.
        tls: Option<UpstreamTls>,
        /// [`Limits::proxy_timeout`].
        timeout: u64,
    },
    Files(Files),
    NotFound,
}

/// A redirect's target as the plan writes it: the request's query is kept
/// (`{?query}`) unless the target sets one (`?…`, or `{uri}`, which has it).
fn keeping_query(to: &str) -> String {
    if to.contains('?') || to.contains("{uri}") {
        to.to_owned()
    } else {
        format!("{to}{{?query}}")
    }
}

/// A `redirect_first` candidate: the URL to redirect to, and where its file
/// is looked for (the static route that would serve that URL).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub url: String,
    /// The URL is the file's path in its (one) root: a proxy that can look
    /// for several files at once redirects to the one it found.
    pub url_is_file: bool,
    /// The file, as a path under a root with placeholders.
    pub file: String,
    /// The static location's root, then its fallback tree.
    pub roots: Vec<Utf8PathBuf>,
}

impl Candidate {
    /// A candidate that is a folder (`/stable/users/`) is found by its
    /// index (`/stable/users/index.html`): a folder is never a file.
    fn folder_index(mut self) -> Candidate {
        if self.file.ends_with('/') {
            self.file.push_str("index.html");
            self.url_is_file = false;
        }
        self
    }
}

/// A `try` candidate, tried in order in the root, then in the fallback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "file", rename_all = "snake_case")]
pub enum Try {
    /// A file, as a path with placeholders (`{path}.html`). A folder
    /// written `…/` is its `index.html`: a folder without one is not a
    /// match, on both proxies (no listing, no 403).
    File(String),
    /// The folder the request names (`{path}/`): its `index.html`. Asked
    /// for without the trailing slash (`/docs`), the answer is a redirect
    /// to the slashed URL, query kept ([`Files::slash_redirect`]), so
    /// that the page's relative links resolve inside the folder.
    Folder,
}

impl Try {
    /// The file this candidate looks for (`{path}/index.html` for the
    /// request's folder).
    #[must_use]
    pub fn file(&self) -> &str {
        match self {
            Try::File(f) => f,
            Try::Folder => FOLDER_INDEX,
        }
    }
}

/// The index file of the folder a request names.
const FOLDER_INDEX: &str = "{path}/index.html";

/// A run of candidates in one root, in the order the plan tries them: how
/// a proxy whose `try_files` cannot redirect midway writes [`Try::Folder`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage<'a> {
    pub root: &'a Utf8Path,
    /// The stage starts with the request's folder: asked for without its
    /// slash and with an index, the answer is the slash redirect.
    pub slash: bool,
    /// Files to look for, in order (the folder's index first when `slash`).
    pub files: Vec<&'a str>,
}

impl Files {
    /// The candidates as stages: the root's, then the fallback's, split
    /// where the request's folder is tried.
    #[must_use]
    pub fn stages(&self) -> Vec<Stage<'_>> {
        let mut stages = Vec::new();
        for root in std::iter::once(&self.root).chain(&self.fallback) {
            let mut stage = Stage {
                root,
                slash: false,
                files: Vec::new(),
            };
            for t in &self.try_files {
                if *t == Try::Folder {
                    if stage.slash || !stage.files.is_empty() {
                        stages.push(stage);
                    }
                    stage = Stage {
                        root,
                        slash: true,
                        files: Vec::new(),
                    };
                }
                stage.files.push(t.file());
            }
            if stage.slash || !stage.files.is_empty() {
                stages.push(stage);
            }
        }
        stages
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Files {
    /// Absolute, under the host's prefix.
    pub root: Utf8PathBuf,
    pub try_files: Vec<Try>,
    /// The status of [`Try::Folder`]'s redirect to the slashed URL.
    pub slash_redirect: u16,
    pub fallback: Option<Utf8PathBuf>,
    /// Served from a folder named differently from the URL prefix
    /// (subprojects): the prefix is stripped before looking up files.
    pub strip_prefix: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// `None`: the catch-all.
    pub pattern: Option<PathPattern>,
    pub handler: Handler,
}

#[derive(Clone, Debug, Serialize)]
pub struct Rewrite {
    pub from: PathPattern,
    pub to: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ErrorPage {
    pub status: u16,
    /// The page's file: under the root of the static route that serves
    /// its URL. When there is none, or the file is missing, the answer is
    /// the plain one (`404 Not Found`), on both proxies.
    pub file: Option<PageFile>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PageFile {
    pub root: Utf8PathBuf,
    /// Under `root`, starting with `/`.
    pub path: String,
    /// The plain answer when the file is missing: `404 Not Found`.
    pub plain: String,
}

/// A redirect: its status and its target, a URL with the plan's
/// placeholders (`https://{host}:8443{uri}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Redirect {
    pub status: u16,
    pub to: String,
}

/// Where a TLS name's certificate comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Certificate {
    /// The proxy obtains and renews it itself (Caddy), registering this
    /// email with the CA if one is given.
    Automatic { email: Option<String> },
    /// Files on the host: certbot's live folder, or the user's own.
    Files { cert: Utf8PathBuf, key: Utf8PathBuf },
}

/// ACME HTTP-01 challenges, answered on a TLS site's plain-HTTP names
/// before anything else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Challenge {
    /// certbot's webroot: a token there is served.
    pub webroot: Option<Utf8PathBuf>,
    /// A token not here is asked of the pool's other members, once: a
    /// forwarded request is not forwarded again (it carries
    /// `X-Infrac-Acme-Forwarded`).
    pub peers: Vec<Peer>,
}

/// A pool member asked for a challenge token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Peer {
    /// `http://ADDRESS[:PORT]`.
    pub url: String,
    pub host: HostId,
}

/// Where challenge tokens are asked for.
pub const CHALLENGE_PATH: &str = "/.well-known/acme-challenge/";

/// Responses compressed for a client that accepts it, the same on both:
/// text types only, of at least `min_length` bytes, proxied ones too,
/// with `Vary: Accept-Encoding`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Compression {
    pub encodings: Vec<Encoding>,
    pub min_length: u32,
    pub types: &'static [&'static str],
}

/// Caddy's `encode` defaults (and what compresses well).
pub const COMPRESSED_TYPES: &[&str] = &[
    "text/html",
    "text/plain",
    "text/css",
    "text/xml",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/xml",
    "application/atom+xml",
    "application/rss+xml",
    "application/wasm",
    "image/svg+xml",
];

#[derive(Clone, Debug, Serialize)]
pub struct SitePlan {
    /// The names the site answers, canonical first.
    pub names: Vec<String>,
    /// Its access log, the path on the host.
    pub access_log: AccessLog,
    /// With TLS: where its certificate comes from.
    pub certificate: Option<Certificate>,
    /// ACME challenges on the plain-HTTP names of a TLS site.
    pub challenge: Option<Challenge>,
    /// Path components never served (`.git`), wherever they are; answered
    /// 404 before any location.
    pub hidden: Vec<String>,
    pub rewrites: Vec<Rewrite>,
    /// Most specific first; the catch-all (if any) last.
    pub locations: Vec<Location>,
    pub error_pages: Vec<ErrorPage>,
    /// With TLS: the redirect from `http://` to `https://`.
    pub https_redirect: Option<Redirect>,
    /// `redirect_from` names: served (with the site's certificate) only to
    /// move permanently to the canonical name.
    pub aliases: Vec<String>,
    pub alias_redirect: Redirect,
    pub compression: Option<Compression>,
    /// Response headers set (`Some`) or removed (`None`), on every
    /// response (errors included).
    pub headers: Vec<Header>,
    pub limits: Limits,
}

/// What a host's proxy does for a GitHub webhook.
#[derive(Clone, Debug, Serialize)]
pub struct WebhookPlan {
    pub domain: String,
    /// `/gh/`: requests under it that look like GitHub's reach the receiver.
    pub path: String,
    /// `/ping`: a GET or HEAD there reaches the receiver, which answers
    /// `200 ok`; anything else it answers, or its silence, is
    /// `webhook_health_down`.
    pub health: Option<String>,
    /// The receiver's port on loopback.
    pub port: u16,
    pub certificate: Option<Certificate>,
    /// With TLS: `http://` to `https://`, a POST staying a POST.
    pub https_redirect: Option<Redirect>,
    /// Where its ACME challenges are answered from over HTTP (certbot's
    /// webroot), when certbot obtains its certificate.
    pub challenge_root: Option<Utf8PathBuf>,
}

impl WebhookPlan {
    #[must_use]
    pub fn new(plan: &HostPlan, host: &Host, w: &Webhook) -> WebhookPlan {
        let tls = if plan.webhook_tls {
            Tls::Acme
        } else {
            Tls::Off
        };
        WebhookPlan {
            domain: w.domain.clone(),
            path: w.path.clone(),
            health: w.health.clone(),
            port: w.port,
            certificate: certificate(&tls, None, &w.domain, host),
            challenge_root: plan.webhook_challenge_root.clone(),
            https_redirect: (tls != Tls::Off).then(|| Redirect {
                status: plan.webhook_https_redirect,
                to: url(true, "{host}", host, "{uri}"),
            }),
        }
    }
}

/// `scheme://name[:port]rest`, the port left out when it is the scheme's.
fn url(tls: bool, name: &str, host: &Host, rest: &str) -> String {
    let (scheme, port, default) = if tls {
        ("https", host.https_port, 443)
    } else {
        ("http", host.http_port, 80)
    };
    if port == default {
        format!("{scheme}://{name}{rest}")
    } else {
        format!("{scheme}://{name}:{port}{rest}")
    }
}

/// certbot's folder: its account, and `live/NAME/` for each certificate.
pub const CERTBOT_DIR: &str = "/etc/letsencrypt";

/// A TLS name's certificate on `host`: Caddy obtains an ACME one itself;
/// NGINX, which cannot, serves certbot's.
fn certificate(tls: &Tls, email: Option<&String>, name: &str, host: &Host) -> Option<Certificate> {
    let certbot = || {
        let live = host.path(camino::Utf8Path::new(&format!("{CERTBOT_DIR}/live/{name}")));
        Certificate::Files {
            cert: live.join("fullchain.pem"),
            key: live.join("privkey.pem"),
        }
    };
    match tls {
        Tls::Off => None,
        Tls::Acme if host.proxy.kind == ProxyKind::Caddy => Some(Certificate::Automatic {
            email: email.cloned(),
        }),
        Tls::Acme | Tls::Certbot { .. } => Some(certbot()),
        Tls::Files { cert, key } => Some(Certificate::Files {
            cert: host.path(cert),
            key: host.path(key),
        }),
    }
}

/// The other members of the site's pool, by address, for forwarding ACME
/// challenges: only for certificates obtained over HTTP-01.
fn acme_peers(model: &Model, id: HostId, site: &Site) -> Vec<Peer> {
    let forward = site.pool.is_some_and(|p| model.pool(p).acme_forward);
    if !site.tls.http01() || !forward {
        return Vec::new();
    }
    site.peers(model, id)
        .into_iter()
        .filter_map(|p| {
            let peer = model.host(p);
            // An IP address when the peer declares one: NGINX resolves a
            // name in `proxy_pass` when it starts, and does not start when
            // the name does not resolve then.
            let address = peer.ip_address().or_else(|| peer.address())?;
            Some(Peer {
                url: url(false, &address, peer, ""),
                host: p,
            })
        })
        .collect()
}

/// Limits stated on both proxies, so neither proxy's own default applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// The largest request body, in bytes (larger: 413).
    pub max_body: u64,
    /// Seconds a backend may stay silent while reading a request or
    /// writing a response (then 504).
    pub proxy_timeout: u64,
}

/// Subproject files: `/name/x` is `x.html`, `x`, or the folder `x/` under
/// the checkout (matplotlib's `try_files {path}.html {path}`, whose
/// folders redirect to their slashed URL).
const SUBPROJECT_TRY: [&str; 3] = ["{path}.html", "{path}", "{path}/"];

/// A redirect that keeps the method and body (a POST stays a POST) and is
/// permanent: a folder's URL has its slash.
const SLASH_REDIRECT: u16 = 308;
/// The slashed URL of a folder asked for without the slash.
const FOLDER: &str = "{path}/";

fn tries<S: AsRef<str>>(candidates: &[S]) -> Vec<Try> {
    candidates
        .iter()
        .map(|c| match c.as_ref() {
            "{path}/" => Try::Folder,
            c if c.ends_with('/') => Try::File(format!("{c}index.html")),
            c => Try::File(c.to_owned()),
        })
        .collect()
}

/// Ordering key: exact paths, then prefixes by length (longest first), then
/// the catch-all; ties by path so the output is deterministic.
fn specificity(pattern: Option<&PathPattern>) -> (u8, std::cmp::Reverse<usize>, String) {
    match pattern {
        // Exact paths cannot overlap: alphabetical reads best.
        Some(PathPattern::Exact(p)) => (0, std::cmp::Reverse(0), p.clone()),
        Some(PathPattern::Prefix(p)) => (1, std::cmp::Reverse(p.len()), p.clone()),
        None => (2, std::cmp::Reverse(0), String::new()),
    }
}

/// Whether a request matching `inner` always matches `outer` too.
fn covers(outer: Option<&PathPattern>, inner: Option<&PathPattern>) -> bool {
    match (outer, inner) {
        (None, _) => true,
        (Some(_), None) | (Some(PathPattern::Exact(_)), Some(PathPattern::Prefix(_))) => false,
        (Some(PathPattern::Prefix(o)), Some(PathPattern::Prefix(i) | PathPattern::Exact(i))) => {
            i.starts_with(o.as_str())
        }
        (Some(PathPattern::Exact(o)), Some(PathPattern::Exact(i))) => o == i,
    }
}

/// Whether a URL path is matched by a location pattern.
fn matches(pattern: Option<&PathPattern>, path: &str) -> bool {
    match pattern {
        None => true,
        Some(PathPattern::Exact(p)) => p == path,
        Some(PathPattern::Prefix(p)) => path.starts_with(p.as_str()),
    }
}

/// Whether some request path matches both patterns.
fn overlap(a: Option<&PathPattern>, b: Option<&PathPattern>) -> bool {
    match (a, b) {
        (None, _) | (_, None) => true,
        (Some(PathPattern::Exact(x)), Some(PathPattern::Exact(y))) => x == y,
        (Some(PathPattern::Exact(e)), Some(PathPattern::Prefix(p)))
        | (Some(PathPattern::Prefix(p)), Some(PathPattern::Exact(e))) => e.starts_with(p.as_str()),
        (Some(PathPattern::Prefix(x)), Some(PathPattern::Prefix(y))) => {
            x.starts_with(y.as_str()) || y.starts_with(x.as_str())
        }
    }
}

impl SitePlan {
    /// The locations in order, those with the same handler together: a
    /// route over a list of paths is answered by one block, not one per
    /// path. A location joins an earlier one's group only when no location
    /// between them matches a path it matches, so which location answers a
    /// request is what [`SitePlan::locations`] says. The catch-all is alone.
    #[must_use]
    pub fn location_groups(&self) -> Vec<Vec<&Location>> {
        groups(&self.locations)
    }
}

fn groups(locations: &[Location]) -> Vec<Vec<&Location>> {
    let mut groups: Vec<(usize, Vec<&Location>)> = Vec::new();
    for (j, l) in locations.iter().enumerate() {
        let joins = l.pattern.is_some().then(|| {
            groups.iter().position(|(first, members)| {
                members[0].handler == l.handler
                    && members[0].pattern.is_some()
                    && locations[*first + 1..j].iter().all(|k| {
                        members.iter().any(|m| std::ptr::eq(*m, k))
                            || !overlap(k.pattern.as_ref(), l.pattern.as_ref())
                    })
            })
        });
        match joins.flatten() {
            Some(g) => groups[g].1.push(l),
            None => groups.push((j, vec![l])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

impl SitePlan {
    #[must_use]
    pub fn new(model: &Model, id: HostId, site: &Site) -> SitePlan {
        let host = model.host(id);
        let mut locations: Vec<Location> = Vec::new();
        // The location a pattern falls through to: the most specific
        // existing one that covers it.
        fn covering(locations: &[Location], pattern: Option<&PathPattern>) -> Handler {
            locations
                .iter()
                .filter(|l| covers(l.pattern.as_ref(), pattern))
                .min_by_key(|l| specificity(l.pattern.as_ref()))
                .map_or(Handler::NotFound, |l| l.handler.clone())
        }
        fn set(locations: &mut Vec<Location>, pattern: Option<PathPattern>, handler: Handler) {
            match locations.iter_mut().find(|l| l.pattern == pattern) {
                Some(existing) => existing.handler = handler,
                None => locations.push(Location { pattern, handler }),
            }
        }
        // Pass 1: what serves content.
        for route in &site.routes {
            match route {
                Route::Proxy {
                    path,
                    backends,
                    to_path,
                    host,
                } => set(
                    &mut locations,
                    path.clone(),
                    proxy(
                        backends,
                        site.proxy_timeout,
                        path.as_ref(),
                        to_path.as_ref(),
                        host.as_ref(),
                    ),
                ),
                Route::Static(s) => set(
                    &mut locations,
                    s.path.clone(),
                    Handler::Files(Files {
                        root: host.path(&s.root),
                        try_files: tries(&s.try_files),
                        fallback: s.fallback.as_ref().map(|f| host.path(f)),
                        strip_prefix: None,
                        slash_redirect: SLASH_REDIRECT,
                    }),
                ),
                _ => {}
            }
        }
        for sub in &site.subprojects {
            let Some(at) = &sub.serve_at else { continue };
            set(
                &mut locations,
                Some(PathPattern::Prefix(at.clone())),
                Handler::Files(Files {
                    root: host.path(&sub.dir),
                    try_files: tries(&SUBPROJECT_TRY),
                    fallback: None,
                    strip_prefix: Some(at.trim_end_matches('/').to_owned()),
                    slash_redirect: SLASH_REDIRECT,
                }),
            );
            // `/name` → `/name/`, as any folder.
            let bare = at.trim_end_matches('/').to_owned();
            set(
                &mut locations,
                Some(PathPattern::Exact(bare)),
                Handler::Redirect {
                    // `{path}/`, not the folder's name: one handler for
                    // every such redirect, which a proxy can share.
                    to: keeping_query(FOLDER),
                    status: SLASH_REDIRECT,
                    unless_query: None,
                    otherwise: Box::new(Handler::NotFound),
                },
            );
        }
        // A subtree's bare prefix (`/api` of `/api/*`), unless the site
        // says what it is: a proxy's is the backend's too; a static tree's
        // is its folder, redirected to the slashed URL (as a subproject's).
        let bare: Vec<(String, Handler)> = locations
            .iter()
            .filter_map(|l| {
                let Some(PathPattern::Prefix(p)) = &l.pattern else {
                    return None;
                };
                let path = p.trim_end_matches('/').to_owned();
                let handler = match &l.handler {
                    h @ Handler::Proxy { .. } => {
                        let mut h = h.clone();
                        // `/api` of `/api/* http://b/v1/` is `/v1/`.
                        if let Handler::Proxy { path: Some(p), .. } = &mut h
                            && let UpstreamPath::Prefix { to, .. } = p
                        {
                            *p = UpstreamPath::Whole(to.clone());
                        }
                        h
                    }
                    Handler::Files(_) => Handler::Redirect {
                        to: keeping_query(FOLDER),
                        status: SLASH_REDIRECT,
                        unless_query: None,
                        otherwise: Box::new(Handler::NotFound),
                    },
                    _ => return None,
                };
                (!path.is_empty()).then_some((path, handler))
            })
            .collect();
        // Pass 1 placed every exact path the site serves: only those are
        // "said"; redirects come after and wrap whatever stands here.
        for (path, handler) in bare {
            let pattern = Some(PathPattern::Exact(path));
            if !locations.iter().any(|l| l.pattern == pattern) {
                locations.push(Location { pattern, handler });
            }
        }
        // Pass 2: redirects, wrapping what they fall through to. A
        // redirected subtree (`/old/*`) takes its bare prefix (`/old`, with
        // `{rest}` empty) unless a route names that path itself.
        let content = locations.clone();
        let named: Vec<&PathPattern> = site
            .routes
            .iter()
            .filter_map(|r| match r {
                Route::Redirect { from, .. }
                | Route::RedirectFirst { from, .. }
                | Route::Rewrite { from, .. } => Some(from),
                Route::Proxy { path, .. } => path.as_ref(),
                Route::Static(s) => s.path.as_ref(),
            })
            .filter(|p| matches!(p, PathPattern::Exact(_)))
            .collect();
        for route in &site.routes {
            let (Route::Redirect { from, .. } | Route::RedirectFirst { from, .. }) = route else {
                continue;
            };
            let bare = match from {
                PathPattern::Prefix(p) if p.len() > 1 => {
                    let bare = PathPattern::Exact(p.trim_end_matches('/').to_owned());
                    (!named.contains(&&bare)).then_some(bare)
                }
                _ => None,
            };
            for (pattern, is_bare) in
                std::iter::once((from.clone(), false)).chain(bare.map(|b| (b, true)))
            {
                // The bare prefix has nothing after it.
                let fill = |target: &str| {
                    if is_bare {
                        target.replace("{rest}", "")
                    } else {
                        target.to_owned()
                    }
                };
                let otherwise = Box::new(covering(&locations, Some(&pattern)));
                let handler = match route {
                    Route::Redirect {
                        to,
                        status,
                        unless_query,
                        ..
                    } => Handler::Redirect {
                        to: keeping_query(&fill(to)),
                        status: *status,
                        unless_query: unless_query.clone(),
                        otherwise,
                    },
                    Route::RedirectFirst {
                        tree,
                        candidates,
                        status,
                        ..
                    } => Handler::RedirectFirst {
                        candidates: candidates
                            .iter()
                            .map(|url| fill(url))
                            .filter_map(|url| match tree {
                                Some(tree) => Some(Candidate {
                                    url: keeping_query(&url),
                                    url_is_file: true,
                                    file: url,
                                    roots: vec![host.path(tree)],
                                }),
                                None => candidate(&content, &url),
                            })
                            .map(Candidate::folder_index)
                            .collect(),
                        status: *status,
                        otherwise,
                    },
                    _ => continue,
                };
                set(&mut locations, Some(pattern), handler);
            }
        }
        locations.sort_by_key(|l| specificity(l.pattern.as_ref()));
        let rewrites = site
            .routes
            .iter()
            .filter_map(|r| match r {
                Route::Rewrite { from, to } => Some(Rewrite {
                    from: from.clone(),
                    to: to.clone(),
                }),
                _ => None,
            })
            .collect();
        let error_pages = site
            .error_pages
            .iter()
            .map(|e| ErrorPage {
                status: e.status,
                file: content
                    .iter()
                    .filter(|l| matches(l.pattern.as_ref(), &e.page))
                    .min_by_key(|l| specificity(l.pattern.as_ref()))
                    .and_then(|l| match &l.handler {
                        Handler::Files(f) => Some(PageFile {
                            root: f.root.clone(),
                            path: match &f.strip_prefix {
                                Some(p) => e
                                    .page
                                    .strip_prefix(p.as_str())
                                    .unwrap_or(&e.page)
                                    .to_owned(),
                                None => e.page.clone(),
                            },
                            plain: plain(e.status),
                        }),
                        _ => None,
                    }),
            })
            .collect();
        // An exact path with a hidden part is never reached (the hidden
        // answer comes first), so it has no location: NGINX's `=` would
        // otherwise precede the hidden regex and answer it.
        let hidden = site.hide.clone();
        locations.retain(|l| match &l.pattern {
            Some(PathPattern::Exact(p)) => !p.split('/').any(|c| hidden.iter().any(|h| h == c)),
            _ => true,
        });
        let tls = site.tls != Tls::Off;
        let webroot = site
            .tls
            .certbot_webroot(host.proxy.kind, &model.defaults)
            .map(|w| host.path(w));
        let peers = acme_peers(model, id, site);
        let served = site.names_on(host);
        let canonical = served.first().cloned().unwrap_or_default();
        SitePlan {
            certificate: certificate(&site.tls, site.acme_email.as_ref(), &canonical, host),
            challenge: (tls && (webroot.is_some() || !peers.is_empty()))
                .then_some(Challenge { webroot, peers }),
            hidden,
            rewrites,
            locations,
            error_pages,
            https_redirect: tls.then(|| Redirect {
                status: site.https_redirect,
                to: url(true, "{host}", host, "{uri}"),
            }),
            aliases: site.redirect_from.clone(),
            names: served,
            access_log: match &site.access_log {
                AccessLog::File(p) => AccessLog::File(host.path(p)),
                other => other.clone(),
            },
            alias_redirect: Redirect {
                status: 301,
                to: url(tls, &canonical, host, "{uri}"),
            },
            compression: (!site.encode.is_empty()).then(|| Compression {
                encodings: site.encode.clone(),
                min_length: 512,
                types: COMPRESSED_TYPES,
            }),
            headers: site.headers.clone(),
            limits: Limits {
                max_body: site.max_body,
                proxy_timeout: site.proxy_timeout,
            },
        }
    }
}

fn proxy(
    backends: &[Backend],
    timeout: u64,
    pattern: Option<&PathPattern>,
    to_path: Option<&String>,
    host: Option<&String>,
) -> Handler {
    let external = backends.iter().any(|b| matches!(b, Backend::Url { .. }));
    let tls = backends
        .iter()
        .any(|b| matches!(b, Backend::Url { scheme, .. } if scheme == "https"));
    Handler::Proxy {
        backends: backends.to_vec(),
        host: match host {
            Some(name) => UpstreamHost::Named(name.clone()),
            None if external => UpstreamHost::Backend,
            None => UpstreamHost::Client,
        },
        path: to_path.map(|to| match pattern {
            Some(PathPattern::Exact(_)) => UpstreamPath::Whole(to.clone()),
            Some(PathPattern::Prefix(p)) => UpstreamPath::Prefix {
                prefix: p.clone(),
                to: to.clone(),
            },
            None => UpstreamPath::Prefix {
                prefix: "/".to_owned(),
                to: to.clone(),
            },
        }),
        tls: tls.then_some(UpstreamTls {
            ca_bundle: CA_BUNDLE,
            depth: 9,
        }),
        timeout,
    }
}

/// Where a `redirect_first` candidate's file is: under the root of the
/// static location that would serve its URL (the static part before the
/// first placeholder decides).
fn candidate(content: &[Location], url: &str) -> Option<Candidate> {
    let fixed = url.split('{').next().unwrap_or(url);
    let location = content
        .iter()
        .filter(|l| matches(l.pattern.as_ref(), fixed) || l.pattern.is_none())
        .min_by_key(|l| specificity(l.pattern.as_ref()))?;
    let Handler::Files(files) = &location.handler else {
        return None;
    };
    let file = match &files.strip_prefix {
        Some(prefix) => url.strip_prefix(prefix.as_str()).unwrap_or(url).to_owned(),
        None => url.to_owned(),
    };
    let roots = std::iter::once(&files.root)
        .chain(files.fallback.as_ref())
        .cloned()
        .collect();
    Some(Candidate {
        url: keeping_query(url),
        url_is_file: false,
        file,
        roots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unnecessary_wraps)] // what `covers` takes
    fn exact(p: &str) -> Option<PathPattern> {
        Some(PathPattern::Exact(p.into()))
    }
    #[allow(clippy::unnecessary_wraps)] // what `covers` takes
    fn prefix(p: &str) -> Option<PathPattern> {
        Some(PathPattern::Prefix(p.into()))
    }

    #[test]
    fn ordering_is_exact_then_longest_prefix_then_catch_all() {
        let mut v = vec![
            None,
            prefix("/a/"),
            exact("/a/b"),
            prefix("/a/b/"),
            exact("/z"),
        ];
        v.sort_by_key(|p| specificity(p.as_ref()));
        assert_eq!(
            v,
            vec![
                exact("/a/b"),
                exact("/z"),
                prefix("/a/b/"),
                prefix("/a/"),
                None
            ]
        );
        let mut v = vec![exact("/zz"), exact("/a")];
        v.sort_by_key(|p| specificity(p.as_ref()));
        assert_eq!(v, vec![exact("/a"), exact("/zz")]);
    }

    #[test]
    fn locations_join_only_where_no_other_location_answers_between() {
        let files = Handler::NotFound;
        let other = Handler::Redirect {
            to: "/x".into(),
            status: 301,
            unless_query: None,
            otherwise: Box::new(Handler::NotFound),
        };
        let at = |pattern: Option<PathPattern>, handler: &Handler| Location {
            pattern,
            handler: handler.clone(),
        };
        // /a and /b share a handler; /c between them does not overlap /b.
        let p = vec![
            at(exact("/a"), &other),
            at(exact("/c"), &files),
            at(exact("/b"), &other),
            at(None, &other),
        ];
        let shape: Vec<usize> = groups(&p).iter().map(Vec::len).collect();
        assert_eq!(shape, vec![2, 1, 1]);
        // /b/x would be answered by /b/ first: /b/x may not move before it.
        let p = vec![
            at(prefix("/a/"), &other),
            at(prefix("/b/"), &files),
            at(exact("/b/x"), &other),
        ];
        let shape: Vec<usize> = groups(&p).iter().map(Vec::len).collect();
        assert_eq!(shape, vec![1, 1, 1]);
    }

    #[test]
    fn coverage() {
        assert!(covers(None, prefix("/x/").as_ref()));
        assert!(covers(prefix("/x/").as_ref(), exact("/x/y").as_ref()));
        assert!(!covers(prefix("/x/").as_ref(), exact("/x").as_ref()));
        assert!(!covers(exact("/x").as_ref(), prefix("/x/").as_ref()));
    }
}
