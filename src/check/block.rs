//! What every block is checked for by its vocabulary rows alone: known
//! directives, argument counts, blocks, repeats.

use crate::check::read;
use crate::check::{Checker, Decl, flat_args};
use crate::diag::{Code, Diagnostic, did_you_mean, one_of};
use crate::source::Span;
use crate::syntax::Directive;
use crate::vocabulary::{Block, BlockUse, Directives, Need};

impl Checker<'_> {
    /// The directives of a block that are rows of its vocabulary, with
    /// their ids, each with the right number of arguments and block, and
    /// not repeated when it may not be. Everything else is reported and
    /// left out.
    pub(crate) fn items<'d, 'x, I: Directives>(
        &mut self,
        items: &'d [Directive<'x>],
    ) -> Vec<(I, &'d Directive<'x>)> {
        let ctx = I::BLOCK;
        // Blocks are a few lines: a linear scan beats hashing.
        let mut seen: Vec<(&str, Span)> = Vec::new();
        let mut out = Vec::with_capacity(items.len());
        for d in items {
            let name = d.name.value;
            let Some(row) = I::lookup(name) else {
                self.unknown_directive(ctx, d);
                continue;
            };
            let spec = &row.spec;
            let args = flat_args(d);
            let min = spec.min();
            if args.len() < min {
                let needed = min - args.len();
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
            if let Some(max) = spec.max()
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
                (BlockUse::Never, Some(_)) => {
                    self.unexpected_block(d, &format!("`{name}`"));
                    continue;
                }
                (BlockUse::Required, None) => {
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
            out.push((row.id, d));
        }
        out
    }

    /// The lines of a `sysctl` profile: kernel keys, checked by its reader.
    pub(crate) fn kernel_settings<'d, 'x>(
        &mut self,
        items: &'d [Directive<'x>],
    ) -> Vec<&'d Directive<'x>> {
        let mut out = Vec::with_capacity(items.len());
        for d in items {
            if d.block.is_some() {
                self.unexpected_block(d, "a kernel setting");
            } else {
                out.push(d);
            }
        }
        out
    }

    pub(crate) fn unexpected_block(&mut self, d: &Directive<'_>, what: &str) {
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

    pub(crate) fn unknown_directive(&mut self, ctx: Block, d: &Directive<'_>) {
        let name = d.name.value;
        let specs = ctx.specs();
        let names = specs.iter().map(|s| s.name);
        let suggestion = did_you_mean(name, names.clone())
            // A directive that belongs in another block: say where.
            .map(|s| format!("did you mean `{s}`?"));
        let elsewhere = Block::VOCABULARY
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
        let message = if ctx == Block::Top {
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

    /// The settings a declaration's block needs, by its rows' `need`: a
    /// setting written but rejected is reported as such, not also as
    /// missing.
    pub(crate) fn missing_settings(&mut self, kind: Block, decl: &Decl<'_>) {
        let written = |name: &str| read::written(decl.directive, name);
        let specs = kind.specs();
        let mut groups: Vec<&str> = Vec::new();
        for spec in &specs {
            match spec.need {
                Need::No => {}
                Need::Yes { label, help } => {
                    if !written(spec.name) {
                        self.report(
                            Diagnostic::new(
                                Code::MissingSetting,
                                decl.name_span,
                                format!("{} `{}` has no `{}`", kind.what(), decl.name, spec.name),
                            )
                            .label(label)
                            .help(help),
                        );
                    }
                }
                Need::OneOf { what, help } => {
                    if groups.contains(&what) {
                        continue;
                    }
                    groups.push(what);
                    let any = specs.iter().any(|s| {
                        matches!(s.need, Need::OneOf { what: w, .. } if w == what)
                            && written(s.name)
                    });
                    if !any {
                        self.report(
                            Diagnostic::new(
                                Code::MissingSetting,
                                decl.name_span,
                                format!("{} `{}` has no {what}", kind.what(), decl.name),
                            )
                            .label(format!("no {what}"))
                            .help(help),
                        );
                    }
                }
            }
        }
    }
}
