//! Generated programs served by the real Caddy and NGINX, each request's
//! answer held to the reference model (`infrac::render::reference`).
//!
//! A program is one to three sites on a Caddy host and an NGINX host, with
//! routes drawn from every kind the language has (static with `try`, `root`
//! and `fallback`, proxies, redirects with placeholders, `unless_query`,
//! `redirect_first` (also `in` a tree), rewrites, subprojects, hidden names, error pages,
//! aliases) over a generated file tree; requests are aimed at the edges of
//! those routes (exact and prefix boundaries, trailing slashes, folders
//! without their slash, letter case, percent-escapes, doubled slashes, queries,
//! unknown names). Both servers run once per run and are reloaded for each
//! program; a reload is proven by the build id on the probe port, as
//! `infrac apply` proves it. A failing program is shrunk, line by line, to
//! the smallest one that still fails.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use camino::{Utf8Path, Utf8PathBuf};
use infrac::model::Model;
use infrac::render::reference::{self, Body, Expected, Request};

/// The lab's ports, moved by `INFRAC_LAB_PORTS` (an offset) so that a long
/// run and the test suite can run side by side.
fn offset() -> u16 {
    std::env::var("INFRAC_LAB_PORTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn caddy_ports() -> Ports {
    let o = offset();
    Ports {
        http: 18180 + o,
        https: 18543 + o,
        probe: 17717 + o,
    }
}

fn nginx_ports() -> Ports {
    let o = offset();
    Ports {
        http: 28180 + o,
        https: 28543 + o,
        probe: 27717 + o,
    }
}

fn ports(server: &str) -> Ports {
    if server == "caddy" {
        caddy_ports()
    } else {
        nginx_ports()
    }
}

fn caddy_admin() -> String {
    format!("localhost:{}", 12029 + offset())
}

#[derive(Clone, Copy)]
struct Ports {
    http: u16,
    https: u16,
    probe: u16,
}

impl Ports {
    /// A URL with this server's ports as `:HTTP` and `:HTTPS`, to compare
    /// the two servers' (and the reference's) answers.
    fn neutral(self, url: &str) -> String {
        url.replace(&format!(":{}", self.http), ":HTTP")
            .replace(&format!(":{}", self.https), ":HTTPS")
    }
}

/// One generated program: its sites' lines, the files under each site's
/// root, and the requests to make.
#[derive(Clone, Debug)]
pub struct Program {
    pub sites: Vec<SiteSpec>,
    pub requests: Vec<Req>,
}

#[derive(Clone, Debug)]
pub struct SiteSpec {
    pub name: String,
    /// On the pool of both hosts (`on both`), which forwards ACME
    /// challenges between them, rather than on each host by name.
    pub pooled: bool,
    pub lines: Vec<String>,
    /// Paths under the site's root.
    pub files: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Req {
    pub method: &'static str,
    pub host: String,
    pub path: String,
    pub query: String,
    pub body: u64,
    /// Over TLS (the connection made for `host`).
    pub https: bool,
    /// `Accept-Encoding: gzip`.
    pub gzip: bool,
}

/// A response header every generated `header` line sets.
pub const HEADER: &str = "X-Infrac-Test";

const PREFIXES: &[&str] = &["/docs/", "/api/", "/old/", "/a/", "/blog/", "/sub1/"];
// Hidden ones too (`.git` of a subproject, a `hide`): never served.
const EXACTS: &[&str] = &[
    "/x",
    "/old",
    "/a/b.html",
    "/about",
    "/ping",
    "/docs",
    "/.git/HEAD",
    "/sub1/.git/config",
];
const FILES: &[&str] = &[
    "index.html",
    // Over `min_length`: compressed when the site says so.
    "big.html",
    "about.html",
    "a.html",
    "a/index.html",
    "a/b.html",
    "docs/index.html",
    "docs/x.html",
    "old/y.html",
    "blog/p.html",
    "404.html",
    ".git/HEAD",
    ".env",
    "fb/legacy.html",
    "fb/docs/z.html",
    "c1/p.html",
    "c2/q.html",
    "c2/p.html",
    "sub1/index.html",
    "sub1/page.html",
    "sub1/.git/config",
    "target.html",
    "other/index.html",
    "other/x.html",
];
const PATHS: &[&str] = &[
    "/",
    "/index.html",
    "/about",
    "/about.html",
    "/a",
    "/a/",
    "/a/b",
    "/a/b.html",
    "/docs",
    "/docs/",
    "/docs/x",
    "/docs/x.html",
    "/docs/z.html",
    "/api/",
    "/api/v1",
    "/api",
    "/old",
    "/old/y",
    "/old/y.html",
    "/blog/p",
    "/blog/p.html",
    "/x",
    "/ping",
    "/.git/HEAD",
    "/.env",
    "/legacy",
    "/legacy.html",
    "/sub1",
    "/sub1/",
    "/sub1/page",
    "/sub1/.git/config",
    "/missing",
    "/c/z",
    "/p.html",
    "/q.html",
    "/target.html",
    "/big.html",
    "/big",
    // ACME challenges: a token on one pool member, on both, on neither.
    "/.well-known/acme-challenge/tok-caddy",
    "/.well-known/acme-challenge/tok-nginx",
    "/.well-known/acme-challenge/tok-both",
    "/.well-known/acme-challenge/tok-none",
    // Case, percent-escapes and doubled slashes: matched as decoded,
    // merged and case-sensitively, on both.
    "/A/",
    "/About",
    "/Docs/x",
    "/%61bout",
    "/%61/b.html",
    "/a%2Fb.html",
    "//docs/x",
    "/docs//x.html",
    "/old/%79",
    "/Sub1/",
];
const QUERIES: &[&str] = &[
    "",
    "",
    "",
    "q=1",
    "keep=1",
    "keep=",
    "a=1&keep=yes",
    "keep-it.~1=x",
    "keep-it.~1=",
    "reallystable=1",
    "reallystable=0",
    "x=1&reallystable=1",
];

/// A proxy's backend: a URL without a path, or one whose path replaces
/// what the route matched.
fn upstream(rng: &mut fastrand::Rng, backend: u16) -> String {
    let path: &&str = pick(rng, &["", "", "/", "/v1/"]);
    format!("http://127.0.0.1:{backend}{path}")
}

fn pick<'a, T>(rng: &mut fastrand::Rng, of: &'a [T]) -> &'a T {
    &of[rng.usize(..of.len())]
}

