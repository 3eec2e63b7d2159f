//! Every generated file through its real validator, and read back as its
//! consumer reads it (`readback`). Shared by the tests over generated and
//! hostile programs.

use std::collections::BTreeMap;
use std::process::Command;

use camino::{Utf8Path, Utf8PathBuf};
use infrac::render::HostTree;

use super::readback::{self, Token};

/// What a file is, by its path on the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Caddyfile,
    Nginx,
    Compose,
    Stack,
    Unit,
    Script,
    Sysctl,
    Cron,
    Json,
    Python,
}

#[must_use]
pub fn kind(path: &Utf8Path) -> Option<Kind> {
    let p = path.as_str();
    Some(if p == "etc/caddy/Caddyfile" {
        Kind::Caddyfile
    } else if p.starts_with("etc/nginx/") {
        Kind::Nginx
    } else if p.ends_with("docker-compose.yml") {
        Kind::Compose
    } else if p.ends_with("stack.yml") {
        Kind::Stack
    } else if p.starts_with("etc/systemd/system/") {
        Kind::Unit
    } else if p.ends_with(".sh") {
        Kind::Script
    } else if p.starts_with("etc/sysctl.d/") {
        Kind::Sysctl
    } else if p.starts_with("etc/cron.d/") {
        Kind::Cron
    } else if p.ends_with(".json") {
        Kind::Json
    } else if p.ends_with(".py") {
        Kind::Python
    } else {
        return None;
    })
}

/// Writes every tree under `root/<host>/` (hosts must have `prefix` set to
/// that folder, so every path in the files is under `root`).
pub fn write(root: &Utf8Path, trees: &[HostTree]) -> Result<(), String> {
    for tree in trees {
        for file in &tree.files {
            let path = root.join(&tree.host).join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap())
                .and_then(|()| std::fs::write(&path, &file.content))
                .map_err(|e| format!("{}/{}: {e}", tree.host, file.path))?;
        }
    }
    Ok(())
}

fn run(cmd: &mut Command) -> Result<String, String> {
    run_stdout(cmd).map(|(_, both)| both)
}

/// Standard output, and both outputs for messages.
fn run_stdout(cmd: &mut Command) -> Result<(String, String), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok((String::from_utf8_lossy(&out.stdout).into_owned(), text))
    } else {
        Err(format!("{cmd:?} failed:\n{text}"))
    }
}

/// Certificates a config names, made (self-signed) where they are missing;
/// only ever under `root`.
fn certificates(pairs: &[(String, String)], root: &Utf8Path) -> Result<(), String> {
    for (cert, key) in pairs {
        if !cert.starts_with(root.as_str()) || !key.starts_with(root.as_str()) {
            return Err(format!("{cert} / {key} is outside the test's folder"));
        }
        if !Utf8Path::new(cert).exists() {
            super::self_signed(cert.as_ref(), key.as_ref());
        }
    }
    Ok(())
}

/// The Caddyfile through `caddy adapt` (Caddy's own parser) and `caddy
/// validate`; its values as Caddy reads them.
fn caddyfile(path: &Utf8Path, root: &Utf8Path) -> Result<Vec<Token>, String> {
    let caddy = super::require_tool("caddy");
    let (json, _) = run_stdout(Command::new(&caddy).args([
        "adapt",
        "--adapter",
        "caddyfile",
        "--config",
        path.as_str(),
    ]))?;
    let start = json.find('{').ok_or("caddy adapt printed no JSON")?;
    let end = json.rfind('}').ok_or("caddy adapt printed no JSON")?;
    let value: serde_json::Value =
        serde_json::from_str(&json[start..=end]).map_err(|e| format!("{e}: {json}"))?;
    let mut pairs = Vec::new();
    collect_caddy_certs(&value, &mut pairs);
    certificates(&pairs, root)?;
    run(Command::new(&caddy).args([
        "validate",
        "--adapter",
        "caddyfile",
        "--config",
        path.as_str(),
    ]))?;
    Ok(readback::caddy(&value))
}

