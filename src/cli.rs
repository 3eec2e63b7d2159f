//! The command line: clap → a validated configuration → one stage driver.
//! This module and `apply` are where infrac does IO and prints.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use camino::Utf8PathBuf;
use clap::{Parser, Subcommand, ValueEnum};

use crate::diag::{self, Code, ColorChoice, Diagnostic, Severity};
use crate::program;
use crate::source::SourceMap;

mod diff;
mod fmt;
mod hosts;

/// Exit codes scripts can rely on.
pub mod exit {
    /// Success (warnings allowed).
    pub const OK: u8 = 0;
    /// The input has errors.
    pub const INPUT: u8 = 1;
    /// Usage or IO problem: infrac could not do its job.
    pub const FAILURE: u8 = 2;
}

/// The program's folder when none is named.
const PROGRAM: &str = "sites";

#[derive(Parser, Debug)]
#[command(name = "infrac", version, about = "Compile web hosting declarations into server configs", long_about = None)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    Human,
    Json,
    /// GitHub Actions workflow commands: annotations on a pull request.
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct Input {
    /// Folder of `*.infra` files (one program), or a single file.
    #[arg(default_value = PROGRAM)]
    pub dir: Utf8PathBuf,
    /// `json`: one object per line per diagnostic, on standard output;
    /// `github`: one GitHub Actions workflow command per diagnostic (an
    /// annotation on the pull request), on standard output.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// Colour in diagnostics: `auto` colours on a terminal unless `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// Which hosts to talk to.
#[derive(clap::Args, Debug)]
pub struct Targets {
    /// A host (repeatable).
    #[arg(long = "host", value_name = "HOST")]
    pub hosts: Vec<String>,
    /// Every member of a pool (repeatable).
    #[arg(long = "pool", value_name = "POOL")]
    pub pools: Vec<String>,
    /// Every host.
    #[arg(long, conflicts_with_all = ["hosts", "pools"])]
    pub all: bool,
    /// An `ssh_config` to use instead of ~/.ssh/config (`ssh -F`).
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<Utf8PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse, resolve and check every file; report every problem.
    Check {
        #[command(flatten)]
        input: Input,
    },
    /// Check, then write every host's files and manifest to `out/<host>/`.
    ///
    /// Nothing under the output folder changes unless the whole build succeeds.
    Build {
        #[command(flatten)]
        input: Input,
        /// Output folder.
        #[arg(short, long, default_value = "out")]
        out: Utf8PathBuf,
    },
    /// Show, per host, what `apply` would change against what is live there.
    ///
    /// Exit code: 0 nothing to change, 2 changes, 1 an error (in the input
    /// or reaching a host) — like `terraform plan -detailed-exitcode`.
    Plan {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        targets: Targets,
        #[command(flatten)]
        source: hosts::Source,
    },
    /// Make hosts run the build: only changed files are sent, checked on the
    /// host, swapped in and reloaded, and the new configuration proved live.
    ///
    /// A host either runs the new configuration or still runs the old one.
    /// Pool members go one at a time; when one fails, those already
    /// switched are put back. Exit code: 0 applied (or nothing to do), 1
    /// an error, 2 changes left for confirmation (`--confirm`).
    Apply {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        targets: Targets,
        #[command(flatten)]
        source: hosts::Source,
        /// Only show what would change (`infrac plan`).
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation on a terminal.
        #[arg(long, short, conflicts_with = "confirm")]
        yes: bool,
        /// Apply without asking the hosts whose changes are all at most
        /// this risky; ask about the others on a terminal, and leave them
        /// otherwise (exit 2). A host is left whole, with its pool.
        #[arg(long, value_name = "LEVEL")]
        confirm: Option<crate::apply::Risk>,
        /// Seconds a reloaded proxy has to answer its new build id.
        #[arg(long, default_value_t = 10, value_name = "SECONDS")]
        proof_timeout: u32,
    },
    /// Compare the build of the program at a git revision with the working
    /// tree's, per host: files added, changed and removed (unified diffs),
    /// what each reloads, and its risk class. Asks no host.
    Diff {
        /// The revision (default: where HEAD left its upstream branch,
        /// `git merge-base HEAD @{upstream}`).
        rev: Option<String>,
        #[command(flatten)]
        input: Input,
    },
    /// Rewrite source files in infrac's one layout: four spaces a level,
    /// one directive a line, comments and blank-line groups kept.
    ///
    /// Exit code: 0 done (or, with `--check`, nothing to change), 1 a file
    /// does not parse (or, with `--check`, would change).
    Fmt {
        /// Files or folders of `*.infra` files.
        #[arg(default_value = PROGRAM)]
        paths: Vec<Utf8PathBuf>,
        /// Change nothing: list the files that would change, exit 1 if any.
        #[arg(long)]
        check: bool,
        /// Colour in diagnostics: `auto` colours on a terminal unless `NO_COLOR` is set.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Serve an editor: the language server (LSP over stdin/stdout), for
    /// diagnostics as you type, hover docs, completion, go to definition,
    /// symbols and formatting.
    Lsp,
    /// Print a shell's completion script for infrac
    /// (`infrac completions bash > /etc/bash_completion.d/infrac`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write infrac's man pages: `infrac.1` and one per subcommand
    /// (`infrac man /usr/local/share/man/man1`).
    Man {
        /// The folder to write them into.
        dir: Utf8PathBuf,
    },
    /// Explain a diagnostic code (`infrac explain unknown-service`).
    Explain {
        /// A code such as `infrac::unknown-service`; omit to list all codes.
        code: Option<String>,
    },
    /// Print an intermediate form, for debugging infrac itself.
    Debug {
        #[arg(value_enum)]
        stage: DebugStage,
        #[command(flatten)]
        input: Input,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DebugStage {
    /// The syntax trees.
    Parse,
    /// The checked model, as JSON.
    Model,
}

/// Runs the command line; the whole binary is this function.
#[must_use]
pub fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                exit::FAILURE
            } else {
                exit::OK
            });
        }
    };
    ExitCode::from(run(args))
}

