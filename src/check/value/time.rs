//! Durations and schedules.

use crate::check::Checker;
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

/// `15m`, `1h30m`, `10s`, `2d` → seconds.
pub fn duration(s: &str) -> Result<u64, String> {
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return Err(format!("`{c}` is not a unit (s, m, h, d)")),
        };
        if digits.is_empty() {
            return Err(format!("`{c}` has no number before it"));
        }
        let n: u64 = digits.parse().map_err(|_| "number too large".to_owned())?;
        total = total
            .checked_add(n.checked_mul(unit).ok_or("duration too large")?)
            .ok_or("duration too large")?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!(
            "`{digits}` has no unit: write `{digits}s`, `{digits}m` or `{digits}h`"
        ));
    }
    if total == 0 {
        return Err("a duration of zero".into());
    }
    Ok(total)
}

/// `every 15m` as a cron schedule: the interval must divide an hour or a day.
pub fn every_to_cron(seconds: u64) -> Result<String, String> {
    if !seconds.is_multiple_of(60) {
        return Err("cron runs at most once a minute: use whole minutes".into());
    }
    let minutes = seconds / 60;
    match minutes {
        1 => Ok("* * * * *".into()),
        m if m < 60 && 60 % m == 0 => Ok(format!("*/{m} * * * *")),
        60 => Ok("0 * * * *".into()),
        m if m % 60 == 0 && m < 1440 && 1440 % m == 0 => Ok(format!("0 */{} * * *", m / 60)),
        1440 => Ok("0 0 * * *".into()),
        10080 => Ok("0 0 * * 0".into()),
        _ => Err(format!(
            "{minutes} minutes does not divide an hour or a day evenly; write a `schedule`"
        )),
    }
}

/// A systemd calendar expression (`man systemd.time`): a shorthand
/// (`daily`, …) or `[WEEKDAYS] [DATE] [TIME]`, each part of numbers, `*`,
/// ranges `a..b`, lists `a,b` and repetitions `/n`.
pub fn calendar(s: &str) -> Result<(), String> {
    const SHORTHANDS: [&str; 9] = [
        "minutely",
        "hourly",
        "daily",
        "monthly",
        "weekly",
        "yearly",
        "annually",
        "quarterly",
        "semiannually",
    ];
    const WEEKDAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    if SHORTHANDS.contains(&s) {
        return Ok(());
    }
    let values = |part: &str, sep: char| {
        part.split(sep).all(|field| {
            !field.is_empty()
                && field.split(',').all(|item| {
                    let (range, step) = item.split_once('/').unwrap_or((item, "1"));
                    let number = |n: &str| {
                        n == "*"
                            || (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
                    };
                    step.chars().all(|c| c.is_ascii_digit() || c == '.')
                        && !step.is_empty()
                        && range.split("..").all(number)
                        && !range.starts_with('.')
                })
        })
    };
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err("expected `[WEEKDAYS] [DATE] [TIME]`".into());
    }
    let mut rest = parts.as_slice();
    if let Some(first) = rest.first()
        && first.starts_with(|c: char| c.is_ascii_alphabetic())
    {
        let ok = first.split(',').all(|item| {
            item.split("..").all(|d| {
                WEEKDAYS
                    .iter()
                    .any(|w| d.len() >= 3 && w.starts_with(&d.to_ascii_lowercase()))
            })
        });
        if !ok {
            return Err(format!("`{first}` is not a weekday list (`Mon..Fri`)"));
        }
        rest = &rest[1..];
    }
    for part in rest {
        let ok = if part.contains(':') {
            part.split(':').count() <= 3 && values(part, ':')
        } else if part.contains('-') {
            part.split('-').count() == 3 && values(part, '-')
        } else {
            false
        };
        if !ok {
            return Err(format!(
                "`{part}` is neither a date (`*-*-1`) nor a time (`03:00`)"
            ));
        }
    }
    Ok(())
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// A five-field cron schedule or an `@` macro. `Err((field, why))` names the
/// field (0-based) that is wrong, or `usize::MAX` for the whole schedule.
pub fn schedule(s: &str) -> Result<(), (usize, String)> {
    if let Some(name) = s.strip_prefix('@') {
        return match name {
            "reboot" | "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight"
            | "hourly" => Ok(()),
            _ => Err((usize::MAX, format!("`@{name}` is not a cron macro"))),
        };
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err((
            usize::MAX,
            format!(
                "{} fields; a schedule has 5: minute hour day month weekday",
                fields.len()
            ),
        ));
    }
    const LIMITS: [(&str, u32, u32); 5] = [
        ("minute", 0, 59),
        ("hour", 0, 23),
        ("day of month", 1, 31),
        ("month", 1, 12),
        ("day of week", 0, 7),
    ];
    for (i, field) in fields.iter().enumerate() {
        let (what, lo, hi) = LIMITS[i];
        let names: &[&str] = match i {
            3 => &MONTHS,
            4 => &DAYS,
            _ => &[],
        };
        cron_field(field, lo, hi, names).map_err(|why| (i, format!("{what}: {why}")))?;
    }
    Ok(())
}

fn cron_field(field: &str, lo: u32, hi: u32, names: &[&str]) -> Result<(), String> {
    let value = |v: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
            // Months are 1-based, days 0-based.
            return Ok(u32::try_from(i).unwrap_or(0) + u32::from(names.len() == 12));
        }
        let n: u32 = v.parse().map_err(|_| format!("`{v}` is not a number"))?;
        if n < lo || n > hi {
            return Err(format!("{n} is outside {lo}-{hi}"));
        }
        Ok(n)
    };
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if let Some(step) = step {
            let n: u32 = step
                .parse()
                .map_err(|_| format!("step `{step}` is not a number"))?;
            if n == 0 || n > hi {
                return Err(format!("step {n} is outside 1-{hi}"));
            }
        }
        if range == "*" {
            continue;
        }
        match range.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (value(a)?, value(b)?);
                if a > b {
                    return Err(format!("range {a}-{b} runs backwards"));
                }
            }
            None => {
                value(range)?;
            }
        }
    }
    Ok(())
}

