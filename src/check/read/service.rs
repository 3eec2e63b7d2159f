//! `service NAME { … }`.

use crate::check::read::{Scope, block};
use crate::check::say;
use crate::check::{Checker, Decl, flat_args};
use crate::model::{DeployMode, EnvValue, EnvVar, Model, Restart, Service};
use crate::source::Span;
use crate::vocabulary::Directives;
use crate::vocabulary::service;

/// Environment variable names that hold secrets by convention.
pub(crate) fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words = [
        "PASS",
        "PASSWORD",
        "PASSWD",
        "PWD",
        "SECRET",
        "TOKEN",
        "CREDENTIALS",
        "APIKEY",
    ];
    upper
        .split(['_', '-', '.'])
        .any(|part| words.contains(&part))
        || [
            "PASSWORD",
            "SECRET",
            "TOKEN",
            "API_KEY",
            "PRIVATE_KEY",
            "ACCESS_KEY",
        ]
        .iter()
        .any(|w| upper.contains(w))
}

impl Checker<'_> {
    pub(crate) fn read_service(
        &mut self,
        decl: &Decl<'_>,
        scope: &Scope,
        model: &Model,
    ) -> (Service, bool) {
        let mut image = None;
        let mut command = None;
        let mut port = None;
        let mut publish = Vec::new();
        let mut env: Vec<EnvVar> = Vec::new();
        let mut volumes = Vec::new();
        let mut sysctls: Vec<(String, String)> = Vec::new();
        let mut restart = Restart::UnlessStopped;
        let mut mode_global = false;
        let mut replicas: Option<(u32, Span)> = None;
        let mut mode_span = None;
        let mut constraints = Vec::new();
        let mut placements = Vec::new();
        let mut explicit_on = false;
        for (id, item) in self.items::<service::Id>(block(decl.directive)) {
            let args = flat_args(item);
            match id {
                service::Id::Image => {
                    image = self.image(args[0]);
                }
                service::Id::Command => command = self.command_words(args[0]),
                service::Id::Port => port = self.port(args[0]),
                service::Id::Publish => {
                    if let Some(p) = self.publish(&args) {
                        publish.push(p);
                    }
                }
                service::Id::Env => {
                    let (Some(name), Some(value)) = (self.env_name(args[0]), self.text(args[1]))
                    else {
                        continue;
                    };
                    if looks_secret(&name) && !value.starts_with('$') {
                        self.report(say::decl::literal_secret_env(args[1].span, &name));
                        continue;
                    }
                    env.push(EnvVar {
                        name,
                        value: EnvValue::Literal(value.to_owned()),
                    });
                }
                service::Id::Secret => {
                    let Some(name) = self.env_name(args[0]) else {
                        continue;
                    };
                    if let Some(secret) =
                        self.secret(&args[1..], args[1].span.to(args[2].span), false)
                    {
                        env.push(EnvVar {
                            name,
                            value: EnvValue::Secret(secret),
                        });
                    }
                }
                service::Id::Volume => {
                    if let Some(v) = self.volume(&args) {
                        volumes.push(v);
                    }
                }
                service::Id::Sysctl => {
                    let first = args[0].text().unwrap_or("");
                    if args.len() == 1 && !first.contains('=') {
                        // A profile.
                        if let Some(p) = self.profile_ref(args[0], scope) {
                            sysctls.extend(model.profile(p).settings.iter().cloned());
                        }
                    } else if let Some(s) =
                        self.sysctl_setting(first, args[0].span, &args[1..], item.span)
                    {
                        sysctls.push(s);
                    }
                }
                service::Id::Restart => {
                    restart = match self.choice(
                        args[0],
                        service::Id::Restart.spec().choices(0),
                        "restart policy",
                    ) {
                        Some("always") => Restart::Always,
                        Some("on-failure") => Restart::OnFailure,
                        Some("no") => Restart::No,
                        _ => Restart::UnlessStopped,
                    };
                }
                service::Id::Mode => {
                    mode_span = Some(item.span);
                    mode_global =
                        self.choice(args[0], service::Id::Mode.spec().choices(0), "deploy mode")
                            == Some("global");
                }
                service::Id::Replicas => {
                    let text = args[0].text().unwrap_or("");
                    match text.parse::<u32>() {
                        Ok(n) if n >= 1 => replicas = Some((n, item.span)),
                        _ => self.report(say::decl::not_a_replica_count(args[0].span, text)),
                    }
                }
                service::Id::Placement => {
                    if let Some(c) = self.constraint(args[0]) {
                        constraints.push(c);
                    }
                }
                service::Id::On => {
                    explicit_on = true;
                    placements = self.placements(item, &scope.hosts, &scope.pools);
                }
            }
        }
        if let (true, Some((_, span))) = (mode_global, replicas) {
            self.report(say::decl::replicas_of_global(
                span,
                mode_span.unwrap_or(span),
            ));
        }
        sysctls.sort();
        sysctls.dedup_by(|a, b| a.0 == b.0);
        let mode = if mode_global {
            DeployMode::Global
        } else {
            DeployMode::Replicated(replicas.map_or(1, |(n, _)| n))
        };
        let hosts = scope.expand(&placements);
        (
            Service {
                name: decl.name.clone(),
                origin: self.origin(decl.name_span),
                image: image.unwrap_or_default(),
                command,
                port,
                publish,
                env,
                volumes,
                sysctls,
                restart,
                mode,
                placement: constraints,
                hosts,
            },
            explicit_on,
        )
    }
}