/// Runs parsed arguments and returns the exit code.
#[must_use]
pub fn run(args: Args) -> u8 {
    match args.command {
        Command::Check { input } => check(&input),
        Command::Build { input, out } => build(&input, &out),
        Command::Plan {
            input,
            targets,
            source,
        } => hosts::plan(&input, &targets, &source),
        Command::Apply {
            input,
            targets,
            source,
            dry_run,
            yes,
            confirm,
            proof_timeout,
        } => hosts::apply(
            &input,
            &targets,
            &source,
            &hosts::ApplyFlags {
                dry_run,
                yes,
                confirm,
                proof_timeout,
            },
        ),
        Command::Diff { rev, input } => diff::run(rev.as_deref(), &input),
        Command::Fmt {
            paths,
            check,
            color,
        } => fmt::run(&paths, check, color),
        Command::Completions { shell } => {
            let mut cmd = <Args as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "infrac", &mut std::io::stdout());
            exit::OK
        }
        Command::Man { dir } => man(&dir),
        Command::Lsp => match crate::lsp::serve() {
            Ok(()) => exit::OK,
            Err(err) => {
                eprintln!("error: infrac lsp: {err}");
                exit::FAILURE
            }
        },
        Command::Explain { code } => explain(code.as_deref()),
        Command::Debug { stage, input } => debug(stage, &input),
    }
}

/// Whether to colour output going to a stream that `terminal` says is one.
fn colour_on(color: Color, terminal: bool) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Diagnostics' colour (they go to standard error).
fn color_choice(color: Color) -> ColorChoice {
    if colour_on(color, std::io::stderr().is_terminal()) {
        ColorChoice::Always
    } else {
        ColorChoice::Never
    }
}

fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

fn load(input: &Input) -> Result<SourceMap, u8> {
    program::load_dir(&input.dir).map_err(|err| {
        eprintln!("error: {err}");
        exit::FAILURE
    })
}

/// Prints diagnostics in the chosen format; returns whether any is an error.
fn emit(diags: &[Diagnostic], sources: &SourceMap, input: &Input) -> bool {
    match input.message_format {
        MessageFormat::Json => {
            out(&diag::to_json(diags, sources));
        }
        MessageFormat::Github => {
            out(&diag::to_github(diags, sources));
        }
        MessageFormat::Human => {
            let text = diag::to_human(diags, sources, color_choice(input.color), width());
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let errors = diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            let warnings = diags.len() - errors;
            if !diags.is_empty() {
                let _ = writeln!(err, "{}", summary(errors, warnings));
            }
        }
    }
    diags.iter().any(Diagnostic::is_error)
}

use crate::diag::plural;

