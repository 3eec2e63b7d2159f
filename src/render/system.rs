//! Everything on a host besides the proxy's own config: sysctl files, cron
//! entries and their scripts, systemd units and timers, the compose or
//! stack file of its containers, and the webhook receiver.

use super::plan::CERTBOT_DIR;
use std::collections::BTreeSet;

use camino::{Utf8Path, Utf8PathBuf};
use serde::Serialize;

use super::escape::Raw;
use super::{Context, Reload, SecretUse, reload_command};
use crate::layout;
use crate::model::{
    Backend, ContainerMode, CronJob, DeployMode, EnvValue, Host, Model, ProxyKind, PublishMode,
    Restart, Route, RunMode, SecretRef, Service, Task, Tls, Unit, VolumeSource, Webhook,
};
use crate::quote::{self, shell::word};

/// The `.env` next to a host's compose or stack file.
fn stack_env(host: &Host) -> Utf8PathBuf {
    format!("etc/infrac/{}/.env", host.stack).into()
}

#[derive(Serialize)]
struct SysctlView<'a> {
    name: &'a str,
    settings: &'a [(String, String)],
}

pub fn sysctl(
    ctx: &Context<'_>,
    profile: &crate::model::SysctlProfile,
) -> Result<String, minijinja::Error> {
    ctx.render(
        "sysctl.conf.j2",
        &SysctlView {
            name: &profile.name,
            settings: &profile.settings,
        },
    )
}

#[derive(Serialize)]
struct CronView {
    name: String,
    schedule: Raw,
    user: String,
    script: String,
}

pub fn cron_entry(ctx: &Context<'_>, job: &CronJob) -> Result<String, minijinja::Error> {
    ctx.render(
        "cron.j2",
        &CronView {
            name: job.name.clone(),
            schedule: Raw::new(quote::cron::schedule(&job.schedule)?),
            user: job.user.clone(),
            script: ctx
                .host
                .installed(layout::cron_script(&job.name))
                .to_string(),
        },
    )
}

#[derive(Serialize)]
struct ScriptView {
    name: String,
    task: &'static str,
    /// The user's command, given to `sh -c` as one word.
    run: Option<String>,
    /// infrac's own command line.
    exec: Option<Raw>,
    certbot: Option<CertbotView>,
    proxy: ProxyCheck,
}

#[derive(Serialize)]
struct CertbotView {
    /// The certbot command line up to its arguments: on the host, or in the
    /// certbot image with the host's folders mounted where they are.
    certbot: Raw,
    webroot: String,
    /// The deploy hook's marker, as seen by this script.
    marker: String,
    /// The command certbot's deploy hook runs (through a shell).
    deploy_hook: String,
    reload: Raw,
}

#[derive(Serialize)]
struct ProxyCheck {
    /// Exits 0 when the proxy is running.
    running: Raw,
    start: Raw,
}

fn proxy_check(host: &Host) -> ProxyCheck {
    let name = host.proxy.kind.name();
    let (running, start) = match host.proxy.mode {
        RunMode::Systemd => (
            format!("systemctl is-active --quiet {name}"),
            format!("systemctl restart {name}"),
        ),
        RunMode::Compose => (
            format!(
                "docker ps -q --filter {} --filter label=com.docker.compose.service={name} --filter status=running | grep -q .",
                word(&format!("label=com.docker.compose.project={}", host.stack))
            ),
            format!("{} {name}", compose_up(host)),
        ),
        RunMode::Swarm => (
            format!(
                "docker ps -q --filter {} --filter status=running | grep -q .",
                word(&format!(
                    "label=com.docker.swarm.service.name={}_{name}",
                    host.stack
                ))
            ),
            format!(
                "docker service update --force {}",
                word(&format!("{}_{name}", host.stack))
            ),
        ),
    };
    ProxyCheck {
        running: Raw::new(running),
        start: Raw::new(start),
    }
}

