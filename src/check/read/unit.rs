//! `unit NAME { … }`.

use crate::check::read::{Scope, block};
use crate::check::say;
use crate::check::value::text;
use crate::check::{Checker, Decl, flat_args};
use crate::model::{Task, Unit};
use crate::source::Span;
use crate::vocabulary::Directives;
use crate::vocabulary::unit;

impl Checker<'_> {
    pub(crate) fn read_unit(&mut self, decl: &Decl<'_>, scope: &Scope) -> Unit {
        let mut description = None;
        let mut task: Option<(Task, Span)> = None;
        let mut user = None;
        let mut after = Vec::new();
        let mut wants = Vec::new();
        let mut restart = None;
        let mut oneshot = None;
        let mut schedule: Option<(String, Span)> = None;
        let mut settings = Vec::new();
        let mut placements = Vec::new();
        for (id, item) in self.items::<unit::Id>(block(decl.directive)) {
            let args = flat_args(item);
            match id {
                unit::Id::Description => {
                    description =
                        self.typed(args[0], text::unit_text, &say::decl::UNIT_DESCRIPTION);
                }
                unit::Id::Run | unit::Id::Builtin => {
                    let builtins = match id {
                        unit::Id::Run => &[][..],
                        _ => unit::Id::Builtin.spec().choices(0),
                    };
                    let t = if task.is_none() {
                        self.task(item, builtins)
                    } else {
                        None
                    };
                    self.once(&mut task, t, item.name.span, say::decl::two_unit_commands);
                }
                unit::Id::User => user = self.user(args[0]),
                unit::Id::After => after.extend(args.iter().filter_map(|a| self.unit_name(a))),
                unit::Id::Wants => wants.extend(args.iter().filter_map(|a| self.unit_name(a))),
                unit::Id::Restart => {
                    restart = self
                        .choice(
                            args[0],
                            unit::Id::Restart.spec().choices(0),
                            "restart policy",
                        )
                        .map(str::to_owned);
                }
                unit::Id::Type => {
                    oneshot = self
                        .choice(args[0], unit::Id::Type.spec().choices(0), "unit type")
                        .map(|t| t == "oneshot");
                }
                unit::Id::Schedule | unit::Id::Every => {
                    let parsed = if id == unit::Id::Every {
                        self.duration(args[0]).map(|s| format!("every {s}s"))
                    } else {
                        self.calendar(args[0])
                    };
                    self.once(&mut schedule, parsed, item.name.span, |at, first| {
                        say::decl::two_schedules(at, "a unit", first)
                    });
                }
                unit::Id::Set => {
                    if let Some(s) = self.unit_setting(args[0], args[1]) {
                        settings.push(s);
                    }
                }
                unit::Id::On => {
                    placements = self.placements(item, &scope.hosts, &scope.pools);
                }
            }
        }
        let task = task.map_or(Task::Run(String::new()), |(t, _)| t);
        let oneshot = oneshot.unwrap_or(
            matches!(
                task,
                Task::StackUp | Task::CertbotRenew | Task::RestartProxy
            ) || schedule.is_some(),
        );
        Unit {
            description: description.unwrap_or_else(|| format!("{} (infrac)", decl.name)),
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            task,
            user,
            after,
            wants,
            restart,
            oneshot,
            schedule: schedule.map(|(s, _)| s),
            settings,
            hosts: scope.expand(&placements),
        }
    }
}
