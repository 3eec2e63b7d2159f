//! Stage 5b: talking to hosts. `plan` compares what a build generates for a
//! host with what is live there; `apply` makes the host run it, or leaves
//! it running what it ran before.
//!
//! Everything works from a [`Target`]: a host's manifest and the files it
//! lists, straight from a build or read back from `out/`. The host's side
//! is one bash script (`host.sh`) sent with each SSH command, so a host
//! needs nothing installed beyond bash, coreutils and flock.
//!
//! The system OpenSSH client is used, so `~/.ssh/config`, agents and
//! `known_hosts` work as users expect; host-key checking is never turned
//! off (`BatchMode=yes` only stops password prompts).

mod compare;
mod risk;
mod roll;

pub use compare::compare;
pub use risk::{Hold, Risk, hold};
pub use roll::{Event, HostOutcome, RollOptions, apply_all, plan_all};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};

use base64::Engine as _;
use camino::{Utf8Path, Utf8PathBuf};

use crate::manifest::{Manifest, Reload};
use crate::model::SecretRef;
use crate::render::{HostTree, sha256_hex_bytes};

const HOST_SCRIPT: &str = include_str!("host.sh");

/// How to reach hosts.
#[derive(Clone, Debug, Default)]
pub struct SshOptions {
    /// An `ssh_config` to use instead of `~/.ssh/config` (`ssh -F`).
    pub config: Option<Utf8PathBuf>,
}

/// One file to put on a host.
#[derive(Clone, Debug)]
pub struct TargetFile {
    pub path: Utf8PathBuf,
    /// Octal, four digits.
    pub mode: String,
    pub owner: String,
    pub reload: Option<Reload>,
    pub sha256: String,
    pub content: Vec<u8>,
    /// Holds a secret's value: never shown, never sent back by the host.
    pub secret: bool,
}

impl TargetFile {
    /// A generated file, as its manifest entry describes it.
    fn built(m: &crate::manifest::File, content: Vec<u8>) -> TargetFile {
        TargetFile {
            path: m.path.clone(),
            mode: m.mode.clone(),
            owner: m.owner.clone(),
            reload: m.reload.clone(),
            sha256: m.sha256.clone(),
            content,
            secret: false,
        }
    }
}

/// A file that must exist on the host (a secret read where it is).
#[derive(Clone, Debug)]
pub struct Need {
    pub path: Utf8PathBuf,
    pub what: String,
}

/// What one host should run: its manifest, the files, and the secrets
/// made into files.
#[derive(Clone, Debug)]
pub struct Target {
    pub manifest: Manifest,
    pub files: Vec<TargetFile>,
    pub needs: Vec<Need>,
}

/// Why a host could not be planned or applied. The host still runs what
/// it ran before unless the message says otherwise.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot run ssh: {0}")]
    Spawn(std::io::Error),
    #[error("ssh failed: {0}")]
    Ssh(String),
    #[error("unexpected answer from the host: {0}")]
    Protocol(String),
    #[error("{0}")]
    Input(String),
    #[error("`{name}` rejected the new files; the previous files are back in place:\n{output}")]
    Validate { name: String, output: String },
    #[error("reloading `{name}` failed; the previous files are back and reloaded:\n{output}")]
    Reload { name: String, output: String },
    #[error(
        "after its reload the proxy answers `{live}` on its probe port, not build `{expected}`: it kept its old configuration (see its error log); the previous files are back and reloaded"
    )]
    Proof { live: String, expected: String },
    #[error("{0} changed on the host since it was planned; run apply again")]
    HostChanged(String),
    #[error("another apply held the host's lock for 120 s")]
    Lock,
    #[error("{0}")]
    Missing(String),
    #[error("putting the previous configuration back failed:\n{0}")]
    Rollback(String),
    #[error("{0}; and restoring the previous configuration failed too:\n{1}")]
    RestoreFailed(Box<ApplyError>, String),
    #[error("cannot write /{path} on the host: {error}; the previous files are back in place")]
    Write { path: String, error: String },
    #[error(
        "`{name}` is not running on the host (nothing answers on 127.0.0.1:{port}): start it, then apply again; the previous files are back in place"
    )]
    ProxyDown { name: String, port: String },
    #[error(
        "certbot could not obtain certificate `{name}`; the host serves HTTP (the ACME challenges) without the servers that need it. certbot said:\n{output}"
    )]
    Certificate { name: String, output: String },
    #[error("{cause}; a new plan shows {state}")]
    Lost { cause: String, state: String },
    #[error(
        "{cause}, and the host could not be asked again ({plan}): what it runs is unknown; run `infrac plan`"
    )]
    Unknown { cause: String, plan: String },
}

impl ApplyError {
    /// What the host runs after this failure, as far as infrac observed.
    #[must_use]
    pub fn host_state(&self) -> &'static str {
        match self {
            ApplyError::RestoreFailed(..) | ApplyError::Rollback(_) => {
                "putting its previous configuration back failed (see above)"
            }
            ApplyError::Unknown { .. } => "what it runs is unknown",
            ApplyError::ProxyDown { .. } => "its proxy is not running; its files are as before",
            ApplyError::Lost { .. } => "its files are as before (re-checked)",
            ApplyError::Certificate { .. } => {
                "serving HTTP without the servers that need the certificate"
            }
            ApplyError::Spawn(_) | ApplyError::Ssh(_) | ApplyError::Input(_) => {
                "nothing was changed on it"
            }
            _ => "still running its previous configuration",
        }
    }
}

