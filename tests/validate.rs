//! Every file generated for the bundled `sites/` passes its real validator:
//! `caddy validate` for Caddyfiles, `nginx -t` for NGINX confs.
//!
//! Each host is built under a temporary prefix (the `prefix` a host may
//! set), so every path the configs name — certificates, webroots, site
//! roots — lands in the test's folder, where self-signed certificates are
//! made for them.

mod common;

use std::process::Command;

use camino::{Utf8Path, Utf8PathBuf};
use infrac::render::{self, HostTree};

/// Builds `sites/` with every host under `root/<host>/`, writes the trees
/// there, and returns them.
fn build_under(root: &Utf8Path) -> Vec<HostTree> {
    let mut model = common::sites_model();
    for host in &mut model.hosts {
        host.prefix = Some(root.join(&host.name));
    }
    let trees = render::render(&model).expect("renders");
    for tree in &trees {
        for file in &tree.files {
            let path = root.join(&tree.host).join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.content).unwrap();
        }
    }
    trees
}

/// Makes a certificate for every `ssl_certificate`/`tls CERT KEY` a config
/// names (they are all under the test's folder).
fn make_certificates(config: &str, root: &Utf8Path) {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut pending_cert = None;
    for line in config.lines().map(str::trim) {
        let words: Vec<&str> = line.trim_end_matches(';').split_whitespace().collect();
        match words.as_slice() {
            ["ssl_certificate", cert] => pending_cert = Some((*cert).to_owned()),
            ["ssl_certificate_key", key] => {
                pairs.push((pending_cert.take().unwrap(), (*key).to_owned()));
            }
            ["tls", cert, key] if cert.ends_with(".pem") => {
                pairs.push(((*cert).to_owned(), (*key).to_owned()));
            }
            _ => {}
        }
    }
    for (cert, key) in pairs {
        assert!(
            cert.starts_with(root.as_str()),
            "{cert} is outside the host's prefix"
        );
        if !Utf8Path::new(&cert).exists() {
            common::self_signed(cert.as_ref(), key.as_ref());
        }
    }
}

#[test]
fn every_caddyfile_passes_caddy_validate() {
    let caddy = common::require_tool("caddy");
    let root = common::temp_dir("validate-caddy");
    let trees = build_under(&root);
    let mut validated = 0;
    for tree in &trees {
        for file in tree
            .files
            .iter()
            .filter(|f| f.path.as_str() == "etc/caddy/Caddyfile")
        {
            let path = root.join(&tree.host).join(&file.path);
            make_certificates(&file.content, &root);
            let out = Command::new(&caddy)
                .args([
                    "validate",
                    "--adapter",
                    "caddyfile",
                    "--config",
                    path.as_str(),
                ])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "caddy validate rejects {}:\n{}\n--- file ---\n{}",
                path,
                String::from_utf8_lossy(&out.stderr),
                file.content
            );
            validated += 1;
        }
    }
    // venus, kestrel, v3b, ci3, awesome.
    assert_eq!(validated, 5);
}

#[test]
fn every_nginx_conf_passes_nginx_t() {
    let nginx = common::require_tool("nginx");
    let root = common::temp_dir("validate-nginx");
    let trees = build_under(&root);
    let mut validated = 0;
    for tree in trees
        .iter()
        .filter(|t| t.files.iter().any(|f| f.path.starts_with("etc/nginx")))
    {
        let host_root = root.join(&tree.host);
        for file in &tree.files {
            make_certificates(&file.content, &root);
        }
        let conf = common::write_nginx_conf(&host_root, "stderr");
        let out = Command::new(&nginx)
            .args(["-t", "-c", conf.as_str()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "nginx -t rejects {}:\n{stderr}",
            tree.host
        );
        assert!(
            !stderr.contains("[warn]"),
            "nginx -t warns for {}:\n{stderr}",
            tree.host
        );
        validated += 1;
    }
    // opam-4 and opam-5.
    assert_eq!(validated, 2);
}

/// All files of one kind across the bundled sites, built under `root`.
fn files_named<'t>(
    trees: &'t [HostTree],
    root: &Utf8Path,
    pred: impl Fn(&str) -> bool,
) -> Vec<(Utf8PathBuf, &'t str)> {
    trees
        .iter()
        .flat_map(|t| t.files.iter().map(move |f| (t, f)))
        .filter(|(_, f)| pred(f.path.as_str()))
        .map(|(t, f)| (root.join(&t.host).join(&f.path), f.content.as_str()))
        .collect()
}

