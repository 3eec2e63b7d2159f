//! How much a change can hurt, for reviewers (`plan`, `diff`) and for
//! `apply --confirm LEVEL`.
//!
//! - `harmless`: the proxy's content and routes (reloaded gracefully and
//!   proved), cron entries and scripts, files nothing reloads, a file's
//!   permissions;
//! - `disruptive`: what restarts something — a systemd unit, the host's
//!   containers, kernel settings (`sysctl`);
//! - `destructive`: what removes — a file, and so a site or a host.

use serde::Serialize;

use super::{Change, ChangeKind, HostPlan};
use crate::manifest::Reload;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Harmless,
    Disruptive,
    Destructive,
}

impl std::fmt::Display for Risk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Risk::Harmless => "harmless",
            Risk::Disruptive => "disruptive",
            Risk::Destructive => "destructive",
        })
    }
}

impl Change {
    /// This change's class: a removal is destructive; otherwise what it
    /// reloads decides.
    #[must_use]
    pub fn risk(&self) -> Risk {
        match (&self.kind, &self.reload) {
            (ChangeKind::Remove, _) => Risk::Destructive,
            // Permissions only: nothing reloads.
            (ChangeKind::Mode, _) | (_, None | Some(Reload::Caddy | Reload::Nginx)) => {
                Risk::Harmless
            }
            (_, Some(Reload::Sysctl | Reload::Containers | Reload::Systemd(_))) => Risk::Disruptive,
        }
    }
}

impl HostPlan {
    /// The class of the host's riskiest change (none: nothing changes).
    #[must_use]
    pub fn risk(&self) -> Option<Risk> {
        self.changes.iter().map(Change::risk).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: ChangeKind, reload: Option<Reload>) -> Change {
        Change {
            path: "etc/x".into(),
            kind,
            diff: None,
            secret: false,
            reload,
        }
    }

    #[test]
    fn removals_are_destructive_restarts_disruptive_the_proxy_harmless() {
        assert_eq!(
            change(ChangeKind::Remove, Some(Reload::Caddy)).risk(),
            Risk::Destructive
        );
        assert_eq!(
            change(ChangeKind::Change, Some(Reload::Nginx)).risk(),
            Risk::Harmless
        );
        assert_eq!(change(ChangeKind::Add, None).risk(), Risk::Harmless);
        assert_eq!(
            change(ChangeKind::Mode, Some(Reload::Systemd("a.service".into()))).risk(),
            Risk::Harmless
        );
        assert_eq!(
            change(
                ChangeKind::Change,
                Some(Reload::Systemd("a.service".into()))
            )
            .risk(),
            Risk::Disruptive
        );
        assert_eq!(
            change(ChangeKind::Change, Some(Reload::Sysctl)).risk(),
            Risk::Disruptive
        );
        let plan = HostPlan {
            host: "h".into(),
            interrupted: false,
            changes: vec![
                change(ChangeKind::Add, None),
                change(ChangeKind::Change, Some(Reload::Containers)),
            ],
        };
        assert_eq!(plan.risk(), Some(Risk::Disruptive));
    }
}
