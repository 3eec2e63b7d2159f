//! The rows: one module per kind of block, each with its directive ids and
//! their rows. Adding a directive is one id and one row here, then its
//! reader arm (the compiler asks for it).

use super::{Block, Directives, Param, Ref, Row, Ty, many, one, opt};

/// A block's id enum, with the list of its ids (for tests that walk every
/// row).
macro_rules! ids {
    ($block:ident: $($id:ident),* $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Id { $($id,)* }

        impl Id {
            pub const ALL: &'static [Id] = &[$(Id::$id,)*];
        }

        impl Directives for Id {
            const BLOCK: Block = Block::$block;
            const ROWS: &'static [Row<Id>] = ROWS;
        }
    };
}

const PROXIES: Ty = Ty::Choice(&["caddy", "nginx"]);
const RUN_MODES: Ty = Ty::Choice(&["systemd", "compose", "swarm"]);
const PROXY_PARAMS: &[Param] = &[one("PROXY", PROXIES), opt("MODE", RUN_MODES)];
const ON: &[Param] = &[many("HOST|POOL", Ty::Ref(Ref::Placement))];
const ON_USAGE: &str = "on HOST|POOL …";
const ON_HELP: &str = "add `on HOST` or `on POOL`";
const EMAIL: &[Param] = &[one("EMAIL", Ty::Email)];
const SECRET: &[Param] = &[
    one("SOURCE", Ty::Choice(&["env", "file"])),
    opt("NAME|/PATH", Ty::Text),
];

pub mod top {
    use super::{Block, Directives, Param, Row, Ty, many, one};
    ids!(Top: Defaults, Host, Pool, Site, Service, Sysctl, Cron, Unit, Webhook, List);

    const NAME: &[Param] = &[one("NAME", Ty::Name)];

    pub const ROWS: &[Row<Id>] = &[
        Row::new(Id::Defaults, "defaults", &[])
            .declaration(Block::Defaults)
            .usage("defaults { … }")
            .doc("project-wide settings every declaration inherits")
            .example("defaults { acme_email ops@example.org }"),
        Row::new(Id::Host, "host", NAME)
            .declaration(Block::Host)
            .repeat()
            .usage("host NAME { … }")
            .doc("a machine: how to reach it, which proxy it runs and how")
            .example("host hx { address hx.example.org }"),
        Row::new(Id::Pool, "pool", NAME)
            .declaration(Block::Pool)
            .repeat()
            .usage("pool NAME { … }")
            .doc("hosts serving the same sites behind round-robin DNS")
            .example("pool px { hosts hc hn }"),
        Row::new(Id::Site, "site", NAME)
            .declaration(Block::Site)
            .repeat()
            .usage("site NAME { … }")
            .doc("domains, where they run, TLS, and routes")
            .example("site sx { domains sx.example.org; on hc hn hs; static }"),
        Row::new(Id::Service, "service", NAME)
            .declaration(Block::Service)
            .repeat()
            .usage("service NAME { … }")
            .doc("a container")
            .example("service sv { image example/sv:1; port 8081 }"),
        Row::new(Id::Sysctl, "sysctl", NAME)
            .declaration(Block::Sysctl)
            .repeat()
            .usage("sysctl NAME { KEY VALUE … }")
            .doc("a kernel settings profile (`bbr` and `keepalive` are built in)")
            .example("sysctl tx { net.core.somaxconn 2048 }"),
        Row::new(Id::Cron, "cron", NAME)
            .declaration(Block::Cron)
            .repeat()
            .usage("cron NAME { … }")
            .doc("a scheduled job")
            .example("cron cx { every 1h; run \"true\"; on hc }"),
        Row::new(Id::Unit, "unit", NAME)
            .declaration(Block::Unit)
            .repeat()
            .usage("unit NAME { … }")
            .doc("a systemd unit")
            .example("unit ux { run \"/bin/true\"; on hc }"),
        Row::new(Id::Webhook, "webhook", NAME)
            .declaration(Block::Webhook)
            .repeat()
            .usage("webhook NAME { … }")
            .doc("a GitHub push webhook that updates subproject checkouts")
            .example("webhook wx { domain hooks2.example.org; updates s; secret env HOOK_SECRET }"),
        Row::new(Id::List, "list", &[one("NAME", Ty::Name), many("ITEM", Ty::Text)])
            .repeat()
            .usage("list NAME ITEM …")
            .doc("named words: `@NAME` stands for all of them wherever words go; a word with `{@NAME}` in it stands for one word per item")
            .example("list versions 3.5.3 3.5.2 2.2.5"),
    ];
}