impl Target {
    /// This target without the files that need one of `certificates` (and
    /// without certificates to request).
    #[must_use]
    pub fn without_certificates(&self, certificates: &[String]) -> Target {
        let needs = |f: &crate::manifest::File| {
            f.certificate
                .as_ref()
                .is_some_and(|c| certificates.contains(c))
        };
        let left_out: HashSet<&Utf8Path> = self
            .manifest
            .files
            .iter()
            .filter(|f| needs(f))
            .map(|f| f.path.as_path())
            .collect();
        let mut out = self.clone();
        out.manifest.files.retain(|f| !needs(f));
        out.manifest.certificates.clear();
        out.files.retain(|f| !left_out.contains(f.path.as_path()));
        out
    }

    /// The target of a host straight from a build.
    pub fn from_tree(tree: &HostTree) -> Result<Target, ApplyError> {
        let manifest = tree.manifest.clone();
        let files = manifest
            .files
            .iter()
            .zip(&tree.files)
            .map(|(m, f)| TargetFile::built(m, f.content.clone().into_bytes()))
            .collect();
        Ok(Target {
            manifest,
            files,
            needs: Vec::new(),
        })
    }

    /// The target of a host from a built tree (`out/<host>/`), checking
    /// that every file is the one its manifest describes.
    pub fn load(dir: &Utf8Path) -> Result<Target, ApplyError> {
        let manifest_path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|e| ApplyError::Input(format!("cannot read {manifest_path}: {e}")))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| ApplyError::Input(format!("{manifest_path} is not a manifest: {e}")))?;
        let mut files = Vec::new();
        for m in &manifest.files {
            // Fields travel space-separated to the host: no white space.
            let word = |w: &str| !w.is_empty() && !w.contains(char::is_whitespace);
            let owner_ok = m.owner.split_once(':').is_some_and(|(u, g)| {
                [u, g].iter().all(|n| {
                    !n.is_empty()
                        && n.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
                })
            });
            if m.path.is_absolute()
                || m.path.components().any(|c| c.as_str() == "..")
                || !word(m.path.as_str())
                || m.mode_bits().is_none()
                || !owner_ok
            {
                return Err(ApplyError::Input(format!(
                    "{manifest_path}: bad entry for `{}`",
                    m.path
                )));
            }
            let path = dir.join(&m.path);
            let content = std::fs::read(&path)
                .map_err(|e| ApplyError::Input(format!("cannot read {path}: {e}")))?;
            if sha256_hex_bytes(&content) != m.sha256 {
                return Err(ApplyError::Input(format!(
                    "{path} is not the file its manifest describes (edited after the build?); run `infrac build` again"
                )));
            }
            files.push(TargetFile::built(m, content));
        }
        Ok(Target {
            manifest,
            files,
            needs: Vec::new(),
        })
    }

    #[must_use]
    pub fn host(&self) -> &str {
        &self.manifest.host
    }

    /// Makes the manifest's secrets concrete: environment secrets become
    /// env files (values from `lookup`, the environment apply runs in),
    /// file secrets become files the host must have.
    pub fn with_secrets(
        mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Target, ApplyError> {
        let mut env_files: BTreeMap<Utf8PathBuf, (Vec<String>, String, Option<Reload>)> =
            BTreeMap::new();
        for s in &self.manifest.secrets {
            match (&s.from, &s.env_file) {
                (SecretRef::Env(var), Some(file)) => {
                    let value = lookup(var).ok_or_else(|| {
                        ApplyError::Missing(format!(
                            "secret `{var}` (for {}) is not set in the environment apply runs in",
                            s.used_by
                        ))
                    })?;
                    if value.contains(['\n', '\r', '\0']) {
                        return Err(ApplyError::Missing(format!(
                            "secret `{var}` holds a line break; an env file cannot carry it (use a file secret)"
                        )));
                    }
                    let entry = env_files.entry(file.clone()).or_insert_with(|| {
                        (
                            Vec::new(),
                            s.env_file_mode.clone().unwrap_or_else(|| "0600".to_owned()),
                            s.reload.clone(),
                        )
                    });
                    let line = format!("{}={value}", s.name);
                    if !entry.0.contains(&line) {
                        entry.0.push(line);
                    }
                }
                (SecretRef::File(path), _) => self.needs.push(Need {
                    path: self
                        .manifest
                        .root
                        .join(path.strip_prefix("/").unwrap_or(path)),
                    what: format!("secret `{}` of {}", s.name, s.used_by),
                }),
                (SecretRef::Env(_), None) => {}
            }
        }
        for (path, (mut lines, mode, reload)) in env_files {
            lines.sort();
            let mut content = lines.join("\n");
            content.push('\n');
            self.files.push(TargetFile {
                path,
                mode,
                owner: "root:root".to_owned(),
                reload,
                sha256: sha256_hex_bytes(content.as_bytes()),
                content: content.into_bytes(),
                secret: true,
            });
        }
        Ok(self)
    }
}

