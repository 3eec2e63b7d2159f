//! `secret env NAME` / `secret file /PATH`.

use camino::Utf8PathBuf;

use crate::check::Checker;
use crate::check::say;
use crate::check::value::rules as values;
use crate::model::SecretRef;
use crate::source::Span;
use crate::syntax::Arg;

impl Checker<'_> {
    /// `secret env NAME` / `secret file /PATH`; a literal is an error.
    /// `per_repo`: `{repo}` may stand in the name (a webhook's secret, one
    /// per repository).
    pub(crate) fn secret(
        &mut self,
        args: &[&Arg<'_>],
        whole: Span,
        per_repo: bool,
    ) -> Option<SecretRef> {
        let literal = |this: &mut Self, span: Span| {
            this.report(say::value::literal_secret(span));
        };
        let first = args.first()?;
        let kind = first.text().unwrap_or("");
        match (kind, args.get(1)) {
            ("env", Some(name)) => {
                let name_text = self.text(name)?;
                let bare = if per_repo {
                    name_text.replace("{repo}", "R").replace("{REPO}", "R")
                } else {
                    name_text.to_owned()
                };
                if let Err(why) = values::env_name(&bare) {
                    self.report(say::value::secret_env_name(name.span, name_text, why));
                    return None;
                }
                Some(SecretRef::Env(name_text.to_owned()))
            }
            ("file", Some(path)) => {
                // `{repo}`: each repository's own file (webhooks).
                let text = self.text(path)?;
                let bare = if per_repo {
                    text.replace("{repo}", "repo").replace("{REPO}", "REPO")
                } else {
                    text.to_owned()
                };
                let checked = values::absolute_path(&bare);
                let expected = say::value::EXPECT_SECRET_FILE;
                self.path_checked(checked, path.span, text, "secret file", expected)?;
                Some(SecretRef::File(Utf8PathBuf::from(text)))
            }
            ("env" | "file", None) => {
                self.report(say::value::secret_without_name(first.span, kind));
                None
            }
            _ => {
                literal(self, if args.len() == 1 { first.span } else { whole });
                None
            }
        }
    }
}
