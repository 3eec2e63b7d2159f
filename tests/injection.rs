//! The reported injections, one regression test each: a value written in a
//! site file is rejected with a coded diagnostic, or reaches the generated
//! file as exactly that value, read back by the consuming tool.

mod common;

use camino::Utf8Path;
use infrac::render::HostTree;

/// A Caddy host, an NGINX host and a site on both, with `extra` lines in
/// the site, and `host` lines in both hosts.
fn program(site: &str, host: &str) -> String {
    let tls = if site.contains("tls ") {
        ""
    } else {
        "    tls off"
    };
    format!(
        "host hc {{\n    address hc.example.org\n    proxy caddy\n{host}\n}}\n\
         host hn {{\n    address hn.example.org\n    proxy nginx\n{host}\n}}\n\
         site s {{\n    domains s.example.org\n    on hc hn\n{tls}\n{site}\n}}\n"
    )
}

/// The error codes, or the built trees (under `root`).
fn build(text: &str, root: &Utf8Path) -> Result<Vec<HostTree>, Vec<String>> {
    match common::hostile::build(text, root).expect("no internal error") {
        Ok(trees) => Ok(trees),
        Err(errors) => Err(errors
            .iter()
            .map(|e| e.split(':').next().unwrap_or("").to_owned())
            .collect()),
    }
}

fn rejected(text: &str, code: &str) {
    let root = common::temp_dir("injection-rejected");
    match build(text, &root) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(codes) => assert!(codes.iter().any(|c| c == code), "{codes:?} for:\n{text}"),
    }
}

fn file<'t>(trees: &'t [HostTree], host: &str, path: &str) -> &'t str {
    &trees
        .iter()
        .find(|t| t.host == host)
        .unwrap()
        .files
        .iter()
        .find(|f| f.path.as_str() == path)
        .unwrap_or_else(|| panic!("{host} has no {path}"))
        .content
}

/// Builds, writes, validates every file with its real tool, and returns the
/// values read back from `host`'s `path`.
fn read_back(text: &str, name: &str, host: &str, path: &str) -> Vec<String> {
    let root = common::temp_dir(name);
    let trees = build(text, &root).unwrap_or_else(|codes| panic!("{codes:?}:\n{text}"));
    common::verify::write(&root, &trees).unwrap();
    let tree = trees.iter().find(|t| t.host == host).unwrap();
    let tokens = common::verify::tree(&root, tree, None).unwrap_or_else(|e| panic!("{e}"));
    tokens[Utf8Path::new(path)]
        .iter()
        .map(|t| t.text.clone())
        .collect()
}

#[test]
fn caddy_admin_cannot_add_a_server_block() {
    rejected(
        &program(
            "    static",
            "    caddy_admin \"x\\n}\\n:9999 {\\nrespond /pwned 200\\n}\\n(tail) {\\n#\"",
        ),
        "invalid-character",
    );
    rejected(
        &program("    static", "    caddy_admin \"x respond\""),
        "invalid-address",
    );
}

#[test]
fn a_redirect_target_cannot_add_a_directive() {
    rejected(
        &program(
            "    redirect /r/* \"https://example.org/x\\nrespond /pwned 200\"",
            "",
        ),
        "invalid-character",
    );
}

#[test]
fn paths_cannot_end_an_nginx_parameter() {
    let payload = "; return 200 pwned; #";
    for site in [
        format!("    root \"/srv/x{payload}\"\n    static"),
        format!("    static {{ root \"/srv/x{payload}\" }}"),
        format!("    static {{ fallback \"/srv/x{payload}\" }}"),
        format!("    tls files \"/etc/ssl/x{payload}\" /etc/ssl/x/key.pem\n    static"),
    ] {
        rejected(&program(&site, ""), "invalid-path");
    }
    rejected(
        &program("    static", &format!("    prefix \"/srv/x{payload}\"")),
        "invalid-path",
    );
    for setting in ["acme_webroot", "site_root"] {
        for payload in [payload, "$(pwned)"] {
            rejected(
                &format!(
                    "defaults {{ {setting} \"/srv/x{payload}\" }}\n{}",
                    program("    static", "")
                ),
                "invalid-path",
            );
        }
    }
    rejected(
        &program(
            "    static",
            "    resolver \"127.0.0.1:53; return 200 pwned; #\"",
        ),
        "invalid-address",
    );
}

