//! A site's routes: `proxy`, `static`, `redirect`, `rewrite`, `redirect_first`.

use std::collections::HashMap;

use camino::Utf8PathBuf;

use crate::check::read::{Scope, block};
use crate::check::value::paths::{REDIRECT_PLACEHOLDERS, without_braces};
use crate::check::value::{rules as values, text};
use crate::check::{Checker, Served, flat_args};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::model::{Backend, Model, PathPattern, Route, ServiceId, SiteId, StaticFiles};
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
                    self.report(
                        Diagnostic::new(Code::InvalidUrl, args[1].span, format!("`{to_text}` is not a redirect target"))
                            .label(why)
                            .help("redirect to a path (`/new{rest}`) or a full URL (`https://example.org{uri}`)"),
                    );
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
                        self.report(
                            Diagnostic::new(
                                Code::MissingArgument,
                                args[i].span,
                                "`unless_query` needs a parameter name",
                            )
                            .label("expected a name after this")
                            .help("write `unless_query PARAM`"),
                        );
                        return None;
                    };
                    unless_query = Some(self.typed(
                        param,
                        text::query_param,
                        Code::InvalidQueryParam,
                        "a query parameter name",
                        "write the parameter's name: letters, digits, `.`, `_`, `~`, `-`",
                    )?);
                    i += 1;
                }
                w if w.chars().all(|c| c.is_ascii_digit()) => {
                    status = self.status(
                        args[i],
                        301..=308,
                        "a redirect status (301, 302, 303, 307 or 308)",
                    )?;
                    if status == 304 || status == 305 || status == 306 {
                        self.report(
                            Diagnostic::new(
                                Code::InvalidStatus,
                                args[i].span,
                                format!("`{status}` is not a redirect status"),
                            )
                            .label("expected 301, 302, 303, 307 or 308")
                            .help("use `permanent` (301) or `temporary` (302)"),
                        );
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

    pub(crate) fn redirect_first(
        &mut self,
        args: &[&Arg<'_>],
        item: &Directive<'_>,
    ) -> Option<Route> {
        let from = self.pattern(args[0])?;
        let mut status = 302;
        let mut candidates = Vec::new();
        for (i, arg) in args.iter().enumerate().skip(1) {
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
            self.report(
                Diagnostic::new(
                    Code::MissingArgument,
                    item.span,
                    "`redirect_first` needs candidate paths",
                )
                .label("no candidates")
                .help("write `redirect_first /old/* /3.8/{rest} /3.7/{rest}`"),
            );
            return None;
        }
        Some(Route::RedirectFirst {
            from,
            candidates,
            status,
        })
    }

    pub(crate) fn proxy_route(
        &mut self,
        args: &[&Arg<'_>],
        item: &Directive<'_>,
        scope: &Scope,
        model: &Model,
        site: SiteId,
        used: &mut HashMap<ServiceId, Vec<(SiteId, Span)>>,
    ) -> Option<Route> {
        let (path, targets) = match args[0].text() {
            Some(t) if t.starts_with('/') => (Some(self.pattern(args[0])?), &args[1..]),
            _ => (None, args),
        };
        if targets.is_empty() {
            let at = Span::new(item.span.file, item.span.end, item.span.end);
            self.report(
                Diagnostic::new(Code::MissingArgument, at, "`proxy` needs a backend")
                    .label("expected a service or URL")
                    .help("write `proxy /api/* SERVICE` or `proxy /stats/* https://stats.example.net`"),
            );
            return None;
        }
        let mut backends = Vec::new();
        for arg in targets {
            let Some(text) = self.text(arg) else { continue };
            if text.contains("://") {
                match values::url(text) {
                    Ok(url) => {
                        // A URL naming a declared service is that service:
                        // the renderers then re-resolve it (NGINX).
                        if let Some(&sid) = scope.services.get(&url.host) {
                            let service = model.service(ServiceId(sid));
                            let port = url.port.or(service.port).unwrap_or(80);
                            used.entry(ServiceId(sid))
                                .or_default()
                                .push((site, arg.span));
                            backends.push(Backend::Service {
                                service: ServiceId(sid),
                                name: service.name.clone(),
                                port,
                            });
                        } else {
                            backends.push(Backend::Url {
                                scheme: url.scheme,
                                host: url.host,
                                port: url.port,
                                path: url.path,
                            });
                        }
                    }
                    Err(why) => self.report(
                        Diagnostic::new(
                            Code::InvalidUrl,
                            arg.span,
                            format!("`{text}` is not a valid URL"),
                        )
                        .label(why)
                        .help("write `http://HOST[:PORT]` or `https://HOST[:PORT]`"),
                    ),
                }
                continue;
            }
            let (name, port_text) = match text.split_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (text, None),
            };
            let Some(&sid) = scope.services.get(name) else {
                let help = match did_you_mean(name, scope.services.keys().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "declare `service {name} {{ image …; port … }}`, or write a URL such as `http://{text}`"
                    ),
                };
                self.report(
                    Diagnostic::new(
                        Code::UnknownService,
                        arg.span,
                        format!("no service named `{name}`"),
                    )
                    .label("unknown service")
                    .help(help),
                );
                continue;
            };
            let service = model.service(ServiceId(sid));
            let port = match port_text {
                Some(p) => self.port_text(p, arg.span),
                None => {
                    if let Some(p) = service.port {
                        Some(p)
                    } else {
                        self.report(
                            Diagnostic::new(
                                Code::MissingSetting,
                                arg.span,
                                format!("which port of `{name}` should the proxy reach?"),
                            )
                            .label(format!("service `{name}` has no `port`"))
                            .with_label(service.origin.span, "declared here")
                            .help(format!(
                                "add `port 8080` to service `{name}`, or write `{name}:8080` here"
                            )),
                        );
                        None
                    }
                }
            };
            if let Some(port) = port {
                used.entry(ServiceId(sid))
                    .or_default()
                    .push((site, arg.span));
                backends.push(Backend::Service {
                    service: ServiceId(sid),
                    name: service.name.clone(),
                    port,
                });
            }
        }
        if backends.len() != targets.len() {
            return None;
        }
        Some(Route::Proxy { path, backends })
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
                            self.report(
                                Diagnostic::new(
                                    Code::InvalidPath,
                                    arg.span,
                                    format!("`{t}` is not a file to try"),
                                )
                                .label(
                                    "expected a path such as `{path}`, `{path}/` or `/index.html`",
                                )
                                .help("write `try {path} {path}/ {path}.html`"),
                            );
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
