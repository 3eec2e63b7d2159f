//! `infrac plan` against a real sshd on loopback: what would change, file
//! by file, with diffs; exit 0 when nothing would, 2 when something would,
//! 1 when a host cannot be reached (or is not who it should be).

mod common;

use std::process::{Command, Output};

use camino::Utf8Path;

fn plan(dir: &Utf8Path, ssh_config: &Utf8Path) -> Output {
    common::infrac(&[
        "plan",
        dir.as_str(),
        "--all",
        "--ssh-config",
        ssh_config.as_str(),
    ])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn plan_shows_what_apply_would_change_on_a_real_host() {
    let lab = common::lab::Lab::new("plan");
    let (sshd, sites) = (&lab.sshd, &lab.sites);
    let host_root = lab.host("web");
    std::fs::write(
        sites.join("web.infra"),
        lab.declare("web", "nginx", "    sysctl bbr\n")
            + "site s {\n    domains s.test\n    on web\n    tls off\n    static\n}\n",
    )
    .unwrap();

    // A new host: everything is to add.
    let first = plan(sites, &sshd.ssh_config);
    assert_eq!(
        first.status.code(),
        Some(2),
        "{}{}",
        stdout(&first),
        String::from_utf8_lossy(&first.stderr)
    );
    let text = stdout(&first);
    assert!(
        text.starts_with("web: 4 to add, 0 to change, 0 to remove"),
        "{text}"
    );
    assert!(
        text.contains("  + /etc/nginx/conf.d/s.conf")
            && text.contains("  + /etc/sysctl.d/01-bbr.conf"),
        "{text}"
    );

    // As if applied: the files are live, and infrac owns them plus one it
    // no longer generates.
    let sources = infrac::program::load_dir(sites).unwrap();
    let model = infrac::program::analyze(&sources).model.unwrap();
    let tree = infrac::render::render(&model).unwrap().remove(0);
    let mut owned = String::new();
    for f in &tree.files {
        let path = host_root.join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &f.content).unwrap();
        let reload = f
            .reload
            .as_ref()
            .map_or("-".to_owned(), ToString::to_string);
        owned.push_str(&format!("{reload} {}\n", f.path));
    }
    std::fs::write(host_root.join("etc/nginx/conf.d/old.conf"), "server {}\n").unwrap();
    owned.push_str("nginx etc/nginx/conf.d/old.conf\n");
    std::fs::create_dir_all(host_root.join("var/lib/infrac")).unwrap();
    std::fs::write(host_root.join("var/lib/infrac/owned"), &owned).unwrap();
    let second = plan(sites, &sshd.ssh_config);
    assert_eq!(second.status.code(), Some(2));
    assert_eq!(
        stdout(&second),
        "web: 0 to add, 0 to change, 1 to remove; reloads nginx; destructive\n  - /etc/nginx/conf.d/old.conf [destructive, reloads nginx]\n"
    );

    // Up to date.
    std::fs::remove_file(host_root.join("etc/nginx/conf.d/old.conf")).unwrap();
    let third = plan(sites, &sshd.ssh_config);
    assert_eq!(
        (third.status.code(), stdout(&third).as_str()),
        (Some(0), "web: up to date\n")
    );

    // A live file edited by hand shows as a diff back to what infrac makes.
    let conf = host_root.join("etc/nginx/conf.d/s.conf");
    let live = std::fs::read_to_string(&conf)
        .unwrap()
        .replace("server_tokens off;", "server_tokens on;");
    std::fs::write(&conf, live).unwrap();
    let fourth = plan(sites, &sshd.ssh_config);
    let text = stdout(&fourth);
    assert_eq!(fourth.status.code(), Some(2));
    assert!(text.contains("  ~ /etc/nginx/conf.d/s.conf"), "{text}");
    assert!(
        text.contains("-    server_tokens on;") && text.contains("+    server_tokens off;"),
        "{text}"
    );
}

