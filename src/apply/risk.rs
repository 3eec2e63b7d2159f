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

use super::{Change, ChangeKind, HostPlan, Target};
use crate::manifest::Reload;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
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

/// Why a host is left out of an apply at a confirmation level.
#[derive(Clone, Debug)]
pub enum Hold {
    /// Its own changes above the level (its riskiest class, and them).
    Own { risk: Risk, changes: Vec<Change> },
    /// It shares a pool with `member`, which is held: a pool rolls whole
    /// or not at all, so it never serves two configurations.
    Pool { member: String },
}

/// Which targets an apply that proceeds without asking up to `level`
/// must leave: a host is the unit of an apply (one journal, one proof),
/// so a host with any change above `level` is left whole — its harmless
/// half could route a new site to a container its held redeploy would
/// start — and so are the hosts it shares a pool with. `None`: it goes.
#[must_use]
pub fn hold(targets: &[Target], plans: &[HostPlan], level: Risk) -> Vec<Option<Hold>> {
    let mut held: Vec<Option<Hold>> = plans
        .iter()
        .map(|plan| {
            let above: Vec<Change> = plan
                .changes
                .iter()
                .filter(|c| c.risk() > level)
                .cloned()
                .collect();
            let risk = above.iter().map(Change::risk).max()?;
            Some(Hold::Own {
                risk,
                changes: above,
            })
        })
        .collect();
    for group in super::roll::groups(targets) {
        let Some(&first) = group.iter().find(|&&i| held[i].is_some()) else {
            continue;
        };
        let member = targets[first].host().to_owned();
        for &i in &group {
            if held[i].is_none() {
                held[i] = Some(Hold::Pool {
                    member: member.clone(),
                });
            }
        }
    }
    held
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
            certificates: Vec::new(),
            changes: vec![
                change(ChangeKind::Add, None),
                change(ChangeKind::Change, Some(Reload::Containers)),
            ],
        };
        assert_eq!(plan.risk(), Some(Risk::Disruptive));
    }
}