pub mod defaults {
    use super::{Block, Directives, EMAIL, PROXY_PARAMS, Row, Ty, one};
    ids!(Defaults: AcmeEmail, SiteRoot, Proxy, Tls, SshUser, SshPort, Stack, AcmeWebroot, Branch);

    pub const ROWS: &[Row<Id>] = &[
        Row::new(Id::AcmeEmail, "acme_email", EMAIL)
            .usage("acme_email EMAIL")
            .doc("ACME account email")
            .default("none")
            .example("acme_email ops@example.org"),
        Row::new(Id::SiteRoot, "site_root", &[one("/PATH", Ty::AbsPath)])
            .usage("site_root /var/www")
            .doc("a site's root is `<site_root>/<site>`")
            .default("`/var/www`")
            .example("site_root /srv/www"),
        Row::new(Id::Proxy, "proxy", PROXY_PARAMS)
            .usage("proxy caddy|nginx [systemd|compose|swarm]")
            .doc("the proxy hosts run, and how")
            .default("`caddy systemd`")
            .example("proxy caddy systemd"),
        Row::new(
            Id::Tls,
            "tls",
            &[one("MODE", Ty::Choice(&["acme", "certbot", "off"]))],
        )
        .usage("tls acme|certbot|off")
        .doc("TLS mode of sites")
        .default("`acme`")
        .example("tls acme"),
        Row::new(Id::SshUser, "ssh_user", &[one("USER", Ty::User)])
            .usage("ssh_user USER")
            .doc("the user `infrac apply` logs in as")
            .default("`root`")
            .example("ssh_user deploy"),
        Row::new(Id::SshPort, "ssh_port", &[one("PORT", Ty::Port)])
            .usage("ssh_port PORT")
            .doc("the port `infrac apply` connects to")
            .default("`22`")
            .example("ssh_port 2222"),
        Row::new(Id::Stack, "stack", &[one("NAME", Ty::Name)])
            .usage("stack NAME")
            .doc("compose project / swarm stack name")
            .default("`infra`")
            .example("stack web"),
        Row::new(
            Id::AcmeWebroot,
            "acme_webroot",
            &[one("/PATH", Ty::AbsPath)],
        )
        .usage("acme_webroot /var/www/html")
        .doc("certbot's webroot for HTTP-01")
        .default("`/var/www/html`")
        .example("acme_webroot /srv/acme"),
        Row::new(Id::Branch, "branch", &[one("BRANCH", Ty::GitRef)])
            .usage("branch gh-pages")
            .doc("branch subprojects are checked out from")
            .default("`gh-pages`")
            .example("branch gh-pages"),
    ];
}

pub mod host {
    use super::{Block, Directives, EMAIL, PROXY_PARAMS, Ref, Row, Ty, many, one};
    ids!(Host: Address, Alias, SshUser, SshPort, HostKey, Proxy, ProxyImage, Containers,
        Resolver, AcmeEmail, AcmeCa, AcmeCaRoot, Stack, Prefix, CaddyAdmin, ProbePort, HttpPort, HttpsPort,
        TrustedProxies, ErrorLog, Sysctl, Tags);

