//! Paths on a host and URL paths.

use camino::Utf8PathBuf;

use crate::check::say;
use crate::check::value::rules as values;
use crate::check::{Checker, Served};
use crate::model::PathPattern;
use crate::source::Span;
use crate::syntax::Arg;

pub(crate) const REDIRECT_PLACEHOLDERS: &[&str] = &["path", "query", "uri", "rest", "host"];

/// `s` without anything in braces.
pub(crate) fn without_braces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

impl Checker<'_> {
    /// A path rule's result: the value, or the rule's problem reported
    /// (`expected`: what to write instead, from `say::value::EXPECT_*`).
    pub(crate) fn path_checked<T>(
        &mut self,
        checked: Result<T, values::PathProblem>,
        span: Span,
        text: &str,
        what: &str,
        expected: &str,
    ) -> Option<T> {
        checked
            .map_err(|problem| {
                self.report(say::value::invalid_path(
                    span, text, what, &problem, expected,
                ));
            })
            .ok()
    }

    /// An absolute path on the host, without `..`.
    pub(crate) fn abs_path(&mut self, arg: &Arg<'_>, what: &str) -> Option<Utf8PathBuf> {
        let text = self.text(arg)?;
        let path = values::absolute_path(text);
        self.path_checked(path, arg.span, text, what, say::value::EXPECT_ABSOLUTE)
            .map(Utf8PathBuf::from)
    }

    /// A folder whose files are served, or that is mounted into the proxy's
    /// container where it is: anything but `/` (the whole file system).
    pub(crate) fn served(
        &mut self,
        path: Option<Utf8PathBuf>,
        arg: &Arg<'_>,
        what: &str,
        kind: Served,
    ) -> Option<Utf8PathBuf> {
        let path = path?;
        let dir = match kind {
            Served::Folder => path.clone(),
            // A file is mounted by its folder.
            Served::File => path
                .parent()
                .map_or(path.clone(), camino::Utf8Path::to_owned),
        };
        if dir.as_str() == "/" {
            self.report(say::value::serves_root(arg.span, what, &path));
            return None;
        }
        Some(path)
    }

    /// A path relative to `root` (or absolute), without `..`.
    pub(crate) fn path_under(
        &mut self,
        arg: &Arg<'_>,
        root: &Utf8PathBuf,
        what: &str,
    ) -> Option<Utf8PathBuf> {
        let text = self.text(arg)?;
        let path = values::plain_path(text);
        let path = self.path_checked(path, arg.span, text, what, say::value::EXPECT_UNDER_ROOT)?;
        Some(match path.as_str() {
            "." => root.clone(),
            p if p.starts_with('/') => Utf8PathBuf::from(p),
            p => root.join(p),
        })
    }

    /// A URL path (`/404.html`, `/gh/`); a target (`placeholders`) may
    /// have placeholders and a query.
    pub(crate) fn url_path(
        &mut self,
        arg: &Arg<'_>,
        what: &str,
        placeholders: bool,
    ) -> Option<String> {
        let text = self.text(arg)?;
        let checked = values::url_path(text, placeholders).map(|()| text.to_owned());
        self.path_checked(checked, arg.span, text, what, say::value::EXPECT_URL_PATH)
    }

    /// `/exact` or `/prefix/*`.
    pub(crate) fn pattern(&mut self, arg: &Arg<'_>) -> Option<PathPattern> {
        let text = self.url_path(arg, "path", false)?;
        if let Some(prefix) = text.strip_suffix('*') {
            if prefix.contains('*') || !prefix.ends_with('/') {
                self.report(say::value::not_a_pattern(arg.span, &text, true));
                return None;
            }
            return Some(PathPattern::Prefix(prefix.to_owned()));
        }
        if text.contains('*') {
            self.report(say::value::not_a_pattern(arg.span, &text, false));
            return None;
        }
        Some(PathPattern::Exact(text))
    }

    /// Reports unknown placeholders, and `{rest}` without a `/*` pattern.
    pub(crate) fn check_placeholders(
        &mut self,
        arg: &Arg<'_>,
        text: &str,
        from: &PathPattern,
        allowed: &[&str],
    ) -> bool {
        if let Err(why) = crate::quote::segments(text) {
            self.report(say::value::stray_brace(arg.span, text, why));
            return false;
        }
        let mut ok = true;
        for p in values::placeholders(text) {
            if !allowed.contains(&p) {
                self.report(say::value::unknown_placeholder(arg.span, p, allowed));
                ok = false;
            } else if p == "rest" && !matches!(from, PathPattern::Prefix(_)) {
                self.report(say::value::rest_without_prefix(arg.span));
                ok = false;
            }
        }
        ok
    }
}
