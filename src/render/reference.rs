//! The meaning of the plans: what a request to a host must get, whichever
//! proxy serves it. This is the specification the Caddy and NGINX
//! renderers are held to (`tests/equivalence.rs`, `tests/behaviour.rs`,
//! `examples/behaviour.rs`): it reads only the plans and the files on the
//! host, never a renderer, so a decision a renderer makes on its own shows
//! up as a disagreement with it.
//!
//! Requests are plain HTTP for now: the TLS behaviour (refused handshakes,
//! 421, the redirect to HTTPS) is checked by the hand-written cases.

use camino::{Utf8Path, Utf8PathBuf};

use super::plan::{Files, Handler, HostPlan, SitePlan, Try};
use crate::model::{HostId, Model, PathPattern, Tls};

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
}

/// What the response must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub status: u16,
    /// The `Location` header, with the host's port for an absolute URL.
    pub location: Option<String>,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Not compared (a redirect's).
    Any,
    Text(String),
    /// What the backend got: method and URI (path and query).
    Backend {
        method: String,
        uri: String,
    },
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

fn port_suffix(port: u16, default: u16) -> String {
    if port == default {
        String::new()
    } else {
        format!(":{port}")
    }
}

/// What `host` must answer to `request` over plain HTTP.
#[must_use]
pub fn answer(model: &Model, host: HostId, request: &Request<'_>, files: &dyn Tree) -> Expected {
    let h = model.host(host);
    let plan = HostPlan::new(model, h);
    let name = request.host.to_ascii_lowercase();
    let uri = with_query(request.path, request.query);
    for site in h.sites.iter().map(|s| model.site(*s)) {
        let tls = site.tls != Tls::Off;
        let scheme = if tls { "https://" } else { "http://" };
        let port = if tls {
            port_suffix(plan.https_port, 443)
        } else {
            port_suffix(plan.http_port, 80)
        };
        let site_plan = SitePlan::new(site, h);
        if site.domains.contains(&name) {
            if let Some(status) = site_plan.https_redirect {
                return redirect(status, format!("https://{name}{port}{uri}"));
            }
            return serve(&site_plan, request, files);
        }
        if site.redirect_from.contains(&name) {
            return redirect(
                site_plan.alias_redirect,
                format!("{scheme}{}{port}{uri}", site.canonical()),
            );
        }
    }
    text(plan.unknown_name.status, &plan.unknown_name.body)
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

/// A request to one site, over the scheme it is served on.
fn serve(plan: &SitePlan, request: &Request<'_>, files: &dyn Tree) -> Expected {
    // Before anything else the site does.
    if request.body > plan.limits.max_body {
        return error(413);
    }
    let mut path = normalise(request.path);
    let mut rewritten = false;
    if path.split('/').any(|c| plan.hidden.iter().any(|h| h == c)) {
        return not_found(plan, files);
    }
    // The first rewrite that matches; the query is kept.
    for r in &plan.rewrites {
        if let Some(rest) = matched(&r.from, &path) {
            path = expand(&r.to, &path, request, &rest);
            rewritten = true;
            break;
        }
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
            let kept = unless_query.as_ref().is_some_and(|q| {
                request.query.split('&').any(|kv| {
                    kv.split_once('=')
                        .is_some_and(|(k, v)| k == q && !v.is_empty())
                })
            });
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
        Handler::Proxy { .. } => {
            let uri = with_query(sent, request.query);
            Expected {
                status: 200,
                location: None,
                body: Body::Backend {
                    method: request.method.to_owned(),
                    uri,
                },
            }
        }
        Handler::Files(f) => match lookup(f, path, request, files) {
            Lookup::Slash(location) => redirect(f.slash_redirect, location),
            // Files are read, not written to.
            Lookup::Found(_) if !matches!(request.method, "GET" | "HEAD") => error(405),
            Lookup::Found(content) => text(200, &content),
            Lookup::Missing => not_found(plan, files),
        },
        Handler::NotFound => not_found(plan, files),
    }
}

enum Lookup {
    /// A file's content.
    Found(String),
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
            let Some(content) = files.file(&join(root, &file)) else {
                continue;
            };
            if *t == Try::Folder && !stripped.ends_with('/') {
                return Lookup::Slash(with_query(&format!("{path}/"), request.query));
            }
            return Lookup::Found(content);
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
            files.file(&join(&f.root, &f.path))
        });
    match page {
        Some(content) => text(404, &content),
        None => error(404),
    }
}