/// `ssh [-F CONFIG] -o BatchMode=yes -p PORT USER@ADDRESS`. A host with
/// pinned keys (`host_key`) is checked against those keys only.
pub fn ssh(ssh: &crate::model::Ssh, options: &SshOptions) -> Result<Command, ApplyError> {
    let mut cmd = Command::new("ssh");
    if let Some(config) = &options.config {
        cmd.arg("-F").arg(config.as_str());
    }
    if !ssh.host_keys.is_empty() {
        let known = pinned_known_hosts(ssh).map_err(ApplyError::Spawn)?;
        cmd.arg("-o")
            .arg(format!("UserKnownHostsFile={known}"))
            .args(["-o", "StrictHostKeyChecking=yes"]);
    }
    cmd.args(["-o", "BatchMode=yes"]);
    // A host that never answers must not hang the apply: a connect timeout
    // and keep-alives, unless the user's ssh config sets its own.
    let (timeout, alive) = configured(ssh, options);
    if !timeout {
        cmd.args(["-o", "ConnectTimeout=10"]);
    }
    if !alive {
        cmd.args(["-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=4"]);
    }
    cmd.arg("-p")
        .arg(ssh.port.to_string())
        .arg(format!("{}@{}", ssh.user, ssh.address));
    Ok(cmd)
}

/// Whether the user's ssh config sets a connect timeout and keep-alives for
/// this host (`ssh -G` prints the configuration ssh would use).
fn configured(ssh: &crate::model::Ssh, options: &SshOptions) -> (bool, bool) {
    let mut cmd = Command::new("ssh");
    if let Some(config) = &options.config {
        cmd.arg("-F").arg(config.as_str());
    }
    let Ok(out) = cmd
        .arg("-G")
        .arg("-p")
        .arg(ssh.port.to_string())
        .arg(format!("{}@{}", ssh.user, ssh.address))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    else {
        return (false, false);
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).map(str::trim).map(str::to_owned))
    };
    let timeout = value("connecttimeout ").is_some_and(|v| v != "none");
    let alive = value("serveraliveinterval ").is_some_and(|v| v != "0");
    (timeout, alive)
}

/// A `known_hosts` file holding just the host's pinned keys (in the temp
/// folder, named by its content, so hosts and runs share it safely).
fn pinned_known_hosts(ssh: &crate::model::Ssh) -> std::io::Result<Utf8PathBuf> {
    let name = if ssh.port == 22 {
        ssh.address.clone()
    } else {
        format!("[{}]:{}", ssh.address, ssh.port)
    };
    let text: String = ssh.host_keys.iter().fold(String::new(), |mut text, k| {
        text.push_str(&name);
        text.push(' ');
        text.push_str(k);
        text.push('\n');
        text
    });
    let dir = Utf8PathBuf::from_path_buf(std::env::temp_dir())
        .unwrap_or_else(|_| Utf8PathBuf::from("/tmp"));
    let path = dir.join(format!(
        "infrac-known-hosts-{}",
        &sha256_hex_bytes(text.as_bytes())[..16]
    ));
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        let tmp = dir.join(format!(
            "{}.{}",
            path.file_name().unwrap_or("k"),
            std::process::id()
        ));
        std::fs::write(&tmp, &text)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(path)
}

/// Single-quotes a word for the remote shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// What the host's script said: its exit code and its lines.
struct Answer {
    code: i32,
    lines: Vec<String>,
}

/// Runs `host.sh MODE` on the target's host with `input` on its standard
/// input; `on_line` sees each line as it comes.
fn run_script(
    target: &Target,
    options: &SshOptions,
    mode: &str,
    extra: &[String],
    input: &[u8],
    on_line: &mut dyn FnMut(&str),
) -> Result<Answer, ApplyError> {
    let mut cmd = ssh(&target.manifest.ssh, options)?;
    let mut remote = format!(
        "bash -c {} infrac-{mode} {mode} {}",
        shell_quote(HOST_SCRIPT),
        shell_quote(target.manifest.root.as_str())
    );
    for e in extra {
        remote.push(' ');
        remote.push_str(&shell_quote(e));
    }
    cmd.arg(remote);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(ApplyError::Spawn)?;
    let mut stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let mut lines = Vec::new();
    let err = std::thread::scope(|s| {
        let err = s.spawn(move || {
            let mut text = String::new();
            if let Some(mut e) = stderr {
                let _ = std::io::Read::read_to_string(&mut e, &mut text);
            }
            text
        });
        s.spawn(move || {
            if let Some(stdin) = stdin.as_mut() {
                // A host that hangs up early is reported from its exit status.
                let _ = stdin.write_all(input);
            }
            drop(stdin);
        });
        if let Some(out) = stdout {
            for line in std::io::BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                on_line(&line);
                lines.push(line);
            }
        }
        err.join().unwrap_or_default()
    });
    let status = child.wait().map_err(ApplyError::Spawn)?;
    let code = status.code().unwrap_or(255);
    if code == 255 {
        let err = err.trim();
        return Err(ApplyError::Ssh(if err.is_empty() {
            format!("the connection ended without a message ({status})")
        } else {
            err.to_owned()
        }));
    }
    Ok(Answer { code, lines })
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
    /// Unified diff, live → new, for text files that hold no secret.
    pub diff: Option<String>,
    pub secret: bool,
    /// What reloads because of it.
    pub reload: Option<Reload>,
}

#[derive(Clone, Debug)]
pub struct HostPlan {
    pub host: String,
    /// An earlier apply was cut off; the next one repairs it.
    pub interrupted: bool,
    pub changes: Vec<Change>,
    /// Certificates missing on the host: apply requests them (certbot)
    /// before it installs the files that need them.
    pub certificates: Vec<String>,
}