    pub const ROWS: &[Row<Id>] = &[
        Row::new(Id::Address, "address", &[many("ADDRESS", Ty::Address)])
            .required(
                "infrac needs to know how to reach this host",
                "add `address DNS-NAME` and/or its IP addresses, e.g. `address opam-4.ocaml.org 203.0.113.4`",
            )
            .usage("address DNS-NAME|IPV4|IPV6 …")
            .doc("the host's own DNS name and/or IP addresses")
            .example("address hz.example.org 192.0.2.10"),
        Row::new(Id::Alias, "alias", &[many("NAME", Ty::Domain)])
            .usage("alias web01.example.org …")
            .doc("functional CNAMEs pointing here")
            .example("alias web01.example.org"),
        Row::new(Id::SshUser, "ssh_user", &[one("USER", Ty::User)])
            .usage("ssh_user USER")
            .doc("overrides the default")
            .example("ssh_user deploy"),
        Row::new(Id::SshPort, "ssh_port", &[one("PORT", Ty::Port)])
            .usage("ssh_port PORT")
            .doc("overrides the default")
            .example("ssh_port 2222"),
        Row::new(
            Id::HostKey,
            "host_key",
            &[
                one("TYPE", Ty::Choice(&[
                    "ssh-ed25519",
                    "ecdsa-sha2-nistp256",
                    "ecdsa-sha2-nistp384",
                    "ecdsa-sha2-nistp521",
                    "ssh-rsa",
                ])),
                one("KEY", Ty::HostKey),
            ],
        )
        .repeat()
        .usage("host_key ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa KEY")
        .doc("pinned SSH host key (repeatable); no trust on first use")
        .example("host_key ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"),
        Row::new(Id::Proxy, "proxy", PROXY_PARAMS)
            .usage("proxy caddy|nginx [systemd|compose|swarm]")
            .doc("the proxy and how it runs: a systemd service, a compose service, or a global swarm service on host-mode ports")
            .example("proxy nginx compose"),
        Row::new(Id::ProxyImage, "proxy_image", &[one("IMAGE", Ty::Image)])
            .usage("proxy_image caddy:2.11")
            .doc("the proxy's image when it runs in a container (`caddy` / `nginx`)")
            .example("proxy_image nginx:1.27"),
        Row::new(
            Id::Containers,
            "containers",
            &[one("MODE", Ty::Choice(&["compose", "swarm"]))],
        )
        .usage("containers compose|swarm")
        .doc("how services run (default: `swarm` when the proxy does, else `compose`)")
        .example("containers compose"),
        Row::new(Id::Resolver, "resolver", &[one("ADDRESS", Ty::Address)])
            .usage("resolver 127.0.0.11")
            .doc("DNS resolver NGINX re-resolves backends with (Docker's by default in a container)")
            .example("resolver 127.0.0.11"),
        Row::new(Id::AcmeEmail, "acme_email", EMAIL)
            .usage("acme_email EMAIL")
            .doc("overrides the default")
            .example("acme_email ops@example.org"),
        Row::new(Id::TrustedProxies, "trusted_proxies", &[many("NETWORK", Ty::Network)])
            .usage("trusted_proxies 10.0.0.0/8 …")
            .doc("proxies in front of this one (a load balancer, a CDN) whose X-Forwarded-For/-Proto/-Host are passed on, extended; from anyone else they are replaced (default: no one)")
            .example("trusted_proxies 10.0.0.0/8 2001:db8::/32"),
        Row::new(Id::ErrorLog, "error_log", &[one("/PATH", Ty::AbsPath)])
            .usage("error_log /var/log/caddy/errors.log")
            .doc("the proxy's errors at level error and above to this file, not its own log (Caddy's journal, NGINX's error.log); NGINX's include each request's (a backend refusing), Caddy's only what it does not answer itself")
            .example("error_log /var/log/proxy/errors.log"),
        Row::new(Id::AcmeCa, "acme_ca", &[one("URL", Ty::Url)])
            .usage("acme_ca https://acme-staging-v02.api.letsencrypt.org/directory")
            .doc("the ACME directory certificates come from (a staging or private CA; default Let's Encrypt): Caddy's `acme_ca`, certbot's `--server`")
            .example("acme_ca https://ca.example.org:14000/dir"),
        Row::new(Id::AcmeCaRoot, "acme_ca_root", &[one("/PATH", Ty::AbsPath)])
            .usage("acme_ca_root /etc/ssl/private-ca.pem")
            .doc("a CA certificate (PEM, on the host) to trust for the ACME server's own HTTPS, for a private CA: Caddy's `acme_ca_root`, certbot's `REQUESTS_CA_BUNDLE`")
            .example("acme_ca_root /etc/ssl/acme-root.pem"),
        Row::new(Id::Stack, "stack", &[one("NAME", Ty::Name)])
            .usage("stack NAME")
            .doc("overrides the default")
            .example("stack web"),
        Row::new(Id::Prefix, "prefix", &[one("/PATH", Ty::AbsPath)])
            .usage("prefix /srv/staging")
            .doc("where the host's tree lands (like DESTDIR): staging and tests; every absolute path in its files is under it")
            .example("prefix /srv/staging"),
        Row::new(Id::CaddyAdmin, "caddy_admin", &[one("ADDRESS", Ty::Address)])
            .usage("caddy_admin localhost:2019")
            .doc("Caddy's admin endpoint (what `caddy reload` talks to), e.g. `unix//run/caddy-admin.sock`")
            .example("caddy_admin localhost:2019"),
        Row::new(Id::ProbePort, "probe_port", &[one("PORT", Ty::Port)])
            .usage("probe_port 7707")
            .doc("loopback port where the proxy answers its build id (how `apply` proves a reload took)")
            .example("probe_port 7707"),
        Row::new(Id::HttpPort, "http_port", &[one("PORT", Ty::Port)])
            .usage("http_port 80")
            .doc("the port the proxy listens on for HTTP (behind a load balancer, or in tests)")
            .example("http_port 8080"),
        Row::new(Id::HttpsPort, "https_port", &[one("PORT", Ty::Port)])
            .usage("https_port 443")
            .doc("the port the proxy listens on for HTTPS")
            .example("https_port 8443"),
        Row::new(Id::Sysctl, "sysctl", &[many("PROFILE", Ty::Ref(Ref::Profile))])
            .usage("sysctl PROFILE …")
            .doc("kernel profiles to apply")
            .example("sysctl tune"),
        Row::new(Id::Tags, "tags", &[many("TAG", Ty::Text)])
            .usage("tags TAG …")
            .doc("free-form tags")
            .example("tags web"),
    ];
}

