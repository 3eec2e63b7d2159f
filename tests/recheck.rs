//! The language server's incremental re-check (`program::Session`) reports
//! exactly what a check from scratch (`program::analyze`) reports, after
//! every edit of a random sequence on generated programs: lines dropped,
//! doubled or moved, declarations renamed or moved to another file,
//! services losing their port (a site elsewhere must be read again), lists
//! defined, files added and removed, syntax broken and mended. Seeded
//! (`INFRAC_RECHECK_SEED`), and a failure is shrunk to the fewest edits on
//! the smallest program.

mod common;

use common::programs::{self, Decl, Program};
use fastrand::Rng;
use infrac::program::{Session, analyze};
use infrac::source::SourceMap;

/// One edit, as raw numbers taken modulo what exists when it is applied,
/// so a sequence still applies after edits or declarations are dropped.
#[derive(Clone, Copy, Debug)]
enum Edit {
    DropLine(usize, usize),
    DoubleLine(usize, usize),
    MoveLine(usize, usize, usize),
    Rename(usize),
    MoveDecl(usize, usize),
    /// A blank line and a comment at the top of a file: every span in it
    /// moves.
    Shift(usize),
    /// A service without its `port`: the sites that proxy to it, in any
    /// file, must say so.
    DropPort(usize),
    /// `list NAME …` in a file.
    List(usize),
    BreakSyntax(usize),
    Mend,
    NewFile,
    DropFile(usize),
}

/// A program in files; each file a list of declarations.
#[derive(Clone, Debug)]
struct State {
    files: Vec<Vec<Decl>>,
    broken: Option<usize>,
    lists: usize,
}

impl State {
    fn new(p: &Program, rng: &mut Rng) -> State {
        let mut files = vec![Vec::new(), Vec::new(), Vec::new()];
        for d in &p.decls {
            files[rng.usize(..3)].push(d.clone());
        }
        State {
            files,
            broken: None,
            lists: 0,
        }
    }

    fn decls(&mut self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (f, decls) in self.files.iter().enumerate() {
            for d in 0..decls.len() {
                out.push((f, d));
            }
        }
        out
    }

    fn apply(&mut self, edit: Edit) {
        let all = self.decls();
        let nth = |n: usize| all.get(n % all.len().max(1)).copied();
        match edit {
            Edit::DropLine(d, l) | Edit::DoubleLine(d, l) => {
                let Some((f, d)) = nth(d) else { return };
                let lines = &mut self.files[f][d].lines;
                if lines.is_empty() {
                    return;
                }
                let l = l % lines.len();
                if matches!(edit, Edit::DropLine(..)) {
                    lines.remove(l);
                } else {
                    let line = lines[l].clone();
                    lines.insert(l, line);
                }
            }
            Edit::MoveLine(a, l, b) => {
                let (Some((fa, da)), Some((fb, db))) = (nth(a), nth(b)) else {
                    return;
                };
                let lines = &mut self.files[fa][da].lines;
                if lines.is_empty() {
                    return;
                }
                let line = lines.remove(l % lines.len());
                self.files[fb][db].lines.push(line);
            }
            Edit::Rename(d) => {
                let Some((f, d)) = nth(d) else { return };
                let head = &mut self.files[f][d].head;
                if head.contains(' ') {
                    head.push('x');
                }
            }
            Edit::MoveDecl(d, to) => {
                let Some((f, d)) = nth(d) else { return };
                let decl = self.files[f].remove(d);
                let to = to % self.files.len();
                self.files[to].insert(0, decl);
            }
            Edit::Shift(f) => {
                let n = self.files.len();
                if n > 0 {
                    self.files[f % n].insert(
                        0,
                        Decl {
                            head: "# shifted".into(),
                            lines: Vec::new(),
                        },
                    );
                }
            }
            Edit::DropPort(s) => {
                let services: Vec<(usize, usize)> = all
                    .iter()
                    .copied()
                    .filter(|&(f, d)| self.files[f][d].head.starts_with("service "))
                    .collect();
                if let Some(&(f, d)) = services.get(s % services.len().max(1)) {
                    self.files[f][d].lines.retain(|l| !l.starts_with("port "));
                }
            }
            Edit::List(f) => {
                let n = self.files.len();
                if n > 0 {
                    self.lists += 1;
                    self.files[f % n].push(Decl {
                        head: format!("list l{} a b", self.lists),
                        lines: Vec::new(),
                    });
                }
            }
            Edit::BreakSyntax(f) => {
                if !self.files.is_empty() {
                    self.broken = Some(f % self.files.len());
                }
            }
            Edit::Mend => self.broken = None,
            Edit::NewFile => self.files.push(Vec::new()),
            Edit::DropFile(f) => {
                if self.files.len() > 1 {
                    self.files.remove(f % self.files.len());
                    self.broken = None;
                }
            }
        }
    }