impl HostPlan {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && !self.interrupted && self.certificates.is_empty()
    }

    /// The reloads the changes call for, in the order they run.
    #[must_use]
    pub fn reloads(&self) -> Vec<Reload> {
        let mut r: Vec<Reload> = self
            .changes
            .iter()
            .filter(|c| c.kind != ChangeKind::Mode)
            .filter_map(|c| c.reload.clone())
            .collect();
        r.sort();
        r.dedup();
        r
    }
}

/// What applying `target` would change, asked of its host in one round trip.
pub fn plan(target: &Target, options: &SshOptions) -> Result<HostPlan, ApplyError> {
    plan_mode(target, options, &[])
}

/// Plans again after a lost connection, once any apply still running on
/// the host has finished: what the host now has.
pub fn replan(target: &Target, options: &SshOptions) -> Result<HostPlan, ApplyError> {
    plan_mode(target, options, &["wait".to_owned()])
}

fn plan_mode(
    target: &Target,
    options: &SshOptions,
    extra: &[String],
) -> Result<HostPlan, ApplyError> {
    let mut input = String::new();
    for f in &target.files {
        let flag = if f.secret { 's' } else { '-' };
        input.push_str(&format!("{} {flag} {}\n", f.sha256, f.path));
    }
    // The certificates' files: which are missing, in the same round trip.
    for c in &target.manifest.certificates {
        for f in &c.files {
            input.push_str(&format!("exists - {f}\n"));
        }
    }
    let answer = run_script(
        target,
        options,
        "plan",
        extra,
        input.as_bytes(),
        &mut |_| {},
    )?;
    let protocol = |line: &str| ApplyError::Protocol(line.chars().take(120).collect());
    if answer.code != 0 {
        return Err(protocol(&answer.lines.join("\n")));
    }
    let mut plan = HostPlan {
        host: target.host().to_owned(),
        interrupted: false,
        changes: Vec::new(),
        certificates: Vec::new(),
    };
    let mut missing: Vec<&str> = Vec::new();
    let by_path: HashMap<&str, &TargetFile> =
        target.files.iter().map(|f| (f.path.as_str(), f)).collect();
    for line in &answer.lines {
        let words: Vec<&str> = line.split(' ').collect();
        let path = words.get(1).copied().unwrap_or("");
        let file = by_path.get(path).copied();
        let change = |kind, diff| {
            file.map(|f| Change {
                path: path.into(),
                kind,
                diff,
                secret: f.secret,
                reload: f.reload.clone(),
            })
            .ok_or_else(|| protocol(line))
        };
        match words[0] {
            "pending" => plan.interrupted = true,
            "missing" => missing.push(line.split_once(' ').map_or("", |(_, p)| p)),
            "same" => {
                let f = file.ok_or_else(|| protocol(line))?;
                if !same_meta(f, words.get(2).copied(), words.get(3).copied()) {
                    plan.changes.push(change(ChangeKind::Mode, None)?);
                }
            }
            "new" => plan.changes.push(change(ChangeKind::Add, None)?),
            "changed" => {
                let f = file.ok_or_else(|| protocol(line))?;
                let diff = match words.get(4) {
                    Some(live) => diff(
                        &unb64(live).ok_or_else(|| protocol(line))?,
                        &f.content,
                        (&format!("{path} (live)"), &format!("{path} (new)")),
                    ),
                    None => None,
                };
                plan.changes.push(change(ChangeKind::Change, diff)?);
            }
            "removed" => plan.changes.push(Change {
                path: path.into(),
                kind: ChangeKind::Remove,
                diff: None,
                secret: false,
                reload: words
                    .get(2)
                    .filter(|r| **r != "-")
                    .and_then(|r| r.parse().ok()),
            }),
            _ => return Err(protocol(line)),
        }
    }
    plan.certificates = target
        .manifest
        .certificates
        .iter()
        .filter(|c| c.files.iter().any(|f| missing.contains(&f.as_str())))
        .map(|c| c.name.clone())
        .collect();
    Ok(plan)
}

/// Runs one shell command on the host; ssh's own failure (exit 255) is an
/// `Ssh` error, the command's is the caller's to read.
fn remote(
    target: &Target,
    options: &SshOptions,
    command: &str,
) -> Result<std::process::Output, ApplyError> {
    let out = ssh(&target.manifest.ssh, options)?
        .arg(command)
        .stdin(Stdio::null())
        .output()
        .map_err(ApplyError::Spawn)?;
    if out.status.code().is_none_or(|c| c == 255) {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(ApplyError::Ssh(if err.is_empty() {
            format!("the connection ended without a message ({})", out.status)
        } else {
            err
        }));
    }
    Ok(out)
}

/// Gives the host `target` without the files that need `certificates`:
/// it serves HTTP, and so the ACME challenges, for those sites (nothing
/// when it already does).
pub fn serve_http(
    target: &Target,
    certificates: &[String],
    options: &SshOptions,
    proof_timeout: u32,
    on_step: &mut dyn FnMut(&str),
) -> Result<Applied, ApplyError> {
    let http = target.without_certificates(certificates);
    let plan = self::plan(&http, options)?;
    if !plan.is_empty() {
        on_step("serving HTTP for the ACME challenges");
    }
    apply(&http, &plan, options, proof_timeout, on_step)
}

