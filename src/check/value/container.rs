//! Container values: images, commands, placement constraints, published
//! ports, volumes.

use crate::check::Checker;
use crate::check::say;
use crate::check::value::rules as values;
use crate::model::{Protocol, Publish, PublishMode, Volume, VolumeSource};
use crate::syntax::Arg;
use crate::vocabulary::{Directives, service};

impl Checker<'_> {
    pub(crate) fn image(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        match values::image(text) {
            Ok(()) => Some(text.to_owned()),
            Err(why) => {
                self.report(say::value::invalid_image(arg.span, text, why));
                None
            }
        }
    }

    /// A container command split into words as a shell would: what compose
    /// also does with a command string, but checked here, so quotes that do
    /// not close are a diagnostic, not a failed deploy.
    pub(crate) fn command_words(&mut self, arg: &Arg<'_>) -> Option<Vec<String>> {
        let text = self.text(arg)?;
        match shlex::split(text) {
            Some(words) if !words.is_empty() => Some(words),
            _ => {
                self.report(say::value::not_a_command(arg.span, text));
                None
            }
        }
    }

    /// A swarm placement constraint: `node.ATTRIBUTE ==|!= VALUE`.
    pub(crate) fn constraint(&mut self, arg: &Arg<'_>) -> Option<String> {
        let text = self.text(arg)?;
        let parsed = ["==", "!="].iter().find_map(|op| {
            let (left, right) = text.split_once(op)?;
            let (left, right) = (left.trim(), right.trim());
            let attribute_ok = (left.starts_with("node.") || left.starts_with("engine.labels."))
                && left
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
            let value_ok = !right.is_empty() && !right.contains(char::is_whitespace);
            (attribute_ok && value_ok).then(|| format!("{left} {op} {right}"))
        });
        if parsed.is_none() {
            self.report(say::value::not_a_constraint(arg.span, text));
        }
        parsed
    }

    /// `publish HOST:CONTAINER[/udp] [host|ingress]` or `publish PORT`.
    pub(crate) fn publish(&mut self, args: &[&Arg<'_>]) -> Option<Publish> {
        let text = self.text(args[0])?;
        let span = args[0].span;
        let (ports, protocol) = match text.split_once('/') {
            Some((p, "tcp")) => (p, Protocol::Tcp),
            Some((p, "udp")) => (p, Protocol::Udp),
            Some((_, other)) => {
                self.report(say::value::not_a_protocol(span, other));
                return None;
            }
            None => (text, Protocol::Tcp),
        };
        let (host_port, container_port) = if let Some((h, c)) = ports.split_once(':') {
            (self.port_text(h, span)?, self.port_text(c, span)?)
        } else {
            let p = self.port_text(ports, span)?;
            (p, p)
        };
        let mode = match args.get(1) {
            Some(arg) => {
                match self.choice(arg, service::Id::Publish.spec().choices(1), "publish mode")? {
                    "host" => PublishMode::Host,
                    _ => PublishMode::Ingress,
                }
            }
            None => PublishMode::Ingress,
        };
        Some(Publish {
            host_port,
            container_port,
            protocol,
            mode,
            span: args[0].span.to(args[args.len() - 1].span),
        })
    }

    /// `volume NAME:/TARGET[:ro] [external]` or `volume /HOST/PATH:/TARGET[:ro]`.
    pub(crate) fn volume(&mut self, args: &[&Arg<'_>]) -> Option<Volume> {
        let text = self.text(args[0])?;
        let span = args[0].span;
        let parts: Vec<&str> = text.split(':').collect();
        let (source, target, read_only) = match parts.as_slice() {
            [s, t] | [s, t, "rw"] => (*s, *t, false),
            [s, t, "ro"] => (*s, *t, true),
            _ => {
                self.report(say::value::not_a_volume(span, text));
                return None;
            }
        };
        let external = match args.get(1) {
            Some(arg) => self
                .choice(arg, service::Id::Volume.spec().choices(1), "volume option")
                .is_some(),
            None => false,
        };
        let target_path = values::absolute_path(target);
        let in_container = say::value::EXPECT_IN_CONTAINER;
        self.path_checked(target_path, span, target, "volume target", in_container)?;
        let source = if source.starts_with('/') {
            let source_path = values::absolute_path(source);
            self.path_checked(
                source_path,
                span,
                source,
                "volume source",
                say::value::EXPECT_ON_HOST,
            )?;
            if external {
                self.report(say::value::external_host_path(args[1].span));
            }
            VolumeSource::Path(source.into())
        } else {
            let ok = source.starts_with(|c: char| c.is_ascii_alphanumeric())
                && source
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if !ok {
                self.report(say::value::not_a_volume_source(span, source));
                return None;
            }
            VolumeSource::Named {
                name: source.to_owned(),
                external,
            }
        };
        Some(Volume {
            source,
            target: target.into(),
            read_only,
        })
    }
}