pub mod pool {
    use super::{Block, Directives, FLAG, Ref, Row, Ty, many, one};
    ids!(Pool: Hosts, AcmeForward);

    pub const ROWS: &[Row<Id>] = &[
        Row::new(Id::Hosts, "hosts", &[many("HOST", Ty::Ref(Ref::Host))])
            .usage("hosts HOST HOST …")
            .doc("the members")
            .example("hosts hc hn"),
        Row::new(
            Id::AcmeForward,
            "acme_forward",
            &[one("on|off", Ty::Choice(FLAG))],
        )
        .usage("acme_forward on|off")
        .doc("forward ACME HTTP-01 challenge misses to the other members (default `on`)")
        .example("acme_forward on"),
    ];
}

/// The words a yes/no setting takes.
pub const FLAG: &[&str] = &["yes", "no", "on", "off", "true", "false"];

pub mod site {
    use super::{Block, Directives, EMAIL, ON, ON_HELP, ON_USAGE, Ref, Row, Ty, many, one, opt};
    ids!(Site: Proxy, Static, Redirect, Rewrite, RedirectFirst, Subproject, Domains,
        RedirectFrom, On, Tls, HttpsRedirect, Root, AcmeEmail, Encode, Header, Error, Hide,
        MaxBody, ProxyTimeout, AccessLog);