#[test]
fn tls_files_at_the_root_do_not_mount_the_file_system() {
    rejected(
        &program("    tls files /fullchain.pem /privkey.pem\n    static", ""),
        "invalid-path",
    );
}

#[test]
fn header_values_reach_both_proxies_as_written() {
    for value in ["a\\\"b", "a #b", "a\u{a0}b", "a\\b", "price: $5; x", "it's"] {
        let infra = common::hostile::literal(value);
        let text = program(&format!("    header X-Test {infra}\n    static"), "");
        let caddy = read_back(&text, "injection-header-caddy", "hc", "etc/caddy/Caddyfile");
        assert!(caddy.iter().any(|t| t == value), "Caddy reads {caddy:?}");
        let nginx = read_back(
            &text,
            "injection-header-nginx",
            "hn",
            "etc/nginx/conf.d/s.conf",
        );
        assert!(nginx.iter().any(|t| t == value), "NGINX reads {nginx:?}");
    }
    rejected(
        &program("    header X-Test \"{env.HOME}\"\n    static", ""),
        "invalid-text",
    );
}

#[test]
fn hide_and_unless_query_cannot_close_their_quotes() {
    rejected(
        &program("    hide \"x\\\" ; return 200 x; #\"\n    static", ""),
        "invalid-file-name",
    );
    rejected(
        &program(
            "    redirect /a /b unless_query \"q\\\"); return 200 x; #\"\n    static",
            "",
        ),
        "invalid-query-param",
    );
}

#[test]
fn url_paths_with_separators_stay_one_location() {
    rejected(
        &program("    redirect \"/x;internal;#\" /y\n    static", ""),
        "invalid-path",
    );
    let text = program("    redirect \"/x;internal\" /y\n    static", "");
    let nginx = read_back(&text, "injection-url-path", "hn", "etc/nginx/conf.d/s.conf");
    assert!(nginx.iter().any(|t| t == "/x;internal"), "{nginx:?}");
}

#[test]
fn nginx_variables_in_values_are_text() {
    let text = program("    redirect /a \"/b$http_host\"\n    static", "");
    let nginx = read_back(
        &text,
        "injection-nginx-var",
        "hn",
        "etc/nginx/conf.d/s.conf",
    );
    // The text, then the request's query, kept (`$is_args$args`: the
    // only variables, marked by the read-back).
    let kept = "\u{1}VAR\u{1}\u{1}VAR\u{1}";
    assert!(
        nginx
            .iter()
            .any(|t| t.strip_suffix(kept) == Some("/b$http_host")),
        "{nginx:?}"
    );
    let caddy = read_back(
        &text,
        "injection-nginx-var-caddy",
        "hc",
        "etc/caddy/Caddyfile",
    );
    // `{http.request.uri.prefixed_query}`, one placeholder.
    assert!(
        caddy
            .iter()
            .any(|t| t.strip_suffix("\u{1}VAR\u{1}") == Some("/b$http_host")),
        "{caddy:?}"
    );
}

#[test]
fn nginx_variables_in_rewrites_error_pages_and_candidates_are_text() {
    for (site, want) in [
        (
            "    rewrite /a \"/b$http_host\"\n    static",
            "/b$http_host",
        ),
        (
            "    error 404 \"/404$http_host.html\"\n    static",
            "/404$http_host.html",
        ),
        ("    static { try \"{path}$http_host\" }", "$http_host"),
    ] {
        let text = program(site, "");
        let nginx = read_back(
            &text,
            "injection-nginx-vars",
            "hn",
            "etc/nginx/conf.d/s.conf",
        );
        assert!(
            nginx
                .iter()
                .any(|t| t.contains(want) && !t.contains("${http_host}")),
            "{want} in {nginx:?}"
        );
    }
}

