//! Many hosts at once. Plans run side by side. Applies run side by side
//! across hosts that share no pool; the members of a pool go one at a
//! time, and when one fails the members already switched are put back, so
//! a pool never serves two configurations.

use super::{Applied, ApplyError, HostPlan, SshOptions, Target};

#[derive(Clone, Debug)]
pub struct RollOptions {
    pub ssh: SshOptions,
    /// Seconds a reloaded proxy has to answer its new build id.
    pub proof_timeout: u32,
    /// Hosts talked to at once.
    pub parallel: usize,
}

/// Progress, as it happens (from several threads).
#[derive(Debug)]
pub enum Event<'a> {
    /// A host started or moved on (`validated`, `reloaded nginx`, …).
    Step { host: &'a str, step: &'a str },
    /// A host is finished with.
    Done {
        host: &'a str,
        outcome: &'a HostOutcome,
    },
}

#[derive(Debug)]
pub enum HostOutcome {
    Applied(Applied),
    /// Not applied; the host runs what it ran before.
    Failed(ApplyError),
    /// Not tried: an earlier member of its pool failed. `http_only`: it
    /// was given the build without the files that need its missing
    /// certificates (it serves HTTP for the challenges), and has it still.
    Skipped {
        pool: String,
        member: String,
        http_only: bool,
    },
    /// Applied, then put back because a later member of its pool failed.
    /// `http_only`: back to the build without the files that need the
    /// certificates it obtained meanwhile (it applied that one first).
    /// `error` says if putting it back failed.
    RolledBack {
        pool: String,
        member: String,
        http_only: bool,
        error: Option<ApplyError>,
    },
}

impl HostOutcome {
    #[must_use]
    pub fn is_success(&self) -> bool {
        matches!(self, HostOutcome::Applied(_))
    }
}

/// Every target's plan, asked of the hosts side by side.
#[must_use]
pub fn plan_all(targets: &[Target], options: &RollOptions) -> Vec<Result<HostPlan, ApplyError>> {
    crate::parallel::each(targets, options.parallel, |t| super::plan(t, &options.ssh))
}

