//! Random valid programs: hosts of every proxy and run mode, pools,
//! services, sites with every kind of route and option, subprojects,
//! webhooks, jobs, units and kernel profiles — with values that are valid
//! but awkward for the formats they reach (quotes, `$`, `%`, `#`, `;`,
//! backslashes, non-ASCII text).
//!
//! A program is a list of declarations, each a list of lines, so that a
//! failing program can be shrunk: drop a declaration or a line while the
//! failure stays ([`shrink`]).

use fastrand::Rng;

/// One declaration: its opening words and its lines (a line may hold a
/// block of its own).
#[derive(Clone, Debug)]
pub struct Decl {
    pub head: String,
    pub lines: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Program {
    pub decls: Vec<Decl>,
}

impl Program {
    #[must_use]
    pub fn text(&self) -> String {
        let mut out = String::new();
        for d in &self.decls {
            out.push_str(&d.head);
            out.push_str(" {\n");
            for l in &d.lines {
                out.push_str("    ");
                out.push_str(l);
                out.push('\n');
            }
            out.push_str("}\n\n");
        }
        out
    }

    /// How many lines: the size a shrink reduces.
    #[must_use]
    pub fn size(&self) -> usize {
        self.decls.iter().map(|d| 1 + d.lines.len()).sum()
    }
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// An infrac string literal.
fn lit(text: &&str) -> String {
    super::hostile::literal(text)
}

/// Text that is valid everywhere it goes, but awkward for some format.
const TEXTS: &[&str] = &[
    "plain",
    "two words",
    "it's \"quoted\"",
    "costs $5; or $HOME",
    "100% sure #1",
    "back\\slash",
    "ünïcödé – text",
    "a\u{a0}no-break space",
    "semi; colon",
    "`tick`",
];

const COMMANDS: &[&str] = &[
    "true",
    "pg_dump db | gzip > /backups/db.gz",
    "echo 'it'\\''s' && echo \"$HOME\" > /tmp/home",
    "find /var/www -name '*.tmp' -delete",
    "echo 100% done # not a comment in sh -c? it is",
    "test -f /x || echo \"missing $(date)\"",
];

struct Names {
    hosts: Vec<(String, &'static str, &'static str)>,
    pools: Vec<String>,
    services: Vec<String>,
    sites_with_subprojects: Vec<String>,
}

/// A random valid program (valid in intent: the few the checker rejects
/// for a combination the generator does not foresee are counted).
#[must_use]
pub fn generate(rng: &mut Rng) -> Program {
    let mut p = Program::default();
    let mut names = Names {
        hosts: Vec::new(),
        pools: Vec::new(),
        services: Vec::new(),
        sites_with_subprojects: Vec::new(),
    };
    // certbot needs an account e-mail.
    {
        p.decls.push(Decl {
            head: "defaults".into(),
            lines: vec![
                "acme_email ops@example.org".into(),
                format!("branch {}", pick(rng, &["gh-pages", "main", "release/v1"])),
            ],
        });
    }
    p.decls.push(Decl {
        head: "sysctl tuned".into(),
        lines: vec![
            "net.core.somaxconn 4096".into(),
            "net.ipv4.tcp_rmem \"4096 87380 6291456\"".into(),
        ],
    });
    for h in 0..rng.usize(1..=3) {
        let proxy = *pick(rng, &["caddy", "nginx"]);
        let mode = *pick(rng, &["systemd", "compose", "swarm"]);
        let name = format!("h{h}");
        let mut lines = vec![
            format!("address {name}.example.net 192.0.2.{}", h + 10),
            format!("proxy {proxy} {mode}"),
        ];
        if rng.bool() {
            lines.push(format!(
                "sysctl {}",
                pick(rng, &["bbr", "tuned", "keepalive"])
            ));
        }
        if proxy == "caddy" && rng.bool() {
            lines.push(
                pick(
                    rng,
                    &[
                        "caddy_admin localhost:2019",
                        "caddy_admin unix//run/caddy-admin.sock",
                    ],
                )
                .to_string(),
            );
        }
        if proxy == "nginx" && rng.bool() {
            lines.push("resolver 127.0.0.53".into());
        }
        if rng.bool() {
            lines.push("tags web \"two words\"".into());
        }
        p.decls.push(Decl {
            head: format!("host {name}"),
            lines,
        });
        names.hosts.push((name, proxy, mode));
    }
    if names.hosts.len() >= 2 && rng.bool() {
        p.decls.push(Decl {
            head: "pool p0".into(),
            lines: vec![format!("hosts {} {}", names.hosts[0].0, names.hosts[1].0)],
        });
        names.pools.push("p0".into());
    }
    for s in 0..rng.usize(0..=2) {
        let name = format!("app{s}");
        let mut lines = vec![
            format!("image example/{name}:1.{s}"),
            format!("port {}", 8080 + s),
            format!("env GREETING {}", lit(pick(rng, TEXTS))),
        ];
        if rng.bool() {
            lines.push(format!(
                "command {}",
                lit(pick(
                    rng,
                    &[
                        "--root /srv",
                        "--name 'my app' --verbose",
                        "serve \"$HOME\""
                    ]
                ))
            ));
        }
        if rng.bool() {
            lines.push(format!("volume {name}_data:/var/lib/{name}"));
        }
        if rng.bool() {
            lines.push("secret DB_PASSWORD env DB_PASSWORD".into());
        }
        if rng.bool() {
            lines.push("sysctl net.core.somaxconn 1024".into());
        }
        p.decls.push(Decl {
            head: format!("service {name}"),
            lines,
        });
        names.services.push(name);
    }
    let placements: Vec<String> = names
        .hosts
        .iter()
        .map(|h| h.0.clone())
        .chain(names.pools.iter().cloned())
        .collect();
    for s in 0..rng.usize(1..=3) {
        let name = format!("site{s}");
        let on = pick(rng, &placements).clone();
        let mut lines = vec![
            format!("domains {name}.example.org www.{name}.example.org"),
            format!("on {on}"),
        ];
        match rng.usize(..4) {
            0 => lines.push("tls off".into()),
            1 => lines.push(format!(
                "tls files /etc/ssl/{name}/fullchain.pem /etc/ssl/{name}/privkey.pem"
            )),
            2 => lines.push("tls certbot".into()),
            _ => {}
        }
        if rng.bool() {
            lines.push(format!("redirect_from {name}.example.com"));
        }
        if rng.bool() {
            lines.push("encode gzip".into());
        }
        for _ in 0..rng.usize(0..=2) {
            lines.push(format!(
                "header X-{} {}",
                pick(rng, &["Note", "Frame-Options", "Policy"]),
                lit(pick(rng, TEXTS))
            ));
        }
        // NGINX always sends its own `Server` (unsupported-by-proxy).
        let on_caddy = names
            .hosts
            .iter()
            .any(|(h, proxy, _)| *h == on && *proxy == "caddy");
        if on_caddy && rng.bool() {
            lines.push("header -Server".into());
        }
        if rng.bool() {
            lines.push(format!(
                "hide {}",
                pick(rng, &[".git", ".env", "secret~", "a+b"])
            ));
        }
        if rng.bool() {
            lines.push("error 404 /404.html".into());
        }
        if !names.services.is_empty() && rng.bool() {
            let service = pick(rng, &names.services).clone();
            lines.push(format!("proxy /api/* {service}"));
        }
        if rng.bool() {
            lines.push("proxy /ext/* https://192.0.2.50:8443".into());
        }
        lines.push(
            pick(
                rng,
                &[
                    "static",
                    "static { try {path} {path}/ {path}.html }",
                    "static { root public; fallback /srv/fallback }",
                ],
            )
            .to_string(),
        );
        for _ in 0..rng.usize(0..=3) {
            lines.push(
                pick(
                    rng,
                    &[
                        "redirect /old/* /new/{rest} permanent",
                        "redirect /blog/* https://blog.example.org/{rest}?from={query} 308",
                        "redirect \"/a;b\" \"/c$d\" temporary",
                        "redirect /legacy/* /modern/{rest} unless_query keep",
                        "rewrite /citing /citing.html",
                        "redirect_first /users/* /stable/users/{rest} /2.0/users/{rest}",
                        "redirect /x /stable{path}index.html",
                    ],
                )
                .to_string(),
            );
        }
        if rng.bool() {
            lines.push(format!(
                "subproject docs https://github.com/example/docs{s} {{ branch main; path /documentation/ }}"
            ));
            lines.push(format!(
                "subproject guide https://github.com/example/guide{s}"
            ));
            names.sites_with_subprojects.push(name.clone());
        }
        p.decls.push(Decl {
            head: format!("site {name}"),
            lines,
        });
    }
    if let Some(site) = names.sites_with_subprojects.first() {
        p.decls.push(Decl {
            head: "webhook hooks".into(),
            lines: vec![
                "domain hooks.example.org".into(),
                "path /gh/".into(),
                format!("updates {site}"),
                pick(
                    rng,
                    &[
                        "secret env HOOK_SECRET",
                        "secret file /etc/infrac/hooks/{repo}.secret",
                    ],
                )
                .to_string(),
            ],
        });
    }
    let host = names.hosts[0].0.clone();
    for j in 0..rng.usize(0..=2) {
        let mut lines = vec![format!("on {host}")];
        lines.push(
            pick(
                rng,
                &["every 15m", "schedule \"*/5 * * * *\"", "schedule @daily"],
            )
            .to_string(),
        );
        if rng.bool() {
            lines.push(format!("run {}", lit(pick(rng, COMMANDS))));
        } else {
            lines.push(pick(rng, &["builtin restart-proxy", "builtin certbot-renew"]).to_string());
        }
        p.decls.push(Decl {
            head: format!("cron job{j}"),
            lines,
        });
    }
    for u in 0..rng.usize(0..=2) {
        let mut lines = vec![
            format!("on {host}"),
            format!(
                "description {}",
                lit(pick(
                    rng,
                    &["Nightly backup", "50% of %H's disk", "it's \"done\""]
                ))
            ),
            format!("run {}", lit(pick(rng, COMMANDS))),
        ];
        if rng.bool() {
            lines.push("schedule \"Mon..Fri *-*-* 03:00:00\"".into());
        }
        if rng.bool() {
            lines.push("after network-online.target".into());
            lines.push("wants network-online.target".into());
        }
        if rng.bool() {
            lines.push("set Service.ProtectSystem strict".into());
            lines.push("set Service.ReadWritePaths \"/var/backups /srv/data\"".into());
        }
        p.decls.push(Decl {
            head: format!("unit unit{u}"),
            lines,
        });
    }
    p
}

/// The smallest program derived from `program` (by dropping declarations,
/// then lines) for which `fails` still holds.
pub fn shrink(program: &Program, fails: &mut dyn FnMut(&Program) -> bool) -> Program {
    let mut best = program.clone();
    loop {
        let mut smaller = None;
        'search: for d in 0..best.decls.len() {
            let mut candidate = best.clone();
            candidate.decls.remove(d);
            if fails(&candidate) {
                smaller = Some(candidate);
                break 'search;
            }
            for l in 0..best.decls[d].lines.len() {
                let mut candidate = best.clone();
                candidate.decls[d].lines.remove(l);
                if fails(&candidate) {
                    smaller = Some(candidate);
                    break 'search;
                }
            }
        }
        match smaller {
            Some(s) => best = s,
            None => return best,
        }
    }
}

/// What became of generated programs.
#[derive(Debug, Default)]
pub struct Report {
    pub programs: usize,
    /// Rejected by the checker (with their first codes, for tuning).
    pub rejected: Vec<String>,
    pub accepted: usize,
    pub files_validated: usize,
    /// Seed, shrunk program and what failed.
    pub failures: Vec<(u64, String, String)>,
}

/// Builds `program` with its hosts under `root`, and puts every file of
/// every host through its validator and reader. `Ok(None)`: rejected.
pub fn validate(
    program: &Program,
    root: &camino::Utf8Path,
) -> Result<Option<(usize, String)>, String> {
    let _ = std::fs::remove_dir_all(root);
    let built = std::panic::catch_unwind(|| super::hostile::build(&program.text(), root))
        .unwrap_or_else(|_| Err("infrac panicked".into()))?;
    let Ok(trees) = built else {
        return Ok(None);
    };
    super::verify::write(root, &trees)?;
    let mut files = 0;
    for tree in &trees {
        files += super::verify::tree(root, tree, None)?.len();
    }
    Ok(Some((files, String::new())))
}

/// Generates `count` programs from seeds `seed..seed + count` on
/// `workers` threads, validates each, and shrinks each failure.
pub fn run(seed: u64, count: usize, workers: usize, base: &camino::Utf8Path) -> Report {
    let report = std::sync::Mutex::new(Report::default());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for w in 0..workers {
            let (report, next) = (&report, &next);
            s.spawn(move || {
                let root = base.join(format!("w{w}"));
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let program_seed = seed.wrapping_add(i as u64);
                    let program = generate(&mut Rng::with_seed(program_seed));
                    let outcome = validate(&program, &root);
                    let mut r = report.lock().unwrap();
                    r.programs += 1;
                    match outcome {
                        Ok(Some((files, _))) => {
                            r.accepted += 1;
                            r.files_validated += files;
                        }
                        Ok(None) => {
                            let sources = super::program(&[("main.infra", &program.text())]);
                            let checked = infrac::program::analyze(&sources);
                            let first = checked
                                .diagnostics
                                .iter()
                                .find(|d| d.is_error())
                                .map(|d| format!("{}: {}", d.code.name(), d.message))
                                .unwrap_or_default();
                            r.rejected.push(first);
                        }
                        Err(first_error) => {
                            drop(r);
                            let mut fails = |p: &Program| validate(p, &root).is_err();
                            let small = shrink(&program, &mut fails);
                            let error = validate(&small, &root).err().unwrap_or(first_error);
                            report.lock().unwrap().failures.push((
                                program_seed,
                                small.text(),
                                error,
                            ));
                        }
                    }
                }
            });
        }
    });
    report.into_inner().unwrap()
}