fn summary(errors: usize, warnings: usize) -> String {
    match (errors, warnings) {
        (0, w) => plural(w, "warning").clone(),
        (e, 0) => plural(e, "error").clone(),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// Loads and checks the input, printing its diagnostics; the model when
/// there is no error, else the exit code.
fn checked_model(input: &Input) -> Result<(SourceMap, crate::model::Model), u8> {
    let sources = load(input)?;
    let checked = program::analyze(&sources);
    if emit(&checked.diagnostics, &sources, input) {
        return Err(exit::INPUT);
    }
    let model = checked.model.ok_or(exit::INPUT)?;
    Ok((sources, model))
}

fn check(input: &Input) -> u8 {
    let (sources, model) = match checked_model(input) {
        Ok(ok) => ok,
        Err(code) => return code,
    };
    if input.message_format == MessageFormat::Human {
        eprintln!(
            "checked {}: {}, {}, {}, {}, {}",
            plural(sources.len(), "file"),
            plural(model.hosts.len(), "host"),
            plural(model.sites.len(), "site"),
            plural(model.services.len(), "service"),
            plural(model.jobs.len(), "cron job"),
            plural(model.units.len(), "unit"),
        );
    }
    exit::OK
}

/// Every host's tree; a render error (a bug in infrac, not the input) is
/// printed and ends the command.
fn rendered(model: &crate::model::Model) -> Result<Vec<crate::render::HostTree>, u8> {
    crate::render::render(model).map_err(|err| {
        eprintln!("error: {err}");
        exit::FAILURE
    })
}

fn build(input: &Input, out: &camino::Utf8Path) -> u8 {
    // Before any work: `-o` never replaces what infrac did not write.
    if let Err(err) =
        crate::output::outside_sources(out, &input.dir).and_then(|()| crate::output::claim(out))
    {
        eprintln!("error: {err}");
        return exit::FAILURE;
    }
    let model = match checked_model(input) {
        Ok((_, model)) => model,
        Err(code) => return code,
    };
    let trees = match rendered(&model) {
        Ok(trees) => trees,
        Err(code) => return code,
    };
    let written = match crate::output::write(&trees, out) {
        Ok(written) => written,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::FAILURE;
        }
    };
    if input.message_format == MessageFormat::Human {
        let files: usize = trees.iter().map(|t| t.files.len() + 1).sum();
        let what = if written.is_empty() {
            "all up to date".to_owned()
        } else {
            let mut parts = vec![format!("{} written", plural(written.written.len(), "host"))];
            if !written.removed.is_empty() {
                parts.push(format!("{} removed", written.removed.join(", ")));
            }
            parts.join("; ")
        };
        eprintln!(
            "built {} for {} into {out}/: {what}",
            plural(files, "file"),
            plural(trees.len(), "host")
        );
    }
    exit::OK
}

/// Writes to standard output. A reader that went away (`infrac explain |
/// head -1`) is not an error: infrac stops quietly, exit 0, as `cat` does.
pub(crate) fn out(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(i32::from(exit::OK));
    }
}

/// The man pages, `infrac.1` and one per subcommand (`infrac-build.1`,
/// which `infrac.1` lists), written into `dir`.
fn man(dir: &camino::Utf8Path) -> u8 {
    let cmd = <Args as clap::CommandFactory>::command();
    match std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir)) {
        Ok(()) => {
            eprintln!("wrote the man pages into {dir}/ (`man {dir}/infrac.1`)");
            exit::OK
        }
        Err(err) => {
            eprintln!("error: cannot write the man pages into {dir}: {err}");
            exit::FAILURE
        }
    }
}

fn explain(code: Option<&str>) -> u8 {
    match code {
        None => {
            for c in Code::ALL {
                let first = c.explain().lines().next().unwrap_or("");
                out(&format!("{c:<36} {first}\n"));
            }
            exit::OK
        }
        Some(name) => {
            if let Some(c) = Code::from_name(name) {
                let severity = match c.severity() {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                out(&format!("{c} ({severity})\n\n{}\n", c.explain()));
                exit::OK
            } else {
                eprintln!("error: no diagnostic code `{name}`; `infrac explain` lists them");
                exit::FAILURE
            }
        }
    }
}

fn debug(stage: DebugStage, input: &Input) -> u8 {
    let sources = match load(input) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match stage {
        DebugStage::Parse => {
            for (id, file) in sources.iter() {
                match crate::syntax::parse(id, &file.text) {
                    Ok(ast) => out(&format!("# {}\n{:#?}\n", file.name, ast.items)),
                    Err(d) => {
                        emit(&[d], &sources, input);
                        return exit::INPUT;
                    }
                }
            }
            exit::OK
        }
        DebugStage::Model => {
            let checked = program::analyze(&sources);
            if emit(&checked.diagnostics, &sources, input) {
                return exit::INPUT;
            }
            if let Some(model) = checked.model {
                out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&model).unwrap_or_default()
                ));
            }
            exit::OK
        }
    }
}
