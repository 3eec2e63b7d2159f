//! Paths on a host and URL paths.

use camino::Utf8PathBuf;

use crate::check::value::rules as values;
use crate::check::{Checker, Served};
use crate::diag::{Code, Diagnostic, did_you_mean, one_of};
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
    /// An absolute path on the host, without `..`.
    pub(crate) fn abs_path(&mut self, arg: &Arg<'_>, what: &str) -> Option<Utf8PathBuf> {
        let text = self.text(arg)?;
        match values::absolute_path(text) {
            Ok(path) => Some(Utf8PathBuf::from(path)),
            Err(problem) => {
                self.path_problem(
                    arg.span,
                    text,
                    what,
                    &problem,
                    "an absolute path such as `/var/www`",
                );
                None
            }
        }
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
            self.report(
                Diagnostic::new(Code::InvalidPath, arg.span, format!("{what} `{path}` would serve or mount `/`"))
                    .label("the whole file system")
                    .help("put the files in a folder of their own, e.g. `/etc/ssl/example.org/` or `/var/www/site`"),
            );
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
        match values::plain_path(text) {
            Ok(path) if path.starts_with('/') => Some(Utf8PathBuf::from(path)),
            Ok(path) if path == "." => Some(root.clone()),
            Ok(path) => Some(root.join(path)),
            Err(problem) => {
                self.path_problem(
                    arg.span,
                    text,
                    what,
                    &problem,
                    "a folder under the site root, or an absolute path",
                );
                None
            }
        }
    }

    pub(crate) fn path_problem(
        &mut self,
        span: Span,
        text: &str,
        what: &str,
        problem: &values::PathProblem,
        expected: &str,
    ) {
        let diag = match problem {
            values::PathProblem::Escapes => Diagnostic::new(
                Code::PathEscapesRoot,
                span,
                format!("{what} `{text}` leaves its folder with `..`"),
            )
            .label("`..` escapes the folder")
            .help("write the path without `..`"),
            values::PathProblem::NotAbsolute => Diagnostic::new(
                Code::InvalidPath,
                span,
                format!("{what} `{text}` is not an absolute path"),
            )
            .label("expected a path starting with `/`")
            .help(format!("write {expected}")),
            values::PathProblem::Invalid(why) => Diagnostic::new(
                Code::InvalidPath,
                span,
                format!("{what} `{text}` is not a valid path"),
            )
            .label(why.clone())
            .help(format!("write {expected}")),
        };
        self.report(diag);
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
        match values::url_path(text, placeholders) {
            Ok(()) => Some(text.to_owned()),
            Err(problem) => {
                self.path_problem(
                    arg.span,
                    text,
                    what,
                    &problem,
                    "a URL path such as `/docs/`",
                );
                None
            }
        }
    }

    /// `/exact` or `/prefix/*`.
    pub(crate) fn pattern(&mut self, arg: &Arg<'_>) -> Option<PathPattern> {
        let text = self.url_path(arg, "path", false)?;
        if let Some(prefix) = text.strip_suffix('*') {
            if prefix.contains('*') || !prefix.ends_with('/') {
                self.report(
                    Diagnostic::new(Code::InvalidPath, arg.span, format!("`{text}` is not a path pattern"))
                        .label("`*` is only allowed as a last `/*`")
                        .help("write `/docs/*` for everything under /docs/, or `/docs` for that path only"),
                );
                return None;
            }
            return Some(PathPattern::Prefix(prefix.to_owned()));
        }
        if text.contains('*') {
            self.report(
                Diagnostic::new(
                    Code::InvalidPath,
                    arg.span,
                    format!("`{text}` is not a path pattern"),
                )
                .label("`*` is only allowed as a last `/*`")
                .help("write `/docs/*` for everything under /docs/"),
            );
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
            self.report(
                Diagnostic::new(Code::InvalidText, arg.span, format!("`{text}` has a brace that is not a placeholder"))
                    .label(why)
                    .help("braces are only infrac's placeholders (`{path}`, `{rest}`, …); write a literal brace as `%7B` or `%7D`"),
            );
            return false;
        }
        let mut ok = true;
        for p in values::placeholders(text) {
            if !allowed.contains(&p) {
                let help = match did_you_mean(p, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{{{s}}}`?"),
                    None => format!(
                        "the placeholders here are {}",
                        one_of(
                            &allowed
                                .iter()
                                .map(|a| format!("{{{a}}}"))
                                .collect::<Vec<_>>()
                        )
                    ),
                };
                self.report(
                    Diagnostic::new(
                        Code::InvalidPlaceholder,
                        arg.span,
                        format!("unknown placeholder `{{{p}}}`"),
                    )
                    .label("not a placeholder infrac knows")
                    .help(help),
                );
                ok = false;
            } else if p == "rest" && !matches!(from, PathPattern::Prefix(_)) {
                self.report(
                    Diagnostic::new(
                        Code::InvalidPlaceholder,
                        arg.span,
                        "`{rest}` needs a `/*` pattern",
                    )
                    .label("`{rest}` is what `*` matched")
                    .help("match a prefix (`/old/*`), or use `{path}`"),
                );
                ok = false;
            }
        }
        ok
    }
}