/// A program from `seed`.
#[must_use]
pub fn generate(seed: u64, requests: usize, backend: u16) -> Program {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut sites = Vec::new();
    for s in 0..rng.usize(1..=3) {
        let name = format!("s{s}");
        let mut lines = vec![format!("domains {name}.test")];
        let tls = rng.u8(..6);
        let pooled = tls == 0 && rng.bool();
        if tls < 2 {
            lines.push(if tls == 0 {
                "tls certbot".to_owned()
            } else {
                format!("tls files /etc/ssl/{name}.pem /etc/ssl/{name}.key")
            });
            if rng.bool() {
                let status: &&str = pick(&mut rng, &["301", "302", "307", "308"]);
                lines.push(format!("https_redirect {status}"));
            }
        }
        if rng.u8(..3) == 0 {
            lines.push("encode gzip".to_owned());
        }
        if rng.u8(..3) == 0 {
            lines.push(format!("header {HEADER} \"{name} says hi\""));
        }
        if rng.u8(..3) == 0 {
            lines.push(format!("redirect_from w{s}.test"));
        }
        let mut used: BTreeSet<String> = BTreeSet::new();
        let mut free = |rng: &mut fastrand::Rng, prefix: bool| -> Option<String> {
            let p = if prefix {
                format!("{}*", pick(rng, PREFIXES))
            } else {
                (*pick(rng, EXACTS)).to_owned()
            };
            used.insert(p.clone()).then_some(p)
        };
        for _ in 0..rng.usize(0..=4) {
            let prefix = rng.bool();
            let Some(mut from) = free(&mut rng, prefix) else {
                continue;
            };
            // Sometimes a route over two patterns: one location group on
            // each proxy (a regex of both on NGINX).
            if rng.u8(..3) == 0
                && let Some(second) = free(&mut rng, prefix)
            {
                from = format!("[{from} {second}]");
            }
            let line = match rng.u8(..6) {
                0 => {
                    let mut block = Vec::new();
                    if rng.bool() {
                        block.push(format!("root {}", pick(&mut rng, &["other", "docs", "."])));
                    }
                    if rng.bool() {
                        let mut tries: Vec<&str> = Vec::new();
                        for t in ["{path}", "{path}.html", "{path}/", "/index.html"] {
                            if rng.bool() {
                                tries.push(t);
                            }
                        }
                        if !tries.is_empty() {
                            block.push(format!("try {}", tries.join(" ")));
                        }
                    }
                    if rng.u8(..3) == 0 {
                        block.push("fallback fb".to_owned());
                    }
                    if block.is_empty() {
                        format!("static {from}")
                    } else {
                        format!(
                            "static {from} {{\n        {}\n    }}",
                            block.join("\n        ")
                        )
                    }
                }
                1 => format!("proxy {from} {}", upstream(&mut rng, backend)),
                2 | 3 => {
                    let to = if prefix {
                        pick(
                            &mut rng,
                            &["/new/{rest}", "/a/{rest}", "/docs/", "/x?from={path}"],
                        )
                    } else {
                        pick(
                            &mut rng,
                            &["/about", "/new{path}", "/docs/?{query}", "/target.html"],
                        )
                    };
                    let mut line = format!("redirect {from} {to}");
                    if rng.bool() {
                        line.push(' ');
                        let status: &&str =
                            pick(&mut rng, &["permanent", "temporary", "307", "308"]);
                        line.push_str(status);
                    }
                    if rng.u8(..3) == 0 {
                        // `-`, `.` and `~`: what a query name may hold.
                        let name: &&str = pick(&mut rng, &["keep", "keep-it.~1", "reallystable=1"]);
                        line.push_str(" unless_query ");
                        line.push_str(name);
                    }
                    line
                }
                4 if prefix => {
                    let status = if rng.bool() { " permanent" } else { "" };
                    if rng.bool() {
                        format!("redirect_first {from} /c1/{{rest}} /c2/{{rest}}{status}")
                    } else {
                        // Candidates in one tree, each its own URL.
                        format!("redirect_first {from} in c2 /{{rest}} /{{rest}}.html{status}")
                    }
                }
                _ if !prefix => format!(
                    "rewrite {from} {}",
                    pick(&mut rng, &["/target.html", "/a/b.html", "/docs/x.html"])
                ),
                _ => format!("proxy {from} {}", upstream(&mut rng, backend)),
            };
            lines.push(line);
        }
        if rng.u8(..4) != 0 {
            lines.push("static".to_owned());
        }
        if rng.u8(..4) == 0 && !used.contains("/sub1/*") {
            lines.push("subproject sub1 https://github.com/example/sub1".to_owned());
        }
        if rng.bool() {
            lines.push(format!(
                "hide {}",
                pick(&mut rng, &[".git", ".env", ".git .env"])
            ));
        }
        if rng.bool() {
            lines.push("error 404 /404.html".to_owned());
        }
        if lines.len() == 1
            || lines.iter().all(|l| {
                l.starts_with("domains")
                    || l.starts_with("redirect_from")
                    || l.starts_with("hide")
                    || l.starts_with("error")
            })
        {
            lines.push("static".to_owned());
        }
        let files = FILES
            .iter()
            .filter(|_| rng.u8(..3) != 0)
            .map(|f| (*f).to_owned())
            .collect();
        sites.push(SiteSpec {
            name,
            pooled,
            lines,
            files,
        });
    }
    let mut hosts: Vec<String> = sites.iter().map(|s| format!("{}.test", s.name)).collect();
    for s in &sites {
        if let Some(l) = s.lines.iter().find(|l| l.starts_with("redirect_from")) {
            hosts.push(l.trim_start_matches("redirect_from ").to_owned());
        }
    }
    hosts.push("nobody.test".to_owned());
    let requests = (0..requests)
        .map(|_| {
            let to_proxy = rng.u8(..8) == 0;
            let body = if to_proxy {
                *pick(&mut rng, &[10, 1500])
            } else {
                0
            };
            Req {
                https: rng.u8(..4) == 0,
                gzip: rng.bool(),
                method: if to_proxy { "POST" } else { "GET" },
                host: pick(&mut rng, &hosts).clone(),
                path: if to_proxy {
                    (*pick(
                        &mut rng,
                        &[
                            "/api/v1",
                            "/ping",
                            "/api/",
                            "/index.html",
                            "/a/b.html",
                            "/%61pi/v%31",
                            "/api//v1",
                            "/API/v1",
                            "/a",
                        ],
                    ))
                    .to_owned()
                } else {
                    (*pick(&mut rng, PATHS)).to_owned()
                },
                query: (*pick(&mut rng, QUERIES)).to_owned(),
                body,
            }
        })
        .collect();
    Program { sites, requests }
}

