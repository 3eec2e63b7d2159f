//! The meaning of the plans: what a request to a host must get, whichever
//! proxy serves it. This is the specification the Caddy and NGINX
//! renderers are held to (`tests/equivalence.rs`, `tests/behaviour.rs`,
//! `examples/behaviour.rs`): it reads only the plans and the files on the
//! host, never a renderer, so a decision a renderer makes on its own shows
//! up as a disagreement with it.
//!
//! Requests are over HTTP or HTTPS, the connection made for the name the
//! request asks for (421, a `Host` other than the connection's name, is
//! checked by the hand-written cases).

use camino::{Utf8Path, Utf8PathBuf};

use super::plan::{
    CHALLENGE_PATH, Challenge, Files, Handler, HostPlan, Redirect, SitePlan, Try, UpstreamPath,
};
use crate::model::{Encoding, HostId, Model, PathPattern};

/// A request, as the client sends it.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub method: &'a str,
    pub host: &'a str,
    /// The path as sent: percent-encoded bytes, doubled slashes and any
    /// letter case (paths are matched as decoded, with slashes merged, and
    /// case-sensitively, as files are named).
    pub path: &'a str,
    /// Without `?`; empty when none.
    pub query: &'a str,
    /// Bytes of body.
    pub body: u64,
    /// Over TLS, with the request's host as the connection's name (SNI).
    pub https: bool,
    /// `Accept-Encoding: gzip`.
    pub gzip: bool,
}

/// What the response must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub status: u16,
    /// The `Location` header, with the host's port for an absolute URL.
    pub location: Option<String>,
    pub body: Body,
    /// Headers the site sets: each must be there, with this value.
    pub headers: Vec<(String, String)>,
    /// `Content-Encoding` (`gzip`), or none: not compressed.
    pub encoding: Option<String>,
    /// The body's type, as far as compression cares (`text/html`).
    content_type: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Not compared (a redirect's).
    Any,
    Text(String),
    /// What the backend got: method, path and query (without `?`).
    Backend {
        method: String,
        path: String,
        query: String,
        /// A path the route replaced part of (a backend URL's path): the
        /// rest is as each proxy read it, so it is compared as read
        /// (decoded, doubled slashes merged). Caddy keeps the client's
        /// escapes, NGINX escapes its decoded form again; a backend that
        /// decodes the path sees the same.
        normalised: bool,
    },
}

impl Body {
    /// Whether `got`, the backend's echo (`backend METHOD URI`), is this.
    #[must_use]
    pub fn backend_agrees(&self, got: &str) -> bool {
        let Body::Backend {
            method,
            path,
            query,
            normalised,
        } = self
        else {
            return false;
        };
        if !normalised {
            return got == format!("backend {method} {}", with_query(path, query));
        }
        let Some(got_uri) = got.strip_prefix(&format!("backend {method} ")) else {
            return false;
        };
        // The expected path is already as read; only the one got is
        // decoded (a raw path holds no `?`).
        let (got_path, got_query) = got_uri.split_once('?').unwrap_or((got_uri, ""));
        normalise(got_path) == *path && got_query == query
    }
}

/// The files on the host: the content of a regular file at an absolute
/// path (with the host's prefix), `None` for anything else.
pub trait Tree {
    fn file(&self, path: &Utf8Path) -> Option<String>;
}

impl<F: Fn(&Utf8Path) -> Option<String>> Tree for F {
    fn file(&self, path: &Utf8Path) -> Option<String> {
        self(path)
    }
}

fn text(status: u16, body: &str) -> Expected {
    Expected {
        status,
        location: None,
        body: Body::Text(body.to_owned()),
        headers: Vec::new(),
        encoding: None,
        content_type: Some("text/plain"),
    }
}

/// A file's content, typed by its name as both proxies type it.
fn file(status: u16, body: &str, name: &Utf8Path) -> Expected {
    Expected {
        content_type: match name.extension() {
            Some("html" | "htm") => Some("text/html"),
            Some("css") => Some("text/css"),
            Some("txt") => Some("text/plain"),
            Some("json") => Some("application/json"),
            Some("svg") => Some("image/svg+xml"),
            _ => None,
        },
        ..text(status, body)
    }
}

/// An error's plain answer (`404 Not Found`).
fn error(status: u16) -> Expected {
    text(status, &super::plan::plain(status))
}

fn redirect(status: u16, location: String) -> Expected {
    Expected {
        status,
        location: Some(location),
        body: Body::Any,
        headers: Vec::new(),
        encoding: None,
        content_type: None,
    }
}

/// `path?query`, or the path alone when there is no query.
fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// The answer to a TLS handshake the server refuses (no status at all).
pub const REFUSED: u16 = 0;