    pub const ROWS: &[Row<Id>] = &[
        Row::new(
            Id::Proxy,
            "proxy",
            &[opt("/PATH", Ty::Pattern), many("SERVICE|URL", Ty::Ref(Ref::Backend))],
        )
        .route()
        .repeat()
        .usage("proxy [/PATH] SERVICE|URL … [host NAME]")
        .doc("reverse proxy to a service (`name` or `name:port`) or a URL; several backends are load-balanced; a URL's path replaces the part of the path the route matched (`/api/* http://b:8080/v1/`: `/api/x` → `/v1/x`); `host NAME`: the `Host` the backend gets")
        .example("proxy /api/* http://127.0.0.1:8080/v1/ host api.internal"),
        Row::new(Id::Static, "static", &[opt("/PATH", Ty::Pattern)])
            .route()
            .repeat()
            .block(Block::Static)
            .usage("static [/PATH] [{ root …; try …; fallback … }]")
            .doc("files from the site root or `root`; `try` candidates (default `{path} {path}/`); `fallback` tree tried when a file is missing")
            .example("static /files/* { root files }"),
        Row::new(
            Id::Redirect,
            "redirect",
            &[
                one("/FROM", Ty::Pattern),
                one("TO", Ty::Target),
                opt("STATUS", Ty::Status),
                opt("unless_query", Ty::Choice(&["unless_query"])),
                opt("PARAM[=VALUE]", Ty::QueryParam),
            ],
        )
        .route()
        .repeat()
        .usage("redirect /FROM TO [permanent|temporary|STATUS] [unless_query PARAM[=VALUE]]")
        .doc("redirect (default permanent, 301), the query kept unless TO sets one; not when the query has PARAM (with a value, or this VALUE)")
        .example("redirect /devel/* /devdocs/{rest} temporary unless_query reallystable=1"),
        Row::new(
            Id::Rewrite,
            "rewrite",
            &[one("/FROM", Ty::Pattern), one("/TO", Ty::Target)],
        )
        .route()
        .repeat()
        .usage("rewrite /FROM /TO")
        .doc("internal rewrite")
        .example("rewrite /citing /citing.html"),
        Row::new(
            Id::RedirectFirst,
            "redirect_first",
            &[
                one("/FROM", Ty::Pattern),
                many("CANDIDATE", Ty::Target),
                opt("STATUS", Ty::Choice(&["permanent", "temporary"])),
            ],
        )
        .route()
        .repeat()
        .usage("redirect_first /FROM [in FOLDER] CANDIDATE … [permanent|temporary]")
        .doc("redirect to the first candidate that exists (default temporary, 302): its file where the site serves it, or `in FOLDER` (under the site root), where the candidate is the file's path")
        .example("redirect_first /users/* in docs /stable/users/{rest} /old/users/{rest}"),
        Row::new(
            Id::Subproject,
            "subproject",
            &[one("NAME", Ty::Name), opt("REPO", Ty::Url)],
        )
        .route()
        .repeat()
        .block(Block::Subproject)
        .usage("subproject NAME [REPO] [{ … }]")
        .doc("a git checkout under the site root, served at `/NAME/` with `/NAME` redirected there")
        .example("subproject docs https://github.com/example/docs"),
        Row::new(Id::Domains, "domains", &[many("DOMAIN", Ty::Domain)])
            .required("which names does it answer to?", "add `domains example.org www.example.org`")
            .usage("domains example.org www.example.org … [{host}]")
            .doc("the first is canonical; `{host}`: each host also answers on its own names (its `address`, if a name, and its `alias`es)")
            .example("domains s.example.org www.s.example.org"),
        Row::new(Id::RedirectFrom, "redirect_from", &[many("DOMAIN", Ty::Domain)])
            .usage("redirect_from example.org …")
            .doc("names that redirect permanently to the canonical one (apex → www)")
            .example("redirect_from old.example.org"),
        Row::new(Id::On, "on", ON)
            .required("where does it run?", ON_HELP)
            .usage(ON_USAGE)
            .doc("where it runs")
            .example("on hc hn hs"),
        Row::new(
            Id::Tls,
            "tls",
            &[
                one("MODE", Ty::Choice(&["acme", "certbot", "files", "off"])),
                opt("CERT", Ty::AbsPath),
                opt("KEY", Ty::AbsPath),
            ],
        )
        .usage("tls acme|certbot|off|files CERT KEY")
        .doc("TLS mode; `acme` on an NGINX host means certbot")
        .example("tls files /etc/ssl/s/cert.pem /etc/ssl/s/key.pem"),
        Row::new(
            Id::HttpsRedirect,
            "https_redirect",
            &[one("STATUS", Ty::Choice(&["301", "302", "307", "308"]))],
        )
        .usage("https_redirect 301|302|307|308")
        .doc("the status of the redirect from `http://` to `https://` (308 and 307 keep a POST a POST)")
        .default("`308`")
        .example("https_redirect 301"),
        Row::new(Id::MaxBody, "max_body", &[one("SIZE", Ty::Size)])
            .usage("max_body 100m")
            .doc("the largest request body accepted (larger: 413), on both proxies")
            .default("`100m`")
            .example("max_body 1g"),
        Row::new(Id::ProxyTimeout, "proxy_timeout", &[one("DURATION", Ty::Duration)])
            .usage("proxy_timeout 1h")
            .doc("how long a backend may stay silent mid-request or mid-stream (then 504), on both proxies")
            .default("`1h`")
            .example("proxy_timeout 5m"),
        Row::new(Id::Root, "root", &[one("/PATH", Ty::AbsPath)])
            .usage("root /var/www/site")
            .doc("the site's folder (default `<site_root>/<name>`)")
            .example("root /srv/www/s"),
        Row::new(Id::AcmeEmail, "acme_email", EMAIL)
            .usage("acme_email EMAIL")
            .doc("ACME email for this site's certificates")
            .example("acme_email ops@example.org"),
        Row::new(
            Id::Encode,
            "encode",
            &[many("ENCODING", Ty::Choice(&["gzip", "zstd"]))],
        )
        .usage("encode gzip zstd")
        .doc("response compression")
        .example("encode gzip"),
        Row::new(
            Id::Header,
            "header",
            &[one("[-]NAME", Ty::HeaderName), opt("VALUE", Ty::HeaderValue)],
        )
        .repeat()
        .usage("header NAME VALUE  (or `header -NAME` to remove)")
        .doc("response headers")
        .example("header X-Frame-Options DENY"),
        Row::new(
            Id::Error,
            "error",
            &[one("STATUS", Ty::Status), one("/PATH", Ty::Pattern)],
        )
        .repeat()
        .usage("error 404 /404.html")
        .doc("custom error page (a URL path of the site)")
        .example("error 404 /404.html"),
        Row::new(Id::Hide, "hide", &[many("NAME", Ty::FileName)])
            .usage("hide .git …")
            .doc("names never served (`.git` is hidden automatically when there are subprojects)")
            .example("hide .env"),
        Row::new(Id::AccessLog, "access_log", &[one("off|/PATH", Ty::AbsPath)])
            .usage("access_log off|/PATH")
            .doc("each request the site answers, one line each, to this file (Caddy: JSON, NGINX: `combined`); `off`: none (default: the proxy's own: none on Caddy, NGINX's access.log)")
            .example("access_log /var/log/proxy/s.access.log"),
    ];
}