fn collect_caddy_certs(v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(map) => {
            if let (Some(serde_json::Value::String(c)), Some(serde_json::Value::String(k))) =
                (map.get("certificate"), map.get("key"))
            {
                out.push((c.clone(), k.clone()));
            }
            for item in map.values() {
                collect_caddy_certs(item, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_caddy_certs(item, out);
            }
        }
        _ => {}
    }
}

/// A host's NGINX confs through `nginx -t`; each file's values as NGINX
/// reads them.
fn nginx_host(
    host_root: &Utf8Path,
    all: &[Utf8PathBuf],
    files: &[Utf8PathBuf],
    root: &Utf8Path,
) -> Result<BTreeMap<Utf8PathBuf, Vec<Token>>, String> {
    let mut tokens = BTreeMap::new();
    let mut pairs = Vec::new();
    // Certificates of every file: `nginx -t` loads the whole conf.d.
    for f in all {
        let text = std::fs::read_to_string(host_root.join(f)).map_err(|e| e.to_string())?;
        let items = readback::nginx(&text).map_err(|e| format!("{f}: {e}"))?;
        let mut cert = None;
        for t in &items {
            if t.at.ends_with(": ssl_certificate") && !t.text.starts_with("ssl_") {
                cert = Some(t.text.clone());
            }
            if t.at.ends_with(": ssl_certificate_key") && !t.text.starts_with("ssl_") {
                pairs.push((cert.take().unwrap_or_default(), t.text.clone()));
            }
        }
        if files.contains(f) {
            tokens.insert(f.clone(), items);
        }
    }
    certificates(&pairs, root)?;
    let conf = super::write_nginx_conf(host_root, "stderr");
    let text = run(Command::new(super::require_tool("nginx")).args(["-t", "-c", conf.as_str()]))?;
    if let Some(warn) = text.lines().find(|l| l.contains("[warn]")) {
        return Err(format!("nginx -t warns: {warn}"));
    }
    Ok(tokens)
}

fn unit(path: &Utf8Path) -> Result<Vec<Token>, String> {
    let out = Command::new(super::require_tool("systemd-analyze"))
        .arg("verify")
        .arg(path.as_str())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stderr);
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("docker.service") && !l.trim().is_empty())
        .collect();
    if !out.status.success() || !problems.is_empty() {
        return Err(format!("systemd-analyze verify {path}:\n{text}"));
    }
    readback::systemd(&std::fs::read_to_string(path).map_err(|e| e.to_string())?)
}

/// A script through `bash -n` and shellcheck, then run with every command
/// it may call replaced by a stub that records its arguments: the values
/// are the arguments the script runs things with.
fn script(path: &Utf8Path, work: &Utf8Path) -> Result<Vec<Token>, String> {
    run(Command::new(super::require_tool("shellcheck")).arg(path.as_str()))?;
    shell_words(path, work)
}

