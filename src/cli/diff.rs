//! `infrac diff [REV]`: the program at a git revision and in the working
//! tree, both built, compared per host — the files added, changed and
//! removed (unified diffs), what each change reloads and its risk class.
//! No host is asked: this is what a reviewer reads on a pull request.

use std::io::IsTerminal;
use std::process::Command;

use camino::{Utf8Path, Utf8PathBuf};
use serde::Serialize;

use super::{Input, MessageFormat, PROGRAM, colour_on, emit, exit, out, rendered};
use crate::apply::{self, ChangeKind, HostPlan};
use crate::diag::Diagnostic;
use crate::program;
use crate::render::HostTree;
use crate::source::SourceMap;

/// `git ARGS` in `dir`: its standard output, or what it said.
fn git(dir: &Utf8Path, args: &[&str]) -> Result<String, String> {
    let o = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if o.status.success() {
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).trim().to_owned())
    }
}

/// The program's files as they are at `rev`, named as in the working tree
/// and shown as `REV:path`.
fn program_at(rev: &str, dir: &Utf8Path) -> Result<SourceMap, String> {
    let top = Utf8PathBuf::from(git(dir, &["rev-parse", "--show-toplevel"])?.trim());
    let prefix = git(dir, &["rev-parse", "--show-prefix"])?.trim().to_owned();
    let listed = git(&top, &["ls-tree", "-r", "--name-only", rev, "--", &prefix])?;
    // The files `program::load_dir` reads (`*.infra`, not in a hidden
    // folder), in its order (by path, not git's by bytes), so both builds
    // are of the same kind of program.
    let mut paths: Vec<Utf8PathBuf> = listed
        .lines()
        .map(Utf8PathBuf::from)
        .filter(|p| {
            p.extension() == Some("infra")
                && !p
                    .parent()
                    .is_some_and(|d| d.components().any(|c| c.as_str().starts_with('.')))
        })
        .collect();
    paths.sort();
    let mut sources = SourceMap::new();
    for path in &paths {
        let text = git(&top, &["show", &format!("{rev}:{path}")])?;
        let name = path.strip_prefix(prefix.as_str()).unwrap_or(path);
        sources.add_shown(name, format!("{rev}:{path}"), text);
    }
    Ok(sources)
}

/// The hosts' trees of a program; else the exit code, after printing why.
/// Only a program that does not check has its diagnostics printed: its
/// warnings are `check`'s to report, and would mix with `diff`'s JSON.
fn build(sources: &SourceMap, input: &Input, what: &str) -> Result<Vec<HostTree>, u8> {
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let checked = program::analyze(sources);
    let model = checked
        .model
        .filter(|_| !checked.diagnostics.iter().any(Diagnostic::is_error));
    let Some(model) = model else {
        emit(&checked.diagnostics, sources, input);
        eprintln!("error: {what} does not check: nothing to compare");
        return Err(exit::INPUT);
    };
    rendered(&model)
}

#[derive(Serialize)]
struct JsonChange<'a> {
    path: &'a Utf8Path,
    change: &'static str,
    risk: apply::Risk,
    reload: Option<String>,
    diff: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonHost<'a> {
    host: &'a str,
    risk: Option<apply::Risk>,
    reloads: Vec<String>,
    changes: Vec<JsonChange<'a>>,
}

fn json(plans: &[&HostPlan]) -> String {
    let hosts: Vec<JsonHost<'_>> = plans
        .iter()
        .map(|p| JsonHost {
            host: &p.host,
            risk: p.risk(),
            reloads: p.reloads().iter().map(ToString::to_string).collect(),
            changes: p
                .changes
                .iter()
                .map(|c| JsonChange {
                    path: &c.path,
                    change: match c.kind {
                        ChangeKind::Add => "add",
                        ChangeKind::Change => "change",
                        ChangeKind::Mode => "mode",
                        ChangeKind::Remove => "remove",
                    },
                    risk: c.risk(),
                    reload: c.reload.as_ref().map(ToString::to_string),
                    diff: c.diff.as_deref(),
                })
                .collect(),
        })
        .collect();
    serde_json::to_string_pretty(&hosts).unwrap_or_default() + "\n"
}

/// Diff lines in colour: added green, removed red, hunks cyan.
fn coloured(text: &str) -> String {
    let mut s = String::new();
    for line in text.lines() {
        let body = line.trim_start();
        let colour = if body.starts_with("+++") || body.starts_with("---") {
            "1"
        } else if body.starts_with('+') && line.starts_with("      ") {
            "32"
        } else if body.starts_with('-') && line.starts_with("      ") {
            "31"
        } else if body.starts_with("@@") {
            "36"
        } else {
            ""
        };
        if colour.is_empty() {
            s.push_str(line);
        } else {
            s.push_str(&format!("\u{1b}[{colour}m{line}\u{1b}[0m"));
        }
        s.push('\n');
    }
    s
}

/// Runs `infrac diff`; the exit code (0 also when something changes: a
/// difference is what a review is for).
pub fn run(rev: Option<&str>, input: &Input) -> u8 {
    // `infrac diff sites`: one word that is a folder, not a revision, is
    // the program (as `git diff` tells paths from revisions).
    let given;
    let (rev, input) = match rev {
        Some(r)
            if input.dir.as_str() == PROGRAM
                && Utf8Path::new(r).exists()
                && git(
                    Utf8Path::new("."),
                    &[
                        "rev-parse",
                        "--verify",
                        "--quiet",
                        &format!("{r}^{{commit}}"),
                    ],
                )
                .is_err() =>
        {
            given = Input {
                dir: r.into(),
                message_format: input.message_format,
                color: input.color,
            };
            (None, &given)
        }
        _ => (rev, input),
    };
    let dir = if input.dir.is_file() {
        input.dir.parent().unwrap_or(Utf8Path::new(".")).to_owned()
    } else {
        input.dir.clone()
    };
    let rev = match rev {
        Some(r) => r.to_owned(),
        None => match git(&dir, &["merge-base", "HEAD", "@{upstream}"]) {
            Ok(base) => base.trim().to_owned(),
            Err(why) => {
                eprintln!(
                    "error: no revision given and no upstream branch to compare with ({why})\n  help: name one: `infrac diff main`"
                );
                return exit::FAILURE;
            }
        },
    };
    let old_sources = match program_at(&rev, &dir) {
        Ok(s) => s,
        Err(why) => {
            eprintln!("error: cannot read {} at `{rev}`: {why}", input.dir);
            return exit::FAILURE;
        }
    };
    let new_sources = match program::load_dir(&input.dir) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::FAILURE;
        }
    };
    let old = match build(&old_sources, input, &format!("the program at `{rev}`")) {
        Ok(trees) => trees,
        Err(code) => return code,
    };
    let new = match build(&new_sources, input, "the working tree's program") {
        Ok(trees) => trees,
        Err(code) => return code,
    };
    let plans = apply::compare(&old, &new, (&rev, "working tree"));
    let changed: Vec<&HostPlan> = plans.iter().filter(|p| !p.is_empty()).collect();
    if input.message_format == MessageFormat::Json {
        out(&json(&changed));
        return exit::OK;
    }
    if changed.is_empty() {
        out(&format!(
            "no host changes between `{rev}` and the working tree\n"
        ));
        return exit::OK;
    }
    let text: String = changed.iter().map(|p| apply::describe(p)).collect();
    let colour = colour_on(input.color, std::io::stdout().is_terminal());
    out(&if colour { coloured(&text) } else { text });
    exit::OK
}
