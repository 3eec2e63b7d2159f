//! `infrac build` never destroys, leaks or misleads (the build half of the
//! issue): `-o` replaces only what infrac wrote, output depends on the
//! program alone, and no input or closed pipe makes the command panic.

mod common;

use std::process::{Command, Stdio};

use camino::{Utf8Path, Utf8PathBuf};

fn infrac_in(dir: &Utf8Path, args: &[&str]) -> std::process::Output {
    let mut cmd = common::infrac_command();
    cmd.current_dir(dir.as_str()).args(args).output().unwrap()
}

/// A fresh copy of `sites/` in a git repository of its own.
fn repository(name: &str) -> Utf8PathBuf {
    let root = common::temp_dir(name);
    let sites = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("sites");
    std::fs::create_dir_all(root.join("sites")).unwrap();
    for entry in std::fs::read_dir(&sites).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            root.join("sites").as_std_path().join(entry.file_name()),
        )
        .unwrap();
    }
    std::fs::write(root.join("README.md"), "mine\n").unwrap();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(root.as_str())
        .status();
    assert!(git.unwrap().success());
    root
}

fn listing(dir: &Utf8Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn build_never_replaces_a_repository_or_the_sources() {
    let root = repository("never-destroy");
    let before = listing(&root);
    let sites_before = listing(&root.join("sites"));
    for args in [
        ["build", "sites", "-o", "."],
        ["build", ".", "-o", "."],
        ["build", "sites", "-o", "sites"],
        ["build", "sites/opam.infra", "-o", "sites"],
        ["build", "sites", "-o", ".."],
    ] {
        let out = infrac_in(&root, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("refusing to write into"), "{args:?}: {err}");
        assert_eq!(listing(&root), before, "{args:?} changed the repository");
        assert_eq!(listing(&root.join("sites")), sites_before);
    }
}

#[test]
fn build_refuses_a_folder_it_did_not_write_and_keeps_to_its_own() {
    let root = repository("never-destroy-foreign");
    std::fs::create_dir_all(root.join("notes")).unwrap();
    std::fs::write(root.join("notes/todo.txt"), "keep me\n").unwrap();
    let out = infrac_in(&root, &["build", "sites", "-o", "notes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not an infrac output folder") && err.contains("todo.txt"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("notes/todo.txt")).unwrap(),
        "keep me\n"
    );

    // A new folder is marked as infrac's, and only then are stray entries
    // in it replaced.
    let out = infrac_in(&root, &["build", "sites", "-o", "out"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(root.join("out/.infrac-out").is_file());
    std::fs::create_dir_all(root.join("out/gone-host")).unwrap();
    let out = infrac_in(&root, &["build", "sites", "-o", "out"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("gone-host removed"));

    // An output tree from before the marker (host folders with manifests)
    // is recognised as infrac's.
    std::fs::remove_file(root.join("out/.infrac-out")).unwrap();
    let out = infrac_in(&root, &["build", "sites", "-o", "out"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(root.join("out/.infrac-out").is_file());
}

#[test]
fn output_is_the_same_from_any_working_directory() {
    let root = repository("never-destroy-cwd");
    let a = root.join("a");
    let b = root.join("b");
    assert!(
        infrac_in(&root, &["build", "sites", "-o", "a"])
            .status
            .success()
    );
    assert!(
        infrac_in(&root.join("sites"), &["build", ".", "-o", b.as_str()])
            .status
            .success()
    );
    assert!(
        infrac_in(
            Utf8Path::new("/"),
            &[
                "build",
                root.join("sites").as_str(),
                "-o",
                root.join("c").as_str()
            ]
        )
        .status
        .success()
    );
    let read = |dir: &Utf8Path| {
        let out = Command::new("diff")
            .args(["-r", dir.as_str(), a.as_str()])
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    for dir in [b, root.join("c")] {
        let (same, diff) = read(&dir);
        assert!(same, "{dir} differs from a:\n{diff}");
    }
    let header = std::fs::read_to_string(a.join("opam-4/etc/nginx/conf.d/opam.conf")).unwrap();
    assert!(
        header.starts_with("# Generated by infrac from opam.infra."),
        "{header}"
    );
}

#[test]
fn diagnostics_name_files_as_they_can_be_opened() {
    let root = repository("never-destroy-names");
    std::fs::write(root.join("sites/bad.infra"), "site x { proxyy a }\n").unwrap();
    let out = infrac_in(&root, &["check", "./sites", "--message-format", "json"]);
    let json = String::from_utf8_lossy(&out.stdout);
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    let file = first["file"].as_str().unwrap();
    assert!(
        root.join(file).is_file(),
        "{file} cannot be opened from {root}"
    );
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    for args in [
        &["explain"][..],
        &["debug", "model", "sites"],
        &["debug", "parse", "sites"],
    ] {
        let mut child = common::infrac_command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read nothing: the reader goes away at once, as `| head -0` does.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

fn check_text(name: &str, text: &str) -> std::process::Output {
    let dir = common::temp_dir(name);
    std::fs::write(dir.join("main.infra"), text).unwrap();
    common::infrac_command()
        .args(["check", dir.join("main.infra").as_str(), "--color", "never"])
        .output()
        .unwrap()
}

#[test]
fn awkward_files_are_diagnostics_not_panics() {
    // A label past column 65,535.
    let out = check_text("wide", &format!("{}bogus x\n", " ".repeat(70_000)));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("main.infra:1:70001;") && err.contains("unknown declaration"),
        "{err}"
    );
    // A 53 KB kernel key: reported (with no "did you mean" to compute).
    let out = check_text(
        "long-key",
        &format!(
            "host h {{ address h.example.org; sysctl t }}\nsysctl t {{ {} 1 }}\n",
            "a".repeat(53_000)
        ),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown-sysctl-key"));
    // A byte-order mark is not part of the program.
    let out = check_text(
        "bom",
        "\u{feff}host h { address h.example.org }\nsite s { domains s.example.org; on h; static }\n",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_documented_sysctl_forms_parse_and_secret_names_are_caught() {
    let out = check_text(
        "sysctl-forms",
        "host h { address h.example.org; sysctl t }\n\
         sysctl t {\n    net.core.somaxconn=4096\n    net.ipv4.tcp_keepalive_time = 60\n    net.core.rmem_max 8388608\n}\n",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = check_text(
        "secret-names",
        "host h { address h.example.org }\nservice db { image postgres:16; env DB_PASS hunter2; on h }\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("literal-secret"));
}
