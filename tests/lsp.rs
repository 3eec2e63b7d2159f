//! `infrac lsp` driven by a real client: Neovim's built-in LSP client,
//! headless (tests/lsp/editor.lua). It opens a site file, receives a
//! diagnostic with its code and range after an edit introduces a mistake,
//! sees it cleared after the fix, jumps to a host's definition in another
//! file, and gets directive completions.

mod common;

#[test]
fn neovim_sees_diagnostics_definitions_and_completions() {
    let nvim = common::require_tool("nvim");
    let root = common::temp_dir("lsp-neovim");
    std::fs::write(
        root.join("hosts.infra"),
        "host web1 {\n    address 10.0.0.1\n    proxy caddy\n}\n",
    )
    .unwrap();
    let site = root.join("site.infra");
    std::fs::write(
        &site,
        "site blog {\n    domains blog.example.org\n    on web1\n    static\n}\n",
    )
    .unwrap();
    let out = root.join("result.json");
    let script = camino::Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/editor.lua");
    let globals = format!(
        "lua INFRAC={:?} ROOT={:?} FILE={:?} OUT={:?}",
        env!("CARGO_BIN_EXE_infrac"),
        root.as_str(),
        site.as_str(),
        out.as_str()
    );
    let run = std::process::Command::new(nvim)
        .args(["--headless", "-u", "NONE", "-i", "NONE", "--cmd", &globals])
        .args(["-c", &format!("luafile {script}")])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "Neovim wrote no result:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let steps = &r["steps"];
    assert!(r["error"].is_null(), "{text}");
    assert_eq!(steps["opened"]["published"], true, "{text}");
    assert_eq!(
        steps["opened"]["diagnostics"],
        serde_json::json!([]),
        "{text}"
    );
    let broken = &steps["broken"]["diagnostics"][0];
    assert_eq!(broken["code"], "infrac::unknown-host", "{text}");
    // `    on web9`: line 3 (0-based 2), `web9` at columns 7..11.
    assert_eq!(
        (&broken["lnum"], &broken["col"], &broken["end_col"]),
        (&2.into(), &7.into(), &11.into()),
        "{text}"
    );
    assert!(
        broken["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `web1`"),
        "{text}"
    );
    assert_eq!(
        steps["fixed"]["diagnostics"],
        serde_json::json!([]),
        "{text}"
    );
    let definition = &steps["definition"][0];
    assert!(
        definition["uri"]
            .as_str()
            .unwrap()
            .ends_with("/hosts.infra"),
        "{text}"
    );
    assert_eq!(
        (&definition["line"], &definition["character"]),
        (&0.into(), &5.into()),
        "{text}"
    );
    let completion: Vec<&str> = steps["completion"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(completion.contains(&"proxy"), "{text}");
    // Directives of a site, not of a host.
    assert!(!completion.contains(&"address"), "{text}");
}

/// A bare JSON-RPC client over `infrac lsp`'s stdin/stdout.
struct Client {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    next: i64,
}

impl Client {
    fn start(root: &camino::Utf8Path) -> Client {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_infrac"))
            .arg("lsp")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut c = Client {
            child,
            stdin,
            stdout,
            next: 1,
        };
        let uri = format!("file://{root}");
        c.request(
            "initialize",
            &serde_json::json!({"processId": null, "rootUri": uri, "capabilities": {}}),
        );
        c.notify("initialized", &serde_json::json!({}));
        c
    }

    fn send(&mut self, v: &serde_json::Value) {
        use std::io::Write;
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn read(&mut self) -> serde_json::Value {
        use std::io::{BufRead, Read};
        let mut len = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                len = n.parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn notify(&mut self, method: &str, params: &serde_json::Value) {
        self.send(&serde_json::json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The response's result; notifications on the way are kept in `seen`.
    fn request(&mut self, method: &str, params: &serde_json::Value) -> serde_json::Value {
        let id = self.next;
        self.next += 1;
        self.send(
            &serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        );
        loop {
            let m = self.read();
            if m["id"] == id {
                assert!(m.get("error").is_none(), "{m}");
                return m["result"].clone();
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> serde_json::Value {
        loop {
            let m = self.read();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].clone();
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The protocol: related locations in another file, the code's explanation
/// and a directive's docs on hover, symbols, formatting, and a closed
/// buffer falling back to the file on disk.
#[test]
fn protocol_hover_symbols_formatting_and_related_locations() {
    let root = common::temp_dir("lsp-protocol");
    std::fs::write(
        root.join("a.infra"),
        "host web1 {\n    address 10.0.0.1\n    proxy caddy\n}\n",
    )
    .unwrap();
    let b = root.join("b.infra");
    std::fs::write(
        &b,
        "site s {\n    domains s.example.org\n    on web1\n    static\n}\n",
    )
    .unwrap();
    let (a_uri, b_uri) = (format!("file://{root}/a.infra"), format!("file://{b}"));
    let mut c = Client::start(&root);
    // An unsaved buffer declaring web1 again: a duplicate, with the other
    // declaration (in a.infra, on disk) as a related location.
    let text = "site s {\n  domains s.example.org ; on web1\n    static\n}\nhost web1 {\n    address 10.0.0.2\n}\n";
    c.notify("textDocument/didOpen", &serde_json::json!({"textDocument": {"uri": b_uri, "languageId": "infrac", "version": 1, "text": text}}));
    let diags = c.diagnostics(&b_uri);
    let dup = diags
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "infrac::duplicate-declaration")
        .unwrap_or_else(|| panic!("{diags}"));
    assert_eq!(
        dup["range"]["start"],
        serde_json::json!({"line": 4, "character": 5}),
        "{dup}"
    );
    let related = &dup["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], a_uri.as_str(), "{dup}");
    assert_eq!(related["range"]["start"]["line"], 0, "{dup}");
    // Hover on the duplicate: the code's explanation.
    let hover = c.request("textDocument/hover", &serde_json::json!({"textDocument": {"uri": b_uri}, "position": {"line": 4, "character": 6}}));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains("infrac::duplicate-declaration"), "{hover}");
    // Hover on a directive: its row of the vocabulary.
    let hover = c.request("textDocument/hover", &serde_json::json!({"textDocument": {"uri": b_uri}, "position": {"line": 2, "character": 6}}));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains("static"), "{hover}");
    // Symbols: the declarations, with their settings inside.
    let symbols = c.request(
        "textDocument/documentSymbol",
        &serde_json::json!({"textDocument": {"uri": b_uri}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["site s", "host web1"], "{symbols}");
    assert_eq!(symbols[0]["children"][1]["name"], "on web1", "{symbols}");
    // Formatting: the whole buffer in infrac fmt's layout.
    let edits = c.request("textDocument/formatting", &serde_json::json!({"textDocument": {"uri": b_uri}, "options": {"tabSize": 4, "insertSpaces": true}}));
    assert_eq!(
        edits[0]["newText"],
        "site s {\n    domains s.example.org\n    on web1\n    static\n}\nhost web1 {\n    address 10.0.0.2\n}\n",
        "{edits}"
    );
    // Closed without saving: the file on disk is the program again.
    c.notify(
        "textDocument/didClose",
        &serde_json::json!({"textDocument": {"uri": b_uri}}),
    );
    assert_eq!(c.diagnostics(&b_uri), serde_json::json!([]));
    let _ = c.request("shutdown", &serde_json::Value::Null);
    c.notify("exit", &serde_json::Value::Null);
}

/// Find references and completion by what the position takes: a host's
/// uses across files (by `on`, by a pool's `hosts`), a service's from a
/// `proxy`; `on` offers hosts and pools only, `proxy` services, a choice
/// its words.
#[test]
fn protocol_references_and_completion_by_kind() {
    let root = common::temp_dir("lsp-references");
    std::fs::write(
        root.join("a.infra"),
        "host web1 {\n    address 10.0.0.1\n    proxy caddy\n}\nhost web2 {\n    address 10.0.0.2\n    proxy caddy\n}\npool edge {\n    hosts web1 web2\n}\nservice api {\n    image example/api:1\n    port 8080\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("b.infra"),
        "site s {\n    domains s.example.org\n    on web1\n    proxy api\n}\nsite t {\n    domains t.example.org\n    on edge\n    static\n}\n",
    )
    .unwrap();
    let (a_uri, b_uri) = (
        format!("file://{root}/a.infra"),
        format!("file://{root}/b.infra"),
    );
    let mut c = Client::start(&root);
    let places = |v: &serde_json::Value| -> Vec<(String, u64, u64)> {
        let mut out: Vec<(String, u64, u64)> = v
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|l| {
                let file = l["uri"].as_str().unwrap().rsplit('/').next().unwrap();
                let start = &l["range"]["start"];
                (
                    file.to_owned(),
                    start["line"].as_u64().unwrap(),
                    start["character"].as_u64().unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let at = |uri: &str, line: u32, character: u32, declaration: bool| serde_json::json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}, "context": {"includeDeclaration": declaration}});
    let pos = |uri: &str, line: u32, character: u32| serde_json::json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    // From the declaration of web1: itself, the pool's `hosts`, the site's
    // `on` — not web2, not the words of other directives.
    let refs = c.request("textDocument/references", &at(&a_uri, 0, 6, true));
    let want = |v: &[(&str, u64, u64)]| -> Vec<(String, u64, u64)> {
        v.iter()
            .map(|(f, l, c)| ((*f).to_owned(), *l, *c))
            .collect()
    };
    assert_eq!(
        places(&refs),
        want(&[("a.infra", 0, 5), ("a.infra", 9, 10), ("b.infra", 2, 7)]),
        "{refs}"
    );
    // From a use of the service, without the declaration.
    let refs = c.request("textDocument/references", &at(&b_uri, 3, 11, false));
    assert_eq!(places(&refs), want(&[("b.infra", 3, 10)]), "{refs}");
    let refs = c.request("textDocument/references", &at(&b_uri, 3, 11, true));
    assert_eq!(
        places(&refs),
        want(&[("a.infra", 11, 8), ("b.infra", 3, 10)]),
        "{refs}"
    );
    // Hover on a value: its parameter, and what it names or may be.
    let hover = c.request("textDocument/hover", &pos(&b_uri, 2, 8));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains("`HOST|POOL`"), "{hover}");
    assert!(
        shown.contains("host `web1`, declared in a.infra:1."),
        "{hover}"
    );
    let hover = c.request("textDocument/hover", &pos(&a_uri, 2, 12));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains("One of `caddy`, `nginx`"), "{hover}");
    let hover = c.request("textDocument/hover", &pos(&a_uri, 13, 10));
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        shown.contains("Wrong when: A port is not a number from 1 to 65535."),
        "{hover}"
    );
    // A pool named by `on`: the pool, not a host.
    let def = c.request("textDocument/definition", &pos(&b_uri, 7, 8));
    assert_eq!(
        def["range"]["start"],
        serde_json::json!({"line": 8, "character": 5}),
        "{def}"
    );

    // Completion: an unsaved buffer with a site being written.
    let text = "site u {\n    domains u.example.org\n    on \n    proxy \n}\n";
    c.notify("textDocument/didOpen", &serde_json::json!({"textDocument": {"uri": format!("file://{root}/c.infra"), "languageId": "infrac", "version": 1, "text": text}}));
    let labels = |v: &serde_json::Value| -> Vec<String> {
        let mut out: Vec<String> = v
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect();
        out.sort();
        out
    };
    let c_uri = format!("file://{root}/c.infra");
    let on = c.request("textDocument/completion", &pos(&c_uri, 2, 7));
    assert_eq!(labels(&on), ["edge", "web1", "web2"], "{on}");
    let proxy = c.request("textDocument/completion", &pos(&c_uri, 3, 10));
    assert_eq!(labels(&proxy), ["api"], "{proxy}");
    // A host's `proxy caddy`, the word being typed: the choice's words.
    let choice = c.request("textDocument/completion", &pos(&a_uri, 2, 15));
    assert!(labels(&choice).contains(&"nginx".to_owned()), "{choice}");
    let _ = c.request("shutdown", &serde_json::Value::Null);
    c.notify("exit", &serde_json::Value::Null);
}
