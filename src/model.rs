//! The resolved, checked deployment: what the renderers and the applier work
//! from. Every reference is resolved to an index, every default applied,
//! every value parsed. Nothing here can be wrong in a way the checker could
//! have caught (see ARCHITECTURE.md, "Invariants").

use std::net::{Ipv4Addr, Ipv6Addr};

use camino::Utf8PathBuf;
use serde::Serialize;

use crate::source::Span;

macro_rules! ids {
    ($($id:ident),*) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub struct $id(pub usize);
    )*};
}
ids!(
    HostId, PoolId, SiteId, ServiceId, ProfileId, JobId, UnitId, WebhookId
);

/// Where a declaration was written: its source file (relative to the program
/// folder) and span. Generated files name their source files from this.
#[derive(Clone, Debug, Serialize)]
pub struct Origin {
    pub file: Utf8PathBuf,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Default, Serialize)]
pub struct Model {
    pub defaults: Defaults,
    /// Every list is sorted by name, so output order never depends on the
    /// order of files or declarations.
    pub hosts: Vec<Host>,
    pub pools: Vec<Pool>,
    pub sites: Vec<Site>,
    pub services: Vec<Service>,
    /// The profiles in use: declared ones and the built-ins that are applied.
    pub profiles: Vec<SysctlProfile>,
    pub jobs: Vec<CronJob>,
    pub units: Vec<Unit>,
    pub webhooks: Vec<Webhook>,
}

impl Model {
    /// Whether certbot obtains the certificates of `host`'s webhooks: they
    /// are served over TLS, by NGINX.
    #[must_use]
    pub fn certbot_for_webhooks(&self, host: &Host) -> bool {
        host.proxy.kind == ProxyKind::Nginx && self.defaults.tls != TlsKind::Off
    }

    /// The certificate certbot obtains for webhook `w` on `host`: its
    /// domain, when [`Model::certbot_for_webhooks`] (as
    /// [`Site::certbot_certificate`]).
    #[must_use]
    pub fn webhook_certificate(&self, host: &Host, w: WebhookId) -> Option<String> {
        self.certbot_for_webhooks(host)
            .then(|| self.webhook(w).domain.clone())
    }

    #[must_use]
    pub fn host(&self, id: HostId) -> &Host {
        &self.hosts[id.0]
    }
    #[must_use]
    pub fn pool(&self, id: PoolId) -> &Pool {
        &self.pools[id.0]
    }
    #[must_use]
    pub fn site(&self, id: SiteId) -> &Site {
        &self.sites[id.0]
    }
    #[must_use]
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.0]
    }
    #[must_use]
    pub fn profile(&self, id: ProfileId) -> &SysctlProfile {
        &self.profiles[id.0]
    }
    #[must_use]
    pub fn job(&self, id: JobId) -> &CronJob {
        &self.jobs[id.0]
    }
    #[must_use]
    pub fn unit(&self, id: UnitId) -> &Unit {
        &self.units[id.0]
    }
    #[must_use]
    pub fn webhook(&self, id: WebhookId) -> &Webhook {
        &self.webhooks[id.0]
    }
    #[must_use]
    pub fn host_named(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }
}

/// Project-wide settings that declarations inherit.
#[derive(Clone, Debug, Serialize)]
pub struct Defaults {
    pub acme_email: Option<String>,
    /// Where sites live on a host; a site's root is `<site_root>/<site>`.
    pub site_root: Utf8PathBuf,
    pub proxy: ProxyKind,
    pub proxy_mode: RunMode,
    pub tls: TlsKind,
    pub ssh_user: String,
    pub ssh_port: u16,
    /// Compose project / swarm stack name.
    pub stack: String,
    /// The certbot webroot for HTTP-01 challenges.
    pub acme_webroot: Utf8PathBuf,
    /// The branch a subproject is checked out from.
    pub branch: String,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            acme_email: None,
            site_root: "/var/www".into(),
            proxy: ProxyKind::Caddy,
            proxy_mode: RunMode::Systemd,
            tls: TlsKind::Acme,
            ssh_user: "root".into(),
            ssh_port: 22,
            stack: "infra".into(),
            acme_webroot: "/var/www/html".into(),
            branch: "gh-pages".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyKind {
    Caddy,
    Nginx,
}

impl ProxyKind {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ProxyKind::Caddy => "caddy",
            ProxyKind::Nginx => "nginx",
        }
    }
}