pub mod static_ {
    use super::{Block, Directives, Row, Ty, many, one};
    ids!(Static: Root, Try, Fallback);

    pub const ROWS: &[Row<Id>] = &[
        Row::new(Id::Root, "root", &[one("PATH", Ty::Path)])
            .usage("root /var/www/site")
            .doc("the folder served (relative to the site root unless absolute)")
            .example("root docs"),
        Row::new(Id::Try, "try", &[many("CANDIDATE", Ty::Target)])
            .usage("try {path} {path}/ {path}.html")
            .doc("the files tried for a request, in order")
            .example("try {path} {path}.html"),
        Row::new(Id::Fallback, "fallback", &[one("/PATH", Ty::AbsPath)])
            .usage("fallback /var/www/other-tree")
            .doc("a tree tried when a file is missing")
            .example("fallback /srv/www/fallback"),
    ];
}

pub mod subproject {
    use super::{Block, Directives, FLAG, Row, SECRET, Ty, one};
    ids!(Subproject: Repo, Branch, Path, Serve, Secret);

    pub const ROWS: &[Row<Id>] = &[
        Row::new(Id::Repo, "repo", &[one("URL", Ty::Url)])
            .usage("repo https://github.com/ORG/REPO")
            .doc("the repository checked out")
            .example("repo https://github.com/example/docs"),
        Row::new(Id::Branch, "branch", &[one("BRANCH", Ty::GitRef)])
            .usage("branch gh-pages")
            .doc("the branch checked out (default from `defaults`)")
            .example("branch main"),
        Row::new(Id::Path, "path", &[one("/NAME/", Ty::Pattern)])
            .usage("path /served-name/")
            .doc("the URL folder it is served at (default `/NAME/`)")
            .example("path /documentation/"),
        Row::new(Id::Serve, "serve", &[one("yes|no", Ty::Choice(FLAG))])
            .usage("serve yes|no")
            .doc("`no`: only checked out, e.g. as a fallback tree")
            .example("serve yes"),
        Row::new(Id::Secret, "secret", SECRET)
            .usage("secret env NAME | secret file /PATH")
            .doc("its webhook secret")
            .example("secret env DOCS_SECRET"),
    ];
}

pub mod service {
    use super::{Block, Directives, ON, ON_USAGE, Row, Ty, one, opt};
    ids!(Service: Image, Command, Port, Publish, Env, Secret, Volume, Sysctl, Restart, Mode,
        Replicas, Placement, On);

    pub const ROWS: &[Row<Id>] = &[
        Row::new(Id::Image, "image", &[one("IMAGE", Ty::Image)])
            .required(
                "which container image does it run?",
                "add `image NAME[:TAG]`, e.g. `image ocurrent/opam.ocaml.org:live`",
            )
            .usage("image ocurrent/opam.ocaml.org:live")
            .doc("the container image")
            .example("image example/app:1.2"),
        Row::new(Id::Command, "command", &[one("COMMAND", Ty::Command)])
            .usage("command \"--root /usr/share/caddy\"")
            .doc("command arguments")
            .example("command \"--port 8080\""),
        Row::new(Id::Port, "port", &[one("PORT", Ty::Port)])
            .usage("port 8080")
            .doc("the port the proxy reaches it on")
            .example("port 8080"),
        Row::new(
            Id::Publish,
            "publish",
            &[
                one("PORTS", Ty::Publish),
                opt("MODE", Ty::Choice(&["ingress", "host"])),
            ],
        )
        .repeat()
        .usage("publish HOST_PORT:CONTAINER_PORT[/udp] [host|ingress]")
        .doc("publish a port on the host")
        .example("publish 9000:9000"),
        Row::new(
            Id::Env,
            "env",
            &[one("NAME", Ty::EnvName), one("VALUE", Ty::Text)],
        )
        .repeat()
        .usage("env NAME VALUE")
        .doc("environment (secret-looking names must use `secret`)")
        .example("env LOG_LEVEL info"),
        Row::new(
            Id::Secret,
            "secret",
            &[
                one("NAME", Ty::EnvName),
                one("SOURCE", Ty::Choice(&["env", "file"])),
                one("VAR|/PATH", Ty::Text),
            ],
        )
        .repeat()
        .usage("secret NAME env VAR | secret NAME file /PATH")
        .doc("environment from a secret on the host")
        .example("secret DB_PASSWORD env DB_PASSWORD"),
        Row::new(
            Id::Volume,
            "volume",
            &[
                one("SOURCE:/TARGET", Ty::Volume),
                opt("external", Ty::Choice(&["external"])),
            ],
        )
        .repeat()
        .usage("volume SOURCE:/TARGET[:ro] [external]")
        .doc("named volume or host path")
        .example("volume data:/var/lib/app"),
        Row::new(
            Id::Sysctl,
            "sysctl",
            &[one("KEY|PROFILE", Ty::SysctlKey), opt("VALUE", Ty::Text)],
        )
        .repeat()
        .usage("sysctl KEY VALUE | sysctl PROFILE")
        .doc("per-container kernel settings")
        .example("sysctl net.core.somaxconn 1024"),
        Row::new(
            Id::Restart,
            "restart",
            &[one(
                "POLICY",
                Ty::Choice(&["always", "unless-stopped", "on-failure", "no"]),
            )],
        )
        .usage("restart always|unless-stopped|on-failure|no")
        .doc("default `unless-stopped`")
        .example("restart always"),
        Row::new(
            Id::Mode,
            "mode",
            &[one("MODE", Ty::Choice(&["replicated", "global"]))],
        )
        .usage("mode replicated|global")
        .doc("swarm deploy mode")
        .example("mode replicated"),
        Row::new(Id::Replicas, "replicas", &[one("N", Ty::Number)])
            .usage("replicas 2")
            .doc("swarm replicas")
            .example("replicas 2"),
        Row::new(
            Id::Placement,
            "placement",
            &[one("CONSTRAINT", Ty::Constraint)],
        )
        .repeat()
        .usage("placement \"node.role == manager\"")
        .doc("swarm placement constraint (repeatable)")
        .example("placement \"node.role == manager\""),
        Row::new(Id::On, "on", ON)
            .usage(ON_USAGE)
            .doc("where it runs; without it, wherever the sites that proxy to it run")
            .example("on hc hn hs"),
    ];
}

