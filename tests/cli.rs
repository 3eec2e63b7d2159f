//! The command line as scripts and editors use it: exit codes, the JSON
//! stream, colour only when asked for or on a terminal.

mod common;

use std::path::Path;
use std::process::Output;

use common::infrac;

fn case(name: &str) -> String {
    format!("tests/cases/diagnostics/{name}.infra")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn check_of_the_bundled_sites_is_clean() {
    let out = infrac(&["check", "sites"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("checked 6 files: 7 hosts, 14 sites"),
        "{err}"
    );
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn errors_exit_1_with_code_snippet_and_help() {
    let out = infrac(&["check", &case("unknown-service"), "--color", "never"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("infrac::unknown-service"), "{err}");
    assert!(
        err.contains("proxy blgo"),
        "the source line is shown: {err}"
    );
    assert!(err.contains("help: did you mean `blog`?"), "{err}");
    assert!(err.trim_end().ends_with("1 error"), "{err}");
}

#[test]
fn warnings_alone_exit_0() {
    let out = infrac(&["check", &case("unused"), "--color", "never"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("infrac::unused"));
}

#[test]
fn usage_and_io_problems_exit_2() {
    assert_eq!(infrac(&["check", "no/such/folder"]).status.code(), Some(2));
    assert_eq!(
        infrac(&["check", "--message-format", "xml"]).status.code(),
        Some(2)
    );
    assert_eq!(infrac(&["frobnicate"]).status.code(), Some(2));
    let empty = common::temp_dir("cli-empty");
    let out = infrac(&["check", empty.as_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no `*.infra` files"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_is_one_object_per_diagnostic_with_positions() {
    let out = infrac(&["check", &case("unknown-host"), "--message-format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["code"], "infrac::unknown-host");
    assert_eq!(v["severity"], "error");
    // As the user can open it from where they ran the command.
    assert_eq!(v["file"], case("unknown-host"));
    // `    on vsp` is line 6; `vsp` starts at column 8.
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(6), Some(8))
    );
    assert_eq!(v["help"], "did you mean `vps`?");
    let [start, end] = [
        v["span"][0].as_u64().unwrap(),
        v["span"][1].as_u64().unwrap(),
    ];
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(case("unknown-host")))
            .unwrap();
    assert_eq!(
        &text[usize::try_from(start).unwrap()..usize::try_from(end).unwrap()],
        "vsp"
    );
    assert!(out.stderr.is_empty(), "json mode prints nothing else");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let always = infrac(&["check", &case("unknown-host"), "--color", "always"]);
    assert!(stderr(&always).contains('\u{1b}'), "--color always colours");
    // Not a terminal (captured): auto means no colour.
    let auto = infrac(&["check", &case("unknown-host")]);
    assert!(!stderr(&auto).contains('\u{1b}'));
}

#[test]
fn explain_prints_the_code_and_unknown_codes_exit_2() {
    let out = infrac(&["explain", "infrac::port-conflict"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("infrac::port-conflict (error)"), "{text}");
    assert!(text.contains("Fix:"));
    assert_eq!(infrac(&["explain", "no-such-code"]).status.code(), Some(2));
    let list = String::from_utf8(infrac(&["explain"]).stdout).unwrap();
    assert_eq!(list.lines().count(), infrac::diag::Code::ALL.len());
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        "check",
        "build",
        "plan",
        "apply",
        "fmt",
        "diff",
        "lsp",
        "completions",
        "man",
        "explain",
        "debug",
    ] {
        let out = infrac(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: infrac"),
            "{sub}"
        );
    }
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => "../snapshots/cli",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// `--message-format github`: one workflow command per diagnostic, which
/// GitHub shows on the pull request's line: the code as title, the help
/// with the message, a `,` or `:` in a file's name escaped (they would end
/// the property).
#[test]
fn github_format_is_one_workflow_command_per_diagnostic() {
    let dir = common::temp_dir("cli-github");
    std::fs::write(
        dir.join("web,1:a.infra"),
        "host web1 {\n    address web1.example.org\n}\nservice blog {\n    image ghost:5\n    port 2368\n    on web2\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("sites.infra"),
        "site s {\n    domains s.example.org\n    on web1\n    proxy blgo\n}\nsite t {\n    domains t.example.org\n    on [\n        web9\n    ]\n}\n",
    )
    .unwrap();
    for command in ["check", "build"] {
        let mut cmd = common::infrac_command();
        cmd.current_dir(&dir)
            .args([command, ".", "--message-format", "github"]);
        if command == "build" {
            cmd.args(["-o", "out"]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(out.stderr.is_empty(), "{command}: {}", stderr(&out));
        snapshot("github", &String::from_utf8(out.stdout).unwrap());
    }
}

/// Completions: bash's script, and bash itself completing with it.
#[test]
fn completions_complete_subcommands_and_flags() {
    let out = infrac(&["completions", "bash"]);
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).unwrap();
    snapshot("completions-bash", &script);
    let dir = common::temp_dir("cli-completions");
    std::fs::write(dir.join("infrac.bash"), &script).unwrap();
    let complete = |words: &str| {
        let out = std::process::Command::new(common::require_tool("bash"))
            .arg("-c")
            .arg(format!(
                "source {dir}/infrac.bash; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
                 _infrac infrac \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; echo \"${{COMPREPLY[*]}}\""
            ))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(
        complete("infrac f").split_whitespace().any(|w| w == "fmt"),
        "{}",
        complete("infrac f")
    );
    assert!(complete("infrac fmt --ch").contains("--check"));
    assert!(complete("infrac check --message-format g").contains("github"));
}

/// Man pages: `infrac.1` and one per subcommand, which `man` reads.
#[test]
fn man_pages_are_written_and_readable() {
    let dir = common::temp_dir("cli-man");
    let out = infrac(&["man", dir.as_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let main = std::fs::read_to_string(dir.join("infrac.1")).unwrap();
    snapshot("man-infrac.1", &main);
    for sub in ["check", "build", "plan", "apply", "fmt", "explain"] {
        let page = dir.join(format!("infrac-{sub}.1"));
        let shown = std::process::Command::new(common::require_tool("man"))
            .args(["-l", page.as_str()])
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&shown.stdout);
        assert!(text.contains(&format!("infrac-{sub}(1)")), "{sub}: {text}");
    }
}
