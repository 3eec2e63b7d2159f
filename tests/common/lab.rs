//! A lab of hosts on one machine: a real sshd on loopback, and per host a
//! prefix with a running NGINX or Caddy. For the apply tests and bench.

use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use camino::Utf8PathBuf;

pub struct Lab {
    pub root: Utf8PathBuf,
    pub sshd: super::Sshd,
    pub sites: Utf8PathBuf,
}

impl Lab {
    pub fn new(name: &str) -> Lab {
        Lab::with_sshd(name, "")
    }

    /// A lab whose sshd sets `env` (` NAME=VALUE…`) for its sessions.
    pub fn with_sshd(name: &str, extra: &str) -> Lab {
        let root = super::temp_dir(name);
        let sshd = super::sshd_with(&root.join("ssh"), extra);
        let sites = root.join("sites");
        std::fs::create_dir_all(&sites).unwrap();
        Lab { root, sshd, sites }
    }

    /// The index page of `site` on `host` (`versioned`'s site root).
    pub fn page(&self, host: &str, site: &str, body: &str) {
        let path = self.host(host).join("srv").join(site).join("index.html");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }

    /// A host's prefix: where its tree lands.
    pub fn host(&self, name: &str) -> Utf8PathBuf {
        self.root.join(name)
    }

    /// The declaration of host `name`, reached through the lab's sshd and
    /// living in its prefix; `extra` holds further indented lines.
    pub fn declare(&self, name: &str, proxy: &str, extra: &str) -> String {
        format!(
            "host {name} {{\n    address 127.0.0.1\n    ssh_port {}\n    prefix {}\n    proxy {proxy}\n{extra}}}\n",
            self.sshd.port,
            self.host(name)
        )
    }

    pub fn write(&self, program: &str) {
        std::fs::write(self.sites.join("main.infra"), program).unwrap();
    }

    pub fn command(&self, verb: &str, args: &[&str]) -> Command {
        let mut cmd = super::infrac_command();
        cmd.args([
            verb,
            self.sites.as_str(),
            "--ssh-config",
            self.sshd.ssh_config.as_str(),
        ])
        .args(args);
        cmd
    }

    pub fn apply(&self, args: &[&str]) -> Output {
        let mut all = vec!["--yes", "--proof-timeout", "4"];
        all.extend_from_slice(args);
        self.command("apply", &all).output().unwrap()
    }

    pub fn plan(&self, args: &[&str]) -> Output {
        self.command("plan", args).output().unwrap()
    }

    /// An `ssh_config` for the lab that has the host's script stop at a
    /// checkpoint: `at` is `N:HOW` (the Nth checkpoint of each apply;
    /// `script` kills the script, `pause` waits for the test to remove
    /// `var/lib/infrac/test-paused`) or `N:HOW:R` (only in the Rth apply
    /// since the test removed `var/lib/infrac/test-runs`).
    pub fn kill_config(&self, at: &str) -> Utf8PathBuf {
        let base = std::fs::read_to_string(&self.sshd.ssh_config).unwrap();
        let path = self
            .root
            .join(format!("ssh_config.kill-{}", at.replace(':', "-")));
        std::fs::write(
            &path,
            base.replacen(
                "Host 127.0.0.1\n",
                &format!("Host 127.0.0.1\n    SetEnv INFRAC_TEST_KILL_AT={at}\n"),
                1,
            ),
        )
        .unwrap();
        path
    }

