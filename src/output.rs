//! Stage 5a: writing the host trees to `out/`, all or nothing.
//!
//! A host's folder `out/<host>/` is replaced only when something in it
//! differs from the build (a file's bytes or mode, a file missing or left
//! over): rebuilding after a one-line change rewrites the hosts that line
//! touches and leaves every other file as it was, inode and mtime included.
//!
//! Every folder to replace is written in full into a staging folder beside
//! `out/` first. Only when all of them are written are they renamed into
//! place, one rename per host; so a build that fails, while rendering or
//! while writing, leaves `out/` exactly as it was.

use std::collections::{BTreeMap, BTreeSet};

use camino::{Utf8Path, Utf8PathBuf};

use crate::render::HostTree;

/// The name of each host's manifest inside its folder.
pub const MANIFEST: &str = "manifest.json";

/// The file that marks a folder as an infrac output tree: infrac replaces
/// what is in such a folder, and in no other.
pub const MARKER: &str = ".infrac-out";

const MARKER_TEXT: &str =
    "This folder is written by `infrac build`, which replaces everything in it.\n";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: Utf8PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "refusing to write into {path}: it is not an infrac output folder (it holds {found}, and no `{MARKER}`); \
         build into a new or empty folder, or remove what is there"
    )]
    NotOurs { path: Utf8PathBuf, found: String },
    #[error(
        "refusing to write into {path}: it is {what}; build into a folder of its own, such as `out`"
    )]
    Protected { path: Utf8PathBuf, what: String },
}

fn io(path: &Utf8Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Whether infrac may replace what is in `out`: it does not exist, is
/// empty, is marked as infrac's ([`MARKER`]), or holds only host folders
/// that infrac wrote (each with a manifest: an output tree from before the
/// marker). Never a repository's root.
pub fn claim(out: &Utf8Path) -> Result<(), WriteError> {
    let read = match std::fs::read_dir(out) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(out)(e)),
    };
    if out.join(".git").exists() {
        return Err(WriteError::Protected {
            path: out.to_owned(),
            what: "the root of a git repository".to_owned(),
        });
    }
    if out.join(MARKER).is_file() {
        return Ok(());
    }
    let mut foreign = Vec::new();
    for entry in read {
        let entry = entry.map_err(io(out))?;
        let path = entry.path();
        if !(path.is_dir() && path.join(MANIFEST).is_file()) {
            foreign.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let more = if foreign.len() > 3 { ", …" } else { "" };
    foreign.truncate(3);
    Err(WriteError::NotOurs {
        path: out.to_owned(),
        found: format!("`{}`{more}", foreign.join("`, `")),
    })
}

/// Refuses an output folder that is the program's folder or holds it:
/// replacing it would delete the sources.
pub fn outside_sources(out: &Utf8Path, program: &Utf8Path) -> Result<(), WriteError> {
    let absolute = |p: &Utf8Path| -> Utf8PathBuf {
        // The nearest existing ancestor, resolved, and the rest as written.
        let mut existing = p.to_owned();
        let mut rest = Vec::new();
        loop {
            if let Ok(real) = existing.canonicalize_utf8() {
                let mut full = real;
                for part in rest.iter().rev() {
                    full.push(part);
                }
                return full;
            }
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = if parent.as_str().is_empty() {
                        Utf8PathBuf::from(".")
                    } else {
                        parent.to_owned()
                    };
                }
                _ => return p.to_owned(),
            }
        }
    };
    let (out_abs, program_abs) = (absolute(out), absolute(program));
    if program_abs.starts_with(&out_abs) {
        let what = if program_abs == out_abs {
            "the program's folder".to_owned()
        } else {
            format!("a folder that holds the program ({program})")
        };
        return Err(WriteError::Protected {
            path: out.to_owned(),
            what,
        });
    }
    Ok(())
}

/// What a [`write`] changed in `out/`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Hosts whose folder was written (new or changed).
    pub written: Vec<String>,
    /// Folders (and files) of `out/` that are no host's any more, removed.
    pub removed: Vec<String>,
}

impl Written {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.written.is_empty() && self.removed.is_empty()
    }
}

