//! `site NAME { … }`: its settings; routes are read in `route`.

use std::collections::HashMap;

use crate::check::read::{Scope, Services, block, written};
use crate::check::say;
use crate::check::value::text;
use crate::check::{Checker, Decl, Placement, Served, flat_args, per_pattern};
use crate::model::{
    AccessLog, Defaults, Encoding, ErrorPage, Route, ServiceId, Site, SiteId, Subproject, Tls,
    TlsKind,
};
use crate::source::Span;
use crate::syntax::{Arg, ArgKind, Directive};
use crate::vocabulary::{Directives, Group, site};

/// `http://` to `https://`: permanent, and a POST stays a POST.
const HTTPS_REDIRECT: u16 = 308;
/// In `domains`: each host's own names.
const HOST_NAMES: &str = "{host}";
/// Uploads of ordinary size pass on both proxies (NGINX's own 1 MiB is
/// too small for most, Caddy has no limit).
const MAX_BODY: u64 = 100 << 20;
/// An idle WebSocket or a slow report survives (NGINX's own 60 s drops
/// them, Caddy has no limit).
const PROXY_TIMEOUT: u64 = 3600;

impl Checker<'_> {
    pub(crate) fn read_site(
        &mut self,
        decl: &Decl<'_>,
        scope: &Scope,
        services: &Services<'_>,
        id: SiteId,
        used: &mut HashMap<ServiceId, Vec<(SiteId, Span)>>,
    ) -> Site {
        let defaults = &scope.defaults;
        let items = self.items::<site::Id>(block(decl.directive));
        // `root` first: routes resolve relative paths against it.
        let mut root = defaults.site_root.join(&decl.name);
        for (_, item) in items.iter().filter(|(id, _)| *id == site::Id::Root) {
            let arg = flat_args(item)[0];
            let p = self.abs_path(arg, "site root");
            if let Some(p) = self.served(p, arg, "site root", Served::Folder) {
                root = p;
            }
        }
        let mut domains = Vec::new();
        let mut host_names = None;
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
        let mut https_redirect = HTTPS_REDIRECT;
        let mut max_body = MAX_BODY;
        let mut proxy_timeout = PROXY_TIMEOUT;
        let mut headers = Vec::new();
        let mut hide = Vec::new();
        let mut acme_email = None;
        let mut access_log = AccessLog::Proxy;
        for (dir, item) in items {
            let args = flat_args(item);
            match dir {
                site::Id::Root => {}
                site::Id::AcmeEmail => acme_email = self.email(args[0]),
                site::Id::AccessLog => {
                    access_log = if args[0].text() == Some("off") {
                        AccessLog::Off
                    } else if let Some(p) = self.abs_path(args[0], "access log") {
                        AccessLog::File(p)
                    } else {
                        access_log
                    };
                }
                site::Id::Domains => {
                    for arg in &args {
                        if matches!(&arg.kind, ArgKind::Word(w) if w == HOST_NAMES) {
                            host_names = Some(arg.span);
                        } else if let Some(d) = self.domain(arg) {
                            domains.push(d);
                        }
                    }
                }
                site::Id::RedirectFrom => {
                    redirect_from.extend(args.iter().filter_map(|a| self.domain(a)));
                }
                site::Id::On => {
                    placements = self.placements(item, &scope.hosts, &scope.pools);
                }
                site::Id::Tls => {
                    if let Some(t) = self.tls(&args, item, defaults) {
                        tls = t;
                    }
                }
                site::Id::Encode => {
                    for arg in args {
                        match self.choice(arg, site::Id::Encode.spec().choices(0), "encoding") {
                            Some("gzip") => encode.push(Encoding::Gzip),
                            Some(_) => encode.push(Encoding::Zstd),
                            None => {}
                        }
                    }
                }
                site::Id::Header => {
                    if let Some(h) = self.header(&args) {
                        headers.push(h);
                    }
                }
                site::Id::Error => {
                    let status = self.status(args[0], 400..=599, "an error status (400 to 599)");
                    let page = self.url_path(args[1], "error page", false);
                    if let (Some(status), Some(page)) = (status, page) {
                        error_pages.push(ErrorPage { status, page });
                    }
                }
                site::Id::HttpsRedirect => {
                    let choices = site::Id::HttpsRedirect.spec().choices(0);
                    if let Some(status) = self.choice(args[0], choices, "redirect status") {
                        https_redirect = status.parse().unwrap_or(HTTPS_REDIRECT);
                    }
                }
                site::Id::MaxBody => max_body = self.size(args[0]).unwrap_or(max_body),
                site::Id::ProxyTimeout => {
                    proxy_timeout = self.duration(args[0]).unwrap_or(proxy_timeout);
                }
                site::Id::Hide => {
                    for arg in args {
                        hide.extend(self.typed(arg, text::file_name, &say::decl::HIDDEN_NAME));
                    }
                }
                site::Id::Proxy
                | site::Id::Static
                | site::Id::Redirect
                | site::Id::Rewrite
                | site::Id::RedirectFirst => {
                    for args in per_pattern(item) {
                        let route = match dir {
                            site::Id::Proxy => {
                                self.proxy_route(&args, item, scope, services, id, used)
                            }
                            site::Id::Static => {
                                self.static_route(&args, item, &root).map(Route::Static)
                            }
                            site::Id::Redirect => self.redirect(&args),
                            site::Id::Rewrite => self.rewrite(&args),
                            _ => self.redirect_first(&args, item, &root),
                        };
                        routes.extend(route);
                    }
                }
                site::Id::Subproject => {
                    if let Some(s) = self.subproject(&args, item, &root, defaults) {
                        if let Some(prev) = subprojects.iter().find(|p| p.name == s.name) {
                            let prev_span = prev.origin.span;
                            self.report(say::decl::subproject_twice(
                                s.origin.span,
                                &s.name,
                                prev_span,
                            ));
                        } else {
                            subprojects.push(s);
                        }
                    }
                }
            }
        }
        // Served subprojects must not share a URL folder.
        let mut served: HashMap<String, Span> = HashMap::new();
        for s in &subprojects {
            if let Some(at) = &s.serve_at {
                if let Some(&first) = served.get(at) {
                    self.report(say::decl::subprojects_share_folder(
                        s.origin.span,
                        at,
                        first,
                    ));
                }
                served.insert(at.clone(), s.origin.span);
            }
        }
        // An unknown directive may be a misspelt route: that error is enough.
        let routes_written = block(decl.directive)
            .iter()
            .any(|d| site::Id::lookup(d.name.value).is_none_or(|r| r.spec.group == Group::Route));
        if !routes_written && written(decl.directive, "domains") {
            self.report(say::decl::site_serves_nothing(decl.name_span, &decl.name));
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
            host_names,
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
            https_redirect,
            max_body,
            proxy_timeout,
            headers,
            hide,
            access_log,
        }
    }

    pub(crate) fn tls(
        &mut self,
        args: &[&Arg<'_>],
        item: &Directive<'_>,
        defaults: &Defaults,
    ) -> Option<Tls> {
        let mode = self.choice(args[0], site::Id::Tls.spec().choices(0), "TLS mode")?;
        if mode == "files" {
            if args.len() != 3 {
                let at = Span::new(item.span.file, item.span.end, item.span.end);
                self.report(say::decl::tls_files_without_paths(at));
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
            self.report(say::decl::tls_mode_with_paths(
                args[1].span.to(args[args.len() - 1].span),
                mode,
            ));
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
}

#[cfg(test)]
mod tests {
    use super::{HTTPS_REDIRECT, MAX_BODY, PROXY_TIMEOUT};
    use crate::check::value::{rules, time};
    use crate::vocabulary::{Directives, site};

    /// The row's default as the docs show it, read by the row's own rule.
    fn default(id: site::Id) -> &'static str {
        id.spec().default.trim_matches('`')
    }

    #[test]
    fn the_defaults_applied_are_the_ones_the_rows_document() {
        assert_eq!(default(site::Id::HttpsRedirect).parse(), Ok(HTTPS_REDIRECT));
        assert_eq!(rules::size(default(site::Id::MaxBody)), Ok(MAX_BODY));
        assert_eq!(
            time::duration(default(site::Id::ProxyTimeout)),
            Ok(PROXY_TIMEOUT)
        );
    }
}
