//! Stage 2: [`Ast`]s of all files → one checked [`Model`], in passes:
//!
//! -. lists ([`lists`]): named lists are put in, in place, before the rest
//!    (`program::analyze` runs it); what it finds is reported with the rest,
//!    a word naming an unknown list only as that;
//! 0. text ([`value::text`]): every value is visible text of bounded length;
//! 1. collect ([`collect`]): every top-level declaration by kind and name,
//!    duplicates and missing required settings reported;
//! 2. read ([`read`]): one reader per kind of declaration, dispatching on
//!    the directive ids of its block's vocabulary rows ([`block`] checks
//!    the shape every row asks for); every argument parsed by its type
//!    ([`value`]), references resolved, defaults applied;
//! 3. link ([`link`]): what crosses declarations (where services run, what
//!    each host runs);
//! 4. lint ([`lints`]): checks across declarations (domains, ports, paths)
//!    and the seeds' pitfalls.
//!
//! Every problem is reported; the model is returned only when none is an
//! error. No IO happens here.

mod block;
mod collect;
mod link;
mod lints;
pub mod lists;
mod memo;
mod read;
mod say;
pub mod value;

use std::collections::HashMap;

use crate::diag::Diagnostic;
use crate::model::{HostId, Model, Origin, PoolId};
use crate::source::{SourceMap, Span};
use crate::syntax::{Arg, ArgKind, Ast, Directive};

pub use memo::Memo;

/// The result of checking: the model when there are no errors, and every
/// diagnostic (errors and warnings), sorted by file and position.
pub struct Checked {
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks a whole program whose named lists are put in ([`lists::expand`],
/// which found `listed`).
#[must_use]
pub fn check<'a>(
    sources: &'a SourceMap,
    asts: &'a [&'a Ast<'a>],
    listed: Vec<Diagnostic>,
) -> Checked {
    let (model, diagnostics) = run(sources, asts, listed, None);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    Checked {
        model: (!has_errors).then_some(model),
        diagnostics,
    }
}

/// What [`check`] reports, reusing what `memo` kept from the check before
/// for the files that did not change ([`memo`]); the model's sites are
/// kept in `memo` for the next re-check rather than returned.
#[must_use]
pub fn recheck<'a>(
    sources: &'a SourceMap,
    asts: &'a [&'a Ast<'a>],
    listed: Vec<Diagnostic>,
    memo: &mut Memo,
) -> Vec<Diagnostic> {
    run(sources, asts, listed, Some(memo)).1
}

fn run<'a>(
    sources: &'a SourceMap,
    asts: &'a [&'a Ast<'a>],
    listed: Vec<Diagnostic>,
    memo: Option<&mut Memo>,
) -> (Model, Vec<Diagnostic>) {
    let mut checker = Checker {
        sources,
        diags: Vec::new(),
    };
    let mut reuse = memo.map(|m| m.begin(sources, asts));
    for ast in asts {
        match reuse.as_mut() {
            Some(r) => {
                if let Some(kept) = r.values(ast.file) {
                    checker.diags.extend_from_slice(kept);
                } else {
                    let mut found = Vec::new();
                    value::text::check_file(ast, &mut |d| found.push(d));
                    checker.diags.extend_from_slice(&found);
                    r.file(sources, ast.file, found);
                }
            }
            None => value::text::check_file(ast, &mut |d| checker.report(d)),
        }
    }
    let decls = checker.collect(asts);
    let (mut model, uses) = checker.read(&decls, reuse.as_mut());
    checker.link(&mut model, &uses, &decls);
    lints::run(&mut checker, &model);
    if let Some(r) = reuse.as_mut() {
        // The sites and services go back to the memo: moved, not copied.
        let sites = std::mem::take(&mut model.sites);
        let services = std::mem::take(&mut model.services);
        r.give_back(sites.into_iter(), services.into_iter());
    }
    let mut diagnostics = checker.diags;
    // A word naming an unknown list is reported once, as that.
    diagnostics.retain(|d| !listed.iter().any(|l| l.span() == d.span()));
    diagnostics.extend(listed);
    diagnostics.sort_by(|a, b| (a.span(), &a.message).cmp(&(b.span(), &b.message)));
    diagnostics.dedup();
    (model, diagnostics)
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

impl Checker<'_> {
    pub fn report(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    pub fn origin(&self, span: Span) -> Origin {
        Origin {
            file: self.sources.name(span.file).to_owned(),
            span,
        }
    }
}

/// A route's arguments, once per path pattern: `redirect [/a /a/*] /b` is
/// `redirect /a /b` and `redirect /a/* /b`. A leading `[…]` is patterns when
/// every item is a path; otherwise (and for every other directive) this is
/// [`flat_args`], once.
#[must_use]
pub fn per_pattern<'d, 'a>(d: &'d Directive<'a>) -> Vec<Vec<&'d Arg<'a>>> {
    match d.args.first().map(|a| &a.kind) {
        Some(ArgKind::List(patterns))
            if !patterns.is_empty()
                && patterns
                    .iter()
                    .all(|p| p.text().is_some_and(|t| t.starts_with('/'))) =>
        {
            let rest = flat_args(d).split_off(patterns.len());
            patterns
                .iter()
                .map(|p| std::iter::once(p).chain(rest.iter().copied()).collect())
                .collect()
        }
        _ => vec![flat_args(d)],
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
