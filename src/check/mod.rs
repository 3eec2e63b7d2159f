//! Stage 2: [`Ast`]s of all files → one checked [`Model`].
//!
//! 1. collect: every top-level declaration by kind and name, duplicates
//!    reported;
//! 2. read: each declaration's block against the vocabulary in [`schema`],
//!    values parsed ([`values`]), references resolved, defaults applied;
//! 3. lint: checks across declarations (domains, ports, paths) and the
//!    seeds' pitfalls.
//!
//! Every problem is reported; the model is returned only when none is an
//! error. No IO happens here.

mod decls;
mod lints;
pub mod schema;
pub mod text;
pub mod unit_setting;
pub mod values;

use std::collections::HashMap;

use camino::Utf8PathBuf;

use crate::diag::{Code, Diagnostic, did_you_mean, one_of};
use crate::model::{HostId, Model, Origin, PoolId, SecretRef};
use crate::source::{SourceMap, Span};
use crate::syntax::{Arg, ArgKind, Ast, Directive};
use schema::Context;

/// The result of checking: the model when there are no errors, and every
/// diagnostic (errors and warnings), sorted by file and position.
pub struct Checked {
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks a whole program.
#[must_use]
pub fn check<'a>(sources: &'a SourceMap, asts: &'a [Ast<'a>]) -> Checked {
    let mut checker = Checker {
        sources,
        diags: Vec::new(),
    };
    text::check_all(asts, &mut |d| checker.report(d));
    let decls = checker.collect(asts);
    let model = checker.read(&decls);
    lints::run(&mut checker, &model);
    let mut diagnostics = checker.diags;
    diagnostics.sort_by(|a, b| (a.span(), &a.message).cmp(&(b.span(), &b.message)));
    diagnostics.dedup();
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    Checked {
        model: (!has_errors).then_some(model),
        diagnostics,
    }
}

/// A top-level declaration, by kind.
pub(crate) struct Decl<'a> {
    pub name: String,
    pub name_span: Span,
    pub directive: &'a Directive<'a>,
}

/// Declarations by kind, each sorted by name (ids are indices into these).
#[derive(Default)]
pub(crate) struct Decls<'a> {
    pub defaults: Option<&'a Directive<'a>>,
    pub hosts: Vec<Decl<'a>>,
    pub pools: Vec<Decl<'a>>,
    pub sites: Vec<Decl<'a>>,
    pub services: Vec<Decl<'a>>,
    pub profiles: Vec<Decl<'a>>,
    pub jobs: Vec<Decl<'a>>,
    pub units: Vec<Decl<'a>>,
    pub webhooks: Vec<Decl<'a>>,
}

pub(crate) struct Checker<'a> {
    pub sources: &'a SourceMap,
    pub diags: Vec<Diagnostic>,
}

/// Where a site, service or job runs: a host or a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    Host(HostId),
    Pool(PoolId),
}

/// What a served or mounted path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Served {
    /// A folder (a site root, a webroot): served or mounted itself.
    Folder,
    /// A file (a certificate): its folder is mounted.
    File,
}

/// Name → index, for resolving references.
pub(crate) type Index = HashMap<String, usize>;