fn run_ok(cmd: &mut Command, what: &Utf8Path) -> String {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} rejects {what}:\n{text}");
    text
}

#[test]
fn compose_files_pass_docker_compose_config_and_stack_files_docker_stack_config() {
    let compose = common::require_tool("docker-compose");
    let docker = common::require_tool("docker");
    let root = common::temp_dir("validate-compose");
    let trees = build_under(&root);
    let composes = files_named(&trees, &root, |p| p.ends_with("docker-compose.yml"));
    let stacks = files_named(&trees, &root, |p| p.ends_with("stack.yml"));
    // kestrel, ci3, awesome; v3b, opam-4, opam-5.
    assert_eq!((composes.len(), stacks.len()), (3, 3));
    for (path, _) in &composes {
        run_ok(
            Command::new(&compose).args(["-f", path.as_str(), "config", "-q"]),
            path,
        );
    }
    for (path, _) in &stacks {
        let text = run_ok(
            Command::new(&docker).args(["stack", "config", "-c", path.as_str()]),
            path,
        );
        // The seeds' lesson: the proxy is global with host-mode ports.
        assert!(
            text.contains("mode: global") && text.contains("mode: host"),
            "{path}:\n{text}"
        );
    }
}

#[test]
fn units_pass_systemd_analyze_verify() {
    let analyze = common::require_tool("systemd-analyze");
    let root = common::temp_dir("validate-units");
    let trees = build_under(&root);
    let units = files_named(&trees, &root, |p| p.starts_with("etc/systemd/system/"));
    assert!(units.len() >= 4, "{units:?}");
    for (path, _) in &units {
        let out = Command::new(&analyze)
            .arg("verify")
            .arg(path.as_str())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr);
        // Dependencies on units this machine lacks (docker.service) are
        // not errors in the file.
        let problems: Vec<&str> = text
            .lines()
            .filter(|l| !l.contains("docker.service") && !l.trim().is_empty())
            .collect();
        assert!(
            out.status.success() && problems.is_empty(),
            "systemd-analyze verify {path}:\n{text}"
        );
    }
}

#[test]
fn scripts_pass_shellcheck_and_the_receiver_compiles() {
    let shellcheck = common::require_tool("shellcheck");
    let root = common::temp_dir("validate-scripts");
    let trees = build_under(&root);
    let scripts = files_named(&trees, &root, |p| p.ends_with(".sh"));
    // kestrel: 2, venus: 1, opam-4/5: 1 each.
    assert_eq!(scripts.len(), 5, "{scripts:?}");
    for (path, _) in &scripts {
        run_ok(Command::new(&shellcheck).arg(path.as_str()), path);
    }
    // And the script apply runs on every host.
    let host_script = camino::Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("src/apply/host.sh");
    run_ok(
        Command::new(&shellcheck).arg(host_script.as_str()),
        &host_script,
    );
    for tree in &trees {
        for f in tree
            .files
            .iter()
            .filter(|f| f.path.extension() == Some("sh") || f.path.extension() == Some("py"))
        {
            assert_eq!(f.mode, 0o755, "{}/{} must be executable", tree.host, f.path);
        }
    }
    let python = common::require_tool("python3");
    for (path, _) in files_named(&trees, &root, |p| p.ends_with(".py")) {
        run_ok(
            Command::new(&python).args(["-m", "py_compile", path.as_str()]),
            &path,
        );
    }
}

