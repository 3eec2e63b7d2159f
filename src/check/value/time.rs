//! Durations and schedules.

use crate::check::Checker;
use crate::check::say::{self, why};
use crate::source::Span;
use crate::syntax::Arg;

/// The span of field `field` of a cron schedule written as a one-line string
/// or word; the whole argument when it cannot be pinned down.
pub(crate) fn field_span(arg: &Arg<'_>, text: &str, field: usize) -> Span {
    if field == usize::MAX {
        return arg.span;
    }
    let mut start = None;
    let mut count = 0;
    let mut in_field = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_field {
                if count == field + 1 {
                    return arg.part(start.unwrap_or(0), i);
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
        Some(s) => arg.part(s, text.len()),
        None => arg.span,
    }
}

/// `15m`, `1h30m`, `10s`, `2d` → seconds.
pub fn duration(s: &str) -> Result<u64, String> {
    if s.is_empty() {
        return Err(why::duration_empty());
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
            _ => return Err(why::duration_unit(c)),
        };
        if digits.is_empty() {
            return Err(why::duration_no_number(c));
        }
        let n: u64 = digits.parse().map_err(|_| why::number_too_large())?;
        total = total
            .checked_add(n.checked_mul(unit).ok_or_else(why::duration_too_large)?)
            .ok_or_else(why::duration_too_large)?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(why::duration_no_unit(&digits));
    }
    if total == 0 {
        return Err(why::duration_zero());
    }
    Ok(total)
}

/// `every 15m` as a cron schedule: the interval must divide an hour or a day.
pub fn every_to_cron(seconds: u64) -> Result<String, String> {
    if !seconds.is_multiple_of(60) {
        return Err(why::every_seconds());
    }
    let minutes = seconds / 60;
    match minutes {
        1 => Ok("* * * * *".into()),
        m if m < 60 && 60 % m == 0 => Ok(format!("*/{m} * * * *")),
        60 => Ok("0 * * * *".into()),
        m if m % 60 == 0 && m < 1440 && 1440 % m == 0 => Ok(format!("0 */{} * * *", m / 60)),
        1440 => Ok("0 0 * * *".into()),
        10080 => Ok("0 0 * * 0".into()),
        _ => Err(why::every_uneven(minutes)),
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
        return Err(why::calendar_shape());
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
            return Err(why::calendar_weekdays(first));
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
            return Err(why::calendar_part(part));
        }
    }
    Ok(())
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// cron's `@` macros (`@daily`): never a named list's `@NAME`.
pub const CRON_MACROS: [&str; 8] = [
    "reboot", "yearly", "annually", "monthly", "weekly", "daily", "midnight", "hourly",
];

/// A five-field cron schedule or an `@` macro. `Err((field, why))` names the
/// field (0-based) that is wrong, or `usize::MAX` for the whole schedule.
pub fn schedule(s: &str) -> Result<(), (usize, String)> {
    if let Some(name) = s.strip_prefix('@') {
        return if CRON_MACROS.contains(&name) {
            Ok(())
        } else {
            Err((usize::MAX, why::cron_macro(name)))
        };
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err((usize::MAX, why::cron_fields(fields.len())));
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
        cron_field(field, lo, hi, names).map_err(|e| (i, why::cron_field(what, &e)))?;
    }
    Ok(())
}

fn cron_field(field: &str, lo: u32, hi: u32, names: &[&str]) -> Result<(), String> {
    let value = |v: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
            // Months are 1-based, days 0-based.
            return Ok(u32::try_from(i).unwrap_or(0) + u32::from(names.len() == 12));
        }
        let n: u32 = v.parse().map_err(|_| why::cron_number(v))?;
        if n < lo || n > hi {
            return Err(why::cron_range(n, lo, hi));
        }
        Ok(n)
    };
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if let Some(step) = step {
            // Vixie cron steps a range or `*`, not one number (`5/10` is
            // refused when the crontab is read: entry.c, get_range).
            if range != "*" && !range.contains('-') {
                return Err(why::cron_step_of_number(range, step));
            }
            let n: u32 = step.parse().map_err(|_| why::cron_step_number(step))?;
            if n == 0 || n > hi {
                return Err(why::cron_step_range(n, hi));
            }
        }
        if range == "*" {
            continue;
        }
        match range.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (value(a)?, value(b)?);
                if a > b {
                    return Err(why::cron_backwards(a, b));
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
                self.report(say::value::invalid_duration(arg.span, text, why));
                None
            }
        }
    }

    pub(crate) fn every(&mut self, arg: &Arg<'_>) -> Option<String> {
        let seconds = self.duration(arg)?;
        match every_to_cron(seconds) {
            Ok(s) => Some(s),
            Err(why) => {
                let text = arg.text().unwrap_or("");
                self.report(say::value::cron_cannot_run_every(arg.span, text, why));
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
                self.report(say::value::invalid_cron(span, text, why));
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
            self.report(say::value::invalid_calendar(arg.span, text));
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
        // Vixie cron steps ranges and `*` only.
        assert_eq!(schedule("5/10 * * * *").unwrap_err().0, 0);
        assert!(schedule("5-59/10 * * * *").is_ok());
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
