//! What every block is checked for by its vocabulary rows alone: known
//! directives, argument counts, blocks, repeats.

use crate::check::{Checker, Decl, flat_args, per_pattern};
use crate::check::{read, say};
use crate::source::Span;
use crate::syntax::Directive;
use crate::vocabulary::{Block, BlockUse, Directives, Group, Need};

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
            // A route's `[/a /b]` is one pattern argument, several times.
            let args = if spec.group == Group::Route {
                per_pattern(d).swap_remove(0)
            } else {
                flat_args(d)
            };
            let min = spec.min();
            if args.len() < min {
                let needed = min - args.len();
                let at = args.last().map_or(d.name.span, |a| a.span);
                let at = Span::new(at.file, at.end, at.end);
                self.report(say::shape::missing_arguments(
                    at,
                    d.name.span,
                    name,
                    needed,
                    spec.usage,
                ));
                continue;
            }
            if let Some(max) = spec.max()
                && args.len() > max
            {
                let extra = args[max].span.to(args[args.len() - 1].span);
                self.report(say::shape::extra_arguments(
                    extra,
                    name,
                    max,
                    args.len(),
                    spec.usage,
                    spec.repeat || max != 1,
                ));
                continue;
            }
            match (spec.block, &d.block) {
                (BlockUse::Never, Some(_)) => {
                    self.unexpected_block(d, &format!("`{name}`"));
                    continue;
                }
                (BlockUse::Required, None) => {
                    let end = Span::new(d.span.file, d.span.end, d.span.end);
                    self.report(say::shape::missing_block(
                        end,
                        d.name.span,
                        name,
                        spec.usage,
                    ));
                    continue;
                }
                _ => {}
            }
            if !spec.repeat {
                if let Some(&(_, first)) = seen.iter().find(|(n, _)| *n == name) {
                    self.report(say::shape::set_twice(d.name.span, name, ctx.noun(), first));
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
        self.report(say::shape::unexpected_block(span, what));
    }

    pub(crate) fn unknown_directive(&mut self, ctx: Block, d: &Directive<'_>) {
        let name = d.name.value;
        let specs = ctx.specs();
        // A directive that belongs in another block: say where.
        let elsewhere = Block::VOCABULARY
            .into_iter()
            .find(|c| *c != ctx && c.lookup(name).is_some());
        let all: Vec<&str> = specs.iter().map(|s| s.name).collect();
        self.report(say::shape::unknown_directive(
            d.name.span,
            name,
            (ctx != Block::Top).then(|| ctx.noun()),
            ctx.noun(),
            &all,
            elsewhere.map(Block::noun),
            &ctx.expected(),
        ));
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
                        self.report(say::shape::missing_setting(
                            decl.name_span,
                            kind.what(),
                            &decl.name,
                            spec.name,
                            label,
                            help,
                        ));
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
                        self.report(say::shape::missing_one_of(
                            decl.name_span,
                            kind.what(),
                            &decl.name,
                            what,
                            help,
                        ));
                    }
                }
            }
        }
    }
}
