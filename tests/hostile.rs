//! Hostile values in every string position (`common::hostile`): each is
//! rejected with a coded error, or reaches every generated file as exactly
//! the literal it is, in files their real validators accept.

mod common;

use std::sync::Mutex;

use common::hostile::{self, Position};
use common::readback;

/// The hosts a `host` directive's example goes into: all of them when
/// that program checks clean, else the first whose program does (a
/// `resolver` is for NGINX).
fn host_for(position: &Position) -> usize {
    [hostile::ALL_HOSTS, 0, 1, 2]
        .into_iter()
        .find(|&n| {
            let text = hostile::case_text(position, &position.value, n);
            let sources = common::program(&[("main.infra", &text)]);
            infrac::program::analyze(&sources).model.is_some()
        })
        .unwrap_or(0)
}

#[derive(Default)]
struct Tally {
    cases: usize,
    rejected: usize,
    built: usize,
    values_read_back: usize,
    failures: Vec<String>,
}

fn run_position(position: &Position, root: &camino::Utf8Path, tally: &Mutex<Tally>) {
    let nth = host_for(position);
    let _ = std::fs::remove_dir_all(root);
    let base = match hostile::build(&hostile::case_text(position, &position.value, nth), root) {
        Ok(Ok(trees)) => trees,
        other => {
            let why = match other {
                Ok(Err(errors)) => errors.join("; "),
                Err(e) => e,
                Ok(Ok(_)) => unreachable!(),
            };
            tally.lock().unwrap().failures.push(format!(
                "{position}: the example itself does not build: {why}"
            ));
            return;
        }
    };
    for (label, payload) in hostile::payloads() {
        for value in [payload.clone(), format!("{}{payload}", position.value)] {
            let text = hostile::case_text(position, &value, nth);
            // A position whose block the base program lacks would "build"
            // without the value in it (pools did, 168 cases).
            if !text.contains(&hostile::literal(&value)) {
                tally
                    .lock()
                    .unwrap()
                    .failures
                    .push(format!("{position}: the value is not in the program"));
                continue;
            }
            let _ = std::fs::remove_dir_all(root);
            let attempt = std::panic::catch_unwind(|| hostile::build(&text, root))
                .unwrap_or_else(|_| Err("infrac panicked".into()));
            let outcome = match attempt {
                Err(e) => Err(e),
                Ok(Err(_)) => Ok(None),
                Ok(Ok(trees)) => 'built: {
                    if let Err(e) = common::verify::write(root, &trees) {
                        break 'built Err(e);
                    }
                    let changed = hostile::changed(&base, &trees);
                    let mut seen = 0;
                    let mut result = Ok(());
                    for tree in &trees {
                        let files = &changed[&tree.host];
                        match common::verify::tree(root, tree, Some(files)).and_then(|tokens| {
                            hostile::literal_everywhere(&tokens, &value, position.is_command())
                        }) {
                            Ok(n) => seen += n,
                            Err(e) => {
                                result = Err(e);
                                break;
                            }
                        }
                    }
                    result.map(|()| Some(seen))
                }
            };
            let mut t = tally.lock().unwrap();
            t.cases += 1;
            match outcome {
                Ok(None) => t.rejected += 1,
                Ok(Some(seen)) => {
                    t.built += 1;
                    t.values_read_back += seen;
                }
                Err(e) => t
                    .failures
                    .push(format!("{position} with {label} {value:?}: {e}")),
            }
        }
    }
}

#[test]
fn hostile_values_in_every_string_position_are_rejected_or_read_back_literally() {
    let positions = hostile::positions();
    assert!(positions.len() > 90, "{} positions", positions.len());
    let tally = Mutex::new(Tally::default());
    let next = Mutex::new(0usize);
    let base = common::temp_dir("hostile");
    std::thread::scope(|s| {
        for worker in 0..2 {
            let (positions, tally, next, base) = (&positions, &tally, &next, &base);
            s.spawn(move || {
                let root = base.join(format!("w{worker}"));
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(position) = positions.get(i) else {
                        break;
                    };
                    run_position(position, &root, tally);
                }
            });
        }
    });
    let t = tally.into_inner().unwrap();
    eprintln!(
        "{} positions, {} cases: {} rejected with a coded error, {} built ({} values read back literally)",
        positions.len(),
        t.cases,
        t.rejected,
        t.built,
        t.values_read_back
    );
    assert!(
        !std::path::Path::new("/tmp/infrac-pwned").exists(),
        "a payload ran a command"
    );
    assert!(
        t.failures.is_empty(),
        "{} of {} cases failed:\n{}",
        t.failures.len(),
        t.cases,
        t.failures.join("\n")
    );
    assert!(t.built > 0 && t.rejected > 0);
}