pub mod cron {
    use super::{Block, Directives, ON, ON_HELP, ON_USAGE, Row, Ty, one};
    ids!(Cron: Schedule, Every, Run, Builtin, User, On);

    const SCHEDULE: &str = "add `every 15m` or `schedule \"0 3 * * *\"`";
    const COMMAND: &str = "add `run \"COMMAND\"` or `builtin certbot-renew|restart-proxy`";

    pub const ROWS: &[Row<Id>] = &[
        Row::new(Id::Schedule, "schedule", &[one("SCHEDULE", Ty::CronSchedule)])
            .one_of("schedule", SCHEDULE)
            .usage("schedule \"*/15 * * * *\" | schedule @daily")
            .doc("a cron schedule")
            .example("schedule \"*/5 * * * *\""),
        Row::new(Id::Every, "every", &[one("DURATION", Ty::Duration)])
            .one_of("schedule", SCHEDULE)
            .usage("every 15m")
            .doc("an interval dividing an hour or a day")
            .example("every 15m"),
        Row::new(Id::Run, "run", &[one("COMMAND", Ty::Command)])
            .one_of("command", COMMAND)
            .usage("run \"COMMAND\"")
            .doc("a shell command, run by `sh -c`")
            .example("run \"pg_dump db | gzip > /backups/db.gz\""),
        Row::new(
            Id::Builtin,
            "builtin",
            &[one("TASK", Ty::Choice(&["certbot-renew", "restart-proxy"]))],
        )
        .one_of("command", COMMAND)
        .usage("builtin certbot-renew|restart-proxy")
        .doc("certbot renewal that reloads the proxy only when a certificate changed; restart the proxy when it is not running")
        .example("builtin restart-proxy"),
        Row::new(Id::User, "user", &[one("USER", Ty::User)])
            .usage("user root")
            .doc("who runs it")
            .example("user backup"),
        Row::new(Id::On, "on", ON)
            .required("no `on`", ON_HELP)
            .usage(ON_USAGE)
            .doc("where it runs")
            .example("on hc"),
    ];
}

pub mod unit {
    use super::{Block, Directives, ON, ON_HELP, ON_USAGE, Row, Ty, many, one};
    ids!(Unit: Description, Run, Builtin, User, After, Wants, Restart, Type, Schedule,
        Every, Set, On);

    const COMMAND: &str = "add `run \"COMMAND\"` or `builtin stack-up`";

