//! `cron NAME { … }`, and the task a job or unit runs.

use crate::check::read::{Scope, block};
use crate::check::say;
use crate::check::{Checker, Decl, flat_args};
use crate::diag::Diagnostic;
use crate::model::{CronJob, Task};
use crate::source::Span;
use crate::syntax::Directive;
use crate::vocabulary::Directives;
use crate::vocabulary::cron;

impl Checker<'_> {
    pub(crate) fn read_job(&mut self, decl: &Decl<'_>, scope: &Scope) -> CronJob {
        let mut schedule: Option<(String, Span)> = None;
        let mut task: Option<(Task, Span)> = None;
        let mut user = "root".to_owned();
        let mut placements = Vec::new();
        if !decl
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.report(say::decl::cron_job_name(decl.name_span, &decl.name));
        }
        for (id, item) in self.items::<cron::Id>(block(decl.directive)) {
            let args = flat_args(item);
            match id {
                cron::Id::Schedule | cron::Id::Every => {
                    let parsed = if id == cron::Id::Every {
                        self.every(args[0])
                    } else {
                        self.cron_schedule(args[0])
                    };
                    self.once(&mut schedule, parsed, item.name.span, |at, first| {
                        say::decl::two_schedules(at, "a cron job", first)
                    });
                }
                cron::Id::Run | cron::Id::Builtin => {
                    let builtins = match id {
                        cron::Id::Run => &[][..],
                        _ => cron::Id::Builtin.spec().choices(0),
                    };
                    let t = if task.is_none() {
                        self.task(item, builtins)
                    } else {
                        None
                    };
                    self.once(&mut task, t, item.name.span, say::decl::two_cron_commands);
                }
                cron::Id::User => {
                    if let Some(u) = self.user(args[0]) {
                        user = u;
                    }
                }
                cron::Id::On => {
                    placements = self.placements(item, &scope.hosts, &scope.pools);
                }
            }
        }
        CronJob {
            name: decl.name.clone(),
            origin: self.origin(decl.name_span),
            schedule: schedule.map(|(s, _)| s).unwrap_or_default(),
            task: task.map_or(Task::Run(String::new()), |(t, _)| t),
            user,
            hosts: scope.expand(&placements),
        }
    }

    /// A setting that one of two rows gives (`schedule` or `every`, `run`
    /// or `builtin`): the first is kept, a second reported by `twice`
    /// (this one, the first).
    pub(crate) fn once<T>(
        &mut self,
        slot: &mut Option<(T, Span)>,
        value: Option<T>,
        at: Span,
        twice: impl FnOnce(Span, Span) -> Diagnostic,
    ) {
        match slot {
            Some((_, first)) => self.report(twice(at, *first)),
            None => *slot = value.map(|v| (v, at)),
        }
    }

    /// `schedule` or `every`, `run` or `builtin`: shared by cron and units.
    /// `run "COMMAND"` (`builtins` empty) or `builtin TASK` (one of
    /// `builtins`, the row's choices).
    pub(crate) fn task(&mut self, item: &Directive<'_>, builtins: &[&'static str]) -> Option<Task> {
        let args = flat_args(item);
        match builtins {
            [] => {
                let cmd = self.text(args[0])?;
                if cmd.trim().is_empty() {
                    self.report(say::decl::empty_command(args[0].span));
                    return None;
                }
                Some(Task::Run(cmd.to_owned()))
            }
            _ => Some(match self.choice(args[0], builtins, "built-in task")? {
                "certbot-renew" => Task::CertbotRenew,
                "restart-proxy" => Task::RestartProxy,
                _ => Task::StackUp,
            }),
        }
    }
}
