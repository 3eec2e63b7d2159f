//! `infrac plan` and `infrac apply`: the commands that talk to hosts.

use std::io::{IsTerminal, Write};

use camino::{Utf8Path, Utf8PathBuf};

use super::{Input, Targets, checked_model, plural};
use crate::apply::{
    self, Event, Hold, HostOutcome, HostPlan, Risk, RollOptions, SshOptions, Target,
};

/// Exit codes of `plan` (and `apply --dry-run`), like `terraform plan
/// -detailed-exitcode`; `apply` uses the first two.
const OK: u8 = 0;
const ERROR: u8 = 1;
const CHANGES: u8 = 2;

/// Where the files come from, and how to reach the hosts.
#[derive(clap::Args, Debug)]
pub struct Source {
    /// Take the trees of an earlier `infrac build` (e.g. `out/`) instead
    /// of building now.
    #[arg(long, value_name = "OUT")]
    pub from: Option<Utf8PathBuf>,
    /// Hosts talked to at once.
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub parallel: usize,
}

/// Prints an error; plan's and apply's exit code for it.
fn fail(e: impl std::fmt::Display) -> u8 {
    eprintln!("error: {e}");
    ERROR
}

/// Builds (or reads) the trees and keeps the selected hosts'.
fn targets(input: &Input, select: &Targets, source: &Source) -> Result<Vec<Target>, u8> {
    let all = if let Some(dir) = &source.from {
        read_out(dir)?
    } else {
        let (_, model) = checked_model(input).map_err(|_| ERROR)?;
        let trees = crate::render::render(&model).map_err(fail)?;
        trees
            .iter()
            .map(Target::from_tree)
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?
    };
    let chosen = choose(&all, select).map_err(fail)?;
    let mut out = Vec::new();
    let mut failed = false;
    for (_, t) in all
        .into_iter()
        .enumerate()
        .filter(|(i, _)| chosen.contains(i))
    {
        let host = t.host().to_owned();
        match t.with_secrets(|name| std::env::var(name).ok()) {
            Ok(t) => out.push(t),
            Err(e) => {
                eprintln!("error: {host}: {e}");
                failed = true;
            }
        }
    }
    if failed { Err(ERROR) } else { Ok(out) }
}

/// Every host tree under an `out/` folder.
fn read_out(dir: &Utf8Path) -> Result<Vec<Target>, u8> {
    let entries = std::fs::read_dir(dir).map_err(|e| fail(format!("cannot read {dir}: {e}")))?;
    let mut hosts: Vec<Utf8PathBuf> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Utf8PathBuf::from_path_buf(e.path()).ok())
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    hosts.sort();
    if hosts.is_empty() {
        eprintln!(
            "error: {dir} holds no host trees (no */manifest.json); run `infrac build` first"
        );
        return Err(ERROR);
    }
    hosts
        .iter()
        .map(|h| Target::load(h))
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)
}

