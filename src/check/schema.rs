//! The vocabulary of the language: which directives each kind of block takes,
//! how many arguments, whether they take a block and may repeat. The checker
//! enforces argument counts, blocks and repeats from this table alone, and
//! syntax errors use it to say what a block expects.

/// Whether a directive takes a `{ … }` block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockUse {
    Never,
    Optional,
    Required,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// A top-level declaration.
    Declaration,
    /// A site route: matched against requests.
    Route,
    Setting,
}

#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub name: &'static str,
    pub min: usize,
    /// `None`: any number.
    pub max: Option<usize>,
    pub block: BlockUse,
    pub repeat: bool,
    pub group: Group,
    /// How it is written, for help texts.
    pub usage: &'static str,
    /// A concrete, valid use of it (in a program of the shape the tests
    /// generate): docs, and every string position tests can reach.
    pub example: &'static str,
}

#[allow(clippy::too_many_arguments)] // one table row, one field an argument
const fn spec(
    name: &'static str,
    min: usize,
    max: Option<usize>,
    block: BlockUse,
    repeat: bool,
    group: Group,
    usage: &'static str,
    example: &'static str,
) -> Spec {
    Spec {
        name,
        min,
        max,
        block,
        repeat,
        group,
        usage,
        example,
    }
}

use BlockUse::{Never, Optional, Required};
use Group::{Declaration, Route, Setting};

/// A setting with exactly one argument, given once.
const fn one(name: &'static str, usage: &'static str, example: &'static str) -> Spec {
    spec(name, 1, Some(1), Never, false, Setting, usage, example)
}

/// A setting with one or more arguments, given once.
const fn many(name: &'static str, usage: &'static str, example: &'static str) -> Spec {
    spec(name, 1, None, Never, false, Setting, usage, example)
}

pub const TOP: &[Spec] = &[
    spec(
        "defaults",
        0,
        Some(0),
        Required,
        false,
        Declaration,
        "defaults { … }",
        "defaults { acme_email ops@example.org }",
    ),
    spec(
        "host",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "host NAME { … }",
        "host hx { address hx.example.org }",
    ),
    spec(
        "pool",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "pool NAME { … }",
        "pool px { hosts hc hn }",
    ),
    spec(
        "site",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "site NAME { … }",
        "site sx { domains sx.example.org; on hc hn hs; static }",
    ),
    spec(
        "service",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "service NAME { … }",
        "service sv { image example/sv:1; port 8081 }",
    ),
    spec(
        "sysctl",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "sysctl NAME { KEY VALUE … }",
        "sysctl tx { net.core.somaxconn 2048 }",
    ),
    spec(
        "cron",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "cron NAME { … }",
        "cron cx { every 1h; run \"true\"; on hc }",
    ),
    spec(
        "unit",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "unit NAME { … }",
        "unit ux { run \"/bin/true\"; on hc }",
    ),
    spec(
        "webhook",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "webhook NAME { … }",
        "webhook wx { domain hooks2.example.org; updates s; secret env HOOK_SECRET }",
    ),
];

pub const DEFAULTS: &[Spec] = &[
    one(
        "acme_email",
        "acme_email EMAIL",
        "acme_email ops@example.org",
    ),
    one("site_root", "site_root /var/www", "site_root /srv/www"),
    spec(
        "proxy",
        1,
        Some(2),
        Never,
        false,
        Setting,
        "proxy caddy|nginx [systemd|compose|swarm]",
        "proxy caddy systemd",
    ),
    one("tls", "tls acme|certbot|off", "tls acme"),
    one("ssh_user", "ssh_user USER", "ssh_user deploy"),
    one("ssh_port", "ssh_port PORT", "ssh_port 2222"),
    one("stack", "stack NAME", "stack web"),
    one(
        "acme_webroot",
        "acme_webroot /var/www/html",
        "acme_webroot /srv/acme",
    ),
    one("branch", "branch gh-pages", "branch gh-pages"),
];

