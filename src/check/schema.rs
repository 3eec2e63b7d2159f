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
}

const fn spec(
    name: &'static str,
    min: usize,
    max: Option<usize>,
    block: BlockUse,
    repeat: bool,
    group: Group,
    usage: &'static str,
) -> Spec {
    Spec {
        name,
        min,
        max,
        block,
        repeat,
        group,
        usage,
    }
}

use BlockUse::{Never, Optional, Required};
use Group::{Declaration, Route, Setting};

/// A setting with exactly one argument, given once.
const fn one(name: &'static str, usage: &'static str) -> Spec {
    spec(name, 1, Some(1), Never, false, Setting, usage)
}

/// A setting with one or more arguments, given once.
const fn many(name: &'static str, usage: &'static str) -> Spec {
    spec(name, 1, None, Never, false, Setting, usage)
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
    ),
    spec(
        "host",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "host NAME { … }",
    ),
    spec(
        "pool",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "pool NAME { … }",
    ),
    spec(
        "site",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "site NAME { … }",
    ),
    spec(
        "service",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "service NAME { … }",
    ),
    spec(
        "sysctl",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "sysctl NAME { KEY VALUE … }",
    ),
    spec(
        "cron",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "cron NAME { … }",
    ),
    spec(
        "unit",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "unit NAME { … }",
    ),
    spec(
        "webhook",
        1,
        Some(1),
        Required,
        true,
        Declaration,
        "webhook NAME { … }",
    ),
];

pub const DEFAULTS: &[Spec] = &[
    one("acme_email", "acme_email EMAIL"),
    one("site_root", "site_root /var/www"),
    spec(
        "proxy",
        1,
        Some(2),
        Never,
        false,
        Setting,
        "proxy caddy|nginx [systemd|compose|swarm]",
    ),
    one("tls", "tls acme|certbot|off"),
    one("ssh_user", "ssh_user USER"),
    one("ssh_port", "ssh_port PORT"),
    one("stack", "stack NAME"),
    one("acme_webroot", "acme_webroot /var/www/html"),
    one("branch", "branch gh-pages"),
];

pub const HOST: &[Spec] = &[
    many("address", "address DNS-NAME|IPV4|IPV6 …"),
    many("alias", "alias web01.example.org …"),
    one("ssh_user", "ssh_user USER"),
    one("ssh_port", "ssh_port PORT"),
    spec(
        "host_key",
        2,
        Some(2),
        Never,
        true,
        Setting,
        "host_key ssh-ed25519 AAAA…",
    ),
    spec(
        "proxy",
        1,
        Some(2),
        Never,
        false,
        Setting,
        "proxy caddy|nginx [systemd|compose|swarm]",
    ),
    one("proxy_image", "proxy_image caddy:2.11"),
    one("containers", "containers compose|swarm"),
    one("resolver", "resolver 127.0.0.11"),
    one("acme_email", "acme_email EMAIL"),
    one("stack", "stack NAME"),
    one("prefix", "prefix /srv/staging"),
    one("caddy_admin", "caddy_admin localhost:2019"),
    one("probe_port", "probe_port 7707"),
    one("http_port", "http_port 80"),
    one("https_port", "https_port 443"),
    many("sysctl", "sysctl PROFILE …"),
    many("tags", "tags TAG …"),
];

pub const POOL: &[Spec] = &[
    many("hosts", "hosts HOST HOST …"),
    one("acme_forward", "acme_forward on|off"),
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
    ),
    spec(
        "static",
        0,
        Some(1),
        Optional,
        true,
        Route,
        "static [/PATH] [{ root …; try …; fallback … }]",
    ),
    spec(
        "redirect",
        2,
        Some(5),
        Never,
        true,
        Route,
        "redirect /FROM TO [permanent|temporary|STATUS] [unless_query PARAM]",
    ),
    spec(
        "rewrite",
        2,
        Some(2),
        Never,
        true,
        Route,
        "rewrite /FROM /TO",
    ),
    spec(
        "redirect_first",
        2,
        None,
        Never,
        true,
        Route,
        "redirect_first /FROM CANDIDATE …",
    ),
    spec(
        "subproject",
        1,
        Some(2),
        Optional,
        true,
        Route,
        "subproject NAME [REPO] [{ … }]",
    ),
    many("domains", "domains example.org www.example.org …"),
    many("redirect_from", "redirect_from example.org …"),
    many("on", "on HOST|POOL …"),
    spec(
        "tls",
        1,
        Some(3),
        Never,
        false,
        Setting,
        "tls acme|certbot|off|files CERT KEY",
    ),
    one("root", "root /var/www/site"),
    one("acme_email", "acme_email EMAIL"),
    many("encode", "encode gzip zstd"),
    spec(
        "header",
        1,
        Some(2),
        Never,
        true,
        Setting,
        "header NAME VALUE  (or `header -NAME` to remove)",
    ),
    spec(
        "error",
        2,
        Some(2),
        Never,
        true,
        Setting,
        "error 404 /404.html",
    ),
    many("hide", "hide .git …"),
];