fn compose_file(host: &Host) -> Utf8PathBuf {
    let path = match host.containers {
        ContainerMode::Compose => layout::compose(&host.stack),
        ContainerMode::Swarm => layout::stack(&host.stack),
    };
    host.installed(path)
}

fn compose_up(host: &Host) -> String {
    format!(
        "docker-compose -p {} -f {} up -d --remove-orphans",
        word(&host.stack),
        word(compose_file(host).as_str())
    )
}

/// `docker stack deploy` or `docker-compose up -d` of the host's containers.
/// Variables from the stack's `.env` (secrets the applier wrote) are in the
/// environment: `docker stack deploy` does not read `.env` by itself.
pub fn containers_up(host: &Host) -> String {
    let up = match host.containers {
        ContainerMode::Compose => compose_up(host),
        ContainerMode::Swarm => format!(
            "docker stack deploy --prune -c {} {}",
            word(compose_file(host).as_str()),
            word(&host.stack)
        ),
    };
    let env = word(host.installed(stack_env(host)).as_str());
    format!("set -a; if [ -f {env} ]; then . {env}; fi; set +a; {up}")
}

/// Checks the compose or stack file in place.
pub fn containers_validate(host: &Host) -> String {
    match host.containers {
        ContainerMode::Compose => format!(
            "docker-compose -p {} -f {} config -q",
            word(&host.stack),
            word(compose_file(host).as_str())
        ),
        ContainerMode::Swarm => format!(
            "docker stack config -c {} > /dev/null",
            word(compose_file(host).as_str())
        ),
    }
}

/// The certificates certbot obtains on `host`, each with the command that
/// does (`certbot certonly` through the webroot NGINX serves).
#[must_use]
pub fn certificate_requests(
    model: &Model,
    host: &Host,
) -> Vec<crate::manifest::CertificateRequest> {
    let mut wanted: Vec<(String, Vec<String>, &Utf8Path, Option<&String>)> = Vec::new();
    for s in &host.sites {
        let site = model.site(*s);
        let Some((name, domains)) = site.certbot_certificate(host) else {
            continue;
        };
        let Some(webroot) = site.tls.certbot_webroot(host.proxy.kind, &model.defaults) else {
            continue;
        };
        wanted.push((name, domains, webroot, site.acme_email.as_ref()));
    }
    // A webhook over TLS on NGINX: certbot's certificate for its domain.
    for w in &host.webhooks {
        if let Some(domain) = model.webhook_certificate(host, *w) {
            // The host's e-mail (its own, else the default's).
            wanted.push((
                domain.clone(),
                vec![domain],
                &model.defaults.acme_webroot,
                None,
            ));
        }
    }
    let mut out: Vec<crate::manifest::CertificateRequest> = Vec::new();
    for (name, domains, webroot, email) in wanted {
        let live = host.path(Utf8Path::new(&format!("{CERTBOT_DIR}/live/{name}")));
        let webroot = host.path(webroot);
        // certbot refuses a webroot that does not exist (NGINX serves it).
        let mut command = format!(
            "mkdir -p {root} && {} certonly --non-interactive --agree-tos --keep-until-expiring --webroot --webroot-path {root} --cert-name {}",
            certbot_command(host, webroot.as_str()),
            word(&name),
            root = word(webroot.as_str()),
        );
        for d in &domains {
            command.push_str(&format!(" -d {}", word(d)));
        }
        match email.or(host.acme_email.as_ref()) {
            Some(e) => command.push_str(&format!(" --email {}", word(e))),
            None => command.push_str(" --register-unsafely-without-email"),
        }
        if let Some(ca) = &host.acme_ca {
            command.push_str(&format!(" --server {}", word(ca)));
        }
        out.push(crate::manifest::CertificateRequest {
            name,
            domains,
            files: vec![live.join("fullchain.pem"), live.join("privkey.pem")],
            command,
        });
    }
    out
}

