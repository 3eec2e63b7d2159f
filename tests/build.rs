//! `infrac build`: deterministic trees, all-or-nothing output, manifests
//! that describe the files exactly, headers naming the sources, snapshots of
//! every host's tree, and the committed `out/` kept fresh.

mod common;

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};
use sha2::{Digest, Sha256};

use common::infrac;

/// Every file under `dir`, by relative path.
fn read_tree(dir: &Utf8Path) -> BTreeMap<Utf8PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = Utf8PathBuf::from_path_buf(entry.unwrap().path()).unwrap();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.strip_prefix(dir).unwrap().to_owned(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn two_builds_are_byte_for_byte_identical() {
    let tmp = common::temp_dir("build-twice");
    let (a, b) = (tmp.join("a"), tmp.join("b"));
    assert!(
        infrac(&["build", "sites", "-o", a.as_str()])
            .status
            .success()
    );
    assert!(
        infrac(&["build", "sites", "-o", b.as_str()])
            .status
            .success()
    );
    let (ta, tb) = (read_tree(&a), read_tree(&b));
    assert!(ta.len() > 10);
    assert_eq!(ta, tb);
}

#[test]
fn the_committed_out_is_what_sites_builds() {
    let tmp = common::temp_dir("build-fresh");
    let fresh = tmp.join("out");
    assert!(
        infrac(&["build", "sites", "-o", fresh.as_str()])
            .status
            .success()
    );
    let committed = read_tree(&Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("out"));
    let built = read_tree(&fresh);
    let stale: Vec<_> = built
        .keys()
        .chain(committed.keys())
        .filter(|k| built.get(*k) != committed.get(*k))
        .collect();
    assert!(
        stale.is_empty(),
        "out/ is stale (run `cargo run -- build sites` and commit): {stale:?}"
    );
}

#[test]
fn a_failed_build_leaves_out_untouched() {
    let tmp = common::temp_dir("build-fail");
    let out = tmp.join("out");
    assert!(
        infrac(&["build", "sites", "-o", out.as_str()])
            .status
            .success()
    );
    let before = read_tree(&out);
    let bad = tmp.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join("a.infra"),
        "site a {\n    domains a.org\n    on nowhere\n    static\n}\n",
    )
    .unwrap();
    let result = infrac(&["build", bad.as_str(), "-o", out.as_str()]);
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(read_tree(&out), before, "out/ changed after a failed build");
    // No staging folders left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_build_replaces_the_whole_tree() {
    // A file infrac no longer generates disappears from out/.
    let tmp = common::temp_dir("build-replace");
    let out = tmp.join("out");
    std::fs::create_dir_all(out.join("gone-host/etc")).unwrap();
    std::fs::write(out.join("gone-host/etc/stale.conf"), "old").unwrap();
    // An output tree: infrac replaces only what is in one.
    std::fs::write(out.join(infrac::output::MARKER), "").unwrap();
    assert!(
        infrac(&["build", "sites", "-o", out.as_str()])
            .status
            .success()
    );
    assert!(!out.join("gone-host").exists());
    assert!(out.join("opam-4/manifest.json").exists());
}

/// Every file under `dir` with its inode number: a file rewritten (a new
/// file renamed over it, or its folder replaced) has a new one.
fn inodes(dir: &Utf8Path) -> BTreeMap<Utf8PathBuf, u64> {
    use std::os::unix::fs::MetadataExt as _;
    read_tree(dir)
        .into_keys()
        .map(|k| {
            let ino = std::fs::metadata(dir.join(&k)).unwrap().ino();
            (k, ino)
        })
        .collect()
}

fn build_quietly(sites: &Utf8Path, out: &Utf8Path) -> String {
    let result = infrac(&["build", sites.as_str(), "-o", out.as_str()]);
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert!(result.status.success(), "{stderr}");
    stderr
}

#[test]
fn a_rebuild_writes_only_the_hosts_that_changed() {
    let tmp = common::temp_dir("build-incremental");
    let (sites, out) = (tmp.join("sites"), tmp.join("out"));
    std::fs::create_dir_all(&sites).unwrap();
    for entry in std::fs::read_dir("sites").unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            sites.join(entry.file_name().to_str().unwrap()),
        )
        .unwrap();
    }
    let first = build_quietly(&sites, &out);
    assert!(first.contains("7 hosts written"), "{first}");
    let before = inodes(&out);

    // Nothing changed: nothing is written, not even the manifests.
    let again = build_quietly(&sites, &out);
    assert!(again.contains("all up to date"), "{again}");
    assert_eq!(inodes(&out), before);

    // One site on kestrel changes: kestrel's folder is new, every other
    // host's files are the very same files.
    let personal = sites.join("personal.infra");
    let text = std::fs::read_to_string(&personal).unwrap();
    assert!(text.contains("site brendan {"));
    std::fs::write(
        &personal,
        text.replacen(
            "site brendan {",
            "site brendan {\n    header X-Edited yes",
            1,
        ),
    )
    .unwrap();
    let edited = build_quietly(&sites, &out);
    assert!(edited.contains("1 host written"), "{edited}");
    let after = inodes(&out);
    let rewritten: std::collections::BTreeSet<&str> = after
        .iter()
        .filter(|(path, ino)| before.get(*path) != Some(ino))
        .map(|(path, _)| path.as_str().split('/').next().unwrap())
        .collect();
    assert_eq!(rewritten, ["kestrel"].into());
    let caddyfile = std::fs::read_to_string(out.join("kestrel/etc/caddy/Caddyfile")).unwrap();
    assert!(caddyfile.contains("X-Edited"), "{caddyfile}");
    // And the result is what a build into an empty folder makes.
    let fresh = tmp.join("fresh");
    build_quietly(&sites, &fresh);
    assert_eq!(read_tree(&out), read_tree(&fresh));
}