pub const HOST: &[Spec] = &[
    many(
        "address",
        "address DNS-NAME|IPV4|IPV6 …",
        "address hz.example.org 192.0.2.10",
    ),
    many(
        "alias",
        "alias web01.example.org …",
        "alias web01.example.org",
    ),
    one("ssh_user", "ssh_user USER", "ssh_user deploy"),
    one("ssh_port", "ssh_port PORT", "ssh_port 2222"),
    spec(
        "host_key",
        2,
        Some(2),
        Never,
        true,
        Setting,
        "host_key ssh-ed25519 AAAA…",
        "host_key ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    ),
    spec(
        "proxy",
        1,
        Some(2),
        Never,
        false,
        Setting,
        "proxy caddy|nginx [systemd|compose|swarm]",
        "proxy nginx compose",
    ),
    one(
        "proxy_image",
        "proxy_image caddy:2.11",
        "proxy_image nginx:1.27",
    ),
    one(
        "containers",
        "containers compose|swarm",
        "containers compose",
    ),
    one("resolver", "resolver 127.0.0.11", "resolver 127.0.0.11"),
    one(
        "acme_email",
        "acme_email EMAIL",
        "acme_email ops@example.org",
    ),
    one("stack", "stack NAME", "stack web"),
    one("prefix", "prefix /srv/staging", "prefix /srv/staging"),
    one(
        "caddy_admin",
        "caddy_admin localhost:2019",
        "caddy_admin localhost:2019",
    ),
    one("probe_port", "probe_port 7707", "probe_port 7707"),
    one("http_port", "http_port 80", "http_port 8080"),
    one("https_port", "https_port 443", "https_port 8443"),
    many("sysctl", "sysctl PROFILE …", "sysctl tune"),
    many("tags", "tags TAG …", "tags web"),
];

pub const POOL: &[Spec] = &[
    many("hosts", "hosts HOST HOST …", "hosts hc hn"),
    one("acme_forward", "acme_forward on|off", "acme_forward on"),
];

pub const SITE: &[Spec] = &[
    spec(
        "proxy",
        1,
        None,
        Never,
        true,
        Route,
        "proxy [/PATH] SERVICE|URL …",
        "proxy /api/* app",
    ),
    spec(
        "static",
        0,
        Some(1),
        Optional,
        true,
        Route,
        "static [/PATH] [{ root …; try …; fallback … }]",
        "static /files/* { root files }",
    ),
    spec(
        "redirect",
        2,
        Some(5),
        Never,
        true,
        Route,
        "redirect /FROM TO [permanent|temporary|STATUS] [unless_query PARAM]",
        "redirect /old/* /new/{rest} permanent unless_query keep",
    ),
    spec(
        "rewrite",
        2,
        Some(2),
        Never,
        true,
        Route,
        "rewrite /FROM /TO",
        "rewrite /citing /citing.html",
    ),
    spec(
        "redirect_first",
        2,
        None,
        Never,
        true,
        Route,
        "redirect_first /FROM CANDIDATE …",
        "redirect_first /users/* /stable/users/{rest} /old/users/{rest}",
    ),
    spec(
        "subproject",
        1,
        Some(2),
        Optional,
        true,
        Route,
        "subproject NAME [REPO] [{ … }]",
        "subproject docs https://github.com/example/docs",
    ),
    many(
        "domains",
        "domains example.org www.example.org …",
        "domains s.example.org www.s.example.org",
    ),
    many(
        "redirect_from",
        "redirect_from example.org …",
        "redirect_from old.example.org",
    ),
    many("on", "on HOST|POOL …", "on hc hn hs"),
    spec(
        "tls",
        1,
        Some(3),
        Never,
        false,
        Setting,
        "tls acme|certbot|off|files CERT KEY",
        "tls files /etc/ssl/s/cert.pem /etc/ssl/s/key.pem",
    ),
    one("root", "root /var/www/site", "root /srv/www/s"),
    one(
        "acme_email",
        "acme_email EMAIL",
        "acme_email ops@example.org",
    ),
    many("encode", "encode gzip zstd", "encode gzip"),
    spec(
        "header",
        1,
        Some(2),
        Never,
        true,
        Setting,
        "header NAME VALUE  (or `header -NAME` to remove)",
        "header X-Frame-Options DENY",
    ),
    spec(
        "error",
        2,
        Some(2),
        Never,
        true,
        Setting,
        "error 404 /404.html",
        "error 404 /404.html",
    ),
    many("hide", "hide .git …", "hide .env"),
];

pub const STATIC: &[Spec] = &[
    one("root", "root /var/www/site", "root docs"),
    many(
        "try",
        "try {path} {path}/ {path}.html",
        "try {path} {path}.html",
    ),
    one(
        "fallback",
        "fallback /var/www/other-tree",
        "fallback /srv/www/fallback",
    ),
];

pub const SUBPROJECT: &[Spec] = &[
    one(
        "repo",
        "repo https://github.com/ORG/REPO",
        "repo https://github.com/example/docs",
    ),
    one("branch", "branch gh-pages", "branch main"),
    one("path", "path /served-name/", "path /documentation/"),
    one("serve", "serve yes|no", "serve yes"),
    spec(
        "secret",
        1,
        Some(2),
        Never,
        false,
        Setting,
        "secret env NAME | secret file /PATH",
        "secret env DOCS_SECRET",
    ),
];

pub const SERVICE: &[Spec] = &[
    one(
        "image",
        "image ocurrent/opam.ocaml.org:live",
        "image example/app:1.2",
    ),
    one(
        "command",
        "command \"--root /usr/share/caddy\"",
        "command \"--port 8080\"",
    ),
    one("port", "port 8080", "port 8080"),
    spec(
        "publish",
        1,
        Some(2),
        Never,
        true,
        Setting,
        "publish HOST_PORT:CONTAINER_PORT[/udp] [host|ingress]",
        "publish 9000:9000",
    ),
    spec(
        "env",
        2,
        Some(2),
        Never,
        true,
        Setting,
        "env NAME VALUE",
        "env LOG_LEVEL info",
    ),
    spec(
        "secret",
        3,
        Some(3),
        Never,
        true,
        Setting,
        "secret NAME env VAR | secret NAME file /PATH",
        "secret DB_PASSWORD env DB_PASSWORD",
    ),
    spec(
        "volume",
        1,
        Some(2),
        Never,
        true,
        Setting,
        "volume SOURCE:/TARGET[:ro] [external]",
        "volume data:/var/lib/app",
    ),
    spec(
        "sysctl",
        1,
        Some(2),
        Never,
        true,
        Setting,
        "sysctl KEY VALUE | sysctl PROFILE",
        "sysctl net.core.somaxconn 1024",
    ),
    one(
        "restart",
        "restart always|unless-stopped|on-failure|no",
        "restart always",
    ),
    one("mode", "mode replicated|global", "mode replicated"),
    one("replicas", "replicas 2", "replicas 2"),
    spec(
        "placement",
        1,
        Some(1),
        Never,
        true,
        Setting,
        "placement \"node.role == manager\"",
        "placement \"node.role == manager\"",
    ),
    many("on", "on HOST|POOL …", "on hc hn hs"),
];

pub const CRON: &[Spec] = &[
    one(
        "schedule",
        "schedule \"*/15 * * * *\" | schedule @daily",
        "schedule \"*/5 * * * *\"",
    ),
    one("every", "every 15m", "every 15m"),
    one(
        "run",
        "run \"COMMAND\"",
        "run \"pg_dump db | gzip > /backups/db.gz\"",
    ),
    one(
        "builtin",
        "builtin certbot-renew|restart-proxy",
        "builtin restart-proxy",
    ),
    one("user", "user root", "user backup"),
    many("on", "on HOST|POOL …", "on hc"),
];

pub const UNIT: &[Spec] = &[
    one(
        "description",
        "description \"TEXT\"",
        "description \"Nightly backup\"",
    ),
    one(
        "run",
        "run \"COMMAND\"",
        "run \"/usr/local/bin/backup --all\"",
    ),
    one(
        "builtin",
        "builtin stack-up|restart-proxy|certbot-renew",
        "builtin stack-up",
    ),
    one("user", "user USER", "user backup"),
    many("after", "after UNIT …", "after network-online.target"),
    many("wants", "wants UNIT …", "wants network-online.target"),
    one(
        "restart",
        "restart always|on-failure|no",
        "restart on-failure",
    ),
    one("type", "type simple|oneshot", "type oneshot"),
    one(
        "schedule",
        "schedule \"*-*-* 03:00:00\" | schedule @daily",
        "schedule \"*-*-* 03:00:00\"",
    ),
    one("every", "every 15m", "every 1h"),
    spec(
        "set",
        2,
        Some(2),
        Never,
        true,
        Setting,
        "set Service.ProtectSystem strict",
        "set Service.ProtectSystem strict",
    ),
    many("on", "on HOST|POOL …", "on hc"),
];

pub const WEBHOOK: &[Spec] = &[
    one(
        "domain",
        "domain hooks.example.org",
        "domain hooks.example.org",
    ),
    one("path", "path /gh/", "path /gh/"),
    one("port", "port 9000", "port 9000"),
    many("updates", "updates SITE …", "updates s"),
    spec(
        "secret",
        1,
        Some(2),
        Never,
        false,
        Setting,
        "secret env NAME | secret file /PATH  ({repo} is replaced)",
        "secret file /etc/infrac/{repo}.secret",
    ),
];

/// The kinds of block, named after the directive that opens them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Top,
    Defaults,
    Host,
    Pool,
    Site,
    Static,
    Subproject,
    Service,
    /// A sysctl profile: its directives are kernel keys, not vocabulary.
    Sysctl,
    Cron,
    Unit,
    Webhook,
}

