//! What a re-check reuses from the check before it (`infrac lsp`, after
//! each edit). A site's read depends on its own text and on what it may
//! resolve against: every declaration but the sites, the sites' names (their
//! ids) and the files' names. While that *context* is the same, the text
//! pass and the site reads of every file whose text is the same are taken
//! from here instead of redone; the cross-declaration passes (collect,
//! link, lints) always run whole. A check with a memo reports what one
//! without it reports (`tests/recheck.rs`).

use std::collections::HashMap;

use crate::diag::Diagnostic;
use crate::model::{HostId, Service, ServiceId, Site};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::Ast;
use crate::vocabulary::{Directives as _, top};

/// What reading a site gave besides the site itself: what it reported,
/// the services it proxies to (for the link pass), and the services it
/// looked at, where and as they were written (it is reused only while they
/// are the same).
pub(crate) struct SiteFacts {
    pub diags: Vec<Diagnostic>,
    pub used: crate::check::read::UsedServices,
    pub services: Vec<(ServiceId, Span, String)>,
}

/// What reading a service gave besides the service itself.
pub(crate) struct ServiceFacts {
    /// Whether it has its own `on`.
    pub explicit: bool,
    pub diags: Vec<Diagnostic>,
    /// Its hosts as read: the link pass adds those of the sites that use
    /// it, which the next check must not start from.
    pub hosts: Vec<HostId>,
}

#[derive(Default)]
pub struct Memo {
    context: String,
    /// By file: its text and the text pass's diagnostics in it.
    files: HashMap<FileId, (String, Vec<Diagnostic>)>,
    /// By site id (ids hold while the context does): its file, the site
    /// (lent to the model during a check: `None`), what else reading it gave.
    sites: Vec<Option<(FileId, Option<Site>, SiteFacts)>>,
    /// By service id, the same.
    services: Vec<Option<(FileId, Option<Service>, ServiceFacts)>>,
}

/// The context of a program: what a site's read may depend on beyond its
/// own text and the services it looks at (recorded with the read): every
/// file's name, every declaration's kind and name (ids, and the names
/// suggested for a misspelling), and the declarations whose content a
/// site resolves against — `defaults`, pools (their members), profiles
/// and lists (put in its words) — as written.
fn context(sources: &SourceMap, asts: &[&Ast<'_>]) -> String {
    let named_only = [
        top::Id::Site,
        top::Id::Service,
        top::Id::Host,
        top::Id::Cron,
        top::Id::Unit,
        top::Id::Webhook,
    ]
    .map(|id| id.spec().name);
    let mut out = String::new();
    for ast in asts {
        let file = sources.get(ast.file);
        out.push_str(file.name.as_str());
        out.push('\n');
        for d in &ast.items {
            out.push_str(d.name.value);
            out.push(' ');
            if named_only.contains(&d.name.value) {
                out.push_str(d.args.first().and_then(|a| a.text()).unwrap_or_default());
            } else {
                out.push_str(&d.span.start.to_string());
                out.push(' ');
                out.push_str(&file.text[d.span.start..d.span.end]);
            }
            out.push('\n');
        }
    }
    out
}

/// A check's view of the memo: which files' results it reuses.
pub(crate) struct Reuse<'m> {
    memo: &'m mut Memo,
}

impl Memo {
    /// Starts a check of `asts`: what no longer holds is forgotten.
    pub(crate) fn begin<'m>(&'m mut self, sources: &SourceMap, asts: &[&Ast<'_>]) -> Reuse<'m> {
        let context = context(sources, asts);
        if context != self.context {
            self.files.clear();
            self.sites.clear();
            self.services.clear();
            self.context = context;
        }
        self.files.retain(|&id, (text, _)| {
            (id.0 as usize) < sources.len() && *text == sources.get(id).text
        });
        forget_changed(&mut self.sites, &self.files);
        forget_changed(&mut self.services, &self.files);
        Reuse { memo: self }
    }
}

/// Empties the slots of the files no longer kept.
fn forget_changed<M, F>(
    slots: &mut [Option<(FileId, M, F)>],
    kept: &HashMap<FileId, (String, Vec<Diagnostic>)>,
) {
    for slot in slots {
        if slot.as_ref().is_some_and(|(f, _, _)| !kept.contains_key(f)) {
            *slot = None;
        }
    }
}

/// Puts `value` at `id`, growing `slots` as needed.
fn put<T>(slots: &mut Vec<Option<T>>, id: usize, value: T) {
    if slots.len() <= id {
        slots.resize_with(id + 1, || None);
    }
    slots[id] = Some(value);
}

impl Reuse<'_> {
    /// The text pass's diagnostics of an unchanged file.
    pub(crate) fn values(&self, file: FileId) -> Option<&[Diagnostic]> {
        self.memo
            .files
            .get(&file)
            .map(|(_, values)| values.as_slice())
    }

    /// Records the text pass of a file read afresh.
    pub(crate) fn file(&mut self, sources: &SourceMap, file: FileId, values: Vec<Diagnostic>) {
        let text = sources.get(file).text.clone();
        self.memo.files.insert(file, (text, values));
    }

    /// Lends the site `id` of an unchanged file, with what reading it
    /// reported and the services it uses, if the services it looked at
    /// read as they did (`current`).
    pub(crate) fn site<'t>(
        &mut self,
        file: FileId,
        id: usize,
        current: impl Fn(ServiceId) -> (Span, &'t str),
    ) -> Option<(Site, &SiteFacts)> {
        let (f, site, facts) = self.memo.sites.get_mut(id)?.as_mut()?;
        let same = *f == file
            && facts
                .services
                .iter()
                .all(|(s, span, text)| current(*s) == (*span, text.as_str()));
        if !same {
            return None;
        }
        Some((site.take()?, facts))
    }

    /// Records a site read afresh (the site itself is given back).
    pub(crate) fn site_read(&mut self, file: FileId, id: usize, facts: SiteFacts) {
        put(&mut self.memo.sites, id, (file, None, facts));
    }

    /// Lends the service `id` of an unchanged file, as read.
    pub(crate) fn service(&mut self, file: FileId, id: usize) -> Option<(Service, &ServiceFacts)> {
        let (f, service, facts) = self.memo.services.get_mut(id)?.as_mut()?;
        if *f != file {
            return None;
        }
        let mut service = service.take()?;
        service.hosts.clone_from(&facts.hosts);
        Some((service, facts))
    }

    /// Records a service read afresh (the service itself is given back).
    pub(crate) fn service_read(&mut self, file: FileId, id: usize, facts: ServiceFacts) {
        put(&mut self.memo.services, id, (file, None, facts));
    }

    /// Gives back the model's sites and services, in id order, at the end
    /// of a check.
    pub(crate) fn give_back(
        &mut self,
        sites: impl Iterator<Item = Site>,
        services: impl Iterator<Item = Service>,
    ) {
        for (slot, site) in self.memo.sites.iter_mut().zip(sites) {
            if let Some((_, lent, _)) = slot {
                *lent = Some(site);
            }
        }
        for (slot, service) in self.memo.services.iter_mut().zip(services) {
            if let Some((_, lent, _)) = slot {
                *lent = Some(service);
            }
        }
    }
}