impl Program {
    /// The program's source, for hosts whose trees are under `tmp`.
    #[must_use]
    pub fn source(&self, tmp: &Utf8Path) -> String {
        let mut s = format!(
            "defaults {{\n    site_root /srv\n    tls off\n    acme_email admin@example.org\n}}\n\
             pool both {{\n    hosts caddyhost nginxhost\n}}\n\
             host caddyhost {{\n    address 127.0.0.1\n    proxy caddy\n    caddy_admin {}\n    \
             probe_port {}\n    http_port {}\n    https_port {}\n    prefix {tmp}/caddy\n}}\n\
             host nginxhost {{\n    address 127.0.0.1\n    proxy nginx\n    \
             probe_port {}\n    http_port {}\n    https_port {}\n    prefix {tmp}/nginx\n}}\n",
            caddy_admin(),
            caddy_ports().probe,
            caddy_ports().http,
            caddy_ports().https,
            nginx_ports().probe,
            nginx_ports().http,
            nginx_ports().https
        );
        for site in &self.sites {
            let on = if site.pooled {
                "both"
            } else {
                "caddyhost nginxhost"
            };
            let _ = write!(s, "site {} {{\n    on {on}\n    max_body 1k\n", site.name);
            for l in &site.lines {
                let _ = writeln!(s, "    {l}");
            }
            s.push_str("}\n");
        }
        s
    }

