//! Stage 5a: writing the host trees to `out/`, all or nothing.
//!
//! Everything is written into a fresh folder beside `out/` first; only when
//! every file is written is it swapped in (two renames), so a failed build
//! never leaves a half-written `out/`.

use camino::{Utf8Path, Utf8PathBuf};

use crate::render::HostTree;

#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    pub path: Utf8PathBuf,
    #[source]
    pub source: std::io::Error,
}

fn io(path: &Utf8Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError {
        path: path.to_owned(),
        source,
    }
}

/// Writes `out/<host>/<path>` for every file and `out/<host>/manifest.json`,
/// replacing `out` as a whole.
pub fn write(trees: &[HostTree], out: &Utf8Path) -> Result<(), WriteError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_str().is_empty())
        .unwrap_or(Utf8Path::new("."));
    let name = out.file_name().unwrap_or("out");
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let staging = parent.join(format!(".{name}.new-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let result = write_tree(trees, &staging);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    let had_old = out.exists();
    if had_old {
        std::fs::rename(out, &old).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staging);
            io(out)(e)
        })?;
    }
    if let Err(e) = std::fs::rename(&staging, out) {
        // Put the old tree back.
        if had_old {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(io(out)(e));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

fn write_tree(trees: &[HostTree], root: &Utf8Path) -> Result<(), WriteError> {
    std::fs::create_dir_all(root).map_err(io(root))?;
    let many = trees.iter().map(|t| t.files.len()).sum::<usize>() >= 200;
    crate::parallel::map(trees, many, |tree| write_host(tree, &root.join(&tree.host)))
        .into_iter()
        .collect()
}

fn write_host(tree: &HostTree, host_root: &Utf8Path) -> Result<(), WriteError> {
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
    std::fs::create_dir_all(host_root).map_err(io(host_root))?;
    let manifest = host_root.join("manifest.json");
    std::fs::write(&manifest, &tree.manifest).map_err(io(&manifest))
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