/// certbot's command line up to its subcommand: on the host, or in the
/// certbot image with the host's folders mounted where they are; trusting
/// the host's `acme_ca_root`; with its folders under the host's prefix.
fn certbot_command(host: &Host, webroot: &str) -> String {
    let letsencrypt = host.path(Utf8Path::new(CERTBOT_DIR)).to_string();
    // A private CA's root, trusted for the ACME server's HTTPS (certbot
    // reads it through `requests`).
    let root = host.acme_ca_root.as_ref().map(|p| host.path(p).to_string());
    if host.proxy.mode.in_container() {
        let trust = root.as_ref().map_or(String::new(), |r| {
            format!(
                " -e {} -v {}",
                word(&format!("REQUESTS_CA_BUNDLE={r}")),
                word(&format!("{r}:{r}:ro"))
            )
        });
        format!(
            "docker run --rm{trust} -v {} -v {} certbot/certbot",
            word(&format!("{letsencrypt}:{CERTBOT_DIR}")),
            word(&format!("{webroot}:{webroot}"))
        )
    } else {
        let mut command = match &root {
            Some(r) => format!("env {} certbot", word(&format!("REQUESTS_CA_BUNDLE={r}"))),
            None => "certbot".to_owned(),
        };
        // A host in a prefix (staging, tests): certbot's folders are in it.
        if host.prefix.is_some() {
            for (flag, dir) in [
                ("--config-dir", CERTBOT_DIR),
                ("--work-dir", "/var/lib/letsencrypt"),
                ("--logs-dir", "/var/log/letsencrypt"),
            ] {
                let dir = host.path(Utf8Path::new(dir));
                command.push_str(&format!(" {flag} {}", word(dir.as_str())));
            }
        }
        command
    }
}

fn certbot(ctx: &Context<'_>) -> CertbotView {
    let host = ctx.host;
    let webroot = host.path(&ctx.model.defaults.acme_webroot).to_string();
    let letsencrypt = host.path(Utf8Path::new(CERTBOT_DIR)).to_string();
    let certbot = certbot_command(host, &webroot);
    // Seen from where certbot runs.
    let marker_inside = if host.proxy.mode.in_container() {
        format!("{CERTBOT_DIR}/infrac-deploy")
    } else {
        format!("{letsencrypt}/infrac-deploy")
    };
    CertbotView {
        certbot: Raw::new(certbot),
        webroot,
        marker: format!("{letsencrypt}/infrac-deploy"),
        deploy_hook: format!("touch {}", word(&marker_inside)),
        reload: Raw::new(reload_command(
            host,
            &if host.proxy.kind == ProxyKind::Caddy {
                super::Reload::Caddy
            } else {
                super::Reload::Nginx
            },
        )),
    }
}

fn script_view(ctx: &Context<'_>, name: &str, task: &Task) -> ScriptView {
    let (kind, run, exec, certbot_view) = match task {
        Task::Run(cmd) => ("run", Some(cmd.clone()), None, None),
        Task::CertbotRenew => ("certbot-renew", None, None, Some(certbot(ctx))),
        Task::RestartProxy => ("restart-proxy", None, None, None),
        Task::StackUp => (
            "stack-up",
            None,
            Some(Raw::new(containers_up(ctx.host))),
            None,
        ),
    };
    ScriptView {
        name: name.to_owned(),
        task: kind,
        run,
        exec,
        certbot: certbot_view,
        proxy: proxy_check(ctx.host),
    }
}

pub fn cron_script(ctx: &Context<'_>, job: &CronJob) -> Result<String, minijinja::Error> {
    ctx.render("script.sh.j2", &script_view(ctx, &job.name, &job.task))
}

#[derive(Serialize)]
struct UnitView {
    description: String,
    after: Vec<String>,
    wants: Vec<String>,
    kind: &'static str,
    exec: Raw,
    user: Option<String>,
    restart: Option<String>,
    settings: Vec<(String, String, String)>,
    timer: bool,
    remain: bool,
}

