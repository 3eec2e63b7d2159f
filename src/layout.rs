//! Which files a host gets and where each goes: the one place that decides
//! it. The checker uses this list to find two artifacts aimed at one path
//! (and containers mounting a generated file); `render` renders each entry
//! by its [`File`] kind and nothing else, so what is written is this list.

use camino::Utf8PathBuf;

use crate::model::{
    ContainerMode, HostId, JobId, Model, ProfileId, ProxyKind, RunMode, SiteId, UnitId, WebhookId,
};
use crate::source::Span;

/// A file infrac will write on a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// Relative to the host's root (`etc/caddy/Caddyfile`).
    pub path: Utf8PathBuf,
    /// The declaration it comes from.
    pub origin: Span,
    /// What it is, and so how it is rendered.
    pub file: File,
}

/// What a planned file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum File {
    Caddyfile,
    NginxCommon,
    NginxErrors,
    NginxSite(SiteId),
    /// A site's TLS servers, apart when certbot obtains its certificate:
    /// installed once the certificate exists (`apply` requests it).
    NginxSiteTls(SiteId),
    NginxWebhook(WebhookId),
    /// A webhook's TLS server, apart (as [`File::NginxSiteTls`]).
    NginxWebhookTls(WebhookId),
    Sysctl(ProfileId),
    /// The host's compose or stack file.
    Containers,
    CronEntry(JobId),
    CronScript(JobId),
    UnitService(UnitId),
    UnitTimer(UnitId),
    /// The script a unit's built-in task runs.
    UnitScript(UnitId),
    WebhookUnit(WebhookId),
    WebhookHooks(WebhookId),
    /// The receiver program, shared by the host's webhooks (the first's).
    WebhookReceiver(WebhookId),
}

pub const CADDYFILE: &str = "etc/caddy/Caddyfile";

/// Settings every NGINX site shares (the WebSocket upgrade map).
pub const NGINX_COMMON: &str = "etc/nginx/conf.d/00-infrac.conf";

/// The plain-text error responses every NGINX server includes (server
/// context, so outside conf.d).
pub const NGINX_ERRORS: &str = "etc/nginx/infrac/errors.conf";

#[must_use]
pub fn nginx_site(site: &str) -> Utf8PathBuf {
    format!("etc/nginx/conf.d/{site}.conf").into()
}

#[must_use]
pub fn nginx_site_tls(site: &str) -> Utf8PathBuf {
    format!("etc/nginx/conf.d/{site}.tls.conf").into()
}

#[must_use]
pub fn nginx_webhook(webhook: &str) -> Utf8PathBuf {
    format!("etc/nginx/conf.d/webhook-{webhook}.conf").into()
}

#[must_use]
pub fn nginx_webhook_tls(webhook: &str) -> Utf8PathBuf {
    format!("etc/nginx/conf.d/webhook-{webhook}.tls.conf").into()
}

#[must_use]
pub fn sysctl(profile: &str) -> Utf8PathBuf {
    format!("etc/sysctl.d/01-{profile}.conf").into()
}

#[must_use]
pub fn compose(stack: &str) -> Utf8PathBuf {
    format!("etc/infrac/{stack}/docker-compose.yml").into()
}

#[must_use]
pub fn stack(stack: &str) -> Utf8PathBuf {
    format!("etc/infrac/{stack}/stack.yml").into()
}

#[must_use]
pub fn cron_entry(job: &str) -> Utf8PathBuf {
    format!("etc/cron.d/{job}").into()
}

#[must_use]
pub fn cron_script(job: &str) -> Utf8PathBuf {
    format!("usr/local/lib/infrac/{job}.sh").into()
}

#[must_use]
pub fn unit(name: &str, suffix: &str) -> Utf8PathBuf {
    format!("etc/systemd/system/{name}.{suffix}").into()
}

#[must_use]
pub fn webhook_unit(webhook: &str) -> String {
    format!("infrac-webhook-{webhook}")
}

/// The script a unit runs for a built-in task.
#[must_use]
pub fn unit_script(unit: &str) -> Utf8PathBuf {
    format!("usr/local/lib/infrac/{unit}.sh").into()
}

/// The GitHub webhook receiver (one program; each webhook has its config).
pub const WEBHOOK_RECEIVER: &str = "usr/local/lib/infrac/webhook-receiver.py";

