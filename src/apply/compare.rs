//! Two builds compared, as a plan per host: what applying the second over
//! the first would change (`infrac diff`), without asking any host.

use std::collections::{BTreeMap, BTreeSet};

use super::{Change, ChangeKind, HostPlan, diff};
use camino::Utf8Path;

use crate::render::{Artifact, HostTree};

fn by_host(trees: &[HostTree]) -> BTreeMap<&str, &HostTree> {
    trees.iter().map(|t| (t.host.as_str(), t)).collect()
}

/// A host's files by path (none when the build has no such host).
fn files<'t>(tree: Option<&&'t HostTree>) -> BTreeMap<&'t Utf8Path, &'t Artifact> {
    tree.map(|t| t.files.iter().map(|f| (f.path.as_path(), f)).collect())
        .unwrap_or_default()
}

/// Per host of either build (hosts in order of name), the changes from
/// `old` to `new`, labelled `labels` in the diffs. A host only in `old`
/// has all its files removed; only in `new`, all added.
#[must_use]
pub fn compare(old: &[HostTree], new: &[HostTree], labels: (&str, &str)) -> Vec<HostPlan> {
    let (old_hosts, new_hosts) = (by_host(old), by_host(new));
    let hosts: BTreeSet<&str> = old_hosts.keys().chain(new_hosts.keys()).copied().collect();
    hosts
        .into_iter()
        .map(|host| {
            let before = files(old_hosts.get(host));
            let after = files(new_hosts.get(host));
            let paths: BTreeSet<_> = before.keys().chain(after.keys()).collect();
            let changes = paths
                .into_iter()
                .filter_map(|path| {
                    let change = |kind, diff, reload: &Option<_>| Change {
                        path: path.to_path_buf(),
                        kind,
                        diff,
                        secret: false,
                        reload: reload.clone(),
                    };
                    let names = (
                        format!("{} {path}", labels.0),
                        format!("{} {path}", labels.1),
                    );
                    match (before.get(path), after.get(path)) {
                        (None, Some(a)) => Some(change(
                            ChangeKind::Add,
                            diff(b"", a.content.as_bytes(), (&names.0, &names.1)),
                            &a.reload,
                        )),
                        (Some(b), None) => Some(change(
                            ChangeKind::Remove,
                            diff(b.content.as_bytes(), b"", (&names.0, &names.1)),
                            &b.reload,
                        )),
                        (Some(b), Some(a)) if b.content != a.content => Some(change(
                            ChangeKind::Change,
                            diff(
                                b.content.as_bytes(),
                                a.content.as_bytes(),
                                (&names.0, &names.1),
                            ),
                            &a.reload,
                        )),
                        (Some(b), Some(a)) if b.mode != a.mode || b.owner != a.owner => {
                            Some(change(ChangeKind::Mode, None, &a.reload))
                        }
                        _ => None,
                    }
                })
                .collect();
            HostPlan {
                host: host.to_owned(),
                interrupted: false,
                certificates: Vec::new(),
                changes,
            }
        })
        .collect()
}
