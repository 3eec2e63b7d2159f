//! Every diagnostic code, triggered by a minimal program in
//! `tests/cases/diagnostics/<code>.infra`, with its rendered miette report
//! and its JSON form snapshotted in `snapshots/diagnostics/`.

mod common;

use infrac::diag::{Code, Severity};
use infrac::program::analyze;

#[test]
fn every_code_has_a_case() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/diagnostics");
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.name())
        .filter(|name| !dir.join(format!("{name}.infra")).exists())
        .collect();
    assert!(missing.is_empty(), "codes without a test case: {missing:?}");
}

#[test]
fn each_case_reports_its_code_and_nothing_else() {
    insta::glob!("cases/diagnostics/*.infra", |path| {
        let code_name = path.file_stem().unwrap().to_str().unwrap();
        let code =
            Code::from_name(code_name).unwrap_or_else(|| panic!("{code_name} is not a code"));
        let sources = common::program_file(path);
        let checked = analyze(&sources);
        assert_eq!(
            common::codes(&checked),
            vec![code_name.to_owned()],
            "{code_name}"
        );
        let diag = &checked.diagnostics[0];
        assert_eq!(diag.severity, code.severity());
        assert!(diag.help.is_some(), "{code_name} has no help");
        // An error stops the model from being produced; a warning does not.
        assert_eq!(
            checked.model.is_some(),
            code.severity() == Severity::Warning,
            "{code_name}"
        );
        insta::with_settings!({
            snapshot_path => "../snapshots/diagnostics",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(
                "diagnostic",
                format!("{}\n--- json ---\n{}", common::human(&checked, &sources), common::json(&checked, &sources))
            );
        });
    });
}

#[test]
fn explain_covers_every_code() {
    for code in Code::ALL {
        let text = code.explain();
        assert!(
            text.contains("Fix:") || text.contains("infrac handles"),
            "{code} explanation has no fix"
        );
    }
}

#[test]
fn several_independent_errors_are_all_reported_in_one_run() {
    let sources = common::program(&[
        (
            "hosts.infra",
            "host web1 {\n    address web1.example.org\n    sysctl bbbr\n}\n",
        ),
        (
            "sites.infra",
            "site blog {\n    domains exa_mple.org\n    on web2\n    proxy blgo\n    tls maybe\n}\n\
             service shop {\n    image Shop:1\n    port 99999\n}\n\
             cron backup {\n    schedule \"61 * * * *\"\n    run \"backup\"\n    on web1\n}\n",
        ),
    ]);
    let checked = analyze(&sources);
    let codes = common::codes(&checked);
    for expected in [
        "unknown-profile",
        "invalid-domain",
        "unknown-host",
        "unknown-service",
        "invalid-value",
        "invalid-image",
        "invalid-port",
        "invalid-schedule",
    ] {
        assert!(
            codes.iter().any(|c| c == expected),
            "{expected} not reported; got {codes:?}"
        );
    }
    assert!(checked.model.is_none());
    // Sorted by file, then position: hosts.infra first.
    let files: Vec<u32> = checked
        .diagnostics
        .iter()
        .map(|d| d.span().file.0)
        .collect();
    assert!(files.windows(2).all(|w| w[0] <= w[1]), "{files:?}");
}