/// Applies `target`, first obtaining the certificates `plan` says are
/// missing: the host is given the files that need none of them (it serves
/// HTTP, and so the ACME challenges, for those sites), certbot obtains
/// each, then the whole build is applied. Each step is an apply of its
/// own (journalled, proved): a failure or a kill leaves the host as it was
/// or serving HTTP, and the next apply goes on from there.
pub fn apply_obtaining(
    target: &Target,
    plan: &HostPlan,
    options: &SshOptions,
    proof_timeout: u32,
    on_step: &mut dyn FnMut(&str),
) -> Result<Applied, ApplyError> {
    if plan.certificates.is_empty() {
        return apply(target, plan, options, proof_timeout, on_step);
    }
    serve_http(target, &plan.certificates, options, proof_timeout, on_step)?;
    let missing = target
        .manifest
        .certificates
        .iter()
        .filter(|c| plan.certificates.contains(&c.name));
    for request in missing {
        on_step(&format!("requesting certificate {}", request.name));
        let out = remote(target, options, &request.command)?;
        if !out.status.success() {
            let mut said = String::from_utf8_lossy(&out.stdout).into_owned();
            said.push_str(&String::from_utf8_lossy(&out.stderr));
            return Err(ApplyError::Certificate {
                name: request.name.clone(),
                output: said.trim().to_owned(),
            });
        }
    }
    let full = self::plan(target, options)?;
    let mut applied = apply(target, &full, options, proof_timeout, on_step)?;
    applied.obtained.clone_from(&plan.certificates);
    Ok(applied)
}

/// Whether the live mode (`644`) and owner (`root:root`, `-` when the
/// host cannot tell) are the file's.
fn same_meta(f: &TargetFile, mode: Option<&str>, owner: Option<&str>) -> bool {
    let want = f.mode.trim_start_matches('0');
    mode == Some(if want.is_empty() { "0" } else { want })
        && (owner == Some("-") || owner == Some(f.owner.as_str()))
}

/// A unified diff of two texts, headed by their names.
fn diff(live: &[u8], new: &[u8], names: (&str, &str)) -> Option<String> {
    let (live, new) = (
        std::str::from_utf8(live).ok()?,
        std::str::from_utf8(new).ok()?,
    );
    Some(
        similar::TextDiff::from_lines(live, new)
            .unified_diff()
            .context_radius(2)
            .header(names.0, names.1)
            .to_string(),
    )
}

/// The plan as people read it.
#[must_use]
pub fn describe(plan: &HostPlan) -> String {
    if plan.is_empty() {
        return format!("{}: up to date\n", plan.host);
    }
    let count = |k: ChangeKind| plan.changes.iter().filter(|c| c.kind == k).count();
    let mut out = format!(
        "{}: {} to add, {} to change, {} to remove",
        plan.host,
        count(ChangeKind::Add),
        count(ChangeKind::Change) + count(ChangeKind::Mode),
        count(ChangeKind::Remove)
    );
    let reloads = plan.reloads();
    if !reloads.is_empty() {
        let names: Vec<String> = reloads.iter().map(ToString::to_string).collect();
        out.push_str(&format!("; reloads {}", names.join(", ")));
    }
    if let Some(risk) = plan.risk() {
        out.push_str(&format!("; {risk}"));
    }
    out.push('\n');
    if plan.interrupted {
        out.push_str("  ! an earlier apply was cut off: it will be rolled back and redone\n");
    }
    if !plan.certificates.is_empty() {
        out.push_str(&format!(
            "  ! certificates to request first (certbot, serving HTTP meanwhile): {}\n",
            plan.certificates.join(", ")
        ));
    }
    for c in &plan.changes {
        let sign = match c.kind {
            ChangeKind::Add => "+",
            ChangeKind::Change => "~",
            ChangeKind::Mode => "~ (mode)",
            ChangeKind::Remove => "-",
        };
        let note = if c.secret && c.kind == ChangeKind::Change {
            " (holds secrets: contents not shown)"
        } else {
            ""
        };
        let reload = c
            .reload
            .as_ref()
            .filter(|_| c.kind != ChangeKind::Mode)
            .map(|r| format!(", reloads {r}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {sign} /{}{note} [{}{reload}]\n",
            c.path,
            c.risk()
        ));
        if let Some(d) = &c.diff {
            for line in d.lines() {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    out
}

/// What an apply did on one host.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// Nothing needed doing (no second round trip was made).
    pub up_to_date: bool,
    /// An earlier, interrupted apply was rolled back first.
    pub recovered: bool,
    /// Files written, re-moded and removed.
    pub swapped: (usize, usize, usize),
    pub reloads: Vec<String>,
    /// The build id the proxy was proved to answer.
    pub proved: Option<String>,
    /// Another apply was waiting for the host's lock when this one
    /// finished: its build replaces this one.
    pub queued: bool,
    /// Learned by planning again (why: the connection was lost, …): the
    /// host has this build's files.
    pub observed: Option<String>,
    /// Certificates obtained first (certbot).
    pub obtained: Vec<String>,
}

/// Applies `target` to its host, `plan` being what the host said it
/// lacks. `on_step` sees progress (`validated`, `reloaded nginx`, …).
pub fn apply(
    target: &Target,
    plan: &HostPlan,
    options: &SshOptions,
    proof_timeout: u32,
    on_step: &mut dyn FnMut(&str),
) -> Result<Applied, ApplyError> {
    if plan.is_empty() {
        return Ok(Applied {
            up_to_date: true,
            ..Applied::default()
        });
    }
    let input = request(target, plan)?;
    let answer = run_script(
        target,
        options,
        "apply",
        &[proof_timeout.to_string()],
        input.as_bytes(),
        &mut |line| {
            if let Some(step) = line.strip_prefix("step ") {
                on_step(step);
            } else if line.starts_with("waiting ") || line.starts_with("recovered ") {
                on_step(line);
            }
        },
    )?;
    outcome(&answer)
}

/// What apply sends the host: every file (the content of those the plan
/// says differ), the reloads, the proof, the files that must exist.
fn request(target: &Target, plan: &HostPlan) -> Result<String, ApplyError> {
    let differ: HashSet<&Utf8Path> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::Add | ChangeKind::Change))
        .map(|c| c.path.as_path())
        .collect();
    let mut input = String::new();
    for f in &target.files {
        let send = plan.interrupted || differ.contains(f.path.as_path());
        input.push_str(&format!(
            "file {} {} {} {} {} {}",
            f.sha256,
            f.mode,
            f.owner,
            f.reload
                .as_ref()
                .map_or("-".to_owned(), ToString::to_string),
            if f.secret { 's' } else { '-' },
            f.path
        ));
        if send {
            input.push(' ');
            input.push_str(&b64(&f.content));
        }
        input.push('\n');
    }
    for r in &target.manifest.reloads {
        input.push_str(&format!(
            "reload {} {} {}\n",
            r.name,
            r.validate
                .as_ref()
                .map_or("-".to_owned(), |v| b64(v.as_bytes())),
            b64(r.command.as_bytes())
        ));
    }
    if let Some(proof) = &target.manifest.proof {
        let (port, path) = proof_address(&proof.url)
            .ok_or_else(|| ApplyError::Input(format!("bad proof URL `{}`", proof.url)))?;
        input.push_str(&format!("proof {port} {path} {}\n", proof.build));
    }
    for n in &target.needs {
        input.push_str(&format!("need {} {}\n", b64(n.what.as_bytes()), n.path));
    }
    input.push_str("end\n");
    Ok(input)
}