/// A shell command as systemd's `ExecStart=` (`/bin/sh -c "…"`).
fn systemd_shell(cmd: &str) -> Result<String, quote::Unquotable> {
    quote::systemd::exec(&["/bin/sh", "-c", cmd])
}

pub fn unit_service(ctx: &Context<'_>, unit: &Unit) -> Result<String, minijinja::Error> {
    let host = ctx.host;
    let (exec, extra_after) = match &unit.task {
        Task::Run(cmd) => (systemd_shell(cmd)?, vec![]),
        Task::StackUp => (
            systemd_shell(&containers_up(host))?,
            vec!["docker.service".to_owned()],
        ),
        Task::CertbotRenew | Task::RestartProxy => (
            quote::systemd::exec(&[
                "/bin/bash",
                host.installed(layout::unit_script(&unit.name)).as_str(),
            ])?,
            vec![],
        ),
    };
    let mut after = unit.after.clone();
    for a in extra_after {
        if !after.contains(&a) {
            after.push(a);
        }
    }
    let view = UnitView {
        description: unit.description.clone(),
        after,
        wants: unit.wants.clone(),
        kind: if unit.oneshot { "oneshot" } else { "simple" },
        exec: Raw::new(exec),
        user: unit.user.clone(),
        restart: unit.restart.clone(),
        settings: unit.settings.clone(),
        timer: unit.schedule.is_some(),
        remain: unit.task == Task::StackUp,
    };
    ctx.render("unit.service.j2", &view)
}

#[derive(Serialize)]
struct TimerView {
    description: String,
    on_calendar: Option<String>,
    every: Option<String>,
}

pub fn unit_timer(ctx: &Context<'_>, unit: &Unit) -> Result<String, minijinja::Error> {
    let schedule = unit.schedule.clone().unwrap_or_default();
    let (on_calendar, every) = match schedule.strip_prefix("every ") {
        Some(secs) => (None, Some(secs.to_owned())),
        None => (Some(schedule), None),
    };
    ctx.render(
        "unit.timer.j2",
        &TimerView {
            description: unit.description.clone(),
            on_calendar,
            every,
        },
    )
}

/// The script a unit runs for a built-in task (certbot, restart-proxy).
pub fn unit_script(ctx: &Context<'_>, unit: &Unit) -> Result<String, minijinja::Error> {
    ctx.render("script.sh.j2", &script_view(ctx, &unit.name, &unit.task))
}

#[derive(Serialize)]
struct ComposeView {
    swarm: bool,
    network: String,
    services: Vec<ServiceView>,
    volumes: Vec<(String, bool)>,
    secrets: Vec<(String, String)>,
}

#[derive(Serialize)]
struct ServiceView {
    name: String,
    image: String,
    command: Option<Vec<String>>,
    restart: Option<&'static str>,
    ports: Vec<PortView>,
    environment: Vec<(String, EnvView)>,
    volumes: Vec<String>,
    sysctls: Vec<String>,
    secrets: Vec<String>,
    global: bool,
    replicas: Option<u32>,
    placement: Vec<String>,
}

/// An environment value: the user's text, or a variable compose reads from
/// the stack's `.env`.
#[derive(Serialize)]
#[serde(untagged)]
enum EnvView {
    Text(String),
    Variable(Raw),
}

#[derive(Serialize)]
struct PortView {
    published: u16,
    target: u16,
    protocol: &'static str,
    host_mode: bool,
    /// Short form for compose (`127.0.0.1:8080:8080/tcp`).
    short: String,
}

fn restart(r: Restart) -> &'static str {
    match r {
        Restart::No => "no",
        Restart::Always => "always",
        Restart::UnlessStopped => "unless-stopped",
        Restart::OnFailure => "on-failure",
    }
}