#[test]
fn every_mistake_in_a_program_of_thousands_of_sites_is_reported() {
    // Large programs read their sites on all cores: the mistakes in every
    // part of the program must still all be reported, in file order, once.
    let mut text = String::from(
        "host web {\n    address web.example.org\n    proxy caddy\n}\n\
         service app {\n    image example/app:1\n    port 8080\n}\n",
    );
    let mut wrong = Vec::new();
    for i in 0..2000 {
        let (domain, target) = if i % 250 == 7 {
            wrong.push(i);
            (format!("s{i}.exa_mple.org"), "apq")
        } else {
            (format!("s{i}.example.org"), "app")
        };
        text.push_str(&format!(
            "site s{i} {{\n    domains {domain}\n    on web\n    proxy {target}\n}}\n"
        ));
    }
    let sources = common::program(&[("sites.infra", &text)]);
    let checked = analyze(&sources);
    assert!(checked.model.is_none());
    let found: Vec<(String, &str)> = checked
        .diagnostics
        .iter()
        .map(|d| {
            let at = d.span();
            (d.code.to_string(), &text[at.start..at.end])
        })
        .collect();
    let expected: Vec<(String, &str)> = wrong
        .iter()
        .flat_map(|i| {
            let domain = text
                .find(&format!("s{i}.exa_mple.org"))
                .map(|at| &text[at..at + format!("s{i}.exa_mple.org").len()])
                .unwrap();
            [
                ("infrac::invalid-domain".to_owned(), domain),
                ("infrac::unknown-service".to_owned(), "apq"),
            ]
        })
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn a_service_runs_wherever_any_of_thousands_of_sites_proxies_to_it() {
    let mut text = String::from(
        "host a {\n    address a.example.org\n    proxy caddy\n}\n\
         host b {\n    address b.example.org\n    proxy caddy\n}\n\
         service app {\n    image example/app:1\n    port 8080\n}\n",
    );
    // Only the very last site is on `b`: in the last part read.
    for i in 0..2000 {
        let on = if i == 1999 { "b" } else { "a" };
        text.push_str(&format!(
            "site s{i} {{\n    domains s{i}.example.org\n    on {on}\n    proxy app\n}}\n"
        ));
    }
    let sources = common::program(&[("sites.infra", &text)]);
    let model = analyze(&sources).model.expect("valid");
    let hosts: Vec<&str> = model.services[0]
        .hosts
        .iter()
        .map(|h| model.hosts[h.0].name.as_str())
        .collect();
    assert_eq!(hosts, ["a", "b"]);
}

#[test]
fn syntax_errors_in_several_files_are_all_reported() {
    let sources = common::program(&[
        ("a.infra", "site a {\n    domains a.org\n"),
        ("b.infra", "host b {\n    address \"b.org\n}\n"),
        ("c.infra", "host c {\n    address c.org\n}\n"),
    ]);
    let checked = analyze(&sources);
    assert_eq!(common::codes(&checked), vec!["syntax", "syntax"]);
    let human = common::human(&checked, &sources);
    assert!(
        human.contains("this `site` block is never closed"),
        "{human}"
    );
    assert!(human.contains("expected a closing `\"`"), "{human}");
}

#[test]
fn syntax_errors_name_what_the_block_expects_in_words() {
    let sources = common::program(&[(
        "s.infra",
        "site s {\n    domains s.org\n    \"proxy\" app\n}\n",
    )]);
    let checked = analyze(&sources);
    let message = &checked.diagnostics[0].message;
    assert!(
        message.starts_with("expected a route (`proxy`, `static`, `redirect`, …)"),
        "{message}"
    );
    assert!(
        !message.contains("directive") && !message.contains("block_close"),
        "{message}"
    );
}

#[test]
fn did_you_mean_suggests_close_names() {
    let sources = common::program(&[(
        "s.infra",
        "host opam-4 {\n    address opam-4.ocaml.org\n}\nsite s {\n    domains s.org\n    on opam4\n    statik\n}\n",
    )]);
    let checked = analyze(&sources);
    let helps: Vec<&str> = checked
        .diagnostics
        .iter()
        .filter_map(|d| d.help.as_deref())
        .collect();
    assert!(helps.contains(&"did you mean `opam-4`?"), "{helps:?}");
    assert!(helps.contains(&"did you mean `static`?"), "{helps:?}");
}

#[test]
fn a_directive_in_the_wrong_block_says_where_it_belongs() {
    let sources = common::program(&[(
        "h.infra",
        "host h {\n    address h.org\n    domains h.org\n}\n",
    )]);
    let checked = analyze(&sources);
    let help = checked.diagnostics[0].help.as_deref().unwrap();
    assert!(help.starts_with("`domains` belongs in a `site`"), "{help}");
}

/// docs/LANGUAGE.md's directive tables are the vocabulary's rows, generated
/// (`INFRAC_UPDATE_DOCS=1 cargo test` rewrites them), and every block has
/// one: a directive added without its row's doc fails here.
#[test]
fn the_language_reference_is_the_vocabulary() {
    use infrac::vocabulary::{Block, docs};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/LANGUAGE.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let generated = docs::update(&doc).expect("markers are well formed");
    if generated != doc && std::env::var_os("INFRAC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    } else {
        assert!(
            generated == doc,
            "docs/LANGUAGE.md's tables differ from the vocabulary; run `INFRAC_UPDATE_DOCS=1 cargo test --test diagnostics`"
        );
    }
    let documented = docs::documented(&doc);
    let missing: Vec<Block> = Block::VOCABULARY
        .into_iter()
        .filter(|b| !documented.contains(b))
        .collect();
    assert!(missing.is_empty(), "blocks without a table: {missing:?}");
    for block in Block::VOCABULARY {
        for spec in block.specs() {
            assert!(!spec.doc.is_empty(), "{block:?} `{}` has no doc", spec.name);
            assert!(
                !spec.usage.is_empty(),
                "{block:?} `{}` has no usage",
                spec.name
            );
        }
    }
    // Tables escape `|` as `\|`.
    let doc = doc.replace("\\|", "|");
    // And every unit setting `set` takes.
    let settings: Vec<String> = infrac::check::value::unit_setting::names()
        .filter(|n| {
            let (_, key) = n.split_once('.').unwrap();
            !doc.contains(&format!(" {key},"))
                && !doc.contains(&format!(" {key};"))
                && !doc.contains(&format!(" {key} ("))
                && !doc.contains(&format!(" {key}."))
        })
        .collect();
    assert!(
        settings.is_empty(),
        "unit settings not in docs/LANGUAGE.md: {settings:?}"
    );
}

/// What NGINX cannot do is refused on an NGINX host, not dropped by its
/// renderer; on a Caddy host it is done.
#[test]
fn what_nginx_cannot_do_is_refused_on_nginx_hosts() {
    let text = |proxy: &str, setting: &str| {
        format!(
            "host h {{\n    address h.example.org\n    proxy {proxy}\n}}\nsite s {{\n    domains s.example.org\n    on h\n    tls off\n    {setting}\n    static\n}}\n"
        )
    };
    for setting in [
        "encode zstd",
        "encode gzip zstd",
        "header -Server",
        "header -server",
    ] {
        let nginx = common::program(&[("h.infra", &text("nginx", setting))]);
        let checked = analyze(&nginx);
        assert_eq!(
            common::codes(&checked),
            vec!["unsupported-by-proxy"],
            "{setting}"
        );
        let caddy = common::program(&[("h.infra", &text("caddy", setting))]);
        assert!(analyze(&caddy).diagnostics.is_empty(), "{setting}");
    }
    for fine in [
        "encode gzip",
        "header -X-Powered-By",
        "header Server infrac",
    ] {
        let nginx = common::program(&[("h.infra", &text("nginx", fine))]);
        assert!(analyze(&nginx).diagnostics.is_empty(), "{fine}");
    }
}

/// The checker's prose is in `check::say`: elsewhere in `check` a
/// diagnostic is built by naming its mistake, and a rule's reason by
/// calling `say::why`. (Nouns passed in — "static root" — are names of
/// things, not sentences.)
#[test]
fn the_checkers_sentences_are_all_in_say() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "say") {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(std::path::Path::new("src/check"), &mut files);
    assert!(files.len() > 20, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        // Unit tests may say what they like.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, line) in code.lines().enumerate() {
            let prose = [
                "Diagnostic::new(",
                ".label(",
                ".help(",
                "Err(\"",
                "Err(format!(",
            ]
            .iter()
            .any(|p| line.contains(p));
            if prose {
                found.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "prose outside check::say:\n{}",
        found.join("\n")
    );
}

/// A cron job or unit takes one schedule and one command, whichever row
/// gives it: a second is reported where it is, pointing at the first.
#[test]
fn a_second_schedule_or_command_is_reported_once_at_its_place() {
    let host = "host h {\n    address h.example.org\n}\n";
    for (decl, second, message) in [
        ("cron", "every 5m", "a cron job has one schedule"),
        ("cron", "builtin certbot-renew", "a cron job runs one thing"),
        ("unit", "every 5m", "a unit has one schedule"),
        ("unit", "builtin certbot-renew", "a unit runs one thing"),
    ] {
        let text = format!(
            "{host}{decl} j {{\n    schedule @daily\n    run \"true\"\n    {second}\n    on h\n}}\n"
        );
        let checked = analyze(&common::program(&[("j.infra", &text)]));
        assert_eq!(
            common::codes(&checked),
            vec!["duplicate-setting"],
            "{decl} {second}"
        );
        let d = &checked.diagnostics[0];
        assert_eq!(d.message, message);
        let second_line = text.find(second.split(' ').next().unwrap()).unwrap();
        assert_eq!(d.span().start, second_line, "{decl} {second}");
    }
}

/// `{repo}` in a webhook's secret variable is the repository's name as
/// written, which a variable cannot always carry: the checker says so and
/// offers `{REPO}`, which always can.
#[test]
fn a_repository_name_that_is_no_variable_name_is_caught_and_repo_fixes_it() {
    let program = |secret: &str, other: &str| {
        common::program(&[(
            "hook.infra",
            &format!(
                "host web1 {{\n    address web1.example.org\n}}\n\
                 site docs {{\n    domains docs.example.org\n    on web1\n    \
                 subproject matplotlib.github.com https://github.com/matplotlib/matplotlib.github.com\n    \
                 subproject {other} https://github.com/matplotlib/{other}\n    static\n}}\n\
                 webhook hooks {{\n    domain do.example.org\n    updates docs\n    \
                 secret env {secret}\n}}\n"
            ),
        )])
    };
    let sources = program("WEBHOOK_{repo}_SECRET", "mpl-gui");
    let checked = analyze(&sources);
    assert_eq!(common::codes(&checked), vec!["invalid-env-name"]);
    let d = &checked.diagnostics[0];
    assert!(
        d.message.contains("WEBHOOK_matplotlib.github.com_SECRET"),
        "{}",
        d.message
    );
    let help = d.help.as_deref().unwrap_or_default();
    assert!(
        help.contains("WEBHOOK_{REPO}_SECRET")
            && help.contains("WEBHOOK_MATPLOTLIB_GITHUB_COM_SECRET"),
        "{help}"
    );
    // With `{REPO}`: each repository's own variable, as the receiver reads it.
    let sources = program("WEBHOOK_{REPO}_SECRET", "mpl-gui");
    let model = analyze(&sources).model.expect("valid");
    let trees = infrac::render::render(&model).unwrap();
    let names: Vec<&str> = trees[0]
        .manifest
        .secrets
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert!(
        names.contains(&"WEBHOOK_MATPLOTLIB_GITHUB_COM_SECRET"),
        "{names:?}"
    );
    assert!(names.contains(&"WEBHOOK_MPL_GUI_SECRET"), "{names:?}");
    // `{REPO}` first, and a repository whose name starts with a digit: no
    // `{REPO}` form to offer, so the help says what will work.
    let sources = program("{REPO}_SECRET", "3d-viewer");
    let checked = analyze(&sources);
    assert_eq!(common::codes(&checked), vec!["invalid-env-name"]);
    let d = &checked.diagnostics[0];
    assert!(d.message.contains("`3D_VIEWER_SECRET`"), "{}", d.message);
    let help = d.help.as_deref().unwrap_or_default();
    assert!(help.contains("start the name with a letter"), "{help}");
}
