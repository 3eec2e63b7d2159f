//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use camino::Utf8Path;

pub mod acme;
pub mod behaviour;
pub mod hostile;
pub mod lab;
pub mod procs;
pub mod programs;
pub mod readback;
pub mod verify;
use infrac::check::Checked;
use infrac::diag::{self, ColorChoice};
use infrac::source::SourceMap;

/// A program from `(name, text)` pairs.
pub fn program(files: &[(&str, &str)]) -> SourceMap {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(*name, *text);
    }
    sources
}

/// A program of one file read from disk, named by its file name.
pub fn program_file(path: &std::path::Path) -> SourceMap {
    let path = Utf8Path::from_path(path).expect("UTF-8 test paths");
    let text = std::fs::read_to_string(path).expect("readable test case");
    program(&[(path.file_name().expect("a file"), &text)])
}

/// Diagnostics as a person sees them: 80 columns, no colour.
pub fn human(checked: &Checked, sources: &SourceMap) -> String {
    diag::to_human(&checked.diagnostics, sources, ColorChoice::Never, 80)
}

pub fn json(checked: &Checked, sources: &SourceMap) -> String {
    diag::to_json(&checked.diagnostics, sources)
}

pub fn codes(checked: &Checked) -> Vec<String> {
    checked
        .diagnostics
        .iter()
        .map(|d| d.code.name().to_owned())
        .collect()
}

/// The path of a real program the test needs; fails (never skips) with the
/// install step when it is missing.
pub fn require_tool(name: &str) -> std::path::PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(["/usr/sbin".into(), "/sbin".into()]);
    for dir in candidates {
        let path = dir.join(name);
        if path.is_file() {
            return path;
        }
    }
    panic!("`{name}` is not installed: run scripts/install-tools (CI's .ci/run does)");
}

/// A header's value in an HTTP head (`Name: value` lines), its name in any
/// case; the first when there are several.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// The bundled `sites/` program, checked.
pub fn sites_model() -> infrac::model::Model {
    let dir = camino::Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("sites");
    let sources = infrac::program::load_dir(&dir).expect("sites/ loads");
    let checked = infrac::program::analyze(&sources);
    checked.model.expect("sites/ checks clean")
}

