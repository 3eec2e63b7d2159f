//! `infrac diff REV`: on a git repository with two commits, the second
//! changing a route, adding a kernel setting and removing a cron job, the
//! changed hosts' files are listed with their diffs, reloads and risk.

mod common;

use std::process::Command;

fn git(dir: &camino::Utf8Path, args: &[&str]) {
    let o = Command::new(common::require_tool("git"))
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=infrac",
            "-c",
            "user.email=infrac@example.org",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

const HOSTS: &str = "host web {\n    address 10.0.0.1\n    proxy nginx\n}\n\nhost other {\n    address 10.0.0.2\n    proxy caddy\n}\n";

const FIRST: &str = "site blog {\n    domains blog.example.org\n    on web\n    tls off\n    static\n    redirect /old /new\n}\n\ncron backup {\n    run \"tar -czf /var/backups/www.tgz /var/www\"\n    every 1d\n    on web\n}\n";

const SECOND: &str = "site blog {\n    domains blog.example.org\n    on web\n    tls off\n    static\n    redirect /old /newer\n}\n\nsysctl tuned {\n    net.core.somaxconn 4096\n}\n";

fn repo(name: &str) -> camino::Utf8PathBuf {
    let dir = common::temp_dir(name);
    std::fs::create_dir_all(dir.join("sites")).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("sites/hosts.infra"), HOSTS).unwrap();
    std::fs::write(dir.join("sites/blog.infra"), FIRST).unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "first"]);
    std::fs::write(dir.join("sites/blog.infra"), SECOND).unwrap();
    std::fs::write(
        dir.join("sites/hosts.infra"),
        HOSTS.replace("    proxy nginx\n", "    proxy nginx\n    sysctl tuned\n"),
    )
    .unwrap();
    git(&dir, &["commit", "-q", "-am", "second"]);
    dir
}

fn diff(dir: &camino::Utf8Path, args: &[&str]) -> std::process::Output {
    common::infrac_command()
        .current_dir(dir)
        .arg("diff")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn diff_shows_each_hosts_changes_with_reloads_and_risk() {
    let dir = repo("diff-two-commits");
    let out = diff(&dir, &["HEAD~1", "sites"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // Plain text off a terminal.
    assert!(!text.contains('\u{1b}'));
    insta::with_settings!({
        snapshot_path => "../snapshots/cli",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("diff", text);
    });
    // The host nothing happened to is not listed.
    assert!(!text.contains("other:"), "{text}");
    // The same as JSON.
    let out = diff(&dir, &["HEAD~1", "sites", "--message-format", "json"]);
    let hosts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hosts.as_array().unwrap().len(), 1, "{hosts}");
    assert_eq!(hosts[0]["host"], "web");
    assert_eq!(hosts[0]["risk"], "destructive");
    let change = |path: &str| {
        hosts[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"] == path)
            .cloned()
            .unwrap_or_else(|| panic!("{path} not in {hosts}"))
    };
    let site = change("etc/nginx/conf.d/blog.conf");
    assert_eq!(
        (&site["change"], &site["risk"], &site["reload"]),
        (&"change".into(), &"harmless".into(), &"nginx".into())
    );
    assert!(
        site["diff"]
            .as_str()
            .unwrap()
            .contains("+        return 301 /newer"),
        "{site}"
    );
    let sysctl = change("etc/sysctl.d/01-tuned.conf");
    assert_eq!(
        (&sysctl["change"], &sysctl["risk"]),
        (&"add".into(), &"disruptive".into()),
        "{sysctl}"
    );
    // A warning in the program (a service that runs nowhere) is `check`'s
    // to report: the JSON on standard output stays one document.
    std::fs::write(
        dir.join("sites/idle.infra"),
        "service idle {\n    image example/idle:1\n    port 80\n}\n",
    )
    .unwrap();
    let out = diff(&dir, &["HEAD~1", "sites", "--message-format", "json"]);
    let with_warning: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(with_warning, hosts);
    std::fs::remove_file(dir.join("sites/idle.infra")).unwrap();
    // Against itself: nothing.
    let same = diff(&dir, &["HEAD", "sites"]);
    assert_eq!(
        String::from_utf8_lossy(&same.stdout),
        "no host changes between `HEAD` and the working tree\n"
    );
}

#[test]
fn without_a_revision_it_compares_with_the_upstream_branch() {
    let dir = repo("diff-upstream");
    // No upstream: the user is told to name a revision.
    let out = diff(&dir, &["sites"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("infrac diff main"));
    // A branch tracking `main`, one commit ahead: compared with main.
    git(
        &dir,
        &["checkout", "-q", "-b", "feature", "--track", "main"],
    );
    std::fs::write(
        dir.join("sites/blog.infra"),
        SECOND.replace("/newer", "/newest"),
    )
    .unwrap();
    git(&dir, &["commit", "-q", "-am", "third"]);
    let out = diff(&dir, &["sites"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("+        return 301 /newest") && text.contains("-        return 301 /newer"),
        "{text}"
    );
}