/// Groups of target indexes that must roll one after another: hosts
/// joined by a shared pool, in the targets' order.
pub(super) fn groups(targets: &[Target]) -> Vec<Vec<usize>> {
    let mut group: Vec<usize> = (0..targets.len()).collect();
    fn find(group: &mut [usize], i: usize) -> usize {
        let mut r = i;
        while group[r] != r {
            r = group[r];
        }
        group[i] = r;
        r
    }
    for i in 0..targets.len() {
        for j in 0..i {
            let shared = targets[i]
                .manifest
                .pools
                .iter()
                .any(|p| targets[j].manifest.pools.contains(p));
            if shared {
                let (a, b) = (find(&mut group, i), find(&mut group, j));
                group[a.max(b)] = a.min(b);
            }
        }
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut index_of = std::collections::HashMap::new();
    for i in 0..targets.len() {
        let root = find(&mut group, i);
        let slot = *index_of.entry(root).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[slot].push(i);
    }
    out
}

/// Applies every target whose plan has something to do; `report` sees
/// progress. Outcomes in the targets' order.
pub fn apply_all(
    targets: &[Target],
    plans: &[HostPlan],
    options: &RollOptions,
    report: &(dyn Fn(Event<'_>) + Sync),
) -> Vec<HostOutcome> {
    let groups = groups(targets);
    let rolled = crate::parallel::each(&groups, options.parallel, |members| {
        roll(members, targets, plans, options, report)
    });
    let mut outcomes: Vec<Option<HostOutcome>> = (0..targets.len()).map(|_| None).collect();
    for (members, results) in groups.iter().zip(rolled) {
        for (&i, outcome) in members.iter().zip(results) {
            outcomes[i] = Some(outcome);
        }
    }
    outcomes.into_iter().flatten().collect()
}

/// What a host has after the connection to it was lost during an apply:
/// applied when a new plan (after any apply still running there) finds
/// nothing left to do.
/// Why an apply's outcome is not known from its answer.
fn cause(e: super::ApplyError) -> String {
    match e {
        super::ApplyError::Ssh(ssh) => {
            format!("the connection was lost after the request was sent ({ssh})")
        }
        other => other.to_string(),
    }
}

fn observe(
    target: &Target,
    options: &RollOptions,
    cause: String,
) -> Result<super::Applied, super::ApplyError> {
    match super::replan(target, &options.ssh) {
        Ok(plan) if plan.is_empty() => Ok(super::Applied {
            observed: Some(cause),
            ..super::Applied::default()
        }),
        Ok(plan) => Err(super::ApplyError::Lost {
            cause,
            state: format!(
                "{} still to make: the host has its previous files{}",
                crate::diag::plural(plan.changes.len(), "change"),
                if plan.interrupted {
                    " (the interrupted apply is undone at the next apply)"
                } else {
                    ""
                }
            ),
        }),
        Err(e) => Err(super::ApplyError::Unknown {
            cause,
            plan: e.to_string(),
        }),
    }
}

/// One group, member after member.
fn roll(
    members: &[usize],
    targets: &[Target],
    plans: &[HostPlan],
    options: &RollOptions,
    report: &(dyn Fn(Event<'_>) + Sync),
) -> Vec<HostOutcome> {
    // The positions in `members` of those now serving HTTP only.
    let serving_http = match serve_http_first(members, targets, plans, options, report) {
        Ok(switched) => switched,
        Err(outcomes) => return outcomes,
    };
    let mut outcomes: Vec<HostOutcome> = Vec::new();
    // The position in `members` of the member that failed.
    let mut failed: Option<usize> = None;
    for (k, &i) in members.iter().enumerate() {
        let target = &targets[i];
        let host = target.host();
        let outcome = if let Some(f) = failed {
            let culprit = &targets[members[f]];
            HostOutcome::Skipped {
                pool: shared_pool(target, culprit),
                member: culprit.host().to_owned(),
                http_only: serving_http.contains(&k),
            }
        } else {
            if !plans[i].is_empty() {
                report(Event::Step {
                    host,
                    step: "applying",
                });
            }
            match super::apply_obtaining(
                target,
                &plans[i],
                &options.ssh,
                options.proof_timeout,
                &mut |step| report(Event::Step { host, step }),
            ) {
                Ok(applied) => HostOutcome::Applied(applied),
                // The request may have reached the host, or its answer
                // could not be read: ask it what it has now, rather than
                // guess.
                Err(e @ (super::ApplyError::Ssh(_) | super::ApplyError::Protocol(_))) => {
                    match observe(target, options, cause(e)) {
                        Ok(applied) => HostOutcome::Applied(applied),
                        Err(e) => {
                            failed = Some(k);
                            HostOutcome::Failed(e)
                        }
                    }
                }
                Err(e) => {
                    failed = Some(k);
                    HostOutcome::Failed(e)
                }
            }
        };
        // The failed member is reported after its pool is put back.
        if failed != Some(k) {
            report(Event::Done {
                host,
                outcome: &outcome,
            });
        }
        outcomes.push(outcome);
    }
    // Put back, newest first, the members switched before the failure.
    if let Some(f) = failed {
        let culprit = &targets[members[f]];
        for k in (0..f).rev() {
            let i = members[k];
            let HostOutcome::Applied(applied) = &outcomes[k] else {
                continue;
            };
            if applied.up_to_date {
                continue;
            }
            let target = &targets[i];
            report(Event::Step {
                host: target.host(),
                step: "rolling back",
            });
            let error = super::rollback(target, &options.ssh, options.proof_timeout).err();
            outcomes[k] = HostOutcome::RolledBack {
                pool: shared_pool(target, culprit),
                member: culprit.host().to_owned(),
                http_only: serving_http.contains(&k),
                error,
            };
            report(Event::Done {
                host: target.host(),
                outcome: &outcomes[k],
            });
        }
        report(Event::Done {
            host: culprit.host(),
            outcome: &outcomes[f],
        });
    }
    outcomes
}

/// Before a pool's members request certificates, each that will serves
/// HTTP: a challenge reaches whichever member round-robin DNS names, which
/// answers it or forwards it to its peers, so every member must be
/// answering challenges before any requests. (Alone, a host does this
/// step in `apply_obtaining`.) The positions in `members` of those it
/// switched. When one cannot, those already switched are put back and
/// the pool is left as it was: the outcomes.
fn serve_http_first(
    members: &[usize],
    targets: &[Target],
    plans: &[HostPlan],
    options: &RollOptions,
    report: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Vec<usize>, Vec<HostOutcome>> {
    if members.len() < 2 {
        return Ok(Vec::new());
    }
    let mut switched: Vec<usize> = Vec::new();
    for (k, &i) in members.iter().enumerate() {
        if plans[i].certificates.is_empty() {
            continue;
        }
        let target = &targets[i];
        let host = target.host();
        let result = super::serve_http(
            target,
            &plans[i].certificates,
            &options.ssh,
            options.proof_timeout,
            &mut |step| report(Event::Step { host, step }),
        );
        match result {
            Ok(applied) => {
                if !applied.up_to_date {
                    switched.push(k);
                }
            }
            Err(e) => {
                let mut outcomes: Vec<HostOutcome> = members
                    .iter()
                    .map(|&j| HostOutcome::Skipped {
                        pool: shared_pool(&targets[j], target),
                        member: host.to_owned(),
                        http_only: false,
                    })
                    .collect();
                for &s in switched.iter().rev() {
                    let t = &targets[members[s]];
                    outcomes[s] = HostOutcome::RolledBack {
                        pool: shared_pool(t, target),
                        member: host.to_owned(),
                        http_only: false,
                        error: super::rollback(t, &options.ssh, options.proof_timeout).err(),
                    };
                }
                outcomes[k] = HostOutcome::Failed(e);
                for (&j, outcome) in members.iter().zip(&outcomes) {
                    report(Event::Done {
                        host: targets[j].host(),
                        outcome,
                    });
                }
                return Err(outcomes);
            }
        }
    }
    Ok(switched)
}

/// The pool `a` and the failed member `b` share; for members joined only
/// through a third host's pools, one of `b`'s.
fn shared_pool(a: &Target, b: &Target) -> String {
    a.manifest
        .pools
        .iter()
        .find(|p| b.manifest.pools.contains(p))
        .or(b.manifest.pools.first())
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::{Change, ChangeKind, Hold, HostPlan, Risk, Target, hold};
    use crate::manifest::{Manifest, Reload};

    fn host(name: &str, pools: &[&str]) -> Target {
        Target {
            manifest: Manifest {
                host: name.into(),
                root: "/".into(),
                ssh: crate::model::Ssh {
                    user: "root".into(),
                    port: 22,
                    address: name.into(),
                    host_keys: Vec::new(),
                },
                pools: pools.iter().map(|p| (*p).to_owned()).collect(),
                files: Vec::new(),
                reloads: Vec::new(),
                secrets: Vec::new(),
                proof: None,
                certificates: Vec::new(),
            },
            files: Vec::new(),
            needs: Vec::new(),
        }
    }

    #[test]
    fn hosts_sharing_a_pool_roll_together_in_order() {
        // a–c share `web`; c–e share `api`, so a, c, e roll as one group;
        // b and d are on their own.
        let targets = [
            host("a", &["web"]),
            host("b", &[]),
            host("c", &["web", "api"]),
            host("d", &["other"]),
            host("e", &["api"]),
        ];
        assert_eq!(
            super::groups(&targets),
            vec![vec![0, 2, 4], vec![1], vec![3]]
        );
    }

    fn plan(host: &str, changes: &[(&str, Option<Reload>)]) -> HostPlan {
        HostPlan {
            host: host.into(),
            interrupted: false,
            certificates: Vec::new(),
            changes: changes
                .iter()
                .map(|(path, reload)| Change {
                    path: (*path).into(),
                    kind: ChangeKind::Change,
                    diff: None,
                    secret: false,
                    reload: reload.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_host_above_the_level_is_held_whole_and_so_is_its_pool() {
        // a–c share `web`; c has a sysctl change; b and d are alone.
        let targets = [
            host("a", &["web"]),
            host("b", &[]),
            host("c", &["web"]),
            host("d", &[]),
        ];
        let plans = [
            plan("a", &[("etc/caddy/Caddyfile", Some(Reload::Caddy))]),
            plan("b", &[("etc/caddy/Caddyfile", Some(Reload::Caddy))]),
            plan(
                "c",
                &[
                    ("etc/caddy/Caddyfile", Some(Reload::Caddy)),
                    ("etc/sysctl.d/k.conf", Some(Reload::Sysctl)),
                ],
            ),
            plan("d", &[("etc/sysctl.d/k.conf", Some(Reload::Sysctl))]),
        ];
        let held = hold(&targets, &plans, Risk::Harmless);
        assert!(matches!(&held[0], Some(Hold::Pool { member }) if member == "c"));
        assert!(held[1].is_none());
        match &held[2] {
            Some(Hold::Own { risk, changes }) => {
                assert_eq!(*risk, Risk::Disruptive);
                // Only the change above the level is named.
                assert_eq!(changes.len(), 1);
                assert_eq!(changes[0].path, "etc/sysctl.d/k.conf");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&held[3], Some(Hold::Own { .. })));
        // At `disruptive`, everything goes.
        assert!(
            hold(&targets, &plans, Risk::Disruptive)
                .iter()
                .all(Option::is_none)
        );
    }
}