#[test]
fn every_sysctl_key_exists_under_proc_sys() {
    let root = common::temp_dir("validate-sysctl");
    let trees = build_under(&root);
    let files = files_named(&trees, &root, |p| p.starts_with("etc/sysctl.d/"));
    assert_eq!(files.len(), 2);
    let mut keys = 0;
    for (path, content) in files {
        for line in content
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let key = line.split('=').next().unwrap().trim();
            let proc = format!("/proc/sys/{}", key.replace('.', "/"));
            assert!(
                std::path::Path::new(&proc).exists(),
                "{path}: {key} is not a kernel setting here ({proc})"
            );
            keys += 1;
        }
    }
    assert_eq!(keys, 4, "bbr on opam-4 and opam-5: two keys each");
}

#[test]
fn cron_entries_are_valid_and_run_their_scripts() {
    let root = common::temp_dir("validate-cron");
    let trees = build_under(&root);
    let entries = files_named(&trees, &root, |p| p.starts_with("etc/cron.d/"));
    assert_eq!(entries.len(), 5);
    for (path, content) in entries {
        let name = path.file_name().unwrap();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "cron skips {name}"
        );
        assert!(
            content.ends_with('\n'),
            "cron ignores a last line without a newline: {path}"
        );
        let line = content
            .lines()
            .rev()
            .find(|l| !l.starts_with('#') && !l.contains('='))
            .unwrap();
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (schedule, user, script) = if fields[0].starts_with('@') {
            (fields[0].to_owned(), fields[1], fields[2])
        } else {
            (fields[..5].join(" "), fields[5], fields[6])
        };
        assert!(
            infrac::check::value::time::schedule(&schedule).is_ok(),
            "{path}: {schedule}"
        );
        assert_eq!(user, "root");
        assert!(
            Utf8Path::new(script).is_file(),
            "{path} runs {script}, which is not there"
        );
    }
}

/// Secrets are referred to, never written: a build of a program whose
/// secrets exist (in the environment and in files) contains none of them.
#[test]
fn no_secret_value_reaches_the_generated_files() {
    let root = common::temp_dir("validate-secrets");
    let secret_file = root.join("app.secret");
    std::fs::write(&secret_file, "file-secret-4f9a1c").unwrap();
    let dir = root.join("sites");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("s.infra"),
        format!(
            "host h {{\n    address h.example.org\n    proxy caddy compose\n}}\n\
             service app {{\n    image example/app:1\n    port 8080\n    secret API_TOKEN env APP_TOKEN\n    secret DB_PASSWORD file {secret_file}\n}}\n\
             site app {{\n    domains app.example.org\n    on h\n    proxy app\n    subproject docs https://github.com/example/docs\n}}\n\
             webhook hooks {{\n    domain hooks.example.org\n    updates app\n    secret env HOOK_SECRET\n}}\n"
        ),
    )
    .unwrap();
    let out = root.join("out");
    let status = common::infrac_command()
        .args(["build", dir.as_str(), "-o", out.as_str()])
        .env("APP_TOKEN", "env-secret-77d2e0")
        .env("HOOK_SECRET", "env-secret-hook-91b3")
        .status()
        .unwrap();
    assert!(status.success());
    let mut all = String::new();
    for entry in walk(&out) {
        all.push_str(&std::fs::read_to_string(entry).unwrap());
    }
    for value in [
        "file-secret-4f9a1c",
        "env-secret-77d2e0",
        "env-secret-hook-91b3",
    ] {
        assert!(!all.contains(value), "{value} leaked into out/");
    }
    // The files refer to them, and the manifest says where they come from.
    assert!(all.contains("API_TOKEN: \"${APP_TOKEN}\""), "{all}");
    assert!(all.contains("DB_PASSWORD_FILE: \"/run/secrets/app_db_password\""));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("h/manifest.json")).unwrap())
            .unwrap();
    let secrets = manifest["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 3, "{secrets:?}");
    assert!(
        secrets
            .iter()
            .any(|s| s["from"]["from"] == "env" && s["from"]["name"] == "HOOK_SECRET")
    );
    // Environment secrets say which file the applier writes them into.
    let env_file = |name: &str| {
        secrets
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["env_file"].clone())
    };
    assert_eq!(
        env_file("APP_TOKEN"),
        Some(serde_json::json!("etc/infrac/infra/.env"))
    );
    assert_eq!(
        env_file("HOOK_SECRET"),
        Some(serde_json::json!("etc/infrac/webhook/hooks.env"))
    );
    assert_eq!(env_file("DB_PASSWORD"), Some(serde_json::Value::Null));
    for s in secrets.iter().filter(|s| !s["env_file"].is_null()) {
        assert_eq!(s["env_file_mode"], "0600", "{s}");
    }
}

