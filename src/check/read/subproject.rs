//! `subproject NAME [REPO] { … }` in a site.

use camino::Utf8PathBuf;

use crate::check::read::block;
use crate::check::say;
use crate::check::{Checker, flat_args};
use crate::model::{Defaults, Subproject};
use crate::syntax::{Arg, Directive};
use crate::vocabulary::subproject;

impl Checker<'_> {
    pub(crate) fn subproject(
        &mut self,
        args: &[&Arg<'_>],
        item: &Directive<'_>,
        site_root: &Utf8PathBuf,
        defaults: &Defaults,
    ) -> Option<Subproject> {
        let name = self.name(args[0], "subproject")?;
        let mut repo = match args.get(1) {
            Some(a) => Some(self.repo(a)?),
            None => None,
        };
        let mut branch = defaults.branch.clone();
        let mut serve_at = Some(format!("/{name}/"));
        let mut secret = None;
        for (id, inner) in self.items::<subproject::Id>(block(item)) {
            let inner_args = flat_args(inner);
            match id {
                subproject::Id::Repo => {
                    if repo.is_some() {
                        self.report(say::decl::repository_twice(inner.name.span, args[1].span));
                        return None;
                    }
                    repo = Some(self.repo(inner_args[0])?);
                }
                subproject::Id::Branch => branch = self.branch(inner_args[0])?,
                subproject::Id::Path => {
                    let p = self.url_path(inner_args[0], "subproject path", false)?;
                    serve_at = Some(if p.ends_with('/') { p } else { format!("{p}/") });
                }
                subproject::Id::Serve => {
                    if !self.flag(inner_args[0], "`serve` setting")? {
                        serve_at = None;
                    }
                }
                subproject::Id::Secret => {
                    secret = Some(self.secret(&inner_args, inner.span, true)?);
                }
            }
        }
        let Some(repo) = repo else {
            self.report(say::decl::subproject_without_repository(
                args[0].span,
                &name,
            ));
            return None;
        };
        Some(Subproject {
            dir: site_root.join(&name),
            name,
            origin: self.origin(args[0].span),
            repo,
            branch,
            serve_at,
            secret,
        })
    }
}
