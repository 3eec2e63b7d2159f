//! Stage 5b: talking to hosts. `plan` compares what a build generates for a
//! host with what is live there, in one SSH round trip per host.
//!
//! The system OpenSSH client is used, so `~/.ssh/config`, agents and
//! `known_hosts` work as users expect; host-key checking is never turned
//! off (`BatchMode=yes` only stops password prompts).

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine as _;
use camino::Utf8PathBuf;

use crate::model::Host;
use crate::render::{Artifact, HostTree};

const PLAN_SCRIPT: &str = include_str!("plan.sh");

/// How to reach hosts.
#[derive(Clone, Debug, Default)]
pub struct SshOptions {
    /// An ssh_config to use instead of `~/.ssh/config` (`ssh -F`).
    pub config: Option<Utf8PathBuf>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Add,
    Change,
    /// Same content, other permissions.
    Mode,
    Remove,
}

#[derive(Clone, Debug)]
pub struct Change {
    pub path: Utf8PathBuf,
    pub kind: ChangeKind,
    /// Unified diff, live → new, for text files.
    pub diff: Option<String>,
}

#[derive(Clone, Debug)]
pub struct HostPlan {
    pub host: String,
    pub changes: Vec<Change>,
}

/// Why a host could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot run ssh: {0}")]
    Spawn(std::io::Error),
    #[error("ssh to `{host}` failed: {message}")]
    Ssh { host: String, message: String },
    #[error("unexpected answer from `{host}`: {line}")]
    Protocol { host: String, line: String },
}

/// `ssh [-F CONFIG] -o BatchMode=yes -p PORT USER@ADDRESS`.
pub fn ssh(host: &Host, options: &SshOptions) -> Command {
    let mut cmd = Command::new("ssh");
    if let Some(config) = &options.config {
        cmd.arg("-F").arg(config.as_str());
    }
    cmd.args(["-o", "BatchMode=yes", "-p"])
        .arg(host.ssh.port.to_string())
        .arg(format!("{}@{}", host.ssh.user, host.ssh.address));
    cmd
}

/// Single-quotes a word for the remote shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn root(host: &Host) -> String {
    host.prefix
        .as_ref()
        .map_or_else(|| "/".to_owned(), ToString::to_string)
}

/// What applying `tree` to `host` would change, asked of the host.
pub fn plan(host: &Host, tree: &HostTree, options: &SshOptions) -> Result<HostPlan, PlanError> {
    let mut cmd = ssh(host, options);
    cmd.arg(format!(
        "bash -c {} infrac-plan {}",
        shell_quote(PLAN_SCRIPT),
        shell_quote(&root(host))
    ));
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(PlanError::Spawn)?;
    let mut input = String::new();
    for f in &tree.files {
        input.push_str(&format!(
            "{} {}\n",
            crate::render::sha256_hex(&f.content),
            f.path
        ));
    }
    if let Some(mut stdin) = child.stdin.take() {
        // A host that hangs up early is reported from its exit status.
        let _ = stdin.write_all(input.as_bytes());
    }
    let out = child.wait_with_output().map_err(PlanError::Spawn)?;
    if !out.status.success() {
        let message = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(PlanError::Ssh {
            host: host.name.clone(),
            message,
        });
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let by_path = |p: &str| tree.files.iter().find(|f| f.path.as_str() == p);
    let mut changes = Vec::new();
    for line in stdout.lines() {
        let mut words = line.split(' ');
        let (kind, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        let protocol = || PlanError::Protocol {
            host: host.name.clone(),
            line: line.chars().take(120).collect(),
        };
        let decode = |b64: Option<&str>| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.unwrap_or(""))
                .map_err(|_| protocol())
                .map(|bytes| String::from_utf8(bytes).ok())
        };
        match kind {
            "same" => {
                let file = by_path(path).ok_or_else(protocol)?;
                if words.next() != Some(format!("{:o}", file.mode).as_str()) {
                    changes.push(Change {
                        path: path.into(),
                        kind: ChangeKind::Mode,
                        diff: None,
                    });
                }
            }
            "new" => changes.push(Change {
                path: path.into(),
                kind: ChangeKind::Add,
                diff: None,
            }),
            "changed" => {
                let file = by_path(path).ok_or_else(protocol)?;
                let _mode = words.next();
                let live = decode(words.next())?;
                changes.push(Change {
                    path: path.into(),
                    kind: ChangeKind::Change,
                    diff: live.map(|l| diff(&l, file, path)),
                });
            }
            "removed" => changes.push(Change {
                path: path.into(),
                kind: ChangeKind::Remove,
                diff: None,
            }),
            _ => return Err(protocol()),
        }
    }
    Ok(HostPlan {
        host: host.name.clone(),
        changes,
    })
}

fn diff(live: &str, file: &Artifact, path: &str) -> String {
    similar::TextDiff::from_lines(live, file.content.as_str())
        .unified_diff()
        .context_radius(2)
        .header(&format!("{path} (live)"), &format!("{path} (new)"))
        .to_string()
}

/// The plan as people read it.
#[must_use]
pub fn describe(plan: &HostPlan) -> String {
    if plan.changes.is_empty() {
        return format!("{}: up to date\n", plan.host);
    }
    let count = |k: ChangeKind| plan.changes.iter().filter(|c| c.kind == k).count();
    let mut out = format!(
        "{}: {} to add, {} to change, {} to remove\n",
        plan.host,
        count(ChangeKind::Add),
        count(ChangeKind::Change) + count(ChangeKind::Mode),
        count(ChangeKind::Remove)
    );
    for c in &plan.changes {
        let sign = match c.kind {
            ChangeKind::Add => "+",
            ChangeKind::Change => "~",
            ChangeKind::Mode => "~ (mode)",
            ChangeKind::Remove => "-",
        };
        out.push_str(&format!("  {sign} /{}\n", c.path));
        if let Some(d) = &c.diff {
            for line in d.lines() {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    out
}