pub const STATIC: &[Spec] = &[
    one("root", "root /var/www/site"),
    many("try", "try {path} {path}/ {path}.html"),
    one("fallback", "fallback /var/www/other-tree"),
];

pub const SUBPROJECT: &[Spec] = &[
    one("repo", "repo https://github.com/ORG/REPO"),
    one("branch", "branch gh-pages"),
    one("path", "path /served-name/"),
    one("serve", "serve yes|no"),
    spec(
        "secret",
        1,
        Some(2),
        Never,
        false,
        Setting,
        "secret env NAME | secret file /PATH",
    ),
];

pub const SERVICE: &[Spec] = &[
    one("image", "image ocurrent/opam.ocaml.org:live"),
    one("command", "command \"--root /usr/share/caddy\""),
    one("port", "port 8080"),
    spec(
        "publish",
        1,
        Some(2),
        Never,
        true,
        Setting,
        "publish HOST_PORT:CONTAINER_PORT[/udp] [host|ingress]",
    ),
    spec("env", 2, Some(2), Never, true, Setting, "env NAME VALUE"),
    spec(
        "secret",
        3,
        Some(3),
        Never,
        true,
        Setting,
        "secret NAME env VAR | secret NAME file /PATH",
    ),
    spec(
        "volume",
        1,
        Some(2),
        Never,
        true,
        Setting,
        "volume SOURCE:/TARGET[:ro] [external]",
    ),
    spec(
        "sysctl",
        1,
        Some(2),
        Never,
        true,
        Setting,
        "sysctl KEY VALUE | sysctl PROFILE",
    ),
    one("restart", "restart always|unless-stopped|on-failure|no"),
    one("mode", "mode replicated|global"),
    one("replicas", "replicas 2"),
    spec(
        "placement",
        1,
        Some(1),
        Never,
        true,
        Setting,
        "placement \"node.role == manager\"",
    ),
    many("on", "on HOST|POOL …"),
];

pub const CRON: &[Spec] = &[
    one("schedule", "schedule \"*/15 * * * *\" | schedule @daily"),
    one("every", "every 15m"),
    one("run", "run \"COMMAND\""),
    one("builtin", "builtin certbot-renew|restart-proxy"),
    one("user", "user root"),
    many("on", "on HOST|POOL …"),
];

pub const UNIT: &[Spec] = &[
    one("description", "description \"TEXT\""),
    one("run", "run \"COMMAND\""),
    one("builtin", "builtin stack-up|restart-proxy|certbot-renew"),
    one("user", "user USER"),
    many("after", "after UNIT …"),
    many("wants", "wants UNIT …"),
    one("restart", "restart always|on-failure|no"),
    one("type", "type simple|oneshot"),
    one("schedule", "schedule \"*-*-* 03:00:00\" | schedule @daily"),
    one("every", "every 15m"),
    spec(
        "set",
        2,
        Some(2),
        Never,
        true,
        Setting,
        "set Service.ProtectSystem strict",
    ),
    many("on", "on HOST|POOL …"),
];

pub const WEBHOOK: &[Spec] = &[
    one("domain", "domain hooks.example.org"),
    one("path", "path /gh/"),
    one("port", "port 9000"),
    many("updates", "updates SITE …"),
    spec(
        "secret",
        1,
        Some(2),
        Never,
        false,
        Setting,
        "secret env NAME | secret file /PATH  ({repo} is replaced)",
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