impl Checker<'_> {
    pub(crate) fn duration(&mut self, arg: &Arg<'_>) -> Option<u64> {
        let text = self.text(arg)?;
        match duration(text) {
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
        match every_to_cron(seconds) {
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
        match schedule(text) {
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
        if calendar(text).is_ok() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("15m"), Ok(900));
        assert_eq!(duration("1h30m"), Ok(5400));
        assert!(duration("15").is_err());
        assert!(duration("15x").is_err());
        assert!(duration("m").is_err());
    }

    #[test]
    fn every() {
        assert_eq!(every_to_cron(900).as_deref(), Ok("*/15 * * * *"));
        assert_eq!(every_to_cron(3600).as_deref(), Ok("0 * * * *"));
        assert_eq!(every_to_cron(6 * 3600).as_deref(), Ok("0 */6 * * *"));
        assert_eq!(every_to_cron(86400).as_deref(), Ok("0 0 * * *"));
        assert!(every_to_cron(7 * 60).is_err());
        assert!(every_to_cron(90).is_err());
    }

    #[test]
    fn schedules() {
        assert!(schedule("*/15 * * * *").is_ok());
        assert!(schedule("0 3 * * mon-fri").is_ok());
        assert!(schedule("0,30 1-5/2 1 jan *").is_ok());
        assert!(schedule("@daily").is_ok());
        assert_eq!(schedule("60 * * * *").unwrap_err().0, 0);
        assert_eq!(schedule("* 24 * * *").unwrap_err().0, 1);
        assert_eq!(schedule("* * * * * *").unwrap_err().0, usize::MAX);
        assert!(schedule("@sometimes").is_err());
        assert!(schedule("*/0 * * * *").is_err());
    }

    #[test]
    fn calendars() {
        for ok in [
            "daily",
            "*-*-* 03:00:00",
            "Mon..Fri 09:00",
            "Sat,Sun *-*-1 04:30",
            "*:0/15",
        ] {
            assert!(calendar(ok).is_ok(), "{ok}");
        }
        for bad in [
            "../../pwned",
            "*-*-* 03:00:00../x",
            "every day",
            "03:00 x",
            "Mon;x",
        ] {
            assert!(calendar(bad).is_err(), "{bad}");
        }
    }
}
