//! Stage 4: `Model` → the files of each host, rendered from the minijinja
//! templates in `templates/`, with the manifest the applier works from.
//!
//! Rendering never fails on a checked model except for a template bug,
//! which is reported as an internal error.

mod caddy;
pub mod escape;
mod nginx;
pub mod plan;
pub mod reference;
mod system;

pub use crate::manifest::{Reload, SecretUse};

use std::collections::BTreeSet;

use camino::{Utf8Path, Utf8PathBuf};
use minijinja::Environment;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::layout;
use crate::manifest::{self, Manifest, Proof, ReloadCommands};
use crate::model::{Backend, Host, HostId, Model, RunMode};
use crate::quote::shell::word;
use escape::Raw;

/// One generated file.
#[derive(Clone, Debug, Serialize)]
pub struct Artifact {
    /// Relative to the host's root (`etc/caddy/Caddyfile`).
    pub path: Utf8PathBuf,
    pub mode: u32,
    pub owner: String,
    pub reload: Option<Reload>,
    /// Source files it was generated from.
    pub sources: Vec<Utf8PathBuf>,
    /// The certificate it needs on the host (certbot's name).
    pub certificate: Option<String>,
    #[serde(skip)]
    pub content: String,
}

/// The files of one host.
#[derive(Clone, Debug)]
pub struct HostTree {
    pub host: String,
    pub files: Vec<Artifact>,
    /// Secrets the files refer to: materialised on the host at apply time.
    pub secrets: Vec<SecretUse>,
    /// What `apply` works from: handed to it as it is after a build, and
    /// written as `manifest.json` for `apply --from`.
    pub manifest: Manifest,
}

/// An error in a template: a bug in infrac, not in the input.
#[derive(Debug, thiserror::Error)]
#[error("internal error rendering {path} for host `{host}`: {source}")]
pub struct RenderError {
    pub host: String,
    pub path: Utf8PathBuf,
    #[source]
    pub source: minijinja::Error,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Templates trim white space explicitly (`{%-`), line by line.
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .expect("a valid syntax configuration");
    env.set_syntax(syntax);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Every value is quoted for the template's format (`escape`).
    escape::install(&mut env);
    macro_rules! templates {
        ($($name:literal),*) => {
            [$(($name, include_str!(concat!("../../templates/", $name)))),*]
        };
    }
    let all = templates!(
        "Caddyfile.j2",
        "nginx-site.conf.j2",
        "nginx-webhook.conf.j2",
        "nginx-common.conf.j2",
        "nginx-errors.conf.j2",
        "sysctl.conf.j2",
        "cron.j2",
        "script.sh.j2",
        "unit.service.j2",
        "unit.timer.j2",
        "compose.yml.j2",
        "webhook.service.j2",
        "webhook-receiver.py.j2"
    );
    for (name, text) in all {
        env.add_template(name, text)
            .expect("templates parse (checked by every test)");
    }
    env
}

/// What a renderer sees: the model, the host it renders for, and the
/// templates.
pub struct Context<'m> {
    pub model: &'m Model,
    pub host: &'m Host,
    pub id: HostId,
    /// The host's plan, made once per host (every file of the host reads it).
    pub plan: &'m plan::HostPlan,
    env: &'m Environment<'static>,
    /// Source files named in the header of the file being rendered.
    sources: String,
}

impl Context<'_> {
    fn render<S: Serialize>(&self, template: &str, view: &S) -> Result<String, minijinja::Error> {
        let tmpl = self.env.get_template(template)?;
        let value = minijinja::Value::from(minijinja::value::Serde(view));
        let ctx = minijinja::context! {
            sources => Raw::new(crate::quote::comment(&self.sources)),
            probe_port => self.host.probe_port,
            build_id => Raw::new(BUILD_PLACEHOLDER),
            ..value
        };
        let mut out = tmpl.render(ctx)?;
        if !out.ends_with('\n') {
            out.push('\n');
        }
        Ok(out)
    }
}

/// Stands for the build id while the proxy's files are rendered; the id is
/// the hash of those files and replaces it afterwards.
const BUILD_PLACEHOLDER: &str = "@@infrac-build@@";

