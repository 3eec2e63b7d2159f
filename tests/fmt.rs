//! `infrac fmt`: over the seeds' programs, the diagnostics cases and
//! generated programs made messy (indentation, `;`, comments, blank lines,
//! lists broken over lines, CRLF), formatting keeps every directive and
//! every comment, and formatting again changes nothing. Seeded; a failure
//! is shrunk to the fewest lines that still fail and printed with its seed.

mod common;

use fastrand::Rng;
use infrac::source::FileId;
use infrac::syntax::{self, Arg, ArgKind, Directive, fmt};

/// The tree as text, without positions: what the program says.
fn shape(text: &str) -> Result<String, String> {
    fn arg(a: &Arg<'_>, out: &mut String) {
        match &a.kind {
            ArgKind::Word(w) => out.push_str(&format!(" w:{w}")),
            ArgKind::Str(s) => out.push_str(&format!(" s:{s:?}")),
            ArgKind::List(items) => {
                out.push_str(" [");
                for i in items {
                    arg(i, out);
                }
                out.push_str(" ]");
            }
        }
    }
    fn items(ds: &[Directive<'_>], depth: usize, out: &mut String) {
        for d in ds {
            out.push_str(&format!("{}{}", " ".repeat(depth), d.name.value));
            for a in &d.args {
                arg(a, out);
            }
            out.push('\n');
            if let Some(b) = &d.block {
                out.push_str(&format!("{}{{\n", " ".repeat(depth)));
                items(&b.items, depth + 1, out);
                out.push_str(&format!("{}}}\n", " ".repeat(depth)));
            }
        }
    }
    let ast = syntax::parse(FileId(0), text).map_err(|d| d.message)?;
    let mut out = String::new();
    items(&ast.items, 0, &mut out);
    Ok(out)
}

/// Every comment's text, in order, found by a lexer of its own: `#` starts
/// a comment outside a string where a token may start.
fn comments(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let (mut in_string, mut prev) = (false, ' ');
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if in_string {
                if c == '\\' {
                    chars.next();
                } else if c == '"' {
                    in_string = false;
                }
            } else if c == '"' {
                in_string = true;
            } else if c == '#' && " \t;,[]{}\"".contains(prev) {
                found.push(line[i..].trim_end().to_owned());
                break;
            }
            prev = c;
        }
    }
    found
}

/// What must hold of formatting `text`; the first broken rule.
fn property(text: &str) -> Result<(), String> {
    let before = shape(text).map_err(|e| format!("the test's input does not parse: {e}"))?;
    let once = fmt::format(FileId(0), text).map_err(|e| format!("fmt refused: {e:?}"))?;
    let twice =
        fmt::format(FileId(0), &once).map_err(|e| format!("fmt refused its own output: {e:?}"))?;
    if twice != once {
        return Err(format!(
            "not idempotent:\n--- once\n{once}--- twice\n{twice}"
        ));
    }
    if shape(&once)? != before {
        return Err(format!("the directives changed:\n{once}"));
    }
    if comments(&once) != comments(text) {
        return Err(format!(
            "comments changed: {:?} became {:?}\n{once}",
            comments(text),
            comments(&once)
        ));
    }
    if once.lines().any(|l| l != l.trim_end()) || once.contains('\t') || once.contains("\n\n\n") {
        return Err(format!("trailing space, a tab or two blank lines:\n{once}"));
    }
    Ok(())
}

