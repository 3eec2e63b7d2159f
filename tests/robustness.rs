//! Thousands of mutated and random programs through parse + check: never a
//! panic, and every rejected input gets a diagnostic whose span is inside its
//! file and on character boundaries, and renders.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use infrac::diag::{self, ColorChoice};
use infrac::program::analyze;
use infrac::source::SourceMap;

/// Tokens that break or bend the syntax and the vocabulary.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "\"",
    "[",
    "]",
    "#",
    "\n",
    ";",
    ",",
    " ",
    "\t",
    "\\",
    "..",
    "/*",
    "{path}",
    "{rest}",
    "{uri",
    "é",
    "🦀",
    "\0",
    "\r\n",
    "site",
    "host",
    "proxy",
    "on",
    "domains",
    "static",
    "pool",
    "service",
    "tls",
    "files",
    "secret",
    "env",
    "every",
    "schedule",
    "publish",
    "80:80",
    "443",
    "99999",
    "-1",
    "0",
    "2001:db8::1",
    "300.1.2.3",
    "https://",
    "http://[::1",
    "a..b",
    "*.x.org",
    "redirect",
    "redirect_first",
    "unless_query",
    "subproject",
    "webhook",
    "updates",
    "cron",
    "unit",
    "builtin",
    "sysctl",
    "bbr",
    "keepalive",
    "net.core.somaxconn",
    "volume",
    "/etc/caddy/Caddyfile:/x",
    // Named lists (sites/matplotlib.infra declares these).
    "list",
    "@old_versions",
    "{@old_dirs}",
    "{@old_files}x",
    "{@",
    "@daily",
];

/// Every `.infra` file of `sites/` and of the diagnostic cases, named by
/// their path in the project (`sites/opam.infra`).
fn corpus() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["sites", "tests/cases/diagnostics"] {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.extension().is_some_and(|e| e == "infra") {
                let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
                files.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files
}

fn mutate(rng: &mut fastrand::Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..rng.usize(1..=4) {
        let len = chars.len();
        match rng.u8(0..6) {
            0 if len > 0 => {
                let at = rng.usize(0..len);
                let n = rng.usize(1..=8.min(len - at));
                chars.drain(at..at + n);
            }
            1 => {
                let at = rng.usize(0..=len);
                let token = TOKENS[rng.usize(0..TOKENS.len())];
                chars.splice(at..at, token.chars());
            }
            2 if len > 0 => chars.truncate(rng.usize(0..len)),
            3 => {
                // Duplicate a line.
                let text: String = chars.iter().collect();
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let i = rng.usize(0..lines.len());
                    let mut out = lines.clone();
                    out.insert(i, lines[i]);
                    chars = out.join("\n").chars().collect();
                }
            }
            4 if len > 0 => {
                let at = rng.usize(0..len);
                chars[at] = char::from_u32(rng.u32(0..0x300)).unwrap_or('x');
            }
            _ => {
                // Swap two lines.
                let text: String = chars.iter().collect();
                let mut lines: Vec<&str> = text.lines().collect();
                if lines.len() > 1 {
                    let (a, b) = (rng.usize(0..lines.len()), rng.usize(0..lines.len()));
                    lines.swap(a, b);
                    chars = lines.join("\n").chars().collect();
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// Checks one program; returns a description of what is wrong, if anything.
fn verify(sources: &SourceMap) -> Result<bool, String> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let checked = analyze(sources);
        // Rendering must not panic either.
        let _ = diag::to_human(&checked.diagnostics, sources, ColorChoice::Never, 80);
        let _ = diag::to_json(&checked.diagnostics, sources);
        checked
    }));
    let checked = result.map_err(|_| "panicked".to_owned())?;
    for d in &checked.diagnostics {
        for label in &d.labels {
            let text = &sources.get(label.span.file).text;
            let (s, e) = (label.span.start, label.span.end);
            if s > e || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
                return Err(format!(
                    "{} has a bad span {s}..{e} (file is {} bytes)",
                    d.code,
                    text.len()
                ));
            }
        }
    }
    let rejected = checked.model.is_none();
    if rejected
        && !checked
            .diagnostics
            .iter()
            .any(infrac::diag::Diagnostic::is_error)
    {
        return Err("rejected without an error".into());
    }
    // Invariant: a checked model always renders (a template error would be
    // a bug the checker should have caught).
    if let Some(model) = &checked.model {
        match catch_unwind(AssertUnwindSafe(|| infrac::render::render(model))) {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("accepted but does not render: {e}")),
            Err(_) => return Err("rendering panicked".into()),
        }
    }
    Ok(rejected)
}

#[test]
fn mutated_programs_never_panic_and_always_explain_themselves() {
    let corpus = corpus();
    let mut rng = fastrand::Rng::with_seed(0x1f2a_c0de);
    let mut rejected = 0;
    const RUNS: usize = 4000;
    for run in 0..RUNS {
        let (name, text) = &corpus[rng.usize(0..corpus.len())];
        let mutated = mutate(&mut rng, text);
        // Half the time as part of the whole bundled program, so references
        // across files are exercised too.
        let mut files: Vec<(String, String)> = if run % 2 == 0 {
            corpus
                .iter()
                .filter(|(n, _)| n.starts_with("sites/"))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        files.retain(|(n, _)| n != name);
        files.push((name.clone(), mutated.clone()));
        let pairs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let sources = common::program(&pairs);
        match verify(&sources) {
            Ok(r) => rejected += usize::from(r),
            Err(why) => panic!("run {run}: {why}\n--- {name} ---\n{mutated}"),
        }
    }
    // The mutations must actually exercise the error paths.
    assert!(
        rejected > RUNS / 2,
        "only {rejected} of {RUNS} mutated programs were rejected"
    );
}

#[test]
fn random_text_never_panics() {
    let mut rng = fastrand::Rng::with_seed(7);
    for run in 0..3000 {
        let len = rng.usize(0..200);
        let text: String = (0..len)
            .map(|_| {
                if rng.bool() {
                    TOKENS[rng.usize(0..TOKENS.len())].to_owned()
                } else {
                    char::from_u32(rng.u32(0..0x250)).unwrap_or(' ').to_string()
                }
            })
            .collect();
        let sources = common::program(&[("random.infra", &text)]);
        if let Err(why) = verify(&sources) {
            panic!("run {run}: {why}\n{text:?}");
        }
    }
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    for open in ["x {", "x [", "site s { static {"] {
        let text = open.repeat(200_000);
        let sources = common::program(&[("deep.infra", &text)]);
        let checked = analyze(&sources);
        assert_eq!(common::codes(&checked), vec!["syntax"]);
        assert_eq!(checked.diagnostics[0].message, "blocks nest too deeply");
    }
}