/// What the host's answer says happened.
fn outcome(answer: &Answer) -> Result<Applied, ApplyError> {
    let mut applied = Applied::default();
    let mut failure = None;
    let restore_failures = restore_failures(answer);
    for line in &answer.lines {
        let mut words = line.split(' ');
        let word = words.next().unwrap_or("");
        let rest: Vec<&str> = words.collect();
        let text = |i: usize| {
            rest.get(i)
                .and_then(|t| unb64(t))
                .map(|b| String::from_utf8_lossy(&b).trim_end().to_owned())
                .unwrap_or_default()
        };
        let name = rest.first().copied().unwrap_or("").to_owned();
        match word {
            "step" => match rest.first().copied() {
                Some("swapped") => {
                    let n = |i: usize| rest.get(i).and_then(|n| n.parse().ok()).unwrap_or(0);
                    applied.swapped = (n(1), n(2), n(3));
                }
                Some("reloaded") => applied.reloads.push(rest.get(1).unwrap_or(&"").to_string()),
                Some("proved") => applied.proved = rest.get(1).map(ToString::to_string),
                _ => {}
            },
            "recovered" => applied.recovered = true,
            "queued" => applied.queued = true,
            "write-failed" => {
                failure = Some(ApplyError::Write {
                    path: name,
                    error: text(1),
                });
            }
            "proxy-not-running" => {
                failure = Some(ApplyError::ProxyDown {
                    name,
                    port: rest.get(1).unwrap_or(&"").to_string(),
                });
            }
            "up-to-date" => applied.up_to_date = true,
            "validate-failed" => {
                failure = Some(ApplyError::Validate {
                    name,
                    output: text(1),
                });
            }
            "reload-failed" => {
                failure = Some(ApplyError::Reload {
                    name,
                    output: text(1),
                });
            }
            "proof-failed" => {
                let live = text(0);
                failure = Some(ApplyError::Proof {
                    live: if live.is_empty() {
                        "nothing".to_owned()
                    } else {
                        live
                    },
                    expected: rest.get(1).unwrap_or(&"").to_string(),
                });
            }
            "host-changed" => failure = Some(ApplyError::HostChanged(format!("/{name}"))),
            "lock-timeout" => failure = Some(ApplyError::Lock),
            "need-missing" => failure = Some(ApplyError::Missing(text(0))),
            "bad-input" => {
                failure = Some(ApplyError::Protocol(line.clone()));
            }
            _ => {}
        }
    }
    let failure = match (failure, answer.code) {
        (None, 0) => return Ok(applied),
        (Some(f), _) => f,
        (None, code) => ApplyError::Protocol(format!(
            "the host's script exited {code}: {}",
            answer.lines.join("\n")
        )),
    };
    if restore_failures.is_empty() {
        Err(failure)
    } else {
        Err(ApplyError::RestoreFailed(
            Box::new(failure),
            restore_failures.join("\n"),
        ))
    }
}

