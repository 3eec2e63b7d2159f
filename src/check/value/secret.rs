//! `secret env NAME` / `secret file /PATH`.

use camino::Utf8PathBuf;

use crate::check::Checker;
use crate::check::value::rules as values;
use crate::diag::{Code, Diagnostic};
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
                if let Err(why) = values::env_name(&bare) {
                    self.report(
                        Diagnostic::new(
                            Code::InvalidEnvName,
                            name.span,
                            format!("`{name_text}` is not an environment variable name"),
                        )
                        .label(why)
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
