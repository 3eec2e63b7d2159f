//! Durations and schedules.

use crate::check::Checker;
use crate::check::value::rules as values;
use crate::diag::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::Arg;

/// The span of field `field` of a cron schedule written as a one-line string
/// or word; the whole argument when it cannot be pinned down.
pub(crate) fn field_span(arg: &Arg<'_>, text: &str, field: usize) -> Span {
    if field == usize::MAX {
        return arg.span;
    }
    let offset = usize::from(arg.is_string());
    let mut start = None;
    let mut count = 0;
    let mut in_field = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_field {
                if count == field + 1 {
                    let s: usize = start.unwrap_or(0);
                    return Span::new(
                        arg.span.file,
                        arg.span.start + offset + s,
                        arg.span.start + offset + i,
                    );
                }
                in_field = false;
            }
        } else if !in_field {
            in_field = true;
            count += 1;
            if count == field + 1 {
                start = Some(i);
            }
        }
    }
    match start {
        Some(s) => Span::new(
            arg.span.file,
            arg.span.start + offset + s,
            arg.span.start + offset + text.len(),
        ),
        None => arg.span,
    }
}

impl<'a> Checker<'a> {
    pub(crate) fn duration(&mut self, arg: &Arg<'_>) -> Option<u64> {
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

    pub(crate) fn every(&mut self, arg: &Arg<'_>) -> Option<String> {
        let seconds = self.duration(arg)?;
        match values::every_to_cron(seconds) {
            Ok(s) => Some(s),
            Err(why) => {
                self.report(
                    Diagnostic::new(Code::InvalidSchedule, arg.span, format!("cron cannot run every {}", arg.text().unwrap_or("")))
                        .label(why)
                        .help("use an interval that divides an hour or a day (`5m`, `15m`, `1h`, `6h`, `1d`), or write a `schedule`"),
                );
                None
            }
        }
    }

    pub(crate) fn cron_schedule(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        match values::schedule(text) {
            Ok(()) => Some(text.split_whitespace().collect::<Vec<_>>().join(" ")),
            Err((field, why)) => {
                // Point at the field when the schedule is a string on one line.
                let span = field_span(arg, text, field);
                self.report(
                    Diagnostic::new(Code::InvalidSchedule, span, format!("`{text}` is not a valid cron schedule"))
                        .label(why)
                        .help("five fields: minute (0-59) hour (0-23) day (1-31) month (1-12) weekday (0-7), or `@daily`, `@hourly`, …"),
                );
                None
            }
        }
    }

    /// A systemd calendar expression (`daily`, `*-*-* 03:00:00`); `@daily`
    /// is accepted as in cron.
    pub(crate) fn calendar(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let text = text.strip_prefix('@').unwrap_or(text);
        if values::calendar(text).is_ok() {
            Some(text.to_owned())
        } else {
            self.report(
                Diagnostic::new(
                    Code::InvalidSchedule,
                    arg.span,
                    format!("`{text}` is not a systemd calendar expression"),
                )
                .label("expected e.g. `daily` or `*-*-* 03:00:00`")
                .help("see `man systemd.time`; or use `every 15m`"),
            );
            None
        }
    }
}
