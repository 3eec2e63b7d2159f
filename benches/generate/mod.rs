//! A synthetic deployment for benchmarks: `sites` sites over `hosts` hosts,
//! half Caddy and half NGINX, with pools, services, redirects, static files,
//! subprojects and jobs, spread over files of 100 sites each.

// The allocator of the `infrac` binary (`src/main.rs`), so that the
// benchmarks time what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The generated program as a `SourceMap`, and its size in bytes.
#[allow(dead_code)]
pub fn sources(hosts: usize, sites: usize) -> (infrac::source::SourceMap, usize) {
    let files = program(hosts, sites);
    let bytes = files.iter().map(|(_, text)| text.len()).sum();
    (source_map(&files), bytes)
}

/// Files as a `SourceMap`.
pub fn source_map(files: &[(String, String)]) -> infrac::source::SourceMap {
    let mut sources = infrac::source::SourceMap::new();
    for (name, text) in files {
        sources.add(name.as_str(), text.as_str());
    }
    sources
}

pub fn program(hosts: usize, sites: usize) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut text = String::from(
        "defaults {\n    acme_email ops@example.org\n}\n\nsysctl tuned {\n    net.core.somaxconn 4096\n}\n\n",
    );
    for h in 0..hosts {
        let proxy = if h % 2 == 0 { "caddy" } else { "nginx" };
        let mode = ["systemd", "compose", "swarm"][h % 3];
        text.push_str(&format!(
            "host h{h} {{\n    address h{h}.example.net 10.{}.{}.{}\n    proxy {proxy} {mode}\n    sysctl bbr tuned\n    tags bench\n}}\n\n",
            h / 65536 % 256,
            h / 256 % 256,
            h % 256
        ));
    }
    // Pools of two hosts of the same proxy.
    for p in 0..hosts / 4 {
        text.push_str(&format!(
            "pool p{p} {{\n    hosts h{} h{}\n}}\n\n",
            4 * p,
            4 * p + 2
        ));
    }
    for h in 0..hosts {
        text.push_str(&format!(
            "cron renew-{h} {{\n    builtin certbot-renew\n    schedule @daily\n    on h{h}\n}}\n\n"
        ));
    }
    files.push(("hosts.infra".to_owned(), text));
    for chunk in 0..sites.div_ceil(100) {
        let mut text = String::new();
        for s in chunk * 100..((chunk + 1) * 100).min(sites) {
            let on = if s % 5 == 0 && hosts >= 4 {
                format!("p{}", (s / 5) % (hosts / 4))
            } else {
                format!("h{}", s % hosts)
            };
            text.push_str(&format!(
                "service app{s} {{\n    image example/app{s}:1.{s}\n    port 8080\n    env MODE production\n}}\n\n\
                 site s{s} {{\n    domains s{s}.example.org www.s{s}.example.org\n    redirect_from s{s}.example.com\n    on {on}\n    tls {}\n    encode gzip\n    header X-Frame-Options DENY\n    \
                 proxy /api/* app{s}\n    static /assets/* {{\n        root assets\n        try {{path}} {{path}}/ /index.html\n    }}\n    \
                 redirect /old/* /new/{{rest}} permanent\n    redirect_first /docs/* /v2/{{rest}} /v1/{{rest}}\n    subproject guide{s} https://github.com/example/guide{s}\n    error 404 /404.html\n}}\n\n",
                if s % 3 == 0 { "certbot" } else { "acme" }
            ));
        }
        files.push((format!("sites-{chunk:03}.infra"), text));
    }
    files
}