/// `text` made messy the ways people write: other indentation, two
/// directives on a line, comments everywhere, blank lines, lists broken
/// over lines, CRLF line ends.
fn messy(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let mut line = line.trim_start().to_owned();
        if rng.u8(..6) == 0 && !line.contains('"') {
            // A list's items over several lines.
            if let (Some(open), Some(close)) = (line.find('['), line.rfind(']')) {
                let inner = line[open + 1..close].replace(' ', "\n");
                line = format!("{}{inner}{}", &line[..=open], &line[close..]);
            }
        }
        for part in line.split('\n') {
            let mut part = part.to_owned();
            let indent = ["", " ", "  ", "\t", "      ", " \t "][rng.usize(..6)];
            if rng.u8(..5) == 0 {
                lines.push(format!("{indent}# own comment {}", rng.u16(..)));
            }
            for _ in 0..[0, 0, 0, 1, 2][rng.usize(..5)] {
                lines.push(String::new());
            }
            if rng.u8(..4) == 0 && !part.contains('#') {
                part.push_str(&" ".repeat(rng.usize(1..20)));
                part.push_str(&format!("# trailing {}", rng.u16(..)));
            }
            let joins = rng.u8(..5) == 0
                && lines
                    .last()
                    .is_some_and(|l| !l.contains('#') && !l.trim().is_empty());
            if joins {
                let last = lines.last_mut().expect("checked");
                last.push_str(["; ", ";", " ; "][rng.usize(..3)]);
                last.push_str(&part);
            } else {
                lines.push(format!("{indent}{part}"));
            }
        }
    }
    let end = if rng.bool() { "\r\n" } else { "\n" };
    lines.join(end) + end
}

/// The fewest lines of `text` that still break the property (and parse).
fn shrink(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let mut fewer = lines.clone();
        fewer.remove(i);
        let candidate = fewer.join("\n") + "\n";
        if shape(&candidate).is_ok() && property(&candidate).is_err() {
            lines = fewer;
        } else {
            i += 1;
        }
    }
    lines.join("\n") + "\n"
}

fn inputs() -> Vec<(String, String)> {
    let mut all = Vec::new();
    for dir in ["sites", "tests/cases/diagnostics"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "infra"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).unwrap();
            // Cases of syntax errors are not programs to format.
            if shape(&text).is_ok() {
                all.push((p.display().to_string(), text));
            }
        }
    }
    all
}

#[test]
fn the_seeds_programs_are_formatted() {
    let out = common::infrac(&["fmt", "--check", "sites"]);
    assert!(
        out.status.success(),
        "`infrac fmt --check sites` wants changes:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn formatting_keeps_directives_and_comments_and_is_idempotent() {
    let seed: u64 = std::env::var("INFRAC_FMT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let rounds = if std::env::var_os("CI").is_some() {
        200
    } else {
        400
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, text) in inputs() {
        if let Err(e) = property(&text) {
            failures.push(format!("{name}: {e}"));
        }
        checked += 1;
    }
    for i in 0..rounds {
        let s = seed.wrapping_add(i);
        let mut rng = Rng::with_seed(s);
        let base = match i % 3 {
            0 => common::programs::generate(&mut rng).text(),
            1 => common::behaviour::generate(s, 10, 39999).source(camino::Utf8Path::new("/tmp/x")),
            _ => {
                let all = inputs();
                all[rng.usize(..all.len())].1.clone()
            }
        };
        let text = messy(&base, &mut rng);
        if shape(&text).is_err() {
            failures.push(format!(
                "seed {s}: the messy program does not parse (test bug):\n{text}"
            ));
            continue;
        }
        if let Err(e) = property(&text) {
            let small = shrink(&text);
            failures.push(format!(
                "seed {s} (INFRAC_FMT_SEED={s}), shrunk to:\n{small}--- fails: {}",
                property(&small).err().unwrap_or(e)
            ));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} inputs fail:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn fmt_rewrites_files_and_check_lists_them() {
    let dir = common::temp_dir("fmt-cli");
    let file = dir.join("a.infra");
    std::fs::write(
        &file,
        "host h {\n  address 10.0.0.1 ; proxy caddy   # the proxy\n}\n\n\n# end\n",
    )
    .unwrap();
    let check = common::infrac(&["fmt", "--check", dir.as_str()]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&check.stdout),
        format!("would reformat {file}\n")
    );
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("  address 10.0.0.1 ;"),
        "--check wrote"
    );
    let run = common::infrac(&["fmt", dir.as_str()]);
    assert!(run.status.success());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "host h {\n    address 10.0.0.1\n    proxy caddy   # the proxy\n}\n\n# end\n"
    );
    let again = common::infrac(&["fmt", "--check", dir.as_str()]);
    assert!(again.status.success() && again.stdout.is_empty());
    // A file that does not parse is reported, and left as it is.
    std::fs::write(&file, "host h {\n").unwrap();
    let broken = common::infrac(&["fmt", dir.as_str()]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("infrac::syntax"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "host h {\n");
}