/// How a program (the proxy) runs on its host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    /// A systemd service of the distribution's package.
    Systemd,
    /// A docker-compose service.
    Compose,
    /// A swarm service, global, ports in host mode.
    Swarm,
}

impl RunMode {
    #[must_use]
    pub fn in_container(self) -> bool {
        self != RunMode::Systemd
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Host {
    pub name: String,
    pub origin: Origin,
    /// The host's own DNS name (its A/AAAA record), if it has one.
    pub dns_name: Option<String>,
    pub ipv4: Vec<Ipv4Addr>,
    pub ipv6: Vec<Ipv6Addr>,
    /// Functional CNAMEs pointing at this host (`web01.matplotlib.org`).
    pub aliases: Vec<String>,
    pub ssh: Ssh,
    pub proxy: Proxy,
    /// How the host runs containers: services and a containerised proxy.
    pub containers: ContainerMode,
    pub acme_email: Option<String>,
    /// `error_log`: the proxy's errors go to this file (`None`: its own log).
    pub error_log: Option<Utf8PathBuf>,
    /// The ACME directory certificates come from (`None`: Let's Encrypt):
    /// Caddy's own, certbot's `--server` on NGINX hosts.
    pub acme_ca: Option<String>,
    /// A CA certificate to trust for the ACME server's HTTPS (Caddy's
    /// `acme_ca_root`, certbot's `REQUESTS_CA_BUNDLE`).
    pub acme_ca_root: Option<Utf8PathBuf>,
    /// Proxies in front of this one whose forwarding headers are passed
    /// on, extended (addresses and networks, as written).
    pub trusted_proxies: Vec<String>,
    pub stack: String,
    /// Where the host's tree lands, like DESTDIR (tests, staging). Every
    /// absolute path in the generated files is under it too.
    pub prefix: Option<Utf8PathBuf>,
    /// Ports the proxy listens on (80 and 443 unless behind something).
    pub http_port: u16,
    pub https_port: u16,
    /// Loopback port where the proxy answers its build id
    /// (`/.well-known/infrac-build`): how `apply` proves a reload took.
    pub probe_port: u16,
    pub tags: Vec<String>,
    pub profiles: Vec<ProfileId>,
    pub pools: Vec<PoolId>,
    pub sites: Vec<SiteId>,
    pub services: Vec<ServiceId>,
    pub jobs: Vec<JobId>,
    pub units: Vec<UnitId>,
    pub webhooks: Vec<WebhookId>,
}

impl Host {
    /// The address other machines reach this host by: its DNS name, else
    /// its first IPv4, else its first IPv6 address.
    #[must_use]
    pub fn address(&self) -> Option<String> {
        self.dns_name.clone().or_else(|| self.ip_address())
    }

    /// Its first declared IP address (IPv4 first; IPv6 in brackets).
    #[must_use]
    pub fn ip_address(&self) -> Option<String> {
        self.ipv4
            .first()
            .map(ToString::to_string)
            .or_else(|| self.ipv6.first().map(|a| format!("[{a}]")))
    }

    /// Where a file of the host's tree (`etc/caddy/Caddyfile`, as `layout`
    /// names it) is on the host.
    #[must_use]
    pub fn installed(&self, tree_path: impl AsRef<camino::Utf8Path>) -> Utf8PathBuf {
        self.path(&camino::Utf8Path::new("/").join(tree_path))
    }

    /// An absolute path on this host, under its prefix.
    #[must_use]
    pub fn path(&self, path: &camino::Utf8Path) -> Utf8PathBuf {
        match &self.prefix {
            Some(prefix) => prefix.join(path.strip_prefix("/").unwrap_or(path)),
            None => path.to_owned(),
        }
    }

    /// Whether the host is reachable over IPv6 (it publishes an AAAA record
    /// or an IPv6 address).
    #[must_use]
    pub fn has_ipv6(&self) -> bool {
        !self.ipv6.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerMode {
    /// `docker-compose up -d` of one compose file.
    Compose,
    /// `docker stack deploy` of one stack file.
    Swarm,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Ssh {
    pub user: String,
    pub port: u16,
    /// The address `ssh` connects to.
    pub address: String,
    /// Pinned host keys (`ssh-ed25519 AAAA…`), written to `known_hosts`.
    pub host_keys: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Proxy {
    pub kind: ProxyKind,
    pub mode: RunMode,
    /// Container image when `mode` is a container.
    pub image: String,
    /// Caddy's admin endpoint (`caddy reload` talks to it), if not the
    /// default `localhost:2019`.
    pub caddy_admin: Option<String>,
    /// DNS resolver NGINX uses to re-resolve backends (`127.0.0.11` for the
    /// Docker resolver when the proxy runs in a container).
    pub resolver: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Pool {
    pub name: String,
    pub origin: Origin,
    pub members: Vec<HostId>,
    /// Forward ACME HTTP-01 challenge misses to the other members.
    pub acme_forward: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Site {
    pub name: String,
    pub origin: Origin,
    /// The names served; the first is canonical.
    pub domains: Vec<String>,
    /// `{host}` in `domains`, where it is written: each host also answers
    /// on its own names (see `names_on`).
    pub host_names: Option<Span>,
    /// Names that answer with a permanent redirect to the canonical domain.
    pub redirect_from: Vec<String>,
    /// Every host that serves the site (pools expanded), sorted.
    pub hosts: Vec<HostId>,
    /// The pool it is served by, if any (peers learn of each other).
    pub pool: Option<PoolId>,
    pub tls: Tls,
    /// The status of the redirect from `http://` to `https://` (with TLS).
    pub https_redirect: u16,
    /// The largest request body accepted, in bytes.
    pub max_body: u64,
    /// Seconds a backend may stay silent mid-request or mid-stream.
    pub proxy_timeout: u64,
    /// The ACME account email for this site's certificates, when it differs
    /// from the host's.
    pub acme_email: Option<String>,
    /// Absolute folder on the host; subprojects are checked out under it.
    pub root: Utf8PathBuf,
    /// In source order: the first route that matches a request wins, except
    /// that more specific paths are tried first (see the renderers).
    pub routes: Vec<Route>,
    pub subprojects: Vec<Subproject>,
    pub error_pages: Vec<ErrorPage>,
    pub encode: Vec<Encoding>,
    pub headers: Vec<Header>,
    /// Path components never served (`.git`).
    pub hide: Vec<String>,
    pub access_log: AccessLog,
}

/// Where a site's access log goes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub enum AccessLog {
    /// The proxy's own default (none on Caddy; NGINX's `access_log`).
    #[default]
    Proxy,
    Off,
    File(Utf8PathBuf),
}

impl Site {
    /// The certificate certbot obtains for this site on `host`, when it is
    /// the one to (NGINX serves certbot's certificates): its name (the
    /// site's first name there) and every name it covers (`redirect_from`
    /// too). Layout, renderers and the certificate requests all ask here.
    #[must_use]
    pub fn certbot_certificate(&self, host: &Host) -> Option<(String, Vec<String>)> {
        if host.proxy.kind != ProxyKind::Nginx
            || !matches!(self.tls, Tls::Acme | Tls::Certbot { .. })
        {
            return None;
        }
        let mut domains = self.names_on(host);
        for alias in &self.redirect_from {
            if !domains.contains(alias) {
                domains.push(alias.clone());
            }
        }
        Some((domains.first()?.clone(), domains))
    }

    /// The names `host` serves the site on, the canonical one first: the
    /// site's `domains`, then (with `{host}`) the host's DNS name and
    /// aliases.
    #[must_use]
    pub fn names_on(&self, host: &Host) -> Vec<String> {
        let mut names = self.domains.clone();
        if self.host_names.is_some() {
            for name in host.dns_name.iter().chain(&host.aliases) {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// The other members of the site's pool, as seen from `host`.
    #[must_use]
    pub fn peers(&self, model: &Model, host: HostId) -> Vec<HostId> {
        self.pool
            .map(|p| {
                model
                    .pool(p)
                    .members
                    .iter()
                    .copied()
                    .filter(|&m| m != host)
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum Tls {
    /// The proxy's own ACME client (Caddy); certbot for NGINX hosts.
    Acme,
    /// certbot with a webroot, renewed by cron.
    Certbot {
        webroot: Utf8PathBuf,
    },
    /// Certificate and key files already on the host.
    Files {
        cert: Utf8PathBuf,
        key: Utf8PathBuf,
    },
    Off,
}

impl Tls {
    /// Whether the certificate comes over ACME HTTP-01 (Caddy's client or
    /// certbot): what pool members must forward to each other.
    #[must_use]
    pub fn http01(&self) -> bool {
        matches!(self, Tls::Acme | Tls::Certbot { .. })
    }

    /// certbot's webroot, when certbot gets this site's certificate on a
    /// `kind` proxy: `tls certbot`, or `tls acme` on NGINX, which has no
    /// ACME client of its own.
    #[must_use]
    pub fn certbot_webroot<'a>(
        &'a self,
        kind: ProxyKind,
        defaults: &'a Defaults,
    ) -> Option<&'a camino::Utf8Path> {
        match self {
            Tls::Certbot { webroot } => Some(webroot),
            Tls::Acme if kind == ProxyKind::Nginx => Some(&defaults.acme_webroot),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsKind {
    Acme,
    Certbot,
    Off,
}

/// A request path pattern: `/exact` or `/prefix/*`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathPattern {
    Exact(String),
    /// Stored without the `*`: `/api/`.
    Prefix(String),
}

impl PathPattern {
    /// The pattern as written (`/api/*`).
    #[must_use]
    pub fn source(&self) -> String {
        match self {
            PathPattern::Exact(p) => p.clone(),
            PathPattern::Prefix(p) => format!("{p}*"),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Route {
    Proxy {
        path: Option<PathPattern>,
        backends: Vec<Backend>,
        /// The URL backends' path (`http://b:8080/v1/`): the part of the
        /// request path the route matched is replaced by it, as NGINX's
        /// `proxy_pass` with a URI does (`/api/x` → `/v1/x`).
        to_path: Option<String>,
        /// `host NAME`: the `Host` the backend is sent.
        host: Option<String>,
    },
    Static(StaticFiles),
    Redirect {
        from: PathPattern,
        /// Target with neutral placeholders (`{path}`, `{query}`, `{uri}`,
        /// `{rest}`, `{host}`); the renderers translate them.
        to: String,
        status: u16,
        /// Not when the query has this parameter (with this value).
        unless_query: Option<QueryTest>,
    },
    Rewrite {
        from: PathPattern,
        to: String,
    },
    /// Redirect to the first candidate (a URL path with placeholders)
    /// whose file exists: in `tree` when given (the candidate is the
    /// file's path in it), else where the site serves that URL from.
    RedirectFirst {
        from: PathPattern,
        tree: Option<Utf8PathBuf>,
        candidates: Vec<String>,
        status: u16,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct StaticFiles {
    pub path: Option<PathPattern>,
    /// Absolute folder the files are served from.
    pub root: Utf8PathBuf,
    /// Candidates tried in order, with placeholders (`{path}`, `{path}/`,
    /// `{path}.html`).
    pub try_files: Vec<String>,
    /// A second tree tried when a file is not found in `root`.
    pub fallback: Option<Utf8PathBuf>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Backend {
    /// A container of a declared service, reached by its name on the
    /// container network (or loopback when the proxy runs on the host).
    Service {
        service: ServiceId,
        name: String,
        port: u16,
    },
    Url {
        scheme: String,
        host: String,
        port: Option<u16>,
        path: String,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct Subproject {
    pub name: String,
    pub origin: Origin,
    pub repo: String,
    pub branch: String,
    /// The checkout, an absolute folder under the site root.
    pub dir: Utf8PathBuf,
    /// The URL folder it is served at (`/mpl-gui/`), or `None` when it is
    /// only checked out (a static root or fallback tree).
    pub serve_at: Option<String>,
    pub secret: Option<SecretRef>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ErrorPage {
    pub status: u16,
    /// URL path of the page, served from the site root.
    pub page: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Gzip,
    Zstd,
}

/// A query parameter a redirect is skipped for (`unless_query keep`,
/// `unless_query reallystable=1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueryTest {
    pub name: String,
    /// `None`: any non-empty value; `Some`: exactly this one.
    pub value: Option<String>,
}

impl QueryTest {
    /// `name` or `name=value`, as written (and as the checker allows it).
    #[must_use]
    pub fn parse(written: &str) -> QueryTest {
        match written.split_once('=') {
            Some((name, value)) => QueryTest {
                name: name.to_owned(),
                value: Some(value.to_owned()),
            },
            None => QueryTest {
                name: written.to_owned(),
                value: None,
            },
        }
    }

    /// Whether a query string (`a=1&keep=yes`, as sent) has it.
    #[must_use]
    pub fn holds(&self, query: &str) -> bool {
        query.split('&').any(|kv| {
            kv.split_once('=').is_some_and(|(k, v)| {
                k == self.name
                    && match &self.value {
                        None => !v.is_empty(),
                        Some(want) => v == want,
                    }
            })
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Header {
    pub name: String,
    /// `None` removes the header.
    pub value: Option<String>,
}

/// A secret's value is read on the host at apply time, never written into
/// the source or `out/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "from", content = "name", rename_all = "lowercase")]
pub enum SecretRef {
    Env(String),
    File(Utf8PathBuf),
}

impl SecretRef {
    /// The variable's name, for an `env` secret.
    #[must_use]
    pub fn env_name(&self) -> Option<&str> {
        match self {
            SecretRef::Env(v) => Some(v),
            SecretRef::File(_) => None,
        }
    }

    /// A webhook's secret for one repository: `{repo}` is its name as
    /// written (`mpl-gui`), `{REPO}` its name as a variable name
    /// (`MPL_GUI`, `MATPLOTLIB_GITHUB_COM`).
    #[must_use]
    pub fn for_repo(&self, repo: &str) -> SecretRef {
        let fill = |s: &str| {
            s.replace("{repo}", repo)
                .replace("{REPO}", &repo_variable(repo))
        };
        match self {
            SecretRef::Env(v) => SecretRef::Env(fill(v)),
            SecretRef::File(p) => SecretRef::File(fill(p.as_str()).into()),
        }
    }
}

/// A repository's name as part of a variable name: capitals, and `_` for
/// anything but a letter or a digit (`matplotlib.github.com` →
/// `MATPLOTLIB_GITHUB_COM`).
#[must_use]
pub fn repo_variable(repo: &str) -> String {
    repo.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct Webhook {
    pub name: String,
    pub origin: Origin,
    pub domain: String,
    /// URL prefix; a repository's hook is `<path><repo>` (`/gh/mpl-gui`).
    pub path: String,
    /// `health /ping`: a GET or HEAD there asks the receiver whether it
    /// runs (never under `path`).
    pub health: Option<String>,
    /// Loopback port the receiver listens on.
    pub port: u16,
    /// The sites whose subprojects it updates.
    pub sites: Vec<SiteId>,
    /// Used for subprojects that set none; `{repo}` is replaced.
    pub secret: SecretRef,
    pub hosts: Vec<HostId>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Service {
    pub name: String,
    pub origin: Origin,
    pub image: String,
    /// The container's command, as words (`command "--root /srv"` is
    /// split like a shell would, quotes and all).
    pub command: Option<Vec<String>>,
    /// The port the proxy reaches it on.
    pub port: Option<u16>,
    pub publish: Vec<Publish>,
    pub env: Vec<EnvVar>,
    pub volumes: Vec<Volume>,
    pub sysctls: Vec<(String, String)>,
    pub restart: Restart,
    pub mode: DeployMode,
    /// Swarm placement constraints (`node.role == manager`).
    pub placement: Vec<String>,
    pub hosts: Vec<HostId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Publish {
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: Protocol,
    pub mode: PublishMode,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishMode {
    Ingress,
    Host,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum EnvValue {
    Literal(String),
    Secret(SecretRef),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Volume {
    pub source: VolumeSource,
    pub target: Utf8PathBuf,
    pub read_only: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum VolumeSource {
    /// A named volume; `external` ones are created outside the stack.
    Named {
        name: String,
        external: bool,
    },
    Path(Utf8PathBuf),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Restart {
    No,
    Always,
    UnlessStopped,
    OnFailure,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", content = "replicas", rename_all = "lowercase")]
pub enum DeployMode {
    Replicated(u32),
    Global,
}

#[derive(Clone, Debug, Serialize)]
pub struct SysctlProfile {
    pub name: String,
    /// `None` for a built-in.
    pub origin: Option<Origin>,
    pub settings: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CronJob {
    pub name: String,
    pub origin: Origin,
    /// Five fields or an `@` macro, validated.
    pub schedule: String,
    pub task: Task,
    pub user: String,
    pub hosts: Vec<HostId>,
}

/// What a cron job or unit runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "command", rename_all = "kebab-case")]
pub enum Task {
    Run(String),
    /// `certbot renew` with a deploy hook; reload the proxy only when a
    /// certificate changed.
    CertbotRenew,
    /// Start the proxy again when it is not running.
    RestartProxy,
    /// Bring up the host's containers (compose project or stack) at boot.
    StackUp,
}

#[derive(Clone, Debug, Serialize)]
pub struct Unit {
    pub name: String,
    pub origin: Origin,
    pub description: String,
    pub task: Task,
    pub user: Option<String>,
    pub after: Vec<String>,
    pub wants: Vec<String>,
    pub restart: Option<String>,
    pub oneshot: bool,
    /// Run on this schedule (a systemd timer) instead of at boot.
    pub schedule: Option<String>,
    /// `set Section.Key value`: hardening and anything else, verbatim.
    pub settings: Vec<(String, String, String)>,
    pub hosts: Vec<HostId>,
}

#[cfg(test)]
mod tests {
    use super::{QueryTest, SecretRef};

    /// `{REPO}` after a letter makes a variable's name of any repository
    /// name: generated names over the characters a name may have.
    #[test]
    fn repo_in_capitals_after_a_letter_is_always_a_variable_name() {
        let mut rng = fastrand::Rng::with_seed(7);
        let alphabet: Vec<char> = ('a'..='z')
            .chain('A'..='Z')
            .chain('0'..='9')
            .chain(['.', '-', '_'])
            .collect();
        let secret = SecretRef::Env("WEBHOOK_{REPO}_SECRET".to_owned());
        for _ in 0..5000 {
            let repo: String = (0..rng.usize(1..40))
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            let made = secret.for_repo(&repo);
            let name = made.env_name().unwrap_or_default();
            assert!(
                crate::check::value::rules::env_name(name).is_ok(),
                "{repo} makes {name}"
            );
        }
    }

    #[test]
    fn a_query_test_holds_for_its_name_with_a_value_or_with_its_value() {
        let any = QueryTest::parse("legacy");
        assert!(any.holds("legacy=1"));
        assert!(any.holds("a=b&legacy=x"));
        assert!(!any.holds("legacy="), "an empty value is absent");
        assert!(!any.holds("legacy"));
        assert!(!any.holds("notlegacy=1"));
        let one = QueryTest::parse("reallystable=1");
        assert!(one.holds("reallystable=1"));
        assert!(one.holds("x=2&reallystable=1"));
        assert!(!one.holds("reallystable=0"));
        assert!(!one.holds("reallystable=10"));
    }
}