/// What `host` must answer to `request`, over HTTP or (with the request's
/// name as its SNI) HTTPS.
#[must_use]
pub fn answer(model: &Model, host: HostId, request: &Request<'_>, files: &dyn Tree) -> Expected {
    let plan = HostPlan::new(model, model.host(host));
    let name = request.host.to_ascii_lowercase();
    for site in model.host(host).sites.iter().map(|s| model.site(*s)) {
        let site_plan = SitePlan::new(model, host, site);
        let tls = site_plan.certificate.is_some();
        let aliased = site_plan.aliases.contains(&name);
        if !site_plan.names.contains(&name) && !aliased {
            continue;
        }
        if request.https && !tls {
            break;
        }
        let to = |r: &Redirect| redirect(r.status, expand(&r.to, "", request, ""));
        let path = normalise(request.path);
        if let (Some(c), true, false) = (
            &site_plan.challenge,
            path.starts_with(CHALLENGE_PATH),
            request.https,
        ) {
            return challenge(model, site, c, &path, files, false);
        }
        if aliased {
            return to(&site_plan.alias_redirect);
        }
        if let (Some(r), false) = (&site_plan.https_redirect, request.https) {
            return to(r);
        }
        return serve(&site_plan, request, files);
    }
    if request.https {
        // No certificate of another name is shown.
        return redirect(REFUSED, String::new()).without_location();
    }
    text(plan.unknown_name.status, &plan.unknown_name.body)
}

/// An ACME challenge token: from the webroot, else (once) from the pool's
/// other members, else a plain 404.
fn challenge(
    model: &Model,
    site: &crate::model::Site,
    c: &Challenge,
    path: &str,
    files: &dyn Tree,
    forwarded: bool,
) -> Expected {
    if let Some(token) = c.webroot.as_ref().and_then(|w| {
        let at = join(w, path);
        Some(file(200, &files.file(&at)?, &at))
    }) {
        return token;
    }
    if !forwarded && let Some(peer) = c.peers.first() {
        let theirs = SitePlan::new(model, peer.host, site).challenge;
        return match theirs {
            Some(theirs) => challenge(model, site, &theirs, path, files, true),
            None => error(404),
        };
    }
    error(404)
}

/// The path a request is matched by: percent-escapes decoded, doubled
/// slashes merged (as NGINX's `$uri` and Caddy's path matchers read it).
fn normalise(sent: &str) -> String {
    let bytes = sent.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                decoded.push(
                    u8::try_from(hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)).unwrap_or(0),
                );
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    let mut path = String::with_capacity(decoded.len());
    for c in String::from_utf8_lossy(&decoded).chars() {
        if !(c == '/' && path.ends_with('/')) {
            path.push(c);
        }
    }
    path
}

impl Expected {
    fn without_location(self) -> Expected {
        Expected {
            location: None,
            ..self
        }
    }
}

/// A request to one site, with the site's headers, compressed as the plan
/// says.
fn serve(plan: &SitePlan, request: &Request<'_>, files: &dyn Tree) -> Expected {
    let mut expected = respond(plan, request, files);
    expected.headers = plan
        .headers
        .iter()
        .filter_map(|h| Some((h.name.clone(), h.value.clone()?)))
        .collect();
    let compressible = |c: &super::plan::Compression| {
        // NGINX compresses only these; Caddy any, but the plan says these.
        matches!(expected.status, 200 | 403 | 404)
            && expected.content_type.is_some_and(|t| c.types.contains(&t))
            && matches!(&expected.body, Body::Text(t) if t.len() >= c.min_length as usize)
    };
    if request.gzip
        && plan
            .compression
            .as_ref()
            .is_some_and(|c| c.encodings.contains(&Encoding::Gzip) && compressible(c))
    {
        expected.encoding = Some("gzip".to_owned());
    }
    expected
}

/// A request to one site, over the scheme it is served on.
fn respond(plan: &SitePlan, request: &Request<'_>, files: &dyn Tree) -> Expected {
    // Before anything else the site does.
    if request.body > plan.limits.max_body {
        return error(413);
    }
    let mut path = normalise(request.path);
    let mut rewritten = false;
    // The first rewrite that matches; the query is kept.
    for r in &plan.rewrites {
        if let Some(rest) = matched(&r.from, &path) {
            path = expand(&r.to, &path, request, &rest);
            rewritten = true;
            break;
        }
    }
    // Hidden: the path a file would be looked up by, so a rewrite to a
    // hidden file finds nothing, and one from a hidden path to a public
    // file serves that file (which hides nothing).
    if path.split('/').any(|c| plan.hidden.iter().any(|h| h == c)) {
        return not_found(plan, files);
    }
    let location = plan.locations.iter().find(|l| {
        l.pattern
            .as_ref()
            .is_none_or(|p| matched(p, &path).is_some())
    });
    let Some(location) = location else {
        return not_found(plan, files);
    };
    let rest = location
        .pattern
        .as_ref()
        .and_then(|p| matched(p, &path))
        .unwrap_or_default();
    // A backend gets the path as sent, unless a rewrite changed it.
    let sent = if rewritten { &path } else { request.path };
    handle(&location.handler, plan, request, &path, sent, &rest, files)
}