#[test]
fn caddy_placeholders_in_values_are_rejected() {
    for value in ["/x{env.HOME}", "/x{file./etc/passwd}", "/x{$HOME}"] {
        rejected(
            &program(&format!("    redirect /a \"{value}\"\n    static"), ""),
            "invalid-path",
        );
        rejected(
            &program(&format!("    header X-A \"{value}\"\n    static"), ""),
            "invalid-text",
        );
        rejected(
            &program(&format!("    root \"{value}\"\n    static"), ""),
            "invalid-path",
        );
    }
}

#[test]
fn a_placeholder_may_be_followed_by_letters() {
    let text = program(
        "    static\n    redirect_first /api/* /stable{path}index.html",
        "",
    );
    let root = common::temp_dir("injection-placeholder");
    let trees = build(&text, &root).unwrap();
    assert!(file(&trees, "hn", "etc/nginx/conf.d/s.conf").contains("/stable${uri}index.html"));
    common::verify::write(&root, &trees).unwrap();
    for tree in &trees {
        common::verify::tree(&root, tree, None).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn unit_program(unit: &str) -> String {
    format!(
        "host h {{\n    address h.example.org\n    proxy caddy\n}}\nunit u {{\n    on h\n{unit}\n}}\n"
    )
}

#[test]
fn unit_values_cannot_add_settings() {
    rejected(
        &unit_program(
            "    run /bin/true\n    description \"x\\n[Service]\\nExecStartPre=/bin/pwned\"",
        ),
        "invalid-character",
    );
    rejected(
        &unit_program("    run /bin/true\n    description \"x \\\\\""),
        "invalid-text",
    );
    // A trailing `\` would join the next line (`After=`) to `Wants=`.
    rejected(
        &unit_program("    run /bin/true\n    wants \"x.service\\\\\"\n    after y.target"),
        "invalid-unit-name",
    );
    let text =
        unit_program("    run \"/bin/echo 100% %H $HOME \\\\\"\n    description \"50% on %H\"");
    let values = read_back(&text, "injection-unit", "h", "etc/systemd/system/u.service");
    assert!(values.iter().any(|t| t == "50% on %H"), "{values:?}");
    assert!(
        values.iter().any(|t| t == "/bin/echo 100% %H $HOME \\"),
        "{values:?}"
    );
}

#[test]
fn sysctl_values_cannot_add_keys() {
    rejected(
        "host h { address h.example.org; sysctl t }\nsysctl t { net.core.somaxconn \"1\\nkernel.pwned = 1\" }\n",
        "invalid-character",
    );
}

#[test]
fn git_branches_cannot_be_options() {
    rejected(
        &program(
            "    subproject docs https://github.com/example/docs { branch \"--upload-pack=pwned x\" }",
            "",
        ),
        "invalid-git-ref",
    );
}

#[test]
fn long_values_and_names_are_diagnostics() {
    rejected(
        &program(
            &format!("    header X-Big \"{}\"\n    static", "a".repeat(5000)),
            "",
        ),
        "value-too-long",
    );
    rejected(
        &format!(
            "host h {{ address h.example.org }}\nsite {} {{ domains s.example.org; on h; static }}\n",
            "s".repeat(300)
        ),
        "value-too-long",
    );
}

#[test]
fn compose_values_are_not_interpolated() {
    let text = "host h { address h.example.org; proxy caddy compose }\n\
                service app { image example/app:1; port 8080; env GREETING \"${USER} costs $5\"; command \"--name '${HOME}'\"; on h }\n\
                site s { domains s.example.org; on h; proxy app }\n";
    let values = read_back(
        text,
        "injection-compose",
        "h",
        "etc/infrac/infra/docker-compose.yml",
    );
    assert!(values.iter().any(|t| t == "${USER} costs $5"), "{values:?}");
    assert!(values.iter().any(|t| t == "${HOME}"), "{values:?}");
    assert!(values.iter().any(|t| t == "--name"), "{values:?}");
}

/// Runs a generated cron script with `systemd-cat` replaced by a stub that
/// runs its command, and `pg_dump` by one that prints a dump: the user's
/// command runs exactly as written, pipes, redirections, quotes and all.
#[test]
fn cron_commands_run_exactly_as_written() {
    let work = common::temp_dir("injection-cron");
    let stubs = work.join("stubs");
    std::fs::create_dir_all(&stubs).unwrap();
    for (name, body) in [
        // `systemd-cat -t NAME -- COMMAND…`: run COMMAND.
        ("systemd-cat", "shift 3; exec \"$@\""),
        ("pg_dump", "echo \"dump of $1\""),
    ] {
        let path = stubs.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }
    let out = work.join("out");
    std::fs::create_dir_all(&out).unwrap();
    for (command, check) in [
        (
            format!("pg_dump db | gzip > {out}/x.gz"),
            Box::new(|| {
                let gz = std::process::Command::new("gzip")
                    .args(["-dc", out.join("x.gz").as_str()])
                    .output()
                    .unwrap();
                assert_eq!(String::from_utf8_lossy(&gz.stdout), "dump of db\n");
            }) as Box<dyn Fn()>,
        ),
        (
            format!(
                "echo 'it'\\''s' && echo \"$HOME\" > {out}/home && echo x '$(pwned)' > {out}/literal"
            ),
            Box::new(|| {
                let home = std::fs::read_to_string(out.join("home")).unwrap();
                assert_eq!(home.trim(), "/nonexistent-home");
                let literal = std::fs::read_to_string(out.join("literal")).unwrap();
                assert_eq!(literal, "x $(pwned)\n");
            }),
        ),
    ] {
        let text = format!(
            "host h {{ address h.example.org }}\ncron job {{ every 15m; on h; run {} }}\n",
            common::hostile::literal(&command)
        );
        let root = common::temp_dir("injection-cron-build");
        let trees = build(&text, &root).unwrap();
        common::verify::write(&root, &trees).unwrap();
        let script = root.join("h/usr/local/lib/infrac/job.sh");
        let status = std::process::Command::new("/bin/bash")
            .arg(script.as_str())
            .env("PATH", format!("{stubs}:/usr/bin:/bin"))
            .env("HOME", "/nonexistent-home")
            .status()
            .unwrap();
        assert!(status.success(), "{command}");
        check();
        // And shellcheck is content with it.
        common::verify::tree(&root, &trees[0], None).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The certificate request a host runs (`certbot certonly …`, from the
/// manifest, through a shell) carries each value as one word: a URL with
/// `&` and `;`, an e-mail with `+`, read back by POSIX word splitting.
#[test]
fn a_certificate_request_carries_each_value_as_one_word() {
    let root = common::temp_dir("inject-certonly");
    let text = "defaults {\n    acme_email o+p@example.org\n}\n\
                host n {\n    address n.example.org\n    proxy nginx\n    acme_ca \"https://ca.example.org/d?a=1&b=2;c\"\n}\n\
                site s {\n    domains s.example.org\n    on n\n    tls certbot\n    static\n}\n";
    let trees = build(text, &root).expect("builds");
    let command = &trees[0].manifest.certificates[0].command;
    let out = std::process::Command::new(common::require_tool("python3"))
        .args([
            "-c",
            "import json,shlex,sys; print(json.dumps(shlex.split(sys.argv[1])))",
        ])
        .arg(command)
        .output()
        .unwrap();
    let words: Vec<String> = serde_json::from_slice(&out.stdout).expect("shlex read it");
    let after = |flag: &str| {
        words
            .iter()
            .position(|w| w == flag)
            .and_then(|i| words.get(i + 1))
            .cloned()
    };
    assert_eq!(
        after("--server").as_deref(),
        Some("https://ca.example.org/d?a=1&b=2;c")
    );
    assert_eq!(after("--email").as_deref(), Some("o+p@example.org"));
    assert_eq!(after("-d").as_deref(), Some("s.example.org"));
    // One command after the webroot is made: no other `;` or `&` split.
    assert_eq!(words.iter().filter(|w| *w == "&&").count(), 1, "{words:?}");
}