/// Makes `out/<host>/` hold exactly the files of each tree and
/// `manifest.json`, and `out/` exactly the trees' hosts.
pub fn write(trees: &[HostTree], out: &Utf8Path) -> Result<Written, WriteError> {
    claim(out)?;
    let mut existing = entries(out)?;
    let marked = existing.remove(MARKER);
    let stale = crate::parallel::map(trees, many_files(trees), |tree| {
        !existing.contains(&tree.host) || !up_to_date(tree, &out.join(&tree.host))
    });
    let hosts: BTreeSet<&str> = trees.iter().map(|t| t.host.as_str()).collect();
    let removed: Vec<String> = existing
        .iter()
        .filter(|name| !hosts.contains(name.as_str()))
        .cloned()
        .collect();
    let changed: Vec<&HostTree> = trees
        .iter()
        .zip(&stale)
        .filter_map(|(tree, &stale)| stale.then_some(tree))
        .collect();
    if changed.is_empty() && removed.is_empty() {
        if !marked {
            write_marker(out)?;
        }
        return Ok(Written::default());
    }

    let parent = out
        .parent()
        .filter(|p| !p.as_str().is_empty())
        .unwrap_or(Utf8Path::new("."));
    let name = out.file_name().unwrap_or("out");
    let staging = parent.join(format!(".{name}.new-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    // Stage every changed host first: any error here leaves `out/` as it was.
    let staged = (|| {
        std::fs::create_dir_all(out).map_err(io(out))?;
        if !marked {
            write_marker(out)?;
        }
        std::fs::create_dir_all(&old).map_err(io(&old))?;
        crate::parallel::map(&changed, many_files(changed.iter().copied()), |tree| {
            write_host(tree, &staging.join(&tree.host))
        })
        .into_iter()
        .collect::<Result<(), _>>()
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        let _ = std::fs::remove_dir_all(&old);
        return Err(e);
    }
    // Then swap: the old folder aside, the new one in. A failure undoes the
    // renames done so far, newest first.
    let mut done: Vec<(Utf8PathBuf, Utf8PathBuf)> = Vec::new();
    let mut swap = || -> Result<(), WriteError> {
        for name in &removed {
            rename(&out.join(name), &old.join(name), &mut done)?;
        }
        for tree in &changed {
            let live = out.join(&tree.host);
            if existing.contains(&tree.host) {
                rename(&live, &old.join(&tree.host), &mut done)?;
            }
            rename(&staging.join(&tree.host), &live, &mut done)?;
        }
        Ok(())
    };
    let swapped = swap();
    if swapped.is_err() {
        for (from, to) in done.iter().rev() {
            let _ = std::fs::rename(to, from);
        }
    }
    let _ = std::fs::remove_dir_all(&staging);
    let _ = std::fs::remove_dir_all(&old);
    swapped?;
    Ok(Written {
        written: changed.iter().map(|t| t.host.clone()).collect(),
        removed,
    })
}

fn write_marker(out: &Utf8Path) -> Result<(), WriteError> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    let path = out.join(MARKER);
    std::fs::write(&path, MARKER_TEXT).map_err(io(&path))
}

/// Whether the trees hold enough files to be worth all cores.
fn many_files<'t>(trees: impl IntoIterator<Item = &'t HostTree>) -> bool {
    trees.into_iter().map(|t| t.files.len()).sum::<usize>() >= 200
}

fn rename(
    from: &Utf8Path,
    to: &Utf8Path,
    done: &mut Vec<(Utf8PathBuf, Utf8PathBuf)>,
) -> Result<(), WriteError> {
    std::fs::rename(from, to).map_err(io(from))?;
    done.push((from.to_owned(), to.to_owned()));
    Ok(())
}

/// The names in `out/` (none when it does not exist yet).
fn entries(out: &Utf8Path) -> Result<BTreeSet<String>, WriteError> {
    let read = match std::fs::read_dir(out) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => return Err(io(out)(e)),
    };
    let mut names = BTreeSet::new();
    for entry in read {
        let entry = entry.map_err(io(out))?;
        // A name that is not UTF-8 is no host's: it is removed, by its lossy
        // name, which then fails to rename and reports it.
        names.insert(entry.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

/// Whether `dir` holds exactly the tree's files, with their bytes and
/// modes, and nothing else. Any doubt (an unreadable entry, a symlink)
/// counts as a difference: the host is then simply rewritten.
fn up_to_date(tree: &HostTree, dir: &Utf8Path) -> bool {
    let mut want: BTreeMap<&Utf8Path, (&[u8], u32)> = tree
        .files
        .iter()
        .map(|f| (f.path.as_path(), (f.content.as_bytes(), f.mode)))
        .collect();
    let manifest = tree.manifest.to_json();
    want.insert(Utf8Path::new(MANIFEST), (manifest.as_bytes(), 0o644));
    let mut found = 0;
    let mut stack = vec![Utf8PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(read) = std::fs::read_dir(dir.join(&rel)) else {
            return false;
        };
        for entry in read {
            let Ok(entry) = entry else { return false };
            let Ok(kind) = entry.file_type() else {
                return false;
            };
            let Some(name) = entry.file_name().to_str().map(|n| rel.join(n)) else {
                return false;
            };
            if kind.is_dir() {
                stack.push(name);
            } else if !kind.is_file() {
                return false;
            } else if let Some((content, mode)) = want.get(name.as_path()) {
                if !same_file(&dir.join(&name), content, *mode) {
                    return false;
                }
                found += 1;
            } else {
                return false;
            }
        }
    }
    // Every wanted file was found (an empty folder left over is harmless:
    // `git` does not even see it).
    found == want.len()
}

fn same_file(path: &Utf8Path, content: &[u8], mode: u32) -> bool {
    use std::io::Read as _;
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let Ok(meta) = file.metadata() else {
        return false;
    };
    if meta.len() != content.len() as u64 || permissions(&meta) != mode {
        return false;
    }
    let mut bytes = Vec::with_capacity(content.len() + 1);
    file.read_to_end(&mut bytes).is_ok() && bytes == content
}

#[cfg(unix)]
fn permissions(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permissions(_: &std::fs::Metadata) -> u32 {
    0o644
}

fn write_host(tree: &HostTree, host_root: &Utf8Path) -> Result<(), WriteError> {
    std::fs::create_dir_all(host_root).map_err(io(host_root))?;
    let mut made: Vec<&Utf8Path> = Vec::new();
    for file in &tree.files {
        let path = host_root.join(&file.path);
        // Folders are shared by many files: make each once.
        if let Some(dir) = file.path.parent()
            && !made.contains(&dir)
        {
            let full = host_root.join(dir);
            std::fs::create_dir_all(&full).map_err(io(&full))?;
            made.push(dir);
        }
        std::fs::write(&path, &file.content).map_err(io(&path))?;
        set_mode(&path, file.mode)?;
    }
    let manifest = host_root.join(MANIFEST);
    std::fs::write(&manifest, tree.manifest.to_json()).map_err(io(&manifest))?;
    set_mode(&manifest, 0o644)
}

#[cfg(unix)]
fn set_mode(path: &Utf8Path, mode: u32) -> Result<(), WriteError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io(path))
}

#[cfg(not(unix))]
fn set_mode(_: &Utf8Path, _: u32) -> Result<(), WriteError> {
    Ok(())
}