/// Folders the proxy container must see: site roots and static trees,
/// certificates, the ACME webroot. Mounted where they are on the host.
fn proxy_mounts(model: &Model, host: &Host) -> Vec<String> {
    let mut folders: BTreeSet<Utf8PathBuf> = BTreeSet::new();
    for s in &host.sites {
        let site = model.site(*s);
        let serves_files = !site.subprojects.is_empty()
            || !site.error_pages.is_empty()
            || site
                .routes
                .iter()
                .any(|r| matches!(r, Route::Static(_) | Route::RedirectFirst { .. }));
        if serves_files {
            folders.insert(site.root.clone());
        }
        for r in &site.routes {
            match r {
                Route::Static(st) => {
                    folders.insert(st.root.clone());
                    folders.extend(st.fallback.clone());
                }
                Route::RedirectFirst { tree, .. } => folders.extend(tree.clone()),
                _ => {}
            }
        }
        if let Tls::Files { cert, key } = &site.tls {
            folders.extend(cert.parent().map(Utf8Path::to_owned));
            folders.extend(key.parent().map(Utf8Path::to_owned));
        }
        if let Some(webroot) = site.tls.certbot_webroot(host.proxy.kind, &model.defaults) {
            folders.insert(CERTBOT_DIR.into());
            folders.insert(webroot.to_owned());
        }
    }
    // Drop folders inside others. Paths sort component by component, so a
    // folder's subfolders follow it directly: one pass suffices.
    let mut outermost: Vec<&Utf8PathBuf> = Vec::new();
    for f in &folders {
        if !outermost.last().is_some_and(|o| f.starts_with(o)) {
            outermost.push(f);
        }
    }
    let mut mounts: Vec<String> = match host.proxy.kind {
        ProxyKind::Caddy => vec![
            format!("{}:/etc/caddy:ro", host.path(Utf8Path::new("/etc/caddy"))),
            "caddy_data:/data".to_owned(),
            "caddy_config:/config".to_owned(),
        ],
        ProxyKind::Nginx => vec![
            format!(
                "{}:/etc/nginx/conf.d:ro",
                host.path(Utf8Path::new("/etc/nginx/conf.d"))
            ),
            format!(
                "{}:/etc/nginx/infrac:ro",
                host.path(Utf8Path::new("/etc/nginx/infrac"))
            ),
        ],
    };
    mounts.extend(
        outermost
            .into_iter()
            .map(|f| format!("{0}:{0}:ro", host.path(f))),
    );
    mounts
}

fn port(published: u16, target: u16, udp: bool, host_mode: bool, loopback: bool) -> PortView {
    let protocol = if udp { "udp" } else { "tcp" };
    let bind = if loopback { "127.0.0.1:" } else { "" };
    PortView {
        published,
        target,
        protocol,
        host_mode,
        short: format!("{bind}{published}:{target}/{protocol}"),
    }
}