    /// Files a run may leave only while it runs: none once another apply
    /// has finished.
    pub fn leftovers(&self, host: &str) -> Vec<String> {
        let state = self.host(host).join("var/lib/infrac");
        let mut found: Vec<String> = self
            .files(host)
            .into_keys()
            .filter(|p| p.ends_with(".infrac-new"))
            .collect();
        if let Ok(read) = std::fs::read_dir(&state) {
            for e in read.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if ["incoming", "txn", "test-paused"].contains(&name.as_str())
                    || name.starts_with("request.")
                    || name.starts_with("dropped.")
                    || name.starts_with("waiting.")
                {
                    found.push(format!("var/lib/infrac/{name}"));
                }
            }
        }
        found
    }

    /// An NGINX host with its own ports, and a running NGINX whose main
    /// config includes the host's conf.d (empty until the first apply).
    pub fn nginx_host(&self, name: &str, extra: &str) -> (String, Port, super::Server) {
        let prefix = self.host(name);
        let (http, probe) = (free_port(), free_port());
        std::fs::create_dir_all(prefix.join("etc/nginx/conf.d")).unwrap();
        let conf = super::write_nginx_conf(&prefix, prefix.join("error.log").as_str());
        let mut child = Command::new(super::require_tool("nginx"))
            .args(["-c", conf.as_str(), "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for(
            || prefix.join("nginx.pid").exists(),
            "nginx to start",
            &mut child,
        );
        let decl = self.declare(
            name,
            "nginx",
            &format!("    http_port {http}\n    probe_port {probe}\n{extra}"),
        );
        (decl, Port { http, probe }, super::Server(child))
    }

    /// A Caddy host, and a running Caddy listening only on its admin
    /// endpoint until the first apply.
    pub fn caddy_host(&self, name: &str) -> (String, Port, super::Server) {
        let prefix = self.host(name);
        let (http, probe, admin) = (free_port(), free_port(), free_port());
        std::fs::create_dir_all(&prefix).unwrap();
        let initial = prefix.join("initial.Caddyfile");
        std::fs::write(&initial, format!("{{\n\tadmin 127.0.0.1:{admin}\n}}\n")).unwrap();
        let mut child = super::spawn_caddy(&initial, &prefix);
        super::wait_for_port(admin, "caddy", &mut child);
        let decl = self.declare(
            name,
            "caddy",
            &format!(
                "    caddy_admin 127.0.0.1:{admin}\n    http_port {http}\n    probe_port {probe}\n"
            ),
        );
        (decl, Port { http, probe }, super::Server(child))
    }

    /// Every regular file under a host's prefix, but the servers' own
    /// (logs, pid, state), by path.
    pub fn files(&self, host: &str) -> BTreeMap<String, Vec<u8>> {
        let prefix = self.host(host);
        let mut out = BTreeMap::new();
        let mut stack = vec![prefix.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let path = Utf8PathBuf::from_path_buf(e.unwrap().path()).unwrap();
                let rel = path.strip_prefix(&prefix).unwrap().to_string();
                if path.is_dir() {
                    if !["caddy-data", "caddy-config", "var/lib/infrac"].contains(&rel.as_str()) {
                        stack.push(path);
                    }
                } else if !rel.ends_with(".log") && !rel.ends_with(".pid") {
                    // A `cp`/`mv` a killed script had started may still
                    // rename its `.infrac-new` as the folder is listed.
                    match std::fs::read(&path) {
                        Ok(bytes) => {
                            out.insert(rel, bytes);
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => panic!("{path}: {e}"),
                    }
                }
            }
        }
        out
    }
}

/// A site `name` on `on` (TLS off, static files), with `extra` lines.
pub fn site(name: &str, on: &str, extra: &str) -> String {
    format!(
        "site {name} {{\n    domains {name}.test\n    on {on}\n    tls off\n    static\n{extra}}}\n"
    )
}

/// Host `n` (declared by `decl`) with `count` sites `s0`… whose responses
/// carry `X-Version: VERSION`.
pub fn versioned(decl: &str, count: usize, version: &str) -> String {
    let mut p = format!("defaults {{\n    site_root /srv\n}}\n{decl}");
    for i in 0..count {
        p.push_str(&site(
            &format!("s{i}"),
            "n",
            &format!("    header X-Version {version}\n"),
        ));
    }
    p
}

#[derive(Clone, Copy)]
pub struct Port {
    pub http: u16,
    pub probe: u16,
}

/// A loopback port no other part of this test process was given (the
/// kernel may hand the same free port out twice in a row).
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

pub fn wait_for(ready: impl Fn() -> bool, what: &str, child: &mut std::process::Child) {
    let start = Instant::now();
    while !ready() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("exited ({status}) waiting for {what}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "waited for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Status and body of `GET http://127.0.0.1:PORT/PATH` for a virtual host.
pub fn get(port: u16, host: &str, path: &str) -> (u16, String) {
    let out = Command::new(super::require_tool("curl"))
        .args(["-s", "--max-time", "5", "-H"])
        .arg(format!("Host: {host}"))
        .args(["-w", "\n%{http_code}"])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.parse().unwrap_or(0), body.to_owned())
}