#[test]
fn plan_fails_on_an_unreachable_host_or_a_wrong_host_key() {
    let root = common::temp_dir("plan-fail");
    let sshd = common::sshd(&root.join("ssh"));
    let sites = root.join("sites");
    std::fs::create_dir_all(&sites).unwrap();
    let program = |port: u16| {
        format!(
            "host web {{\n    address 127.0.0.1\n    ssh_port {port}\n    prefix {root}/web\n    proxy nginx\n}}\n\
             site s {{\n    domains s.test\n    on web\n    tls off\n    static\n}}\n"
        )
    };
    // Nothing listens on port 1.
    std::fs::write(sites.join("web.infra"), program(1)).unwrap();
    let o = plan(&sites, &sshd.ssh_config);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("web: ssh failed"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The right port, but the pinned host key is another machine's.
    std::fs::write(sites.join("web.infra"), program(sshd.port)).unwrap();
    let other = root.join("other");
    let keygen = common::require_tool("ssh-keygen");
    assert!(
        Command::new(keygen)
            .args(["-q", "-t", "ed25519", "-N", "", "-f", other.as_str()])
            .status()
            .unwrap()
            .success()
    );
    let other_key = std::fs::read_to_string(format!("{other}.pub")).unwrap();
    let other_key: Vec<&str> = other_key.split_whitespace().take(2).collect();
    std::fs::write(
        &sshd.known_hosts,
        format!("[127.0.0.1]:{} {}\n", sshd.port, other_key.join(" ")),
    )
    .unwrap();
    let o = plan(&sites, &sshd.ssh_config);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("HOST IDENTIFICATION HAS CHANGED")
            || err.contains("Host key verification failed"),
        "{err}"
    );

    // Keys pinned in the program (`host_key`) are the only ones trusted:
    // the host's real key works whatever known_hosts says, another fails.
    let real = std::fs::read_to_string(root.join("ssh/host_key.pub")).unwrap();
    let real: Vec<&str> = real.split_whitespace().take(2).collect();
    let pinned = |key: &str| {
        program(sshd.port).replace(
            "    proxy nginx\n",
            &format!("    proxy nginx\n    host_key {key}\n"),
        )
    };
    std::fs::write(sites.join("web.infra"), pinned(&real.join(" "))).unwrap();
    let o = plan(&sites, &sshd.ssh_config);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::write(sites.join("web.infra"), pinned(&other_key.join(" "))).unwrap();
    std::fs::write(
        &sshd.known_hosts,
        format!("[127.0.0.1]:{} {}\n", sshd.port, real.join(" ")),
    )
    .unwrap();
    let o = plan(&sites, &sshd.ssh_config);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("Host key verification failed")
            || String::from_utf8_lossy(&o.stderr).contains("HOST IDENTIFICATION HAS CHANGED"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn secrets_come_from_the_environment_and_never_show_in_a_plan() {
    let lab = common::lab::Lab::new("plan-secrets");
    let (sshd, sites) = (&lab.sshd, &lab.sites);
    let host_root = lab.host("web");
    std::fs::write(
        sites.join("web.infra"),
        lab.declare("web", "nginx", "")
            + "service api {\n    image example/api:1\n    port 8080\n    secret TOKEN env API_TOKEN\n    on web\n}\n\
               site s {\n    domains s.test\n    on web\n    tls off\n    proxy api\n}\n",
    )
    .unwrap();
    let plan = |token: Option<&str>| {
        let mut cmd = common::infrac_command();
        cmd.args(["plan", sites.as_str(), "--all", "--ssh-config"])
            .arg(sshd.ssh_config.as_str())
            .env_remove("API_TOKEN");
        if let Some(t) = token {
            cmd.env("API_TOKEN", t);
        }
        cmd.output().unwrap()
    };

    // Not set where infrac runs: nothing is asked of the host.
    let o = plan(None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("secret `API_TOKEN` (for compose:api) is not set in the environment"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Set: the stack's env file is one of the host's files.
    let o = plan(Some("s3cret-new"));
    assert_eq!(o.status.code(), Some(2));
    let text = stdout(&o);
    assert!(
        text.contains("  + /etc/infrac/infra/.env [disruptive, reloads containers]\n"),
        "{text}"
    );

    // A live env file with another value: changed, its content not shown
    // (neither value), and not even sent back by the host.
    let env = host_root.join("etc/infrac/infra/.env");
    std::fs::create_dir_all(env.parent().unwrap()).unwrap();
    std::fs::write(&env, "API_TOKEN=s3cret-old\n").unwrap();
    let o = plan(Some("s3cret-new"));
    let all = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(
        all.contains("  ~ /etc/infrac/infra/.env (holds secrets: contents not shown) [disruptive, reloads containers]\n"),
        "{all}"
    );
    assert!(!all.contains("s3cret"), "{all}");
    // The same value, readable by all: only its mode is to change.
    std::fs::write(&env, "API_TOKEN=s3cret-new\n").unwrap();
    let o = plan(Some("s3cret-new"));
    assert!(
        stdout(&o).contains("  ~ (mode) /etc/infrac/infra/.env [harmless]\n"),
        "{}",
        stdout(&o)
    );
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = plan(Some("s3cret-new"));
    assert!(!stdout(&o).contains(".env"), "{}", stdout(&o));
}