/// The compose or stack file of a host, and the secrets it refers to.
pub fn compose(ctx: &Context<'_>) -> Result<(String, Vec<SecretUse>), minijinja::Error> {
    let (model, host) = (ctx.model, ctx.host);
    let swarm = host.containers == ContainerMode::Swarm;
    let mut services = Vec::new();
    let mut volumes: BTreeSet<(String, bool)> = BTreeSet::new();
    let mut secrets: Vec<(String, String)> = Vec::new();
    let mut uses = Vec::new();
    if host.proxy.mode.in_container() {
        let name = host.proxy.kind.name().to_owned();
        if host.proxy.kind == ProxyKind::Caddy {
            volumes.insert(("caddy_data".into(), false));
            volumes.insert(("caddy_config".into(), false));
        }
        let host_mode = host.proxy.mode == RunMode::Swarm;
        services.push(ServiceView {
            name,
            image: host.proxy.image.clone(),
            command: None,
            restart: (!swarm).then_some("unless-stopped"),
            ports: [host.http_port, host.https_port]
                .iter()
                .map(|p| port(*p, *p, false, host_mode, false))
                .collect(),
            environment: Vec::new(),
            volumes: proxy_mounts(model, host),
            sysctls: Vec::new(),
            secrets: Vec::new(),
            global: host.proxy.mode == RunMode::Swarm,
            replicas: None,
            placement: Vec::new(),
        });
    }
    // Backends of a proxy running on the host itself are reached on loopback.
    let loopback_backends: BTreeSet<usize> = if host.proxy.mode.in_container() {
        BTreeSet::new()
    } else {
        host.sites
            .iter()
            .flat_map(|s| &model.site(*s).routes)
            .filter_map(|r| {
                if let Route::Proxy { backends, .. } = r {
                    Some(backends)
                } else {
                    None
                }
            })
            .flatten()
            .filter_map(|b| {
                if let Backend::Service { service, .. } = b {
                    Some(service.0)
                } else {
                    None
                }
            })
            .collect()
    };
    for s in &host.services {
        let service: &Service = model.service(*s);
        let mut ports: Vec<PortView> = service
            .publish
            .iter()
            .map(|p| {
                port(
                    p.host_port,
                    p.container_port,
                    p.protocol == crate::model::Protocol::Udp,
                    p.mode == PublishMode::Host,
                    false,
                )
            })
            .collect();
        if loopback_backends.contains(&s.0)
            && let Some(p) = service.port
            && !service.publish.iter().any(|x| x.container_port == p)
        {
            ports.push(port(p, p, false, false, true));
        }
        let mut environment = Vec::new();
        let mut service_secrets = Vec::new();
        for e in &service.env {
            match &e.value {
                EnvValue::Literal(v) => {
                    environment.push((e.name.clone(), EnvView::Text(v.clone())));
                }
                EnvValue::Secret(SecretRef::Env(var)) => {
                    environment.push((
                        e.name.clone(),
                        EnvView::Variable(Raw::new(quote::yaml::variable(var)?)),
                    ));
                    // The variable, from the stack's `.env`.
                    uses.push(SecretUse {
                        used_by: format!("compose:{}", service.name),
                        name: var.clone(),
                        from: SecretRef::Env(var.clone()),
                        env_file: Some(stack_env(host)),
                        env_file_mode: Some("0600".to_owned()),
                        reload: Some(Reload::Containers),
                    });
                }
                EnvValue::Secret(SecretRef::File(path)) => {
                    let secret = format!("{}_{}", service.name, e.name.to_ascii_lowercase())
                        .replace('-', "_");
                    environment.push((
                        format!("{}_FILE", e.name),
                        EnvView::Text(format!("/run/secrets/{secret}")),
                    ));
                    secrets.push((secret.clone(), host.path(path).to_string()));
                    service_secrets.push(secret);
                    uses.push(SecretUse {
                        used_by: format!("compose:{}", service.name),
                        name: e.name.clone(),
                        from: SecretRef::File(path.clone()),
                        env_file: None,
                        env_file_mode: None,
                        reload: None,
                    });
                }
            }
        }
        let volume_lines = service
            .volumes
            .iter()
            .map(|v| {
                let source = match &v.source {
                    VolumeSource::Named { name, external } => {
                        volumes.insert((name.clone(), *external));
                        name.clone()
                    }
                    VolumeSource::Path(p) => host.path(p).to_string(),
                };
                format!(
                    "{source}:{}{}",
                    v.target,
                    if v.read_only { ":ro" } else { "" }
                )
            })
            .collect();
        services.push(ServiceView {
            name: service.name.clone(),
            image: service.image.clone(),
            command: service.command.clone(),
            restart: (!swarm).then(|| restart(service.restart)),
            ports,
            environment,
            volumes: volume_lines,
            sysctls: service
                .sysctls
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
            secrets: service_secrets,
            global: service.mode == DeployMode::Global,
            replicas: match service.mode {
                DeployMode::Replicated(n) => Some(n),
                DeployMode::Global => None,
            },
            placement: service.placement.clone(),
        });
    }
    let view = ComposeView {
        swarm,
        network: "web".to_owned(),
        services,
        volumes: volumes.into_iter().collect(),
        secrets,
    };
    Ok((ctx.render("compose.yml.j2", &view)?, uses))
}