#[test]
fn a_rebuild_undoes_hand_edits_to_out() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = common::temp_dir("build-repair");
    let out = tmp.join("out");
    build_quietly(Utf8Path::new("sites"), &out);
    let built = read_tree(&out);
    let caddyfile = out.join("kestrel/etc/caddy/Caddyfile");
    std::fs::write(&caddyfile, "edited by hand\n").unwrap();
    let manifest = out.join("opam-4/manifest.json");
    std::fs::set_permissions(&manifest, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(out.join("opam-5/etc/stray.conf"), "left over").unwrap();
    std::fs::create_dir_all(out.join("old-host/etc")).unwrap();
    std::fs::write(out.join("old-host/etc/x"), "x").unwrap();

    let rebuilt = build_quietly(Utf8Path::new("sites"), &out);
    assert!(
        rebuilt.contains("3 hosts written; old-host removed"),
        "{rebuilt}"
    );
    assert_eq!(read_tree(&out), built);
    let mode = std::fs::metadata(&manifest).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
}

#[test]
fn manifests_describe_every_file_exactly() {
    let tmp = common::temp_dir("build-manifest");
    let out = tmp.join("out");
    assert!(
        infrac(&["build", "sites", "-o", out.as_str()])
            .status
            .success()
    );
    for host in std::fs::read_dir(&out).unwrap() {
        let host = Utf8PathBuf::from_path_buf(host.unwrap().path()).unwrap();
        if host.file_name() == Some(infrac::output::MARKER) {
            continue;
        }
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(host.join("manifest.json")).unwrap())
                .unwrap();
        let listed: Vec<&str> = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        let mut on_disk: Vec<String> = read_tree(&host)
            .keys()
            .map(ToString::to_string)
            .filter(|p| p != "manifest.json")
            .collect();
        on_disk.sort();
        assert_eq!(listed, on_disk, "{host}");
        for f in manifest["files"].as_array().unwrap() {
            let content = std::fs::read(host.join(f["path"].as_str().unwrap())).unwrap();
            let hash = Sha256::digest(&content)
                .iter()
                .fold(String::new(), |mut hash, b| {
                    use std::fmt::Write as _;
                    write!(hash, "{b:02x}").unwrap();
                    hash
                });
            assert_eq!(f["sha256"], hash.as_str());
            // Cron reads its entries and their scripts itself: exactly those
            // files need no reload; every other file names one.
            let path = f["path"].as_str().unwrap();
            let cron_entry = |name: &str| listed.contains(&format!("etc/cron.d/{name}").as_str());
            let for_cron = path.starts_with("etc/cron.d/")
                || path
                    .strip_prefix("usr/local/lib/infrac/")
                    .and_then(|p| p.strip_suffix(".sh"))
                    .is_some_and(cron_entry);
            assert_eq!(f["reload"].is_null(), for_cron, "{f}");
            assert!(!f["sources"].as_array().unwrap().is_empty());
        }
        for r in manifest["reloads"].as_array().unwrap() {
            assert!(!r["command"].as_str().unwrap().is_empty());
        }
    }
}

#[test]
fn reloads_run_inside_the_container_when_the_proxy_runs_in_one() {
    let tmp = common::temp_dir("build-reload");
    let out = tmp.join("out");
    assert!(
        infrac(&["build", "sites", "-o", out.as_str()])
            .status
            .success()
    );
    // The proxy's reload, and the check run before it.
    let proxy = |host: &str, field: &str| {
        let m: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(host).join("manifest.json")).unwrap(),
        )
        .unwrap();
        let reloads = m["reloads"].as_array().unwrap();
        let last = reloads.last().unwrap();
        assert!(
            ["caddy", "nginx"].contains(&last["name"].as_str().unwrap()),
            "the proxy reloads last, after what it forwards to: {reloads:?}"
        );
        last[field].as_str().unwrap().to_owned()
    };
    // venus: Caddy from the distribution's package.
    assert_eq!(
        proxy("venus", "command"),
        "caddy reload --config /etc/caddy/Caddyfile --adapter caddyfile"
    );
    assert_eq!(
        proxy("venus", "validate"),
        "caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile"
    );
    // v3b: Caddy as a swarm service of stack `infra` (the ocaml.org seed).
    for field in ["command", "validate"] {
        let v3b = proxy("v3b", field);
        assert!(
            v3b.contains("docker exec -w /etc/caddy \"$c\" caddy"),
            "{v3b}"
        );
        assert!(
            v3b.contains("label=com.docker.swarm.service.name=infra_caddy"),
            "{v3b}"
        );
    }
    // opam-4: NGINX in swarm.
    assert!(proxy("opam-4", "command").contains("docker exec \"$c\" nginx -s reload"));
    assert!(proxy("opam-4", "validate").contains("docker exec \"$c\" nginx -t"));
    assert!(proxy("opam-4", "command").contains("infra_nginx"));
}