fn walk(dir: &Utf8Path) -> Vec<Utf8PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = Utf8PathBuf::from_path_buf(e.unwrap().path()).unwrap();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// ocaml.org comes out as a swarm stack or a compose project from the same
/// declaration, switched by one line; both forms pass their validator.
#[test]
fn ocaml_org_switches_between_stack_and_compose_with_one_line() {
    let root = common::temp_dir("validate-switch");
    let source = std::fs::read_to_string(
        Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/ocaml-org.infra"),
    )
    .unwrap();
    // The one line: the host's `proxy` directive.
    let compose_form: String = source
        .lines()
        .map(|l| if l.trim() == "proxy caddy swarm" { l.replace("swarm", "compose") } else { l.to_owned() } + "\n")
        .collect();
    assert_eq!(
        compose_form
            .lines()
            .zip(source.lines())
            .filter(|(a, b)| a != b)
            .count(),
        1
    );
    for (form, text) in [
        ("stack", source.as_str()),
        ("compose", compose_form.as_str()),
    ] {
        let dir = root.join(form);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ocaml-org.infra"), text).unwrap();
        let out = dir.join("out");
        let status = common::infrac_command()
            .args(["build", dir.as_str(), "-o", out.as_str()])
            .status()
            .unwrap();
        assert!(status.success());
        let file = out.join(format!(
            "v3b/etc/infrac/infra/{}",
            if form == "stack" {
                "stack.yml"
            } else {
                "docker-compose.yml"
            }
        ));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("ocurrent/v3.ocaml.org-server:live")
                && text.contains("net.ipv4.tcp_keepalive_time=60")
        );
        if form == "stack" {
            run_ok(
                Command::new(common::require_tool("docker")).args([
                    "stack",
                    "config",
                    "-c",
                    file.as_str(),
                ]),
                &file,
            );
        } else {
            run_ok(
                Command::new(common::require_tool("docker-compose")).args([
                    "-f",
                    file.as_str(),
                    "config",
                    "-q",
                ]),
                &file,
            );
            // Compose publishes the proxy on every address (IPv6 included).
            assert!(text.contains("\"443:443/tcp\""), "{text}");
        }
        let manifest = std::fs::read_to_string(out.join("v3b/manifest.json")).unwrap();
        let up = if form == "stack" {
            "docker stack deploy --prune -c"
        } else {
            "docker-compose -p infra -f"
        };
        assert!(manifest.contains(up), "{manifest}");
    }
}