/// What went wrong putting the previous configuration back, in words.
fn restore_failures(answer: &Answer) -> Vec<String> {
    answer
        .lines
        .iter()
        .filter_map(|line| {
            let mut words = line.split(' ');
            let (kind, name) = (words.next()?, words.next().unwrap_or(""));
            match kind {
                "restore-reload-failed" => {
                    let output = words.next().and_then(unb64).unwrap_or_default();
                    Some(format!(
                        "reloading `{name}`: {}",
                        String::from_utf8_lossy(&output).trim_end()
                    ))
                }
                "restore-proof-failed" => Some(format!(
                    "the proxy does not answer its previous build `{name}`"
                )),
                _ => None,
            }
        })
        .collect()
}

/// Undoes the last apply on the host (a pool member switched before a
/// later member failed): the previous files, reloaded and proved.
pub fn rollback(
    target: &Target,
    options: &SshOptions,
    proof_timeout: u32,
) -> Result<(), ApplyError> {
    let answer = run_script(
        target,
        options,
        "rollback",
        &[proof_timeout.to_string()],
        b"",
        &mut |_| {},
    )?;
    if answer.code == 0 {
        return Ok(());
    }
    let failures = restore_failures(&answer);
    Err(ApplyError::Rollback(if failures.is_empty() {
        format!("the host's script exited {}", answer.code)
    } else {
        failures.join("\n")
    }))
}