#[test]
fn every_generated_file_names_its_sources() {
    let model = common::sites_model();
    for tree in infrac::render::render(&model).unwrap() {
        for file in &tree.files {
            // After the shebang in scripts; a `comment` field in JSON.
            let first = file
                .content
                .lines()
                .find(|l| !l.starts_with("#!") && l.trim() != "{")
                .unwrap_or("");
            let header = first.starts_with("# Generated by infrac from ")
                || first
                    .trim()
                    .starts_with("\"comment\": \"Generated by infrac from ");
            assert!(header, "{}/{}: {first}", tree.host, file.path);
            // Named relative to the program's folder, as from anywhere.
            assert!(
                first.contains(".infra") && !first.contains("sites/"),
                "{}/{} does not name its source: {first}",
                tree.host,
                file.path
            );
        }
    }
}

/// The generated trees of every bundled deployment, as reviewed in pull
/// requests.
#[test]
fn snapshots_of_every_host() {
    let model = common::sites_model();
    for tree in infrac::render::render(&model).unwrap() {
        let mut text = String::new();
        for file in &tree.files {
            text.push_str(&format!("=== {} ===\n{}\n", file.path, file.content));
        }
        text.push_str(&format!(
            "=== manifest.json ===\n{}",
            tree.manifest.to_json()
        ));
        insta::with_settings!({
            snapshot_path => "../snapshots/out",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(tree.host.clone(), text);
        });
    }
}

/// The build id a proxy answers (the proof of a reload) changes exactly for
/// the hosts whose proxy configuration changed.
#[test]
fn a_change_to_a_site_changes_the_build_id_of_its_hosts_only() {
    let dir = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("sites");
    let sources = infrac::program::load_dir(&dir).unwrap();
    let ids = |sources: &infrac::source::SourceMap| -> BTreeMap<String, String> {
        let model = infrac::program::analyze(sources).model.unwrap();
        infrac::render::render(&model)
            .unwrap()
            .into_iter()
            .map(|t| {
                let build = t.manifest.proof.map(|p| p.build).unwrap_or_default();
                (t.host, build)
            })
            .collect()
    };
    let before = ids(&sources);
    let mut changed = infrac::source::SourceMap::new();
    for (_, f) in sources.iter() {
        let text = if f.name.as_str().ends_with("opam.infra") {
            f.text.replace(
                "domains staging.opam.ocaml.org",
                "domains staging.opam.ocaml.org beta.opam.ocaml.org",
            )
        } else {
            f.text.clone()
        };
        changed.add(f.name.clone(), text);
    }
    let after = ids(&changed);
    for (host, id) in &before {
        let moved = after[host] != *id;
        assert_eq!(
            moved,
            host.starts_with("opam-"),
            "{host}: {id} -> {}",
            after[host]
        );
    }
}

/// Each certificate request registers with the most specific e-mail: a
/// site's own, else its host's, else the default; a webhook's, which has
/// none of its own, its host's.
#[test]
fn certificate_requests_register_with_the_most_specific_email() {
    let root = common::temp_dir("build-cert-email");
    let text = "defaults {\n    acme_email default@example.org\n}\n\
                host n {\n    address n.example.org\n    proxy nginx\n    acme_email host@example.org\n}\n\
                host m {\n    address m.example.org\n    proxy nginx\n}\n\
                site own {\n    domains own.example.org\n    on n\n    tls certbot\n    static\n    acme_email site@example.org\n}\n\
                site plain {\n    domains plain.example.org\n    on n m\n    tls certbot\n    static\n}\n\
                webhook w {\n    domain hooks.example.org\n    updates plain\n    secret env HOOK_SECRET\n}\n";
    let trees = common::hostile::build(text, &root)
        .expect("no internal error")
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut emails: Vec<(String, String, String)> = Vec::new();
    for tree in &trees {
        for c in &tree.manifest.certificates {
            let words = shlex::split(&c.command).expect("one shell command");
            let email = words
                .iter()
                .position(|w| w == "--email")
                .map(|i| words[i + 1].clone())
                .unwrap_or_default();
            emails.push((tree.host.clone(), c.name.clone(), email));
        }
    }
    emails.sort();
    let want = |h: &str, n: &str, e: &str| (h.to_owned(), n.to_owned(), e.to_owned());
    assert_eq!(
        emails,
        vec![
            want("m", "hooks.example.org", "default@example.org"),
            want("m", "plain.example.org", "default@example.org"),
            want("n", "hooks.example.org", "host@example.org"),
            want("n", "own.example.org", "site@example.org"),
            want("n", "plain.example.org", "host@example.org"),
        ]
    );
}