/// A timer with hardening settings passes `systemd-analyze verify`.
#[test]
fn timers_and_hardened_units_pass_systemd_analyze_verify() {
    let analyze = common::require_tool("systemd-analyze");
    let root = common::temp_dir("validate-timers");
    let dir = root.join("sites");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("t.infra"),
        format!(
            "host h {{\n    address h.example.org\n    prefix {root}/h\n}}\n\
             unit backup {{\n    description \"Nightly backup\"\n    run \"/usr/bin/tar -czf /var/backups/www.tgz /var/www\"\n    schedule daily\n    \
             set Service.ProtectSystem full\n    set Service.PrivateTmp yes\n    set Service.NoNewPrivileges yes\n    on h\n}}\n\
             unit poll {{\n    run \"/bin/true\"\n    every 15m\n    on h\n}}\n"
        ),
    )
    .unwrap();
    let out = root.join("out");
    assert!(
        common::infrac_command()
            .args(["build", dir.as_str(), "-o", out.as_str()])
            .status()
            .unwrap()
            .success()
    );
    let units = out.join("h/etc/systemd/system");
    let mut names: Vec<String> = std::fs::read_dir(&units)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "backup.service",
            "backup.timer",
            "poll.service",
            "poll.timer"
        ]
    );
    let backup = std::fs::read_to_string(units.join("backup.service")).unwrap();
    assert!(
        backup.contains("ProtectSystem=full") && backup.contains("NoNewPrivileges=yes"),
        "{backup}"
    );
    assert!(
        std::fs::read_to_string(units.join("backup.timer"))
            .unwrap()
            .contains("OnCalendar=daily")
    );
    assert!(
        std::fs::read_to_string(units.join("poll.timer"))
            .unwrap()
            .contains("OnUnitActiveSec=900s")
    );
    for name in &names {
        let path = units.join(name);
        let o = Command::new(&analyze)
            .arg("verify")
            .arg(path.as_str())
            .output()
            .unwrap();
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "{path}:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Swarm placement constraints reach the stack file, which `docker stack
/// config` accepts; a malformed one is a compile error.
#[test]
fn placement_constraints_are_checked_and_rendered() {
    let root = common::temp_dir("validate-placement");
    let dir = root.join("sites");
    std::fs::create_dir_all(&dir).unwrap();
    let program = |constraint: &str| {
        format!(
            "host h {{\n    address h.example.org\n    proxy caddy swarm\n}}\n\
             service app {{\n    image example/app:1\n    port 8080\n    replicas 2\n    placement \"{constraint}\"\n}}\n\
             site app {{\n    domains app.example.org\n    on h\n    proxy app\n}}\n"
        )
    };
    std::fs::write(dir.join("p.infra"), program("node.labels.web == true")).unwrap();
    let out = root.join("out");
    assert!(
        common::infrac_command()
            .args(["build", dir.as_str(), "-o", out.as_str()])
            .status()
            .unwrap()
            .success()
    );
    let stack = out.join("h/etc/infrac/infra/stack.yml");
    let text = run_ok(
        Command::new(common::require_tool("docker")).args([
            "stack",
            "config",
            "-c",
            stack.as_str(),
        ]),
        &stack,
    );
    assert!(
        text.contains("node.labels.web == true") && text.contains("replicas: 2"),
        "{text}"
    );
    std::fs::write(dir.join("p.infra"), program("web nodes please")).unwrap();
    let o = common::infrac_command()
        .args(["check", dir.as_str(), "--message-format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("is not a placement constraint"));
}

/// A host's `acme_ca` reaches Caddy: `caddy adapt` puts the directory in
/// the ACME issuer of its TLS automation (how a staging or private CA, such
/// as pebble, is used).
#[test]
fn a_hosts_acme_ca_is_the_directory_caddy_uses() {
    let caddy = common::require_tool("caddy");
    let root = common::temp_dir("validate-acme-ca");
    let dir = root.join("sites");
    std::fs::create_dir_all(&dir).unwrap();
    let directory = "https://127.0.0.1:14000/dir";
    std::fs::write(
        dir.join("s.infra"),
        format!(
            "host h {{\n    address h.example.org\n    acme_email ops@example.org\n    acme_ca {directory}\n}}\n\
             site s {{\n    domains s.example.org\n    on h\n    static\n}}\n"
        ),
    )
    .unwrap();
    let out = root.join("out");
    let status = common::infrac_command()
        .args(["build", dir.as_str(), "-o", out.as_str()])
        .status()
        .unwrap();
    assert!(status.success());
    let adapted = Command::new(&caddy)
        .args(["adapt", "--adapter", "caddyfile", "--config"])
        .arg(out.join("h/etc/caddy/Caddyfile"))
        .output()
        .unwrap();
    assert!(
        adapted.status.success(),
        "{}",
        String::from_utf8_lossy(&adapted.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&adapted.stdout).unwrap();
    let issuers: Vec<serde_json::Value> = json["apps"]["tls"]["automation"]["policies"]
        .as_array()
        .expect("a TLS automation policy")
        .iter()
        .flat_map(|p| p["issuers"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(
        issuers.iter().any(|i| i["module"] == "acme"
            && i["ca"] == directory
            && i["email"] == "ops@example.org"),
        "{json:#}"
    );
}