    pub const ROWS: &[Row<Id>] = &[
        Row::new(Id::Description, "description", &[one("TEXT", Ty::Text)])
            .usage("description \"TEXT\"")
            .doc("the unit's description")
            .example("description \"Nightly backup\""),
        Row::new(Id::Run, "run", &[one("COMMAND", Ty::Command)])
            .one_of("command", COMMAND)
            .usage("run \"COMMAND\"")
            .doc("a shell command it runs")
            .example("run \"/usr/local/bin/backup --all\""),
        Row::new(
            Id::Builtin,
            "builtin",
            &[one(
                "TASK",
                Ty::Choice(&["stack-up", "restart-proxy", "certbot-renew"]),
            )],
        )
        .one_of("command", COMMAND)
        .usage("builtin stack-up|restart-proxy|certbot-renew")
        .doc("a task infrac writes (`stack-up`: the host's containers at boot)")
        .example("builtin stack-up"),
        Row::new(Id::User, "user", &[one("USER", Ty::User)])
            .usage("user USER")
            .doc("who runs it")
            .example("user backup"),
        Row::new(Id::After, "after", &[many("UNIT", Ty::UnitName)])
            .usage("after UNIT …")
            .doc("ordering")
            .example("after network-online.target"),
        Row::new(Id::Wants, "wants", &[many("UNIT", Ty::UnitName)])
            .usage("wants UNIT …")
            .doc("dependencies")
            .example("wants network-online.target"),
        Row::new(
            Id::Restart,
            "restart",
            &[one(
                "POLICY",
                Ty::Choice(&["no", "always", "on-failure", "on-abnormal", "on-success"]),
            )],
        )
        .usage("restart no|always|on-failure|on-abnormal|on-success")
        .doc("restart policy")
        .example("restart on-failure"),
        Row::new(
            Id::Type,
            "type",
            &[one("TYPE", Ty::Choice(&["simple", "oneshot"]))],
        )
        .usage("type simple|oneshot")
        .doc("how systemd waits for it")
        .example("type oneshot"),
        Row::new(Id::Schedule, "schedule", &[one("CALENDAR", Ty::Calendar)])
            .usage("schedule \"*-*-* 03:00:00\" | schedule @daily")
            .doc("run from a timer instead of at boot")
            .example("schedule \"*-*-* 03:00:00\""),
        Row::new(Id::Every, "every", &[one("DURATION", Ty::Duration)])
            .usage("every 15m")
            .doc("run from a timer, at this interval")
            .example("every 1h"),
        Row::new(
            Id::Set,
            "set",
            &[one("Section.Key", Ty::UnitSetting), one("VALUE", Ty::Text)],
        )
        .repeat()
        .usage("set Service.ProtectSystem strict")
        .doc("a unit setting, checked by its type (the settings are listed below)")
        .example("set Service.ProtectSystem strict"),
        Row::new(Id::On, "on", ON)
            .required("where is it installed?", ON_HELP)
            .usage(ON_USAGE)
            .doc("where it is installed")
            .example("on hc"),
    ];
}

pub mod webhook {
    use super::{Block, Directives, Ref, Row, SECRET, Ty, many, one};
    ids!(Webhook: Domain, Path, Health, Port, Updates, Secret);

    pub const ROWS: &[Row<Id>] = &[
        Row::new(Id::Domain, "domain", &[one("DOMAIN", Ty::Domain)])
            .required("`domain` is needed", "add `domain hooks.example.org`")
            .usage("domain hooks.example.org")
            .doc("the name GitHub posts to")
            .example("domain hooks.example.org"),
        Row::new(Id::Path, "path", &[one("/PATH/", Ty::Pattern)])
            .usage("path /gh/")
            .doc("a repository's hook is `<path><repo>` (default `/hooks/`)")
            .example("path /gh/"),
        Row::new(Id::Health, "health", &[one("/PATH", Ty::Pattern)])
            .usage("health /ping")
            .doc("a GET or HEAD there answers `200 ok` while the receiver runs, `503` when it does not (for a monitor)")
            .example("health /ping"),
        Row::new(Id::Port, "port", &[one("PORT", Ty::Port)])
            .usage("port 9000")
            .doc("loopback port of the receiver")
            .example("port 9000"),
        Row::new(Id::Updates, "updates", &[many("SITE", Ty::Ref(Ref::Site))])
            .required(
                "`updates` is needed",
                "add `updates SITE` naming the site whose subprojects it updates",
            )
            .usage("updates SITE …")
            .doc("the sites whose subprojects it updates")
            .example("updates s"),
        Row::new(Id::Secret, "secret", SECRET)
            .required(
                "`secret` is needed",
                "add `secret env NAME` or `secret file /PATH` (`{repo}` is replaced by each repository's name)",
            )
            .usage("secret env NAME | secret file /PATH  ({repo}, {REPO} are replaced)")
            .doc("never a literal; `{repo}` is each repository's name, `{REPO}` the same as a variable name (`WEBHOOK_{REPO}_SECRET` → `WEBHOOK_MPL_GUI_SECRET`)")
            .example("secret file /etc/infrac/{repo}.secret"),
    ];
}