/// The indexes of the hosts `select` names; unknown names are errors.
fn choose(all: &[Target], select: &Targets) -> Result<Vec<usize>, String> {
    if select.all {
        return Ok((0..all.len()).collect());
    }
    if select.hosts.is_empty() && select.pools.is_empty() {
        return Err("say which hosts: --host NAME, --pool NAME or --all".to_owned());
    }
    let mut out = Vec::new();
    for name in &select.hosts {
        let i = all
            .iter()
            .position(|t| t.host() == name)
            .ok_or_else(|| format!("no host named `{name}`"))?;
        out.push(i);
    }
    for name in &select.pools {
        let before = out.len();
        out.extend(
            all.iter()
                .enumerate()
                .filter(|(_, t)| t.manifest.pools.contains(name))
                .map(|(i, _)| i),
        );
        if out.len() == before {
            return Err(format!("no pool named `{name}`"));
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn options(select: &Targets, source: &Source, proof_timeout: u32) -> RollOptions {
    RollOptions {
        ssh: SshOptions {
            config: select.ssh_config.clone(),
        },
        proof_timeout,
        parallel: source.parallel.max(1),
    }
}

/// Plans every target, printing each plan; `None` for a host that could
/// not be planned (the error is printed).
fn plan_and_print(targets: &[Target], options: &RollOptions) -> Vec<Option<HostPlan>> {
    let mut plans = Vec::new();
    for (t, result) in targets.iter().zip(apply::plan_all(targets, options)) {
        match result {
            Ok(p) => {
                super::out(&apply::describe(&p));
                plans.push(Some(p));
            }
            Err(e) => {
                eprintln!("error: {}: {e}", t.host());
                plans.push(None);
            }
        }
    }
    plans
}

pub fn plan(input: &Input, select: &Targets, source: &Source) -> u8 {
    let targets = match targets(input, select, source) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let plans = plan_and_print(&targets, &options(select, source, 0));
    if plans.iter().any(Option::is_none) {
        ERROR
    } else if plans.iter().flatten().all(HostPlan::is_empty) {
        OK
    } else {
        CHANGES
    }
}

pub struct ApplyFlags {
    pub dry_run: bool,
    pub yes: bool,
    pub confirm: Option<Risk>,
    pub proof_timeout: u32,
}

pub fn apply(input: &Input, select: &Targets, source: &Source, flags: &ApplyFlags) -> u8 {
    if flags.dry_run {
        return plan(input, select, source);
    }
    let targets = match targets(input, select, source) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let options = options(select, source, flags.proof_timeout);
    let planned = plan_and_print(&targets, &options);
    // A host that could not be planned fails alone: the other hosts, and
    // pools it is not in, go on; its pools wait (they roll whole or not).
    let unplanned: Vec<&Target> = targets
        .iter()
        .zip(&planned)
        .filter(|(_, p)| p.is_none())
        .map(|(t, _)| t)
        .collect();
    let held_back = |t: &Target| {
        unplanned.iter().any(|u| {
            u.host() == t.host()
                || u.manifest
                    .pools
                    .iter()
                    .any(|p| t.manifest.pools.contains(p))
        })
    };
    let mut skipped: Vec<(String, String)> = Vec::new();
    let mut go_targets = Vec::new();
    let mut plans = Vec::new();
    for (t, p) in targets.iter().zip(planned) {
        match p {
            Some(p) if !held_back(t) => {
                go_targets.push(t.clone());
                plans.push(p);
            }
            Some(_) => skipped.push((
                t.host().to_owned(),
                "a member of its pool could not be planned".to_owned(),
            )),
            None => skipped.push((t.host().to_owned(), "could not be planned".to_owned())),
        }
    }
    let (targets, plans, left) = match flags.confirm {
        Some(level) => hold(go_targets, plans, level),
        None => (go_targets, plans, Vec::new()),
    };
    let busy = plans.iter().filter(|p| !p.is_empty()).count();
    if busy == 0 {
        if !skipped.is_empty() {
            eprintln!("nothing applied; not applied: {}", not_applied(&skipped));
            return ERROR;
        }
        if let Some(level) = flags.confirm.filter(|_| !left.is_empty()) {
            eprintln!("nothing applied; {}", left_for_confirmation(level, &left));
            return CHANGES;
        }
        eprintln!("nothing to apply");
        return OK;
    }
    if flags.confirm.is_none() && !flags.yes && std::io::stdin().is_terminal() && !confirm(busy) {
        eprintln!("nothing applied");
        return ERROR;
    }
    let progress = Progress::new(&targets, &plans);
    let outcomes = apply::apply_all(&targets, &plans, &options, &|e| progress.event(&e));
    progress.finish();
    let mut code = OK;
    for (t, outcome) in targets.iter().zip(&outcomes) {
        if !outcome.is_success() {
            code = ERROR;
        }
        if let HostOutcome::Failed(e) = outcome {
            eprintln!("error: {}: {e}", t.host());
        }
    }
    let applied = outcomes
        .iter()
        .filter(|o| matches!(o, HostOutcome::Applied(a) if !a.up_to_date))
        .count();
    for (t, outcome) in targets.iter().zip(&outcomes) {
        if !outcome.is_success() {
            skipped.push((t.host().to_owned(), "failed".to_owned()));
        }
    }
    if !skipped.is_empty() {
        code = ERROR;
    }
    let mut summary = format!("applied to {}", plural(applied, "host"));
    if !skipped.is_empty() {
        summary.push_str(&format!("; not applied: {}", not_applied(&skipped)));
    }
    if let Some(level) = flags.confirm.filter(|_| !left.is_empty()) {
        summary.push_str(&format!("; {}", left_for_confirmation(level, &left)));
        if code == OK {
            code = CHANGES;
        }
    }
    eprintln!("{summary}");
    code
}

/// Splits the targets at a confirmation level: those that go, their
/// plans, and those left (with why). On a terminal the user is asked
/// about the held hosts first.
fn hold(
    targets: Vec<Target>,
    plans: Vec<HostPlan>,
    level: Risk,
) -> (Vec<Target>, Vec<HostPlan>, Vec<(String, Hold)>) {
    let held = apply::hold(&targets, &plans, level);
    let asked: Vec<(String, Hold)> = targets
        .iter()
        .zip(&held)
        .filter_map(|(t, h)| Some((t.host().to_owned(), h.clone()?)))
        .collect();
    if asked.is_empty()
        || (std::io::stdin().is_terminal()
            && ask(&format!(
                "changes above {level} on:{}\napply them too?",
                held_list(&asked)
            )))
    {
        return (targets, plans, Vec::new());
    }
    let mut go = (Vec::new(), Vec::new());
    for ((t, p), h) in targets.into_iter().zip(plans).zip(held) {
        if h.is_none() {
            go.0.push(t);
            go.1.push(p);
        }
    }
    (go.0, go.1, asked)
}

/// `h2 (could not be planned), h3 (failed)`
fn not_applied(hosts: &[(String, String)]) -> String {
    hosts
        .iter()
        .map(|(h, why)| format!("{h} ({why})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The held hosts, a line each: a host's changes above the level with
/// their class and reload, as `plan` shows them.
fn held_list(held: &[(String, Hold)]) -> String {
    let mut out = String::new();
    for (host, why) in held {
        let what = match why {
            Hold::Own { changes, .. } => changes
                .iter()
                .map(|c| {
                    let reload = c
                        .reload
                        .as_ref()
                        .map(|r| format!(", reloads {r}"))
                        .unwrap_or_default();
                    format!("/{} [{}{reload}]", c.path, c.risk())
                })
                .collect::<Vec<_>>()
                .join(", "),
            Hold::Pool { member } => format!("shares a pool with {member}"),
        };
        out.push_str(&format!("\n  {host}: {what}"));
    }
    out
}

/// What `--confirm` left, and how to apply it.
fn left_for_confirmation(level: Risk, left: &[(String, Hold)]) -> String {
    let most = left
        .iter()
        .filter_map(|(_, h)| match h {
            Hold::Own { risk, .. } => Some(*risk),
            Hold::Pool { .. } => None,
        })
        .max()
        .unwrap_or(Risk::Destructive);
    format!(
        "left for confirmation, with changes above {level}:{}\napply them with `--confirm {most}`",
        held_list(left)
    )
}

fn confirm(hosts: usize) -> bool {
    ask(&format!(
        "apply these changes to {}?",
        plural(hosts, "host")
    ))
}

/// Asks `question` on the terminal; yes only when the user says so.
fn ask(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes")
}

/// A line per host: redrawn in place on a terminal, printed as it
/// happens otherwise.
struct Progress {
    bars: Option<(
        indicatif::MultiProgress,
        Vec<(String, indicatif::ProgressBar)>,
    )>,
}

impl Progress {
    fn new(targets: &[Target], plans: &[HostPlan]) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress { bars: None };
        }
        let multi = indicatif::MultiProgress::new();
        let style = indicatif::ProgressStyle::with_template("{spinner} {prefix:.bold}: {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
        let bars = targets
            .iter()
            .zip(plans)
            .filter(|(_, p)| !p.is_empty())
            .map(|(t, _)| {
                let bar = multi.add(indicatif::ProgressBar::new_spinner());
                bar.set_style(style.clone());
                bar.set_prefix(t.host().to_owned());
                bar.set_message("waiting");
                bar.enable_steady_tick(std::time::Duration::from_millis(100));
                (t.host().to_owned(), bar)
            })
            .collect();
        Progress {
            bars: Some((multi, bars)),
        }
    }

    fn event(&self, e: &Event<'_>) {
        let (host, text) = match e {
            Event::Step { host, step } => (*host, (*step).to_owned()),
            Event::Done { host, outcome } => (*host, done(outcome)),
        };
        match &self.bars {
            Some((_, bars)) => {
                if let Some((_, bar)) = bars.iter().find(|(h, _)| h == host) {
                    match e {
                        Event::Step { .. } => bar.set_message(text),
                        Event::Done { .. } => bar.finish_with_message(text),
                    }
                }
            }
            None => eprintln!("{host}: {text}"),
        }
    }

    fn finish(&self) {
        if let Some((multi, bars)) = &self.bars {
            for (_, bar) in bars {
                if !bar.is_finished() {
                    bar.finish();
                }
            }
            let _ = multi.clear();
            for (host, bar) in bars {
                eprintln!("{host}: {}", bar.message());
            }
        }
    }
}

/// One host's result, in a line.
fn done(outcome: &HostOutcome) -> String {
    match outcome {
        HostOutcome::Applied(a) if a.up_to_date => "up to date".to_owned(),
        HostOutcome::Applied(a) if a.observed.is_some() => format!(
            "applied: {}, and a new plan finds this build's files on the host",
            a.observed.as_deref().unwrap_or_default()
        ),
        HostOutcome::Applied(a) => {
            let (written, moded, removed) = a.swapped;
            let mut parts = vec![format!(
                "applied: {} written, {moded} re-moded, {removed} removed",
                plural(written, "file")
            )];
            if a.recovered {
                parts.push("repaired an interrupted apply".to_owned());
            }
            if !a.obtained.is_empty() {
                parts.push(format!("obtained certificates {}", a.obtained.join(", ")));
            }
            if !a.reloads.is_empty() {
                parts.push(format!("reloaded {}", a.reloads.join(", ")));
            }
            if let Some(b) = &a.proved {
                if a.queued {
                    parts.push(format!(
                        "proved build {b}; another apply was waiting on the host and replaces it"
                    ));
                } else {
                    parts.push(format!("serving build {b}"));
                }
            }
            parts.join("; ")
        }
        HostOutcome::Failed(e) => format!("FAILED; {}", e.host_state()),
        HostOutcome::Skipped {
            pool,
            member,
            http_only: false,
        } => format!("not applied: `{member}` of pool `{pool}` failed first"),
        HostOutcome::Skipped {
            pool,
            member,
            http_only: true,
        } => format!(
            "serving HTTP for the ACME challenges, not the whole build (the next apply goes on): `{member}` of pool `{pool}` failed first"
        ),
        HostOutcome::RolledBack {
            pool,
            member,
            http_only: false,
            error: None,
        } => {
            format!("rolled back to its previous configuration: `{member}` of pool `{pool}` failed")
        }
        HostOutcome::RolledBack {
            pool,
            member,
            http_only: true,
            error: None,
        } => format!(
            "rolled back to serving HTTP for the ACME challenges, keeping the certificates it obtained (the next apply installs the whole build): `{member}` of pool `{pool}` failed"
        ),
        HostOutcome::RolledBack { error: Some(e), .. } => format!("ROLLBACK FAILED: {e}"),
    }
}