/// Runs the bash script at `path` with the commands it may run stubbed
/// (each records its argv): the words those commands are given.
fn shell_words(path: &Utf8Path, work: &Utf8Path) -> Result<Vec<Token>, String> {
    run(Command::new("bash").arg("-n").arg(path.as_str()))?;
    let stubs = work.join("stubs");
    let log = work.join("argv.log");
    std::fs::create_dir_all(&stubs).unwrap();
    let _ = std::fs::remove_file(&log);
    for name in [
        "systemd-cat",
        "docker",
        "docker-compose",
        "certbot",
        "systemctl",
        "caddy",
        "nginx",
        "sh",
        "env",
        "sysctl",
        "systemd-analyze",
    ] {
        let stub = stubs.join(name);
        std::fs::write(
            &stub,
            format!(
                "#!/bin/bash\nprintf '%s\\0' {name} \"$@\" >> {log}\n\
                 case {name} in systemctl) exit 0;; docker) [ \"$1\" = ps ] && echo c1;; esac\nexit 0\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }
    let out = Command::new("/bin/bash")
        .arg(path.as_str())
        .env("PATH", format!("{stubs}:/usr/bin:/bin"))
        .current_dir(work.as_str())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{path} exits {} with stubbed commands:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let recorded = std::fs::read(&log).unwrap_or_default();
    Ok(recorded
        .split(|b| *b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| Token {
            text: String::from_utf8_lossy(w).into_owned(),
            regex: false,
            at: format!("{path}: an argument"),
        })
        .collect())
}

/// Validates and reads back `files` of `tree` (all of them when `None`),
/// written under `root/<host>/`. `Err` names the first file a tool rejects.
pub fn tree(
    root: &Utf8Path,
    tree: &HostTree,
    files: Option<&[Utf8PathBuf]>,
) -> Result<BTreeMap<Utf8PathBuf, Vec<Token>>, String> {
    let host_root = root.join(&tree.host);
    let wanted: Vec<Utf8PathBuf> = match files {
        Some(f) => f.to_vec(),
        None => tree.files.iter().map(|f| f.path.clone()).collect(),
    };
    let mut out = BTreeMap::new();
    let nginx: Vec<Utf8PathBuf> = wanted
        .iter()
        .filter(|p| kind(p) == Some(Kind::Nginx))
        .cloned()
        .collect();
    if !nginx.is_empty() {
        // nginx -t reads the whole conf.d: every file of the host.
        let all: Vec<Utf8PathBuf> = tree
            .files
            .iter()
            .filter(|f| kind(&f.path) == Some(Kind::Nginx))
            .map(|f| f.path.clone())
            .collect();
        out.extend(nginx_host(&host_root, &all, &nginx, root)?);
    }
    for path in &wanted {
        let full = host_root.join(path);
        let text = || std::fs::read_to_string(&full).map_err(|e| e.to_string());
        let tokens =
            match kind(path) {
                Some(Kind::Nginx) => continue,
                Some(Kind::Caddyfile) => caddyfile(&full, root),
                Some(Kind::Compose) => run(Command::new(super::require_tool("docker-compose"))
                    .args(["-f", full.as_str(), "config", "-q"]))
                .and_then(|_| readback::yaml(&full)),
                Some(Kind::Stack) => run(Command::new(super::require_tool("docker")).args([
                    "stack",
                    "config",
                    "-c",
                    full.as_str(),
                ]))
                .and_then(|_| readback::yaml(&full)),
                Some(Kind::Unit) => unit(&full),
                Some(Kind::Script) => script(&full, &host_root.join("script-run")),
                Some(Kind::Sysctl) => text().and_then(|t| readback::sysctl(&t)),
                Some(Kind::Cron) => text().and_then(|t| readback::cron(&t)),
                Some(Kind::Json) => text().and_then(|t| {
                    serde_json::from_str(&t)
                        .map(|v| readback::json_strings(&v))
                        .map_err(|e| e.to_string())
                }),
                Some(Kind::Python) => run(Command::new(super::require_tool("python3")).args([
                    "-m",
                    "py_compile",
                    full.as_str(),
                ]))
                .map(|_| Vec::new()),
                None => Err(format!("no validator for {path}")),
            };
        out.insert(
            path.clone(),
            tokens.map_err(|e| format!("{}/{path}: {e}", tree.host))?,
        );
    }
    // The manifest: JSON, whose commands (validations, reloads,
    // certificate requests) a shell on the host runs: those are read back
    // as the words the programs they run are given.
    let manifest: serde_json::Value =
        serde_json::from_str(&tree.manifest.to_json()).map_err(|e| format!("manifest: {e}"))?;
    let (commands, data): (Vec<Token>, Vec<Token>) = readback::json_strings(&manifest)
        .into_iter()
        .partition(|t| t.at.ends_with("/command") || t.at.ends_with("/validate"));
    out.insert("manifest.json".into(), data);
    if !commands.is_empty() {
        let work = host_root.join("script-run");
        std::fs::create_dir_all(&work).unwrap();
        let path = work.join("manifest-commands.sh");
        // Each must succeed with the stubs: a program without one fails.
        let mut text = "#!/usr/bin/env bash\nset -e\n".to_owned();
        for c in &commands {
            text.push_str(&c.text);
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        out.insert(
            "manifest.json: commands".into(),
            shell_words(&path, &work).map_err(|e| format!("{}: manifest: {e}", tree.host))?,
        );
    }
    Ok(out)
}