/// What `*` of a prefix matched (empty for an exact path), if it matches.
fn matched(pattern: &PathPattern, path: &str) -> Option<String> {
    match pattern {
        PathPattern::Exact(p) => (p == path).then(String::new),
        PathPattern::Prefix(p) => path.strip_prefix(p.as_str()).map(str::to_owned),
    }
}

/// A target with its placeholders filled in: `{path}` and `{rest}`
/// decoded, `{uri}` as sent (before rewrites), `{query}` as sent.
fn expand(target: &str, path: &str, request: &Request<'_>, rest: &str) -> String {
    let uri = with_query(request.path, request.query);
    target
        .replace("{path}", path)
        .replace("{query}", request.query)
        .replace("{uri}", &uri)
        .replace("{host}", &request.host.to_ascii_lowercase())
        .replace("{rest}", rest)
        .replace(
            "{?query}",
            &if request.query.is_empty() {
                String::new()
            } else {
                format!("?{}", request.query)
            },
        )
}

fn handle(
    h: &Handler,
    plan: &SitePlan,
    request: &Request<'_>,
    path: &str,
    sent: &str,
    rest: &str,
    files: &dyn Tree,
) -> Expected {
    match h {
        Handler::Redirect {
            to,
            status,
            unless_query,
            otherwise,
        } => {
            let kept = unless_query
                .as_ref()
                .is_some_and(|q| q.holds(request.query));
            if kept {
                handle(otherwise, plan, request, path, sent, rest, files)
            } else {
                redirect(*status, expand(to, path, request, rest))
            }
        }
        Handler::RedirectFirst {
            candidates,
            status,
            otherwise,
        } => {
            for c in candidates {
                let file = expand(&c.file, path, request, rest);
                if c.roots
                    .iter()
                    .any(|r| files.file(&join(r, &file)).is_some())
                {
                    return redirect(*status, expand(&c.url, path, request, rest));
                }
            }
            handle(otherwise, plan, request, path, sent, rest, files)
        }
        Handler::Proxy { path: upstream, .. } => {
            let (upstream, normalised) = match upstream {
                None => (sent.to_owned(), false),
                Some(UpstreamPath::Whole(to)) => (to.clone(), false),
                // The catch-all's rest is the whole path after its `/`.
                Some(UpstreamPath::Prefix { prefix, to }) => {
                    let rest = if prefix == "/" { &path[1..] } else { rest };
                    (format!("{}{rest}", normalise(to)), true)
                }
            };
            Expected {
                body: Body::Backend {
                    method: request.method.to_owned(),
                    path: upstream,
                    query: request.query.to_owned(),
                    normalised,
                },
                // The backend's: not known here.
                content_type: None,
                ..text(200, "")
            }
        }
        Handler::Files(f) => match lookup(f, path, request, files) {
            Lookup::Slash(location) => redirect(f.slash_redirect, location),
            // Files are read, not written to.
            Lookup::Found(..) if !matches!(request.method, "GET" | "HEAD") => error(405),
            Lookup::Found(content, name) => file(200, &content, &name),
            Lookup::Missing => not_found(plan, files),
        },
        Handler::NotFound => not_found(plan, files),
    }
}

enum Lookup {
    /// A file's content, and its path.
    Found(String, Utf8PathBuf),
    /// The request names a folder without its trailing slash: the URL
    /// with it.
    Slash(String),
    Missing,
}

/// The first candidate that is a file, in the root, then the fallback.
fn lookup(f: &Files, path: &str, request: &Request<'_>, files: &dyn Tree) -> Lookup {
    let stripped = match &f.strip_prefix {
        Some(prefix) => path.strip_prefix(prefix.as_str()).unwrap_or(path),
        None => path,
    };
    let stripped = if stripped.is_empty() { "/" } else { stripped };
    for root in std::iter::once(&f.root).chain(&f.fallback) {
        for t in &f.try_files {
            let file = expand(t.file(), stripped, request, "");
            let path_of_file = join(root, &file);
            let Some(content) = files.file(&path_of_file) else {
                continue;
            };
            if *t == Try::Folder && !stripped.ends_with('/') {
                return Lookup::Slash(with_query(&format!("{path}/"), request.query));
            }
            return Lookup::Found(content, path_of_file);
        }
    }
    Lookup::Missing
}

/// A file under a root; a folder (`…/`) is never a [`Tree::file`].
fn join(root: &Utf8Path, file: &str) -> Utf8PathBuf {
    root.join(file.trim_start_matches('/'))
}

fn not_found(plan: &SitePlan, files: &dyn Tree) -> Expected {
    let page = plan
        .error_pages
        .iter()
        .find(|e| e.status == 404)
        .and_then(|e| {
            let f = e.file.as_ref()?;
            let path = join(&f.root, &f.path);
            Some((files.file(&path)?, path))
        });
    match page {
        Some((content, path)) => file(404, &content, &path),
        None => error(404),
    }
}