impl Context {
    /// Every kind of block whose directives are vocabulary (a `sysctl`
    /// profile's are kernel keys).
    pub const VOCABULARY: [Context; 11] = [
        Context::Top,
        Context::Defaults,
        Context::Host,
        Context::Pool,
        Context::Site,
        Context::Static,
        Context::Subproject,
        Context::Service,
        Context::Cron,
        Context::Unit,
        Context::Webhook,
    ];

    #[must_use]
    pub fn from_opener(name: Option<&str>) -> Option<Context> {
        Some(match name {
            None => Context::Top,
            Some("defaults") => Context::Defaults,
            Some("host") => Context::Host,
            Some("pool") => Context::Pool,
            Some("site") => Context::Site,
            Some("static") => Context::Static,
            Some("subproject") => Context::Subproject,
            Some("service") => Context::Service,
            Some("sysctl") => Context::Sysctl,
            Some("cron") => Context::Cron,
            Some("unit") => Context::Unit,
            Some("webhook") => Context::Webhook,
            Some(_) => return None,
        })
    }

    #[must_use]
    pub fn specs(self) -> &'static [Spec] {
        match self {
            Context::Top => TOP,
            Context::Defaults => DEFAULTS,
            Context::Host => HOST,
            Context::Pool => POOL,
            Context::Site => SITE,
            Context::Static => STATIC,
            Context::Subproject => SUBPROJECT,
            Context::Service => SERVICE,
            Context::Sysctl => &[],
            Context::Cron => CRON,
            Context::Unit => UNIT,
            Context::Webhook => WEBHOOK,
        }
    }

    /// How to name this block in messages: "a `site` block".
    #[must_use]
    pub fn noun(self) -> &'static str {
        match self {
            Context::Top => "the top level of a file",
            Context::Defaults => "`defaults`",
            Context::Host => "a `host`",
            Context::Pool => "a `pool`",
            Context::Site => "a `site`",
            Context::Static => "a `static` block",
            Context::Subproject => "a `subproject`",
            Context::Service => "a `service`",
            Context::Sysctl => "a `sysctl` profile",
            Context::Cron => "a `cron` job",
            Context::Unit => "a `unit`",
            Context::Webhook => "a `webhook`",
        }
    }

    #[must_use]
    pub fn lookup(self, name: &str) -> Option<&'static Spec> {
        self.specs().iter().find(|s| s.name == name)
    }

    /// "a route (`proxy`, `static`, `redirect`, …) or a setting (`domains`, …)"
    #[must_use]
    pub fn expected(self) -> String {
        let names = |group: Group| -> Vec<&'static str> {
            self.specs()
                .iter()
                .filter(|s| s.group == group)
                .map(|s| s.name)
                .collect()
        };
        let list = |names: &[&str], limit: usize| -> String {
            let mut shown: Vec<String> =
                names.iter().take(limit).map(|n| format!("`{n}`")).collect();
            if names.len() > limit {
                shown.push("…".into());
            }
            shown.join(", ")
        };
        match self {
            Context::Top => format!("a declaration ({})", list(&names(Declaration), 9)),
            Context::Sysctl => "a kernel setting (`net.core.default_qdisc fq`)".to_owned(),
            Context::Site => format!(
                "a route ({}) or a setting ({})",
                list(&names(Route), 3),
                list(&names(Setting), 3)
            ),
            _ => format!("a setting ({})", list(&names(Setting), 4)),
        }
    }
}

/// What may stand where a syntax error happened, given the name of the
/// directive whose block is open there (`None` at the top level).
#[must_use]
pub fn expected_in(opener: Option<&str>) -> String {
    match Context::from_opener(opener) {
        Some(ctx) => ctx.expected(),
        None => "a directive".to_owned(),
    }
}
