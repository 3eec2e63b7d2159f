//! A site's routes: `proxy`, `static`, `redirect`, `rewrite`, `redirect_first`.

use std::collections::HashMap;

use camino::Utf8PathBuf;

use crate::check::read::{Scope, Services, block};
use crate::check::say;
use crate::check::value::paths::{REDIRECT_PLACEHOLDERS, without_braces};
use crate::check::value::{rules as values, text};
use crate::check::{Checker, Served, flat_args};
use crate::model::{Backend, PathPattern, QueryTest, Route, ServiceId, SiteId, StaticFiles};
use crate::source::Span;
use crate::syntax::{Arg, Directive};
use crate::vocabulary::static_;

impl Checker<'_> {
    pub(crate) fn redirect(&mut self, args: &[&Arg<'_>]) -> Option<Route> {
        let from = self.pattern(args[0]);
        let to_text = self.text(args[1])?;
        let to = if to_text.starts_with('/') {
            self.url_path(args[1], "redirect target", true)
        } else {
            let stripped: String = without_braces(to_text);
            match values::url(&stripped) {
                Ok(_) => Some(to_text.to_owned()),
                Err(why) => {
                    self.report(say::decl::not_a_redirect_target(args[1].span, to_text, why));
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
                        self.report(say::decl::unless_query_without_name(args[i].span));
                        return None;
                    };
                    let written = self.typed(param, text::query_param, &say::decl::QUERY_PARAM)?;
                    unless_query = Some(QueryTest::parse(&written));
                    i += 1;
                }
                w if w.chars().all(|c| c.is_ascii_digit()) => {
                    status = self.status(args[i], 301..=308, say::decl::REDIRECT_STATUS)?;
                    if status == 304 || status == 305 || status == 306 {
                        self.report(say::decl::not_a_redirect_status(args[i].span, status));
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

    pub(crate) fn rewrite(&mut self, args: &[&Arg<'_>]) -> Option<Route> {
        let from = self.pattern(args[0]);
        let to = self.url_path(args[1], "rewrite target", true);
        let (from, to) = (from?, to?);
        self.check_placeholders(args[1], &to, &from, &["path", "query", "rest"])
            .then_some(Route::Rewrite { from, to })
    }

    pub(crate) fn redirect_first(
        &mut self,
        args: &[&Arg<'_>],
        item: &Directive<'_>,
        site_root: &Utf8PathBuf,
    ) -> Option<Route> {
        let from = self.pattern(args[0])?;
        let mut status = 302;
        let mut candidates = Vec::new();
        // `in TREE`: the candidates are files of that folder (relative to
        // the site root), and each is its own URL.
        let mut tree = None;
        let mut first = 1;
        if args.get(1).and_then(|a| a.text()) == Some("in") {
            let Some(arg) = args.get(2) else {
                self.report(say::decl::redirect_first_without_folder(args[1].span));
                return None;
            };
            let p = self.path_under(arg, site_root, "candidates' folder");
            tree = Some(self.served(p, arg, "candidates' folder", Served::Folder)?);
            first = 3;
        }
        for (i, arg) in args.iter().enumerate().skip(first) {
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
            self.report(say::decl::redirect_first_without_candidates(item.span));
            return None;
        }
        Some(Route::RedirectFirst {
            from,
            tree,
            candidates,
            status,
        })
    }

    pub(crate) fn proxy_route(
        &mut self,
        args: &[&Arg<'_>],
        item: &Directive<'_>,
        scope: &Scope,
        services: &Services<'_>,
        site: SiteId,
        used: &mut HashMap<ServiceId, Vec<(SiteId, Span)>>,
    ) -> Option<Route> {
        let (path, mut targets) = match args[0].text() {
            Some(t) if t.starts_with('/') => (Some(self.pattern(args[0])?), &args[1..]),
            _ => (None, args),
        };
        // `… host NAME`: the Host the backend is sent.
        let mut host = None;
        if let [rest @ .., keyword, name] = targets
            && keyword.text() == Some("host")
            && !rest.is_empty()
        {
            host = Some(self.domain(name)?);
            targets = rest;
        }
        if targets.is_empty() {
            let at = Span::new(item.span.file, item.span.end, item.span.end);
            self.report(say::decl::proxy_without_backend(at));
            return None;
        }
        // A backend that is a declared service: noted as used by this site
        // (link places the service where its sites are).
        let mut to_service = |sid: usize, port: u16, span: Span| {
            used.entry(ServiceId(sid)).or_default().push((site, span));
            Backend::Service {
                service: ServiceId(sid),
                name: services.get(ServiceId(sid)).name.clone(),
                port,
            }
        };
        let mut backends = Vec::new();
        // Each URL backend's path, to compare: the backends of one route
        // are one upstream, so they all take the same path.
        let mut paths: Vec<(String, Span)> = Vec::new();
        for arg in targets {
            let Some(text) = self.text(arg) else { continue };
            if text.contains("://") {
                match values::url(text) {
                    Ok(url) => {
                        paths.push((url.path.clone(), arg.span));
                        // A URL naming a declared service is that service:
                        // the renderers then re-resolve it (NGINX).
                        if let Some(&sid) = scope.services.get(&url.host) {
                            let port = url.port.or(services.get(ServiceId(sid)).port);
                            backends.push(to_service(sid, port.unwrap_or(80), arg.span));
                        } else {
                            backends.push(Backend::Url {
                                scheme: url.scheme,
                                host: url.host,
                                port: url.port,
                                path: url.path,
                            });
                        }
                    }
                    Err(why) => self.report(say::decl::not_a_backend_url(arg.span, text, why)),
                }
                continue;
            }
            let (name, port_text) = match text.split_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (text, None),
            };
            let Some(&sid) = scope.services.get(name) else {
                self.report(say::decl::unknown_service(
                    arg.span,
                    name,
                    text,
                    scope.services.keys().map(String::as_str),
                ));
                continue;
            };
            let service = services.get(ServiceId(sid));
            let port = match port_text {
                Some(p) => self.port_text(p, arg.span),
                None => {
                    if let Some(p) = service.port {
                        Some(p)
                    } else {
                        self.report(say::decl::backend_without_port(
                            arg.span,
                            name,
                            service.origin.span,
                        ));
                        None
                    }
                }
            };
            if let Some(port) = port {
                paths.push((String::new(), arg.span));
                backends.push(to_service(sid, port, arg.span));
            }
        }
        if backends.len() != targets.len() {
            return None;
        }
        let to_path = self.proxy_path(&paths, path.as_ref()).ok()?;
        Some(Route::Proxy {
            path,
            backends,
            to_path,
            host,
        })
    }

    /// The path a route's backends replace the matched part with: `None`
    /// when no backend URL has one; `Err` once reported. A prefix is replaced by a folder
    /// (`/v1/`), so what follows it stays a path under it.
    fn proxy_path(
        &mut self,
        paths: &[(String, Span)],
        pattern: Option<&PathPattern>,
    ) -> Result<Option<String>, ()> {
        let Some((first, first_span)) = paths.first() else {
            return Ok(None);
        };
        if let Some((other, span)) = paths.iter().find(|(p, _)| p != first) {
            self.report(say::decl::backend_paths_differ(
                *span,
                other,
                first,
                *first_span,
            ));
            return Err(());
        }
        if first.is_empty() {
            return Ok(None);
        }
        let checked = values::url_path(first, false);
        self.path_checked(
            checked,
            *first_span,
            first,
            "backend path",
            say::value::EXPECT_URL_PATH,
        )
        .ok_or(())?;
        let folder = !matches!(pattern, Some(PathPattern::Exact(_)));
        if folder && !first.ends_with('/') {
            self.report(say::decl::backend_path_not_folder(*first_span, first));
            return Err(());
        }
        Ok(Some(first.clone()))
    }

    pub(crate) fn static_route(
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
        for (id, inner) in self.items::<static_::Id>(block(item)) {
            let inner_args = flat_args(inner);
            match id {
                static_::Id::Root => {
                    let p = self.path_under(inner_args[0], site_root, "static root");
                    root = self.served(p, inner_args[0], "static root", Served::Folder)?;
                }
                static_::Id::Try => {
                    for arg in inner_args {
                        let t = self.text(arg)?;
                        if values::no_parent(t).is_err()
                            || !(t.starts_with('/') || t.starts_with('{'))
                        {
                            self.report(say::decl::not_a_file_to_try(arg.span, t));
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
                static_::Id::Fallback => {
                    let p = self.path_under(inner_args[0], site_root, "fallback tree");
                    fallback =
                        Some(self.served(p, inner_args[0], "fallback tree", Served::Folder)?);
                }
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
}