/// A fresh temporary folder for one test.
pub fn temp_dir(name: &str) -> camino::Utf8PathBuf {
    let dir = camino::Utf8PathBuf::from_path_buf(std::env::temp_dir())
        .expect("UTF-8 temp dir")
        .join(format!("infrac-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Writes a self-signed certificate and key (for any name) to `cert` and `key`.
pub fn self_signed(cert: &std::path::Path, key: &std::path::Path) {
    for p in [cert, key] {
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
    }
    let status = std::process::Command::new(require_tool("openssl"))
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=infrac-test",
        ])
        .arg("-keyout")
        .arg(key)
        .arg("-out")
        .arg(cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run openssl");
    assert!(
        status.success(),
        "openssl could not make a test certificate"
    );
}

/// A real `sshd` on a loopback port, with a throwaway host key and user key,
/// and an `ssh_config` (`ssh -F`) that pins the host key.
pub struct Sshd {
    child: std::process::Child,
    pub port: u16,
    pub ssh_config: camino::Utf8PathBuf,
    pub known_hosts: camino::Utf8PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `SetEnv SHLVL=1`: bash sources `~/.bashrc` for a command run over ssh
/// only when SHLVL is unset or 0. This machine's root `.bashrc` runs
/// `pyenv init` (0.11 s of CPU a login), a cost of the machine, not of
/// infrac, which would otherwise dominate every round trip measured here.
pub fn sshd(dir: &camino::Utf8Path) -> Sshd {
    sshd_with(dir, "")
}

/// An sshd that sets `env` (` NAME=VALUE…`) for its sessions too.
pub fn sshd_with(dir: &camino::Utf8Path, extra: &str) -> Sshd {
    let sshd = require_tool("sshd");
    let keygen = require_tool("ssh-keygen");
    require_tool("ssh");
    std::fs::create_dir_all(dir).unwrap();
    for key in ["host_key", "user_key"] {
        let path = dir.join(key);
        let _ = std::fs::remove_file(&path);
        let ok = std::process::Command::new(&keygen)
            .args([
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "infrac-test",
                "-f",
                path.as_str(),
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "ssh-keygen failed");
    }
    std::fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys")).unwrap();
    let port = lab::free_port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {dir}/host_key\nAuthorizedKeysFile {dir}/authorized_keys\n\
             PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             UsePAM no\nStrictModes no\nMaxStartups 100\nPidFile {dir}/sshd.pid\n\
             SetEnv SHLVL=1{extra}\nAcceptEnv INFRAC_TEST_*\n"
        ),
    )
    .unwrap();
    // sshd's privilege separation folder.
    let _ = std::fs::create_dir_all("/run/sshd");
    // Its log to a file: a pipe nobody reads fills after some thirty
    // sessions cut off (each logs its error), and sshd then stalls on its
    // next log line, taking no new session.
    let log = dir.join("sshd.log");
    let mut child = std::process::Command::new(sshd)
        .args(["-D", "-e", "-f", config.as_str()])
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start sshd (the tests run it as root)");
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let err = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("sshd exited ({status}): {err}");
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "sshd did not listen"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let host_key = std::fs::read_to_string(dir.join("host_key.pub")).unwrap();
    let host_key: Vec<&str> = host_key.split_whitespace().take(2).collect();
    let known_hosts = dir.join("known_hosts");
    std::fs::write(
        &known_hosts,
        format!("[127.0.0.1]:{port} {}\n", host_key.join(" ")),
    )
    .unwrap();
    let ssh_config = dir.join("ssh_config");
    std::fs::write(
        &ssh_config,
        format!(
            "Host 127.0.0.1\n    IdentityFile {dir}/user_key\n    IdentitiesOnly yes\n    \
             UserKnownHostsFile {known_hosts}\n    StrictHostKeyChecking yes\n"
        ),
    )
    .unwrap();
    Sshd {
        child,
        port,
        ssh_config,
        known_hosts,
    }
}

/// Runs the infrac binary in the project folder (so `sites` resolves), with
/// colour decided by the test, not the environment.
pub fn infrac(args: &[&str]) -> std::process::Output {
    infrac_command().args(args).output().expect("run infrac")
}

pub fn infrac_command() -> std::process::Command {
    // Tests and benches know the binary; an example (which does not run
    // it) gets the debug build's path.
    let bin = option_env!("CARGO_BIN_EXE_infrac")
        .unwrap_or(concat!(env!("CARGO_MANIFEST_DIR"), "/target/debug/infrac"));
    let mut cmd = std::process::Command::new(bin);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR");
    cmd
}

/// A minimal main nginx.conf (at `etc/nginx/nginx.conf` under the host's
/// root, where apply's `nginx -c` looks) that includes its conf.d, as the
/// distribution's does, with its access log (`access.log` there), as
/// Debian's logs every server that says nothing. `error_log`: `stderr` to
/// read `nginx -t`'s warnings, or a file for a running server.
pub fn write_nginx_conf(host_root: &camino::Utf8Path, error_log: &str) -> camino::Utf8PathBuf {
    let conf = host_root.join("etc/nginx/nginx.conf");
    std::fs::create_dir_all(conf.parent().unwrap()).unwrap();
    std::fs::write(
        &conf,
        format!(
            "pid {host_root}/nginx.pid;\nerror_log {error_log};\nevents {{}}\nhttp {{\n    access_log {host_root}/access.log;\n    \
             include /etc/nginx/mime.types;\n    include {host_root}/etc/nginx/conf.d/*.conf;\n}}\n"
        ),
    )
    .unwrap();
    conf
}

/// A server process the test started, stopped when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    /// SIGTERM, so NGINX's master stops its workers (SIGKILL would orphan
    /// them, still listening); SIGKILL only if that does not work.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn assert_port_free(port: u16) {
    assert!(
        TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "port {port} is in use: is a server from an earlier run still there?"
    );
}

pub fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(e) = child.stderr.as_mut() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("{what} exited ({status}) before listening on {port}:\n{err}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on {port}");
}

/// `caddy run` of a Caddyfile, its storage and settings under `home`;
/// stderr piped (for `wait_for_port` to show when it exits).
pub fn spawn_caddy(caddyfile: &Utf8Path, home: &Utf8Path) -> Child {
    Command::new(require_tool("caddy"))
        .args([
            "run",
            "--adapter",
            "caddyfile",
            "--config",
            caddyfile.as_str(),
        ])
        .env("HOME", home.as_str())
        .env("XDG_DATA_HOME", home.join("caddy-data").as_str())
        .env("XDG_CONFIG_HOME", home.join("caddy-config").as_str())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start caddy")
}