#[derive(Serialize)]
struct HooksView {
    name: String,
    listen: String,
    path: String,
    repos: Vec<RepoView>,
}

#[derive(Serialize)]
struct RepoView {
    name: String,
    dir: String,
    branch: String,
    repo: String,
    secret: SecretRef,
}

/// The webhook receiver's configuration: which repository each hook path
/// updates, and where its secret is on the host (never the secret).
#[allow(clippy::unnecessary_wraps)] // the signature every rendered file has
pub fn webhook_hooks(
    ctx: &Context<'_>,
    w: &Webhook,
) -> Result<(String, Vec<SecretUse>), minijinja::Error> {
    let mut repos = Vec::new();
    let mut uses = Vec::new();
    for s in &w.sites {
        for sub in &ctx.model.site(*s).subprojects {
            let secret = match sub
                .secret
                .clone()
                .unwrap_or_else(|| w.secret.for_repo(&sub.name))
            {
                SecretRef::File(p) => SecretRef::File(ctx.host.path(&p)),
                env @ SecretRef::Env(_) => env,
            };
            if let SecretRef::Env(var) = &secret {
                // The receiver's EnvironmentFile.
                uses.push(SecretUse {
                    used_by: format!("unit:{}", layout::webhook_unit(&w.name)),
                    name: var.clone(),
                    from: secret.clone(),
                    env_file: Some(layout::webhook_env(&w.name)),
                    env_file_mode: Some("0600".to_owned()),
                    reload: Some(Reload::Systemd(format!(
                        "{}.service",
                        layout::webhook_unit(&w.name)
                    ))),
                });
            }
            repos.push(RepoView {
                name: sub.name.clone(),
                dir: ctx.host.path(&sub.dir).to_string(),
                branch: sub.branch.clone(),
                repo: sub.repo.clone(),
                secret,
            });
        }
    }
    let view = HooksView {
        name: w.name.clone(),
        listen: format!("127.0.0.1:{}", w.port),
        path: w.path.clone(),
        repos,
    };
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "comment": format!("Generated by infrac from {}. Do not edit: `infrac build` rewrites it.", ctx.sources),
        "listen": view.listen,
        "path": view.path,
        "health": w.health,
        "repos": view.repos,
    }))
    .unwrap_or_default();
    Ok((json + "\n", uses))
}

#[derive(Serialize)]
struct ReceiverUnitView {
    name: String,
    exec: Raw,
    env_file: String,
    writable: Vec<String>,
}

pub fn webhook_unit(ctx: &Context<'_>, w: &Webhook) -> Result<String, minijinja::Error> {
    let host = ctx.host;
    let mut writable: BTreeSet<String> = BTreeSet::new();
    for s in &w.sites {
        writable.insert(host.path(&ctx.model.site(*s).root).to_string());
    }
    let script = host.installed(layout::WEBHOOK_RECEIVER);
    let hooks = host.installed(layout::webhook_hooks(&w.name));
    ctx.render(
        "webhook.service.j2",
        &ReceiverUnitView {
            name: w.name.clone(),
            exec: Raw::new(quote::systemd::exec(&[
                "/usr/bin/python3",
                script.as_str(),
                hooks.as_str(),
            ])?),
            env_file: host.installed(layout::webhook_env(&w.name)).to_string(),
            writable: writable.into_iter().collect(),
        },
    )
}

pub fn webhook_receiver(ctx: &Context<'_>) -> Result<String, minijinja::Error> {
    ctx.render("webhook-receiver.py.j2", &())
}
