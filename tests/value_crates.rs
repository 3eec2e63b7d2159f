//! infrac reads durations and cron schedules by its own rules: exactly the
//! forms their consumers take (Vixie cron in /etc/cron.d; `every` as a cron
//! step or a systemd timer), with messages that point at the wrong field.
//! Maintained parsers take more than that — humantime reads `5ms`, `1month`
//! and `2 days`; croner reads `L`, `#`, `?`, `W` and a seconds field, none
//! of which Vixie cron runs — so they cannot be the gate. These tests hold
//! infrac's rules to them instead: over generated inputs, everything infrac
//! accepts, the crate accepts with the same meaning.

use std::str::FromStr as _;

use infrac::check::value::time;

fn rng(test: &str) -> fastrand::Rng {
    let seed = std::env::var("INFRAC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    eprintln!("{test}: seed {seed} (INFRAC_SEED to change)");
    fastrand::Rng::with_seed(seed)
}

fn pick<'a>(rng: &mut fastrand::Rng, of: &[&'a str]) -> &'a str {
    of[rng.usize(..of.len())]
}

/// A duration as users write it, and now and then a near miss.
fn duration_text(rng: &mut fastrand::Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.usize(1..=3) {
        let number = match rng.u8(..10) {
            0 => "0".to_owned(),
            1 => String::new(),
            _ => rng.u32(1..100_000).to_string(),
        };
        let unit = pick(
            rng,
            &["s", "m", "h", "d", "s", "m", "h", "min", "ms", "", " "],
        );
        s.push_str(&number);
        s.push_str(unit);
    }
    s
}

#[test]
fn every_duration_infrac_accepts_is_the_same_length_for_humantime() {
    let mut rng = rng("durations");
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..20_000 {
        let text = duration_text(&mut rng);
        match time::duration(&text) {
            Ok(seconds) => {
                accepted += 1;
                let theirs = humantime::parse_duration(&text)
                    .unwrap_or_else(|e| panic!("infrac takes `{text}`, humantime does not: {e}"));
                assert_eq!(seconds, theirs.as_secs(), "`{text}`");
                assert_eq!(theirs.subsec_nanos(), 0, "`{text}`");
            }
            Err(_) => rejected += 1,
        }
    }
    // The generator reaches both sides.
    assert!(
        accepted > 5_000 && rejected > 2_000,
        "{accepted} accepted, {rejected} rejected"
    );
}

/// One cron field: numbers, names, `*`, ranges, steps and lists, in and
/// out of range, and now and then what only croner or Quartz take.
fn cron_field(rng: &mut fastrand::Rng, lo: u32, hi: u32, names: &[&str]) -> String {
    let value = |rng: &mut fastrand::Rng| -> String {
        match rng.u8(..40) {
            0..=3 if !names.is_empty() => pick(rng, names).to_owned(),
            4 => (hi + rng.u32(1..5)).to_string(),
            _ => rng.u32(lo..=hi).to_string(),
        }
    };
    let item = |rng: &mut fastrand::Rng| -> String {
        let base = match rng.u8(..6) {
            0 | 1 => "*".to_owned(),
            2 | 3 => value(rng),
            _ => format!("{}-{}", value(rng), value(rng)),
        };
        match rng.u8(..40) {
            0..=5 => format!("{base}/{}", rng.u32(0..=hi + 1)),
            6 => format!("{base}{}", pick(rng, &["L", "#2", "W", "?"])),
            _ => base,
        }
    };
    (0..rng.usize(1..=3))
        .map(|_| item(rng))
        .collect::<Vec<_>>()
        .join(",")
}

const MONTHS: &[&str] = &["jan", "feb", "mar", "jun", "Dec", "oct"];
const DAYS: &[&str] = &["sun", "mon", "fri", "SAT"];

fn schedule_text(rng: &mut fastrand::Rng) -> String {
    if rng.u8(..20) == 0 {
        return pick(
            rng,
            &["@daily", "@hourly", "@weekly", "@monthly", "@yearly"],
        )
        .to_owned();
    }
    let mut fields = vec![
        cron_field(rng, 0, 59, &[]),
        cron_field(rng, 0, 23, &[]),
        cron_field(rng, 1, 31, &[]),
        cron_field(rng, 1, 12, MONTHS),
        cron_field(rng, 0, 7, DAYS),
    ];
    match rng.u8(..20) {
        0 => {
            fields.pop();
        }
        1 => fields.insert(0, cron_field(rng, 0, 59, &[])),
        _ => {}
    }
    fields.join(" ")
}

#[test]
fn every_cron_schedule_infrac_accepts_croner_reads_too() {
    let mut rng = rng("schedules");
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..20_000 {
        let text = schedule_text(&mut rng);
        if time::schedule(&text).is_ok() {
            accepted += 1;
            if let Err(e) = croner::Cron::from_str(&text) {
                // Vixie cron reads each item of a list as a range, and `*`
                // is a range (entry.c: get_list → get_range), so `*,5` runs;
                // croner refuses it. The one known difference.
                let star_in_list = text
                    .split_whitespace()
                    .any(|f| f.contains(',') && f.split(',').any(|i| i.starts_with('*')));
                assert!(star_in_list, "infrac takes `{text}`, croner does not: {e}");
            }
        } else {
            rejected += 1;
        }
    }
    assert!(
        accepted > 2_000 && rejected > 2_000,
        "{accepted} accepted, {rejected} rejected"
    );
}