/// What a program comes to, for comparing two ways of writing it: the
/// errors with the text each label points at, or every generated file.
/// `value`: where the value stands in `text` (its literal, or the word
/// naming the list and the list's item); a label there reads `VALUE`, so a
/// label pointing at part of a word whose text is not the file's (or past
/// it) reads differently from the one pointing into the written value.
fn verdict(text: &str, value: &[(usize, usize)]) -> Result<String, String> {
    let pointed = |s: usize, e: usize| -> String {
        if value.iter().any(|&(vs, ve)| vs <= s && e <= ve) {
            return "VALUE".into();
        }
        let mut out = String::new();
        let mut at = s;
        for &(vs, ve) in value {
            if s <= vs && ve <= e && at <= vs {
                out.push_str(&text[at..vs]);
                out.push_str("VALUE");
                at = ve;
            }
        }
        out.push_str(&text[at..e]);
        out
    };
    let sources = common::program(&[("main.infra", text)]);
    let checked = std::panic::catch_unwind(|| infrac::program::analyze(&sources))
        .map_err(|_| "infrac panicked".to_owned())?;
    for d in &checked.diagnostics {
        for label in &d.labels {
            let (s, e) = (label.span.start, label.span.end);
            if s > e || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
                return Err(format!("{} has a bad span {s}..{e}", d.code.name()));
            }
        }
    }
    Ok(match checked.model {
        None => {
            let mut errors: Vec<String> = checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| {
                    let at: Vec<String> = d
                        .labels
                        .iter()
                        .map(|l| pointed(l.span.start, l.span.end))
                        .collect();
                    format!("{}: {} at {at:?}", d.code.name(), d.message)
                })
                .collect();
            // The same problem in the list and where it is used is one.
            errors.sort();
            errors.dedup();
            format!("rejected: {}", errors.join("; "))
        }
        Some(model) => match infrac::render::render(&model) {
            Ok(trees) => {
                let mut all = String::new();
                for f in trees.iter().flat_map(|t| &t.files) {
                    all.push_str(f.path.as_str());
                    all.push('\n');
                    all.push_str(&f.content);
                    all.push('\n');
                }
                all
            }
            Err(e) => format!("does not render: {e}"),
        },
    })
}

/// A named list is the same as writing its items: every hostile value in
/// every position, written as it is, put in from a list by `@h`, and put
/// into a word by `{@h}`, is rejected with the same errors or builds the
/// same files; and no diagnostic points outside the file (a word a list's
/// item was put into has no source text of its own to point into).
#[test]
fn a_value_from_a_named_list_is_the_value_in_every_string_position() {
    let positions = hostile::positions();
    let mut cases = 0;
    let mut failures = Vec::new();
    // A list's own name is not taken from a list.
    for position in positions.iter().filter(|p| p.directive != "list") {
        let nth = host_for(position);
        for (label, payload) in hostile::payloads() {
            for value in [payload.clone(), format!("{}{payload}", position.value)] {
                let literal = hostile::literal(&value);
                // Every place `what` is written, from `from` on.
                let at = |text: &str, what: &str, from: usize| -> Vec<(usize, usize)> {
                    text[from..]
                        .match_indices(what)
                        .map(|(i, _)| (from + i, from + i + what.len()))
                        .collect()
                };
                let list = format!("list h {literal}\n");
                let written = hostile::case_text(position, &value, nth);
                let spliced = hostile::case_text_raw(position, "@h", nth) + &list;
                let in_word = hostile::case_text_raw(position, "{@h}", nth) + &list;
                // The word naming the list, and the item in the list.
                let places = |text: &str, how: &str| -> Vec<(usize, usize)> {
                    let item_from = text.rfind("list h ").unwrap_or(0);
                    let mut places = at(&text[..item_from], how, 0);
                    places.extend(at(text, &literal, item_from));
                    places
                };
                let want = verdict(&written, &at(&written, &literal, 0));
                for (how, text) in [("@h", spliced), ("{@h}", in_word)] {
                    cases += 1;
                    let got = verdict(&text, &places(&text, how));
                    if got != want {
                        let short = |v: &Result<String, String>| {
                            format!("{v:?}").chars().take(400).collect::<String>()
                        };
                        failures.push(format!(
                            "{position} with {label} through {how}:\n  as written: {}\n  through the list: {}",
                            short(&want),
                            short(&got)
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "{} positions, {cases} cases through a list",
        positions.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases differ:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}

/// The readers the hostile test relies on read as the tools do.

#[test]
fn nginx_reads_quotes_escapes_and_variables() {
    let items =
        readback::nginx_parse("a \"x\\\"y\\\\z\" 'q;r' b${c}d;\nlocation ~ \"^/a$\" { return 1; }")
            .unwrap();
    assert_eq!(items[0].words, ["a", "x\"y\\z", "q;r", "b${c}d"]);
    assert_eq!(
        readback::nginx_expand("b${c}d ${infrac_dollar}x $uri"),
        format!("b{}d $x {}", readback::VAR, readback::VAR)
    );
    assert!(readback::nginx_parse("a \"b\"c;").is_err());
    assert!(readback::nginx_parse("a {").is_err());
}

#[test]
fn systemd_reads_continuations_and_words() {
    let t = readback::systemd(
        "[Service]\nExecStart=/bin/sh -c \"a $$b %%c \\\"d\\\"\"\nDescription=x \\\n[Unit]\n",
    )
    .unwrap();
    let texts: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
    assert!(texts.contains(&"a $b %c \"d\""), "{texts:?}");
    assert!(texts.contains(&"x  [Unit]"), "{texts:?}");
}