/// `http://127.0.0.1:PORT/PATH` → (PORT, /PATH).
fn proof_address(url: &str) -> Option<(u16, &str)> {
    let rest = url.strip_prefix("http://127.0.0.1:")?;
    let slash = rest.find('/')?;
    let port = rest[..slash].parse().ok()?;
    let path = &rest[slash..];
    (!path.contains(char::is_whitespace)).then_some((port, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The user's ssh config decides timeouts when it sets them; infrac's
    /// defaults apply when it does not.
    #[test]
    fn ssh_timeouts_are_the_users_when_set() {
        let dir = std::env::temp_dir().join(format!("infrac-ssh-g-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ssh = crate::model::Ssh {
            user: "root".into(),
            port: 22,
            address: "web.example.org".into(),
            host_keys: Vec::new(),
        };
        let options = |text: &str| {
            let path = Utf8PathBuf::from_path_buf(dir.join("config")).unwrap();
            std::fs::write(&path, text).unwrap();
            SshOptions { config: Some(path) }
        };
        assert_eq!(configured(&ssh, &options("")), (false, false));
        assert_eq!(
            configured(
                &ssh,
                &options("Host web.example.org\n    ConnectTimeout 3\n    ServerAliveInterval 7\n")
            ),
            (true, true)
        );
        let cmd = super::ssh(&ssh, &options("")).unwrap();
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(args.contains(&"ConnectTimeout=10".to_owned()), "{args:?}");
        let cmd = super::ssh(&ssh, &options("Host *\n    ConnectTimeout 3\n")).unwrap();
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(
            !args.iter().any(|a| a.starts_with("ConnectTimeout")),
            "{args:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    use crate::manifest::{File, ReloadCommands, SecretUse};

    fn target() -> Target {
        let file = |path: &str, reload: Option<Reload>, content: &str| TargetFile {
            path: path.into(),
            mode: "0644".into(),
            owner: "root:root".into(),
            reload,
            sha256: sha256_hex_bytes(content.as_bytes()),
            content: content.as_bytes().to_vec(),
            secret: false,
        };
        let files = vec![
            file("etc/nginx/conf.d/a.conf", Some(Reload::Nginx), "a\n"),
            file("etc/cron.d/tidy", None, "* * * * * root true\n"),
        ];
        Target {
            manifest: Manifest {
                host: "web".into(),
                root: "/".into(),
                ssh: crate::model::Ssh {
                    user: "root".into(),
                    port: 22,
                    address: "web.example.org".into(),
                    host_keys: Vec::new(),
                },
                pools: Vec::new(),
                files: files
                    .iter()
                    .map(|f| File {
                        path: f.path.clone(),
                        mode: f.mode.clone(),
                        owner: f.owner.clone(),
                        sha256: f.sha256.clone(),
                        reload: f.reload.clone(),
                        sources: Vec::new(),
                        certificate: None,
                    })
                    .collect(),
                reloads: vec![ReloadCommands {
                    name: Reload::Nginx,
                    validate: Some("nginx -t".into()),
                    command: "nginx -s reload".into(),
                }],
                secrets: vec![SecretUse {
                    used_by: "compose:api".into(),
                    name: "API_TOKEN".into(),
                    from: SecretRef::Env("API_TOKEN".into()),
                    env_file: Some("etc/infrac/infra/.env".into()),
                    env_file_mode: Some("0600".into()),
                    reload: Some(Reload::Containers),
                }],
                certificates: Vec::new(),
                proof: Some(crate::manifest::Proof {
                    url: "http://127.0.0.1:7707/.well-known/infrac-build".into(),
                    build: "abc".into(),
                }),
            },
            files,
            needs: Vec::new(),
        }
    }

    #[test]
    fn diff_of_a_one_line_change() {
        let old = "a\n''  close;\nreturn 200 \"1\";\n}\n";
        let new = "a\n''  close;\nreturn 200 \"2\";\n}\n";
        let d = super::diff(old.as_bytes(), new.as_bytes(), ("x (live)", "x (new)")).unwrap();
        assert!(
            d.contains("-return 200 \"1\";") && d.contains("+return 200 \"2\";"),
            "{d}"
        );
    }

    #[test]
    fn env_secrets_become_a_root_only_file_and_a_missing_one_is_an_error() {
        let t = target()
            .with_secrets(|v| (v == "API_TOKEN").then(|| "t0k3n".to_owned()))
            .unwrap();
        let env = t
            .files
            .iter()
            .find(|f| f.path == "etc/infrac/infra/.env")
            .unwrap();
        assert_eq!(env.content, b"API_TOKEN=t0k3n\n");
        assert_eq!((env.mode.as_str(), env.secret), ("0600", true));
        assert_eq!(env.reload, Some(Reload::Containers));
        let err = target().with_secrets(|_| None).unwrap_err().to_string();
        assert!(
            err.contains("secret `API_TOKEN` (for compose:api) is not set"),
            "{err}"
        );
        let err = target()
            .with_secrets(|_| Some("a\nb".to_owned()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line break"), "{err}");
    }

    #[test]
    fn a_request_carries_only_the_contents_that_differ() {
        let t = target();
        let plan = HostPlan {
            host: "web".into(),
            interrupted: false,
            certificates: Vec::new(),
            changes: vec![Change {
                path: "etc/cron.d/tidy".into(),
                kind: ChangeKind::Change,
                diff: None,
                secret: false,
                reload: None,
            }],
        };
        let req = request(&t, &plan).unwrap();
        let lines: Vec<&str> = req.lines().collect();
        assert_eq!(lines.last(), Some(&"end"));
        let nginx = lines.iter().find(|l| l.contains("a.conf")).unwrap();
        assert_eq!(nginx.split(' ').count(), 7, "no content: {nginx}");
        let cron = lines.iter().find(|l| l.contains("cron.d/tidy")).unwrap();
        assert_eq!(
            cron.split(' ').nth(7).and_then(unb64).as_deref(),
            Some(&b"* * * * * root true\n"[..])
        );
        assert!(lines.contains(&"proof 7707 /.well-known/infrac-build abc"));
        // After an interrupted apply, everything is sent.
        let req = request(
            &t,
            &HostPlan {
                interrupted: true,
                certificates: Vec::new(),
                ..plan
            },
        )
        .unwrap();
        assert!(
            req.lines()
                .filter(|l| l.starts_with("file "))
                .all(|l| l.split(' ').count() == 8)
        );
    }

    #[test]
    fn the_hosts_answer_becomes_an_outcome() {
        let answer = |code: i32, lines: &[&str]| Answer {
            code,
            lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        };
        let ok = outcome(&answer(
            0,
            &[
                "step swapped 2 1 0",
                "step validated",
                "step reloaded nginx",
                "step proved abc",
                "applied",
            ],
        ))
        .unwrap();
        assert_eq!(ok.swapped, (2, 1, 0));
        assert_eq!(ok.reloads, ["nginx"]);
        assert_eq!(ok.proved.as_deref(), Some("abc"));

        let msg = b64(b"nginx: [emerg] cannot load certificate\n(exit status 1)");
        let err = outcome(&answer(3, &[&format!("validate-failed nginx {msg}")])).unwrap_err();
        assert!(
            err.to_string().contains("`nginx` rejected the new files")
                && err.to_string().contains("cannot load certificate"),
            "{err}"
        );
        let err = outcome(&answer(
            5,
            &[
                &format!("proof-failed {} abc", b64(b"old")),
                "restore-proof-failed old",
            ],
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("answers `old` on its probe port, not build `abc`"),
            "{err}"
        );
        assert!(
            err.contains("restoring the previous configuration failed too"),
            "{err}"
        );
        // A non-zero exit without a reason is still a failure.
        assert!(outcome(&answer(9, &[])).is_err());
    }

    #[test]
    fn restore_failures_are_told_in_words() {
        let answer = Answer {
            code: 4,
            lines: vec![
                format!(
                    "restore-reload-failed nginx {}",
                    b64(b"nginx: bind failed\n")
                ),
                "restore-proof-failed abc".to_owned(),
            ],
        };
        assert_eq!(
            restore_failures(&answer),
            [
                "reloading `nginx`: nginx: bind failed",
                "the proxy does not answer its previous build `abc`"
            ]
        );
    }

    #[test]
    fn a_secret_change_is_listed_without_its_content() {
        let plan = HostPlan {
            host: "web".into(),
            interrupted: true,
            certificates: Vec::new(),
            changes: vec![Change {
                path: "etc/infrac/infra/.env".into(),
                kind: ChangeKind::Change,
                diff: None,
                secret: true,
                reload: Some(Reload::Containers),
            }],
        };
        assert_eq!(
            describe(&plan),
            "web: 0 to add, 1 to change, 0 to remove; reloads containers; disruptive\n  \
             ! an earlier apply was cut off: it will be rolled back and redone\n  \
             ~ /etc/infrac/infra/.env (holds secrets: contents not shown) [disruptive, reloads containers]\n"
        );
    }

    #[test]
    fn proof_urls_and_modes() {
        assert_eq!(
            proof_address("http://127.0.0.1:7707/.well-known/infrac-build"),
            Some((7707, "/.well-known/infrac-build"))
        );
        assert_eq!(proof_address("http://example.org/x"), None);
        let f = &target().files[0];
        assert!(same_meta(f, Some("644"), Some("root:root")));
        assert!(same_meta(f, Some("644"), Some("-")));
        assert!(!same_meta(f, Some("600"), Some("root:root")));
        assert!(!same_meta(f, Some("644"), Some("www-data:root")));
    }
}