    /// The source as shown in a failure: what the user would write.
    #[must_use]
    pub fn shown(&self) -> String {
        let mut s = String::new();
        for site in &self.sites {
            let _ = writeln!(s, "site {} {{", site.name);
            if site.pooled {
                let _ = writeln!(s, "    on both");
            }
            for l in &site.lines {
                let _ = writeln!(s, "    {l}");
            }
            let _ = writeln!(s, "}}  # files: {}", site.files.join(" "));
        }
        s
    }
}

/// The two servers, started once and reloaded per program.
pub struct Lab {
    tmp: Utf8PathBuf,
    backend: u16,
    nginx: std::path::PathBuf,
    /// Stopped when the lab is dropped.
    servers: Vec<super::Server>,
}

/// A request's answer from one server (status 0: the TLS handshake was
/// refused).
#[derive(Debug, PartialEq, Eq)]
pub struct Got {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub encoding: Option<String>,
    /// The value of [`HEADER`].
    pub header: Option<String>,
}

impl Lab {
    /// Starts the backend, Caddy and NGINX (with an empty program).
    #[must_use]
    pub fn start(name: &str) -> Lab {
        super::require_tool("caddy");
        let nginx = super::require_tool("nginx");
        super::require_tool("curl");
        for p in [
            caddy_ports().http,
            caddy_ports().probe,
            nginx_ports().http,
            nginx_ports().probe,
        ] {
            super::assert_port_free(p);
        }
        let tmp = super::temp_dir(name);
        super::self_signed(
            tmp.join("cert.pem").as_std_path(),
            tmp.join("cert.key").as_std_path(),
        );
        let backend = backend();
        let mut lab = Lab {
            tmp,
            backend,
            nginx,
            servers: Vec::new(),
        };
        let first = Program {
            sites: vec![SiteSpec {
                name: "s0".into(),
                pooled: false,
                lines: vec!["domains s0.test".into(), "static".into()],
                files: vec![],
            }],
            requests: vec![],
        };
        let (builds, _) = lab.write(&first).expect("the first program builds");
        let caddyfile = lab.tmp.join("caddy/etc/caddy/Caddyfile");
        let mut caddy = super::spawn_caddy(&caddyfile, &lab.tmp);
        super::wait_for_port(caddy_ports().probe, "caddy", &mut caddy);
        let root = lab.tmp.join("nginx");
        let conf = super::write_nginx_conf(&root, root.join("error.log").as_str());
        let mut nginx = Command::new(&lab.nginx)
            .args(["-c", conf.as_str(), "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        super::wait_for_port(nginx_ports().probe, "nginx", &mut nginx);
        // Their logs drained: a full pipe would block the server mid-reload.
        for child in [&mut caddy, &mut nginx] {
            if let Some(mut err) = child.stderr.take() {
                std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
            }
        }
        lab.servers = vec![super::Server(caddy), super::Server(nginx)];
        Lab::await_builds(&builds);
        lab
    }

    #[must_use]
    pub fn backend(&self) -> u16 {
        self.backend
    }

    /// Builds `program`, writes both trees and the files; the build ids.
    /// Builds `program`, writes both trees and the files: the build ids
    /// each host must answer, and the model.
    fn write(&self, program: &Program) -> Result<(Vec<(String, String)>, Model), String> {
        let dir = self.tmp.join("sites");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("sites.infra"), program.source(&self.tmp)).unwrap();
        let sources = infrac::program::load_dir(&dir).unwrap();
        let checked = infrac::program::analyze(&sources);
        let Some(model) = checked.model else {
            return Err(format!(
                "rejected: {:?}",
                checked
                    .diagnostics
                    .iter()
                    .map(|d| d.message.clone())
                    .collect::<Vec<_>>()
            ));
        };
        let trees = infrac::render::render(&model).map_err(|e| e.to_string())?;
        let mut builds = Vec::new();
        for tree in trees {
            let prefix = self.tmp.join(tree.host.trim_end_matches("host"));
            let _ = std::fs::remove_dir_all(prefix.join("srv"));
            let _ = std::fs::remove_dir_all(prefix.join("etc/nginx/conf.d"));
            for f in &tree.files {
                let path = prefix.join(&f.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, &f.content).unwrap();
            }
            for site in &program.sites {
                for file in &site.files {
                    let path = prefix.join("srv").join(&site.name).join(file);
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    let mut content = format!("{}:{file}", site.name);
                    // Over the plan's `min_length`: compressed when the
                    // site says so (a page, a folder's index, an error page).
                    if ["big.html", "index.html", "404.html"].contains(&file.as_str()) {
                        content.push_str(&" big".repeat(200));
                    }
                    std::fs::write(path, content).unwrap();
                }
                let live = format!("etc/letsencrypt/live/{}.test", site.name);
                for (ext, certbot) in [("pem", "fullchain.pem"), ("key", "privkey.pem")] {
                    for path in [
                        prefix.join(format!("etc/ssl/{}.{ext}", site.name)),
                        prefix.join(&live).join(certbot),
                    ] {
                        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                        std::fs::copy(self.tmp.join(format!("cert.{ext}")), path).unwrap();
                    }
                }
            }
            // Challenge tokens, as certbot leaves them in the webroot.
            let side = tree.host.trim_end_matches("host");
            let tokens = prefix.join("var/www/html/.well-known/acme-challenge");
            std::fs::create_dir_all(&tokens).unwrap();
            for token in [format!("tok-{side}"), "tok-both".to_owned()] {
                std::fs::write(tokens.join(&token), format!("{token} from {side}")).unwrap();
            }
            let proof = tree.manifest.proof.expect("a proxy host has a proof");
            builds.push((proof.url, proof.build));
        }
        Ok((builds, model))
    }

    fn await_builds(builds: &[(String, String)]) {
        let start = Instant::now();
        for (url, build) in builds {
            loop {
                let out = Command::new("curl")
                    .args(["-s", "--max-time", "2", url])
                    .output()
                    .unwrap();
                if String::from_utf8_lossy(&out.stdout) == *build {
                    break;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "{url} never answered build {build}"
                );
                std::thread::sleep(Duration::from_millis(30));
            }
        }
    }

    /// Serves `program` on both servers.
    pub fn load(&self, program: &Program) -> Result<Model, String> {
        let (builds, model) = self.write(program)?;
        let caddyfile = self.tmp.join("caddy/etc/caddy/Caddyfile");
        let reload = || {
            Command::new("timeout")
                .arg("30")
                .arg(super::require_tool("caddy"))
                .args([
                    "reload",
                    "--adapter",
                    "caddyfile",
                    "--address",
                    &caddy_admin(),
                    "--config",
                    caddyfile.as_str(),
                ])
                .output()
                .unwrap()
        };
        // The admin endpoint is briefly away while Caddy swaps configs.
        let mut out = reload();
        for _ in 0..3 {
            if out.status.success() {
                break;
            }
            std::thread::sleep(Duration::from_millis(300));
            out = reload();
        }
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let err: Vec<&str> = err
                .lines()
                .filter(|l| !l.contains(r#""level":"info""#))
                .collect();
            return Err(format!("caddy refused it: {}", err.join("\n")));
        }
        let conf = self.tmp.join("nginx/etc/nginx/nginx.conf");
        let out = Command::new(&self.nginx)
            .args(["-c", conf.as_str(), "-s", "reload"])
            .output()
            .unwrap();
        if !out.status.success() {
            return Err(format!(
                "nginx reload: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Self::await_builds(&builds);
        self.await_old_workers();
        Ok(model)
    }

    /// Until NGINX's workers of the previous configuration have exited:
    /// until then they still accept connections, and answer by the old one.
    fn await_old_workers(&self) {
        let pid = std::fs::read_to_string(self.tmp.join("nginx/nginx.pid")).unwrap();
        let start = Instant::now();
        loop {
            let out = Command::new("ps")
                .args(["--ppid", pid.trim(), "--no-headers", "-o", "pid"])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&out.stdout).lines().count() <= 1 {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "NGINX's old workers never exited"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the reference model says `request` to `server` (`caddy` or
    /// `nginx`) must get: the same plans under another prefix and ports,
    /// but each host has its own files (challenge tokens, for one).
    #[must_use]
    pub fn expected(model: &Model, server: &str, request: &Req) -> Expected {
        let name = format!("{server}host");
        let host = infrac::model::HostId(model.hosts.iter().position(|h| h.name == name).unwrap());
        let files = |p: &Utf8Path| -> Option<String> {
            std::fs::metadata(p)
                .ok()
                .filter(std::fs::Metadata::is_file)
                .and_then(|_| std::fs::read_to_string(p).ok())
        };
        reference::answer(
            model,
            host,
            &Request {
                method: request.method,
                host: &request.host,
                path: &request.path,
                query: &request.query,
                body: request.body,
                https: request.https,
                gzip: request.gzip,
            },
            &files,
        )
    }

    /// One request to one server (`caddy` or `nginx`).
    #[must_use]
    pub fn ask(&self, server: &str, request: &Req) -> Got {
        let ports = ports(server);
        let headers = self.tmp.join("headers");
        let body = self.tmp.join("body");
        let _ = std::fs::remove_file(&headers);
        let mut curl = Command::new("curl");
        if request.gzip {
            curl.arg("--compressed");
        }
        // HTTP/1.1 over TLS too: over HTTP/2, Caddy resets the stream of an
        // upload it refuses (413) while the client still sends it, which
        // curl reports as a framing error, not an answer.
        curl.arg("--http1.1");
        let (scheme, port) = if request.https {
            ("https", ports.https)
        } else {
            ("http", ports.http)
        };
        curl.args([
            "-k",
            "-sS",
            "--max-time",
            "10",
            "-X",
            request.method,
            "-D",
            headers.as_str(),
            "-o",
            body.as_str(),
        ]);
        if request.body > 0 {
            let data = self.tmp.join("data");
            std::fs::write(
                &data,
                "x".repeat(usize::try_from(request.body).unwrap_or(0)),
            )
            .unwrap();
            curl.arg("--data-binary").arg(format!("@{data}"));
        }
        let query = if request.query.is_empty() {
            String::new()
        } else {
            format!("?{}", request.query)
        };
        let out = curl
            .arg("--resolve")
            .arg(format!("{}:{port}:127.0.0.1", request.host))
            .arg(format!(
                "{scheme}://{}:{port}{}{query}",
                request.host, request.path
            ))
            .output()
            .unwrap();
        // 35: the TLS handshake was refused; 7: nothing listens (no site
        // of the host has TLS, so the HTTPS port is not open).
        if request.https && matches!(out.status.code(), Some(35 | 7)) {
            return Got {
                status: reference::REFUSED,
                location: None,
                body: String::new(),
                encoding: None,
                header: None,
            };
        }
        assert!(
            out.status.success(),
            "{server}: curl {scheme}://{}{}{query} failed ({}): {}",
            request.host,
            request.path,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let headers = std::fs::read_to_string(&headers).unwrap();
        let status = headers.split_whitespace().nth(1).unwrap().parse().unwrap();
        let header = |name: &str| super::header(&headers, name);
        Got {
            status,
            location: header("location").map(|l| ports.neutral(&l)),
            body: std::fs::read_to_string(&body).unwrap_or_default(),
            encoding: header("content-encoding"),
            header: header(HEADER),
        }
    }
}

/// Whether `got` is what the reference model says.
#[must_use]
fn agrees(expected: &Expected, got: &Got, ports: Ports) -> bool {
    let location = expected.location.as_ref().map(|l| ports.neutral(l));
    let header = expected
        .headers
        .iter()
        .find(|(name, _)| name == HEADER)
        .map(|(_, value)| value.clone());
    expected.status == got.status
        && location == got.location
        && expected.encoding == got.encoding
        && header == got.header
        && match &expected.body {
            Body::Any => true,
            Body::Text(t) => *t == got.body,
            backend @ Body::Backend { .. } => backend.backend_agrees(&got.body),
        }
}

/// The first disagreement of `program` on the two servers: the server,
/// the request, what the model says and what the server answered.
pub fn first_failure(lab: &Lab, program: &Program) -> Result<Option<String>, String> {
    Ok(failing_request(lab, program, &mut Outcomes::default())?.map(|(_, why)| why))
}

/// What the reference model expected of the requests made: statuses, and
/// whether a backend answered, so a run can show it reached each outcome.
#[derive(Debug, Default)]
pub struct Outcomes {
    pub statuses: BTreeSet<u16>,
    pub proxied: usize,
    /// Answers over TLS (not refused).
    pub over_tls: usize,
    pub compressed: usize,
    /// Answers carrying a site's header.
    pub with_header: usize,
    /// Challenge tokens served (from this host or a pool member).
    pub challenges: usize,
}

/// [`first_failure`], adding what was expected to `outcomes`.
pub fn check(
    lab: &Lab,
    program: &Program,
    outcomes: &mut Outcomes,
) -> Result<Option<String>, String> {
    Ok(failing_request(lab, program, outcomes)?.map(|(_, why)| why))
}

/// [`first_failure`], with the index of the failing request.
fn failing_request(
    lab: &Lab,
    program: &Program,
    outcomes: &mut Outcomes,
) -> Result<Option<(usize, String)>, String> {
    let model = lab.load(program)?;
    for (i, request) in program.requests.iter().enumerate() {
        for server in ["caddy", "nginx"] {
            let expected = Lab::expected(&model, server, request);
            if server == "caddy" {
                outcomes.statuses.insert(expected.status);
                outcomes.proxied += usize::from(matches!(expected.body, Body::Backend { .. }));
                outcomes.over_tls +=
                    usize::from(request.https && expected.status != reference::REFUSED);
                outcomes.compressed += usize::from(expected.encoding.is_some());
                outcomes.with_header += usize::from(!expected.headers.is_empty());
                outcomes.challenges +=
                    usize::from(request.path.contains("acme-challenge") && expected.status == 200);
            }
            let got = lab.ask(server, request);
            if !agrees(&expected, &got, ports(server)) {
                return Ok(Some((
                    i,
                    format!(
                        "{server}: {} {}://{}{}{}{} (body {}{}): the plan says {expected:?}, {server} answered {got:?}",
                        request.method,
                        if request.https { "https" } else { "http" },
                        request.host,
                        request.path,
                        if request.query.is_empty() { "" } else { "?" },
                        request.query,
                        request.body,
                        if request.gzip { ", gzip" } else { "" }
                    ),
                )));
            }
        }
    }
    Ok(None)
}

/// `program` shrunk to fewer sites, lines and files while a request still
/// fails; only the failing request is kept.
pub fn shrink(lab: &Lab, program: &Program) -> (Program, String) {
    let fails = |p: &Program| first_failure(lab, p).ok().flatten();
    let mut best = program.clone();
    let Ok(Some((failing, mut why))) = failing_request(lab, program, &mut Outcomes::default())
    else {
        return (best, "no longer fails".to_owned());
    };
    // The failing request alone (it may fail only after others: then all).
    let one = Program {
        sites: best.sites.clone(),
        requests: vec![program.requests[failing].clone()],
    };
    if let Some(w) = fails(&one) {
        best = one;
        why = w;
    }
    // Greedy passes: drop a site, a line, a file whenever it still fails.
    let mut changed = true;
    while changed {
        changed = false;
        let mut site = 0;
        while site < best.sites.len() {
            if best.sites.len() > 1 {
                let mut smaller = best.clone();
                smaller.sites.remove(site);
                if let Some(w) = fails(&smaller) {
                    (best, why, changed) = (smaller, w, true);
                    continue;
                }
            }
            let mut line = 1;
            while line < best.sites[site].lines.len() {
                let mut smaller = best.clone();
                smaller.sites[site].lines.remove(line);
                match fails(&smaller) {
                    Some(w) => (best, why, changed) = (smaller, w, true),
                    None => line += 1,
                }
            }
            let mut file = 0;
            while file < best.sites[site].files.len() {
                let mut smaller = best.clone();
                smaller.sites[site].files.remove(file);
                match fails(&smaller) {
                    Some(w) => (best, why, changed) = (smaller, w, true),
                    None => file += 1,
                }
            }
            site += 1;
        }
    }
    (best, why)
}

/// A backend on loopback that answers `backend METHOD URI`; `/xff` in the
/// path: `backend sees` and the `X-Forwarded-For` it got; `/forwarded`:
/// the `X-Forwarded-For`, `-Proto`, `-Host` and `Host` it got; `/slow`:
/// after 3 s of silence.
pub fn backend() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve_backend(stream));
        }
    });
    port
}

fn serve_backend(stream: TcpStream) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let got = |name: &str| super::header(&head, name).unwrap_or_default();
    let length = got("Content-Length").parse().unwrap_or(0);
    let (forwarded_for, proto) = (got("X-Forwarded-For"), got("X-Forwarded-Proto"));
    let (forwarded_host, host) = (got("X-Forwarded-Host"), got("Host"));
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = request_line.split_whitespace();
    let (method, uri) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if uri.contains("/slow") {
        // Silent for longer than the site's `proxy_timeout`.
        std::thread::sleep(Duration::from_secs(3));
    }
    let text = if uri.contains("/xff") {
        // Who the proxy says the client is.
        format!("backend sees {forwarded_for}")
    } else if uri.contains("/forwarded") {
        // All the proxy says of the request.
        format!("for={forwarded_for} proto={proto} host={forwarded_host} sent={host}")
    } else {
        format!("backend {method} {uri}")
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}