impl<'a> Checker<'a> {
    pub fn report(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    pub fn origin(&self, span: Span) -> Origin {
        Origin {
            file: self.sources.name(span.file).to_owned(),
            span,
        }
    }

    /// Pass 1: every top-level declaration, checked against the schema,
    /// grouped by kind, duplicates reported.
    fn collect(&mut self, asts: &'a [Ast<'a>]) -> Decls<'a> {
        let mut decls = Decls::default();
        // Hosts and pools share one namespace: `on NAME` may be either.
        let mut seen: HashMap<(&str, String), Span> = HashMap::new();
        for ast in asts {
            for directive in self.items(Context::Top, &ast.items) {
                let kind = directive.name.value;
                if kind == "defaults" {
                    if let Some(previous) = decls.defaults {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateDeclaration,
                                directive.name.span,
                                "`defaults` is declared twice",
                            )
                            .label("second `defaults`")
                            .with_label(previous.name.span, "first declared here")
                            .help("merge the two `defaults` blocks into one"),
                        );
                    } else {
                        decls.defaults = Some(directive);
                    }
                    continue;
                }
                let name_arg = &directive.args[0];
                let Some(name) = self.name(name_arg, kind) else {
                    continue;
                };
                // Hosts and pools share one namespace.
                let namespace = if kind == "pool" { "host" } else { kind };
                let decl = Decl {
                    name: name.clone(),
                    name_span: name_arg.span,
                    directive,
                };
                if let Some(&first) = seen.get(&(namespace, name.clone())) {
                    let what = if namespace == "host" {
                        "host or pool"
                    } else {
                        kind
                    };
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateDeclaration,
                            name_arg.span,
                            format!("{what} `{name}` is declared twice"),
                        )
                        .label("declared again here")
                        .with_label(first, "first declared here")
                        .help("rename one of them; every file in the folder is one program, so names are shared across files".to_string()),
                    );
                    continue;
                }
                seen.insert((namespace, name), name_arg.span);
                let list = match kind {
                    "host" => &mut decls.hosts,
                    "pool" => &mut decls.pools,
                    "site" => &mut decls.sites,
                    "service" => &mut decls.services,
                    "sysctl" => &mut decls.profiles,
                    "cron" => &mut decls.jobs,
                    "unit" => &mut decls.units,
                    "webhook" => &mut decls.webhooks,
                    other => unreachable!("schema::TOP lists `{other}`"),
                };
                list.push(decl);
            }
        }
        for list in [
            &mut decls.hosts,
            &mut decls.pools,
            &mut decls.sites,
            &mut decls.services,
            &mut decls.profiles,
            &mut decls.jobs,
            &mut decls.units,
            &mut decls.webhooks,
        ] {
            list.sort_by(|a, b| a.name.cmp(&b.name));
        }
        decls
    }

    /// The directives of a block that are known in `ctx`, have the right
    /// number of arguments and block, and are not repeated when they may
    /// not be. Everything else is reported and left out.
    pub fn items<'d, 'x>(
        &mut self,
        ctx: Context,
        items: &'d [Directive<'x>],
    ) -> Vec<&'d Directive<'x>> {
        // Blocks are a few lines: a linear scan beats hashing.
        let mut seen: Vec<(&str, Span)> = Vec::new();
        let mut out = Vec::with_capacity(items.len());
        for d in items {
            let name = d.name.value;
            if ctx == Context::Sysctl {
                // A profile's directives are kernel keys, checked by the reader.
                if d.block.is_some() {
                    self.unexpected_block(d, "a kernel setting");
                } else {
                    out.push(d);
                }
                continue;
            }
            let Some(spec) = ctx.lookup(name) else {
                self.unknown_directive(ctx, d);
                continue;
            };
            let args = flat_args(d);
            if args.len() < spec.min {
                let needed = spec.min - args.len();
                let at = args.last().map_or(d.name.span, |a| a.span);
                let at = Span::new(at.file, at.end, at.end);
                self.report(
                    Diagnostic::new(
                        Code::MissingArgument,
                        at,
                        format!(
                            "`{name}` needs {} more argument{}",
                            needed,
                            if needed == 1 { "" } else { "s" }
                        ),
                    )
                    .label("expected an argument here")
                    .with_label(d.name.span, "")
                    .help(format!("write it as `{}`", spec.usage)),
                );
                continue;
            }
            if let Some(max) = spec.max
                && args.len() > max
            {
                let extra = args[max].span.to(args[args.len() - 1].span);
                self.report(
                    Diagnostic::new(
                        Code::ExtraArgument,
                        extra,
                        format!(
                            "`{name}` takes {}, found {}",
                            match max {
                                0 => "no arguments".to_owned(),
                                1 => "one argument".to_owned(),
                                n => format!("at most {n} arguments"),
                            },
                            args.len()
                        ),
                    )
                    .label("not expected")
                    .help(if spec.repeat || max != 1 {
                        format!("write it as `{}`", spec.usage)
                    } else {
                        format!(
                            "write it as `{}`; to give several values, quote them as one string",
                            spec.usage
                        )
                    }),
                );
                continue;
            }
            match (spec.block, &d.block) {
                (schema::BlockUse::Never, Some(_)) => {
                    self.unexpected_block(d, &format!("`{name}`"));
                    continue;
                }
                (schema::BlockUse::Required, None) => {
                    let end = Span::new(d.span.file, d.span.end, d.span.end);
                    self.report(
                        Diagnostic::new(Code::MissingBlock, end, format!("`{name}` needs a block"))
                            .label("expected `{` here")
                            .with_label(d.name.span, "")
                            .help(format!("write it as `{}`", spec.usage)),
                    );
                    continue;
                }
                _ => {}
            }
            if !spec.repeat {
                if let Some(&(_, first)) = seen.iter().find(|(n, _)| *n == name) {
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateSetting,
                            d.name.span,
                            format!("`{name}` is set twice in {}", ctx.noun()),
                        )
                        .label("set again here")
                        .with_label(first, "first set here")
                        .help(format!("keep one `{name}`; it takes effect once")),
                    );
                    continue;
                }
                seen.push((name, d.name.span));
            }
            out.push(d);
        }
        out
    }

    fn unexpected_block(&mut self, d: &Directive<'_>, what: &str) {
        let span = d.block.as_ref().map_or(d.span, |b| b.span);
        self.report(
            Diagnostic::new(
                Code::UnexpectedBlock,
                span,
                format!("{what} takes no block"),
            )
            .label("unexpected block")
            .help("remove the braces and write the settings on the directive's line"),
        );
    }

    fn unknown_directive(&mut self, ctx: Context, d: &Directive<'_>) {
        let name = d.name.value;
        let names = ctx.specs().iter().map(|s| s.name);
        let suggestion = did_you_mean(name, names.clone())
            // A directive that belongs in another block: say where.
            .map(|s| format!("did you mean `{s}`?"));
        let elsewhere = [
            Context::Top,
            Context::Site,
            Context::Host,
            Context::Service,
            Context::Defaults,
            Context::Static,
            Context::Subproject,
            Context::Cron,
            Context::Unit,
            Context::Webhook,
            Context::Pool,
        ]
        .into_iter()
        .find(|c| *c != ctx && c.lookup(name).is_some());
        let all: Vec<&str> = names.collect();
        let help = match (suggestion, elsewhere) {
            (Some(s), _) => s,
            (None, Some(other)) => format!(
                "`{name}` belongs in {}; {} takes {}",
                other.noun(),
                ctx.noun(),
                one_of(&all)
            ),
            (None, None) => format!("{} takes {}", ctx.noun(), one_of(&all)),
        };
        let message = if ctx == Context::Top {
            format!("unknown declaration `{name}`")
        } else {
            format!("unknown directive `{name}` in {}", ctx.noun())
        };
        self.report(
            Diagnostic::new(Code::UnknownDirective, d.name.span, message)
                .label(format!("expected {}", ctx.expected()))
                .help(help),
        );
    }

    /// A declaration name: letters, digits, `-`, `_`, `.`.
    fn name(&mut self, arg: &Arg<'_>, kind: &str) -> Option<String> {
        let text = self.text(arg)?;
        if text.chars().count() > text::MAX_NAME {
            self.report(
                Diagnostic::new(
                    Code::ValueTooLong,
                    arg.span,
                    format!("a {kind} name of {} characters", text.chars().count()),
                )
                .label(format!("at most {} characters", text::MAX_NAME))
                .help("names become file names and container names: shorten it"),
            );
            return None;
        }
        let valid = text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !valid {
            self.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    arg.span,
                    format!("`{text}` is not a valid {kind} name"),
                )
                .label("invalid name")
                .help(
                    "names start with a letter or digit and use letters, digits, `-`, `_` and `.`",
                ),
            );
            return None;
        }
        Some(text.to_owned())
    }

    /// The text of a word or string; a list is reported. A value that
    /// cannot be text at all was reported by pass 0 and is `None` here.
    pub fn text<'d>(&mut self, arg: &'d Arg<'_>) -> Option<&'d str> {
        if let Some(t) = arg.text() {
            return text::problem(t).is_none().then_some(t);
        }
        self.report(
            Diagnostic::new(Code::InvalidValue, arg.span, "a list is not allowed here")
                .label("expected one value")
                .help("write the values as separate arguments, or use one value"),
        );
        None
    }

    /// One argument checked by a typed rule (`text`, `values`): the text,
    /// or a diagnostic with the rule's reason as its label.
    pub fn typed(
        &mut self,
        arg: &Arg<'_>,
        rule: fn(&str) -> Result<(), String>,
        code: Code,
        what: &str,
        help: &str,
    ) -> Option<String> {
        let text = self.text(arg)?;
        self.typed_text(text, arg.span, rule, code, what, help)
    }

    /// [`Checker::typed`] for text that is not one argument (the value of
    /// a `KEY=VALUE` word), which pass 0 has not seen.
    pub fn typed_text(
        &mut self,
        text: &str,
        span: Span,
        rule: fn(&str) -> Result<(), String>,
        code: Code,
        what: &str,
        help: &str,
    ) -> Option<String> {
        let checked = match text::problem(text) {
            Some((code, label, help)) => Err((code, label, help.to_owned())),
            None => rule(text).map_err(|why| (code, why, help.to_owned())),
        };
        match checked {
            Ok(()) => Some(text.to_owned()),
            Err((code, why, help)) => {
                self.report(
                    Diagnostic::new(code, span, format!("`{text}` is not {what}"))
                        .label(why)
                        .help(help),
                );
                None
            }
        }
    }

    /// One of `choices`, or an `invalid-value` with a suggestion.
    pub fn choice(
        &mut self,
        arg: &Arg<'_>,
        choices: &[&'static str],
        what: &str,
    ) -> Option<&'static str> {
        let text = self.text(arg)?;
        if let Some(c) = choices.iter().find(|c| **c == text) {
            return Some(c);
        }
        let help = match did_you_mean(text, choices.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? {what} is {}", one_of(choices)),
            None => format!("{what} is {}", one_of(choices)),
        };
        self.report(
            Diagnostic::new(
                Code::InvalidValue,
                arg.span,
                format!("`{text}` is not a valid {what}"),
            )
            .label(format!("expected {}", one_of(choices)))
            .help(help),
        );
        None
    }

    pub fn flag(&mut self, arg: &Arg<'_>, what: &str) -> Option<bool> {
        self.choice(arg, &["yes", "no", "on", "off", "true", "false"], what)
            .map(|c| matches!(c, "yes" | "on" | "true"))
    }

    pub fn domain(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        match values::domain(text) {
            Ok(()) => Some(text.to_ascii_lowercase()),
            Err(why) => {
                let bare = text
                    .split("://")
                    .last()
                    .unwrap_or(text)
                    .split(['/', ':'])
                    .next()
                    .unwrap_or(text);
                let help = if bare != text && values::domain(bare).is_ok() {
                    format!("write the name only: `{bare}`")
                } else {
                    "a domain is labels of letters, digits and `-`, separated by dots".to_owned()
                };
                self.report(
                    Diagnostic::new(
                        Code::InvalidDomain,
                        arg.span,
                        format!("`{text}` is not a valid domain name"),
                    )
                    .label(why)
                    .help(help),
                );
                None
            }
        }
    }

    pub fn port(&mut self, arg: &Arg<'_>) -> Option<u16> {
        let text = self.text(arg)?;
        self.port_text(text, arg.span)
    }

    pub fn port_text(&mut self, text: &str, span: Span) -> Option<u16> {
        match values::port(text) {
            Ok(p) => Some(p),
            Err(why) => {
                self.report(
                    Diagnostic::new(
                        Code::InvalidPort,
                        span,
                        format!("`{text}` is not a valid port"),
                    )
                    .label(why)
                    .help("a port is a number from 1 to 65535"),
                );
                None
            }
        }
    }

    pub fn duration(&mut self, arg: &Arg<'_>) -> Option<u64> {
        let text = self.text(arg)?;
        match values::duration(text) {
            Ok(d) => Some(d),
            Err(why) => {
                self.report(
                    Diagnostic::new(
                        Code::InvalidDuration,
                        arg.span,
                        format!("`{text}` is not a valid duration"),
                    )
                    .label(why)
                    .help("write a number and a unit: `30s`, `15m`, `2h`, `1d`, or `1h30m`"),
                );
                None
            }
        }
    }

    /// An absolute path on the host, without `..`.
    pub fn abs_path(&mut self, arg: &Arg<'_>, what: &str) -> Option<Utf8PathBuf> {
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
    pub fn served(
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
    pub fn path_under(
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

    pub fn path_problem(
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

    /// `on NAME…`: hosts and pools.
    pub fn placements(
        &mut self,
        d: &Directive<'_>,
        hosts: &Index,
        pools: &Index,
    ) -> Vec<(Placement, Span)> {
        let mut out = Vec::new();
        for arg in flat_args(d) {
            let Some(name) = self.text(arg) else { continue };
            if let Some(&h) = hosts.get(name) {
                out.push((Placement::Host(HostId(h)), arg.span));
            } else if let Some(&p) = pools.get(name) {
                out.push((Placement::Pool(PoolId(p)), arg.span));
            } else {
                let candidates = hosts.keys().chain(pools.keys()).map(String::as_str);
                let help = match did_you_mean(name, candidates) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "declare it with `host {name} {{ address …; proxy … }}` or `pool {name} {{ hosts … }}`"
                    ),
                };
                self.report(
                    Diagnostic::new(
                        Code::UnknownHost,
                        arg.span,
                        format!("no host or pool named `{name}`"),
                    )
                    .label("unknown host or pool")
                    .help(help),
                );
            }
        }
        out
    }

    /// `secret env NAME` / `secret file /PATH`; a literal is an error.
    /// `per_repo`: `{repo}` may stand in the name (a webhook's secret, one
    /// per repository).
    pub fn secret(&mut self, args: &[&Arg<'_>], whole: Span, per_repo: bool) -> Option<SecretRef> {
        let literal = |this: &mut Self, span: Span| {
            this.report(
                Diagnostic::new(Code::LiteralSecret, span, "a secret is written into the source")
                    .label("this looks like the secret itself")
                    .help("refer to it instead: `secret env VARIABLE` (read on the host at apply time) or `secret file /etc/infrac/secret`"),
            );
        };
        let first = args.first()?;
        let kind = first.text().unwrap_or("");
        match (kind, args.get(1)) {
            ("env", Some(name)) => {
                let name_text = self.text(name)?;
                let bare = if per_repo {
                    name_text.replace("{repo}", "R")
                } else {
                    name_text.to_owned()
                };
                let valid = bare.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    self.report(
                        Diagnostic::new(
                            Code::InvalidValue,
                            name.span,
                            format!("`{name_text}` is not an environment variable name"),
                        )
                        .label("letters, digits and `_`")
                        .help("write it as `secret env WEBHOOK_SECRET`"),
                    );
                    return None;
                }
                Some(SecretRef::Env(name_text.to_owned()))
            }
            ("file", Some(path)) => {
                // `{repo}`: each repository's own file (webhooks).
                let text = self.text(path)?;
                let bare = if per_repo {
                    text.replace("{repo}", "repo")
                } else {
                    text.to_owned()
                };
                match values::absolute_path(&bare) {
                    Ok(_) => Some(SecretRef::File(Utf8PathBuf::from(text))),
                    Err(problem) => {
                        self.path_problem(
                            path.span,
                            text,
                            "secret file",
                            &problem,
                            "an absolute path such as `/etc/infrac/webhook.secret`",
                        );
                        None
                    }
                }
            }
            ("env" | "file", None) => {
                self.report(
                    Diagnostic::new(
                        Code::MissingArgument,
                        first.span,
                        format!("`secret {kind}` needs a name"),
                    )
                    .label("expected a name after this")
                    .help("write it as `secret env NAME` or `secret file /PATH`"),
                );
                None
            }
            _ => {
                literal(self, if args.len() == 1 { first.span } else { whole });
                None
            }
        }
    }
}

/// A directive's arguments with lists flattened.
#[must_use]
pub fn flat_args<'d, 'a>(d: &'d Directive<'a>) -> Vec<&'d Arg<'a>> {
    let mut out = Vec::with_capacity(d.args.len());
    for arg in &d.args {
        match &arg.kind {
            ArgKind::List(items) => out.extend(items.iter()),
            _ => out.push(arg),
        }
    }
    out
}