    /// The program's files as the workspace gives them: sorted by name.
    fn sources(&self) -> SourceMap {
        let mut sources = SourceMap::new();
        for (i, decls) in self.files.iter().enumerate() {
            let mut text = String::new();
            for d in decls {
                if d.head.starts_with('#') {
                    text.push_str("\n# shifted\n");
                } else if d.head.starts_with("list ") {
                    text.push_str(&d.head);
                    text.push('\n');
                } else {
                    text.push_str(
                        &Program {
                            decls: vec![d.clone()],
                        }
                        .text(),
                    );
                }
            }
            if self.broken == Some(i) {
                text.push_str("site {\n");
            }
            let name = format!("f{i:02}.infra");
            sources.add_shown(name.clone(), format!("/p/{name}"), text);
        }
        sources
    }
}

fn random_edit(rng: &mut Rng) -> Edit {
    match rng.u8(..24) {
        0..=4 => Edit::DropLine(rng.usize(..), rng.usize(..)),
        5..=6 => Edit::DoubleLine(rng.usize(..), rng.usize(..)),
        7..=8 => Edit::MoveLine(rng.usize(..), rng.usize(..), rng.usize(..)),
        9..=10 => Edit::Rename(rng.usize(..)),
        11..=12 => Edit::MoveDecl(rng.usize(..), rng.usize(..)),
        13..=14 => Edit::Shift(rng.usize(..)),
        15..=17 => Edit::DropPort(rng.usize(..)),
        18 => Edit::List(rng.usize(..)),
        19 => Edit::BreakSyntax(rng.usize(..)),
        20..=21 => Edit::Mend,
        22 => Edit::NewFile,
        _ => Edit::DropFile(rng.usize(..)),
    }
}

/// The first edit after which the re-check and a check from scratch
/// differ, with what each said.
fn first_difference(program: &Program, split: u64, edits: &[Edit]) -> Option<(usize, String)> {
    let mut state = State::new(program, &mut Rng::with_seed(split));
    let mut session = Session::default();
    for step in 0..=edits.len() {
        if step > 0 {
            state.apply(edits[step - 1]);
        }
        let sources = state.sources();
        let incremental = session.diagnostics(&sources);
        let scratch = analyze(&sources).diagnostics;
        if incremental != scratch {
            let show = |ds: &[infrac::diag::Diagnostic]| {
                ds.iter()
                    .map(|d| format!("  {} {:?} {}", d.code, d.span(), d.message))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            return Some((
                step,
                format!(
                    "re-check:\n{}\nfrom scratch:\n{}",
                    show(&incremental),
                    show(&scratch)
                ),
            ));
        }
    }
    None
}

#[test]
fn a_recheck_reports_what_a_check_from_scratch_reports() {
    let seed: u64 = std::env::var("INFRAC_RECHECK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7000);
    let programs: u64 = std::env::var("INFRAC_RECHECK_PROGRAMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let mut failures = Vec::new();
    for i in 0..programs {
        let s = seed + i;
        let mut rng = Rng::with_seed(s);
        let program = programs::generate(&mut rng);
        let edits: Vec<Edit> = (0..rng.usize(8..20))
            .map(|_| random_edit(&mut rng))
            .collect();
        if first_difference(&program, s, &edits).is_none() {
            continue;
        }
        // Shrink: the fewest edits, then the smallest program.
        let mut edits = edits;
        let mut k = 0;
        while k < edits.len() {
            let mut fewer = edits.clone();
            fewer.remove(k);
            if first_difference(&program, s, &fewer).is_some() {
                edits = fewer;
            } else {
                k += 1;
            }
        }
        let small = programs::shrink(&program, &mut |p| first_difference(p, s, &edits).is_some());
        let (step, said) = first_difference(&small, s, &edits).unwrap_or_default();
        let state = {
            let mut st = State::new(&small, &mut Rng::with_seed(s));
            for e in &edits[..step] {
                st.apply(*e);
            }
            st
        };
        let files: Vec<String> = state
            .sources()
            .iter()
            .map(|(_, f)| format!("--- {}\n{}", f.name, f.text))
            .collect();
        failures.push(format!(
            "seed {s} (INFRAC_RECHECK_SEED={s} INFRAC_RECHECK_PROGRAMS=1): after edits {:?}\n{}\n{said}",
            &edits[..step],
            files.join("")
        ));
        if failures.len() >= 2 {
            break;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// An edit to one file parses that file only.
#[test]
fn a_recheck_parses_only_the_edited_file() {
    let mut rng = Rng::with_seed(3);
    let program = programs::generate(&mut rng);
    let mut state = State::new(&program, &mut rng);
    let mut session = Session::default();
    let _ = session.diagnostics(&state.sources());
    assert_eq!(session.parsed_last(), 3);
    state.files[1].push(Decl {
        head: "# shifted".into(),
        lines: Vec::new(),
    });
    let _ = session.diagnostics(&state.sources());
    assert_eq!(session.parsed_last(), 1);
    let _ = session.diagnostics(&state.sources());
    assert_eq!(session.parsed_last(), 0);
}