/// Environment of a webhook receiver: its secrets, written by the applier.
#[must_use]
pub fn webhook_env(webhook: &str) -> Utf8PathBuf {
    format!("etc/infrac/webhook/{webhook}.env").into()
}

#[must_use]
pub fn webhook_hooks(webhook: &str) -> Utf8PathBuf {
    format!("etc/infrac/webhook/{webhook}.json").into()
}

/// Every file planned for `host`, in a stable order.
#[must_use]
pub fn plan(model: &Model, id: HostId) -> Vec<Planned> {
    let host = model.host(id);
    let at = |path: Utf8PathBuf, origin: Span, file: File| Planned { path, origin, file };
    let mut out = Vec::new();
    let serves = !host.sites.is_empty() || !host.webhooks.is_empty();
    match host.proxy.kind {
        ProxyKind::Caddy => {
            if serves {
                out.push(at(CADDYFILE.into(), host.origin.span, File::Caddyfile));
            }
        }
        ProxyKind::Nginx => {
            if serves {
                out.push(at(NGINX_COMMON.into(), host.origin.span, File::NginxCommon));
                out.push(at(NGINX_ERRORS.into(), host.origin.span, File::NginxErrors));
            }
            for s in &host.sites {
                let site = model.site(*s);
                out.push(at(
                    nginx_site(&site.name),
                    site.origin.span,
                    File::NginxSite(*s),
                ));
                if site.certbot_certificate(host).is_some() {
                    out.push(at(
                        nginx_site_tls(&site.name),
                        site.origin.span,
                        File::NginxSiteTls(*s),
                    ));
                }
            }
            for w in &host.webhooks {
                let webhook = model.webhook(*w);
                out.push(at(
                    nginx_webhook(&webhook.name),
                    webhook.origin.span,
                    File::NginxWebhook(*w),
                ));
                // Over TLS, certbot's certificate: its server apart.
                if model.webhook_certificate(host, *w).is_some() {
                    out.push(at(
                        nginx_webhook_tls(&webhook.name),
                        webhook.origin.span,
                        File::NginxWebhookTls(*w),
                    ));
                }
            }
        }
    }
    for p in &host.profiles {
        out.push(at(
            sysctl(&model.profile(*p).name),
            host.origin.span,
            File::Sysctl(*p),
        ));
    }
    if !host.services.is_empty() || host.proxy.mode != RunMode::Systemd {
        let path = match host.containers {
            ContainerMode::Compose => compose(&host.stack),
            ContainerMode::Swarm => stack(&host.stack),
        };
        out.push(at(path, host.origin.span, File::Containers));
    }
    for j in &host.jobs {
        let job = model.job(*j);
        out.push(at(
            cron_entry(&job.name),
            job.origin.span,
            File::CronEntry(*j),
        ));
        out.push(at(
            cron_script(&job.name),
            job.origin.span,
            File::CronScript(*j),
        ));
    }
    for u in &host.units {
        let unit_decl = model.unit(*u);
        let span = unit_decl.origin.span;
        out.push(at(
            unit(&unit_decl.name, "service"),
            span,
            File::UnitService(*u),
        ));
        if unit_decl.schedule.is_some() {
            out.push(at(
                unit(&unit_decl.name, "timer"),
                span,
                File::UnitTimer(*u),
            ));
        }
        if matches!(
            unit_decl.task,
            crate::model::Task::CertbotRenew | crate::model::Task::RestartProxy
        ) {
            out.push(at(unit_script(&unit_decl.name), span, File::UnitScript(*u)));
        }
    }
    for w in &host.webhooks {
        let webhook = model.webhook(*w);
        out.push(at(
            unit(&webhook_unit(&webhook.name), "service"),
            webhook.origin.span,
            File::WebhookUnit(*w),
        ));
        out.push(at(
            webhook_hooks(&webhook.name),
            webhook.origin.span,
            File::WebhookHooks(*w),
        ));
    }
    if let Some(w) = host.webhooks.first() {
        out.push(at(
            WEBHOOK_RECEIVER.into(),
            model.webhook(*w).origin.span,
            File::WebhookReceiver(*w),
        ));
    }
    out
}