/// The proxy's build id: a hash of its files (with the placeholder), so
/// any change to what the proxy serves changes it.
fn build_id(files: &[Artifact]) -> String {
    let mut hasher = Sha256::new();
    for f in files
        .iter()
        .filter(|f| matches!(f.reload, Some(Reload::Caddy | Reload::Nginx)))
    {
        hasher.update(f.path.as_str().as_bytes());
        hasher.update([0]);
        hasher.update(f.content.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize()[..8])
}

/// Where the proxy on `host` reaches a backend: a container by its name
/// when the proxy runs in a container on the same network, the service's
/// port on loopback when the proxy runs on the host.
fn proxy_address(b: &Backend, host: &Host, model: &Model) -> String {
    match b {
        Backend::Service {
            name,
            port,
            service,
        } => {
            if host.proxy.mode.in_container() {
                format!("{name}:{port}")
            } else {
                let published = model
                    .service(*service)
                    .publish
                    .iter()
                    .find(|p| p.container_port == *port)
                    .map_or(*port, |p| p.host_port);
                format!("127.0.0.1:{published}")
            }
        }
        Backend::Url {
            scheme, host, port, ..
        } => match port {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        },
    }
}

/// A regex matching a path with one of `names` as a component (a plan's
/// `hidden`), for both proxies' regexps; `None` when there are none.
fn hidden_regex(names: &[String]) -> Option<String> {
    (!names.is_empty()).then(|| {
        let names: Vec<String> = names.iter().map(|h| regex_escape(h)).collect();
        format!("(^|/)({})(/|$)", names.join("|"))
    })
}

/// Several path patterns as one regexp, `^(?:/a|/b)$`, `^(?:/a/|/b/)REST$`
/// or both joined by `|`: `rest` is the capture of what follows a prefix
/// (`(.*)` for Caddy, `(?<rest>.*)` for NGINX). Whether a prefix is among
/// them comes with it: only then is there a capture.
fn patterns_regex(patterns: &[&crate::model::PathPattern], rest: &str) -> (String, bool) {
    use crate::model::PathPattern;
    let alternatives = |prefix: bool| -> Option<String> {
        let paths: Vec<String> = patterns
            .iter()
            .filter_map(|p| match p {
                PathPattern::Exact(p) if !prefix => Some(regex_escape(p)),
                PathPattern::Prefix(p) if prefix => Some(regex_escape(p)),
                _ => None,
            })
            .collect();
        match paths.len() {
            0 => None,
            1 => Some(paths[0].clone()),
            _ => Some(format!("(?:{})", paths.join("|"))),
        }
    };
    let exact = alternatives(false).map(|a| format!("^{a}$"));
    let prefix = alternatives(true).map(|a| format!("^{a}{rest}$"));
    let has_prefix = prefix.is_some();
    let regexp = exact
        .into_iter()
        .chain(prefix)
        .collect::<Vec<_>>()
        .join("|");
    (regexp, has_prefix)
}

/// Escapes regex metacharacters (for NGINX and Caddy regexps).
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Hex SHA-256 of a file's content, as in the manifest.
#[must_use]
pub fn sha256_hex(text: &str) -> String {
    sha256_hex_bytes(text.as_bytes())
}

#[must_use]
pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lower-case hex digits.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// A shell fragment running `command` in the host's proxy container, when
/// one is running. (When none is, the proxy starts from the files in place;
/// apply's proof still checks it serves them.)
fn in_proxy_container(host: &Host, service: &str, command: &str) -> String {
    let filter = word(&match host.proxy.mode {
        RunMode::Swarm => format!(
            "label=com.docker.swarm.service.name={}_{service}",
            host.stack
        ),
        _ => format!("label=com.docker.compose.service={service}"),
    });
    // The Caddyfile's relative paths are relative to its folder.
    let workdir = if service == "caddy" {
        "-w /etc/caddy "
    } else {
        ""
    };
    format!(
        "c=$(docker ps -q --filter {filter} --filter status=running | head -n 1); \
         if [ -n \"$c\" ]; then docker exec {workdir}\"$c\" {command}; fi"
    )
}

fn caddyfile_word(host: &Host) -> String {
    word(host.installed(layout::CADDYFILE).as_str())
}

fn nginx_config_flag(host: &Host) -> String {
    host.prefix.as_ref().map_or(String::new(), |p| {
        format!(" -c {}", word(&format!("{p}/etc/nginx/nginx.conf")))
    })
}

/// The command that makes the host take up changed files, run on the host
/// by a shell (every value in it a quoted word): inside the container when
/// the proxy runs in one.
#[must_use]
pub fn reload_command(host: &Host, reload: &Reload) -> String {
    let caddyfile = caddyfile_word(host);
    match (reload, host.proxy.mode) {
        (Reload::Sysctl, _) => "sysctl --system".to_owned(),
        (Reload::Containers, _) => system::containers_up(host),
        (Reload::Systemd(unit), _) => {
            let unit = word(unit);
            format!(
                "systemctl daemon-reload && systemctl enable {unit} && systemctl restart {unit}"
            )
        }
        (Reload::Caddy, RunMode::Systemd) => {
            format!("caddy reload --config {caddyfile} --adapter caddyfile")
        }
        (Reload::Caddy, _) => in_proxy_container(
            host,
            "caddy",
            "caddy reload --config /etc/caddy/Caddyfile --adapter caddyfile",
        ),
        (Reload::Nginx, RunMode::Systemd) => {
            format!("nginx{} -s reload", nginx_config_flag(host))
        }
        (Reload::Nginx, _) => in_proxy_container(host, "nginx", "nginx -s reload"),
    }
}

/// The command that checks changed files in place, before any reload.
#[must_use]
pub fn validate_command(host: &Host, reload: &Reload) -> Option<String> {
    let caddyfile = caddyfile_word(host);
    Some(match (reload, host.proxy.mode) {
        // Keys are checked by the compiler; `sysctl` has no dry run.
        (Reload::Sysctl, _) => return None,
        (Reload::Containers, _) => system::containers_validate(host),
        (Reload::Systemd(unit), _) => format!(
            "systemd-analyze verify {}",
            word(
                host.path(Utf8Path::new("/etc/systemd/system"))
                    .join(unit)
                    .as_str()
            )
        ),
        (Reload::Caddy, RunMode::Systemd) => {
            format!("caddy validate --config {caddyfile} --adapter caddyfile")
        }
        (Reload::Caddy, _) => in_proxy_container(
            host,
            "caddy",
            "caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile",
        ),
        (Reload::Nginx, RunMode::Systemd) => format!("nginx{} -t", nginx_config_flag(host)),
        (Reload::Nginx, _) => in_proxy_container(host, "nginx", "nginx -t"),
    })
}

fn manifest(
    model: &Model,
    host: &Host,
    files: &[Artifact],
    secrets: &[SecretUse],
    build: &str,
) -> Manifest {
    let reloads: BTreeSet<&Reload> = files
        .iter()
        .filter_map(|f| f.reload.as_ref())
        .chain(secrets.iter().filter_map(|s| s.reload.as_ref()))
        .collect();
    Manifest {
        host: host.name.clone(),
        root: host
            .prefix
            .clone()
            .unwrap_or_else(|| Utf8PathBuf::from("/")),
        ssh: host.ssh.clone(),
        pools: host
            .pools
            .iter()
            .map(|p| model.pool(*p).name.clone())
            .collect(),
        files: files
            .iter()
            .map(|f| manifest::File {
                path: f.path.clone(),
                mode: format!("{:04o}", f.mode),
                owner: f.owner.clone(),
                sha256: sha256_hex(&f.content),
                reload: f.reload.clone(),
                sources: f.sources.clone(),
                certificate: f.certificate.clone(),
            })
            .collect(),
        certificates: system::certificate_requests(model, host),
        reloads: reloads
            .into_iter()
            .map(|r| ReloadCommands {
                name: r.clone(),
                validate: validate_command(host, r),
                command: reload_command(host, r),
            })
            .collect(),
        secrets: secrets.to_vec(),
        proof: files
            .iter()
            .any(|f| f.reload.as_ref().is_some_and(Reload::is_proxy))
            .then(|| Proof {
                url: format!(
                    "http://127.0.0.1:{}/.well-known/infrac-build",
                    host.probe_port
                ),
                build: build.to_owned(),
            }),
    }
}

/// Renders every host's files (hosts on all cores when there are many
/// sites).
pub fn render(model: &Model) -> Result<Vec<HostTree>, RenderError> {
    let env = environment();
    let ids: Vec<HostId> = (0..model.hosts.len()).map(HostId).collect();
    crate::parallel::map(&ids, model.sites.len() >= 200, |&id| {
        render_host(model, &env, id)
    })
    .into_iter()
    .collect()
}

fn render_host(
    model: &Model,
    env: &Environment<'static>,
    id: HostId,
) -> Result<HostTree, RenderError> {
    let host = model.host(id);
    let planned = layout::plan(model, id);
    // A site's TLS server on NGINX needs certbot's certificate.
    let needs_certificate: std::collections::HashMap<Utf8PathBuf, String> = planned
        .iter()
        .filter_map(|p| match p.file {
            layout::File::NginxSiteTls(s) => {
                Some((p.path.clone(), model.site(s).certbot_certificate(host)?.0))
            }
            layout::File::NginxWebhookTls(w) => {
                Some((p.path.clone(), model.webhook_certificate(host, w)?))
            }
            _ => None,
        })
        .collect();
    let mut files = Vec::new();
    let mut secrets: Vec<SecretUse> = Vec::new();
    let host_plan = plan::HostPlan::new(model, host);
    let mut emit = |path: Utf8PathBuf,
                    mode: u32,
                    mut sources: Vec<Utf8PathBuf>,
                    reload: Option<Reload>,
                    f: &dyn Fn(&Context<'_>) -> Rendered| {
        sources.sort();
        sources.dedup();
        let joined = sources
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let ctx = Context {
            model,
            host,
            id,
            plan: &host_plan,
            env,
            sources: joined,
        };
        let (content, uses) = f(&ctx).map_err(|source| RenderError {
            host: host.name.clone(),
            path: path.clone(),
            source,
        })?;
        secrets.extend(uses);
        files.push(Artifact {
            certificate: needs_certificate.get(&path).cloned(),
            path,
            mode,
            owner: "root:root".to_owned(),
            reload,
            sources,
            content,
        });
        Ok(())
    };
    for planned in planned {
        emit_file(model, host, &planned, &mut emit)?;
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let build = build_id(&files);
    for f in &mut files {
        if f.content.contains(BUILD_PLACEHOLDER) {
            f.content = f.content.replace(BUILD_PLACEHOLDER, &build);
        }
    }
    secrets.sort_by(|a, b| (&a.used_by, &a.name).cmp(&(&b.used_by, &b.name)));
    let manifest = manifest(model, host, &files, &secrets, &build);
    Ok(HostTree {
        host: host.name.clone(),
        files,
        secrets,
        manifest,
    })
}

/// A file's content, with the secrets it refers to.
type Rendered = Result<(String, Vec<SecretUse>), minijinja::Error>;

/// Writes one file: path, mode, source files, reload, and how to render it.
type Emit<'e> = dyn FnMut(
        Utf8PathBuf,
        u32,
        Vec<Utf8PathBuf>,
        Option<Reload>,
        &dyn Fn(&Context<'_>) -> Rendered,
    ) -> Result<(), RenderError>
    + 'e;

fn plain(
    r: Result<String, minijinja::Error>,
) -> Result<(String, Vec<SecretUse>), minijinja::Error> {
    r.map(|c| (c, Vec::new()))
}

/// How one planned file is rendered: its mode, the source files it comes
/// from, what reloads when it changes, and its content. The path and the
/// list of files are `layout::plan`'s: this only says how.
fn emit_file(
    model: &Model,
    host: &Host,
    planned: &layout::Planned,
    emit: &mut Emit<'_>,
) -> Result<(), RenderError> {
    use layout::File;
    let host_file = host.origin.file.clone();
    let with = |file: &Utf8Path| vec![host_file.clone(), file.to_owned()];
    let path = planned.path.clone();
    let nginx = Some(Reload::Nginx);
    let webhook_reload = |w: &crate::model::Webhook| {
        Some(Reload::Systemd(format!(
            "{}.service",
            layout::webhook_unit(&w.name)
        )))
    };
    // A timer's unit is started by the timer: restart the timer.
    let unit_reload = |u: &crate::model::Unit| {
        let suffix = if u.schedule.is_some() {
            "timer"
        } else {
            "service"
        };
        Some(Reload::Systemd(format!("{}.{suffix}", u.name)))
    };
    match planned.file {
        File::Caddyfile => {
            let sources = std::iter::once(host_file.clone())
                .chain(
                    host.sites
                        .iter()
                        .map(|s| model.site(*s).origin.file.clone()),
                )
                .chain(
                    host.webhooks
                        .iter()
                        .map(|w| model.webhook(*w).origin.file.clone()),
                )
                .collect();
            emit(path, 0o644, sources, Some(Reload::Caddy), &|ctx| {
                plain(caddy::render(ctx))
            })
        }
        File::NginxCommon => emit(path, 0o644, vec![host_file], nginx, &|ctx| {
            plain(nginx::render_common(ctx))
        }),
        File::NginxErrors => emit(path, 0o644, vec![host_file], nginx, &|ctx| {
            plain(nginx::render_errors(ctx))
        }),
        File::NginxSite(s) => {
            let site = model.site(s);
            let part = nginx::SitePart::http_file(site.certbot_certificate(host).is_some());
            emit(path, 0o644, with(&site.origin.file), nginx, &|ctx| {
                plain(nginx::render_site(ctx, site, part))
            })
        }
        File::NginxSiteTls(s) => {
            let site = model.site(s);
            emit(path, 0o644, with(&site.origin.file), nginx, &|ctx| {
                plain(nginx::render_site(ctx, site, nginx::SitePart::Tls))
            })
        }
        File::NginxWebhook(w) => {
            let webhook = model.webhook(w);
            let part = nginx::SitePart::http_file(model.webhook_certificate(host, w).is_some());
            emit(path, 0o644, with(&webhook.origin.file), nginx, &|ctx| {
                plain(nginx::render_webhook(ctx, webhook, part))
            })
        }
        File::NginxWebhookTls(w) => {
            let webhook = model.webhook(w);
            emit(path, 0o644, with(&webhook.origin.file), nginx, &|ctx| {
                plain(nginx::render_webhook(ctx, webhook, nginx::SitePart::Tls))
            })
        }
        File::Sysctl(p) => {
            let profile = model.profile(p);
            let mut sources = vec![host_file];
            sources.extend(profile.origin.as_ref().map(|o| o.file.clone()));
            emit(path, 0o644, sources, Some(Reload::Sysctl), &|ctx| {
                plain(system::sysctl(ctx, profile))
            })
        }
        File::Containers => {
            let sources = std::iter::once(host_file)
                .chain(
                    host.services
                        .iter()
                        .map(|s| model.service(*s).origin.file.clone()),
                )
                .collect();
            emit(
                path,
                0o644,
                sources,
                Some(Reload::Containers),
                &system::compose,
            )
        }
        File::CronEntry(j) => {
            let job = model.job(j);
            emit(path, 0o644, with(&job.origin.file), None, &|ctx| {
                plain(system::cron_entry(ctx, job))
            })
        }
        File::CronScript(j) => {
            let job = model.job(j);
            emit(path, 0o755, with(&job.origin.file), None, &|ctx| {
                plain(system::cron_script(ctx, job))
            })
        }
        File::UnitService(u) => {
            let unit = model.unit(u);
            emit(
                path,
                0o644,
                with(&unit.origin.file),
                unit_reload(unit),
                &|ctx| plain(system::unit_service(ctx, unit)),
            )
        }
        File::UnitTimer(u) => {
            let unit = model.unit(u);
            emit(
                path,
                0o644,
                with(&unit.origin.file),
                unit_reload(unit),
                &|ctx| plain(system::unit_timer(ctx, unit)),
            )
        }
        File::UnitScript(u) => {
            let unit = model.unit(u);
            emit(
                path,
                0o755,
                with(&unit.origin.file),
                unit_reload(unit),
                &|ctx| plain(system::unit_script(ctx, unit)),
            )
        }
        File::WebhookUnit(w) => {
            let webhook = model.webhook(w);
            let reload = webhook_reload(webhook);
            emit(path, 0o644, with(&webhook.origin.file), reload, &|ctx| {
                plain(system::webhook_unit(ctx, webhook))
            })
        }
        File::WebhookHooks(w) => {
            let webhook = model.webhook(w);
            let reload = webhook_reload(webhook);
            emit(path, 0o644, with(&webhook.origin.file), reload, &|ctx| {
                system::webhook_hooks(ctx, webhook)
            })
        }
        File::WebhookReceiver(w) => {
            let webhook = model.webhook(w);
            let reload = webhook_reload(webhook);
            emit(
                path,
                0o755,
                vec![webhook.origin.file.clone()],
                reload,
                &|ctx| plain(system::webhook_receiver(ctx)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    /// The renderers translate plans: what a site, a webhook or the host's
    /// ports say reaches them only through `plan.rs` (a site's name and
    /// source file, for comments and identifiers, excepted).
    #[test]
    fn the_renderers_read_plans_not_declarations() {
        let forbidden = [
            "site.",
            "w.domain",
            "w.path",
            "w.port",
            "Tls::",
            "TlsKind",
            "defaults",
            "host.http_port",
            "host.https_port",
            "Route::",
            "Backend::Url",
        ];
        let allowed = ["site.name", "site.origin", "nginx-site.conf"];
        for (file, source) in [
            ("caddy.rs", include_str!("caddy.rs")),
            ("nginx.rs", include_str!("nginx.rs")),
        ] {
            for (n, line) in source.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                let mut code = code.to_owned();
                for a in allowed {
                    code = code.replace(a, "");
                }
                for f in forbidden {
                    assert!(
                        !code.contains(f),
                        "render/{file}:{}: `{f}` decides behaviour outside the plan: {line}",
                        n + 1
                    );
                }
            }
        }
    }
}
