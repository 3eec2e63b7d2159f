//! Hostile values in every string position of the language.
//!
//! Positions are enumerated from the vocabulary (`infrac::vocabulary`): every
//! directive of every kind of block has a concrete `example`, and every
//! argument of it is a position. A case is the base program below with
//! that example in its block and one argument replaced by a payload (alone,
//! and appended to the example's own value, which passes validators that
//! only look at a value's start). A new directive is covered as soon as it
//! has its row.
//!
//! Each case must be either rejected with a coded error (with a help), or
//! built into files that pass their real validators and that read back,
//! through their consumers' parsers, with the payload as exactly the
//! literal it is: every value the consumer sees that holds the payload's
//! canary (`pwned`) holds the whole payload, with nothing substituted.

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};
use infrac::model::Model;
use infrac::render::HostTree;
use infrac::vocabulary::Block as Context;

use super::readback::VAR;

/// The payloads: each tries to break out of a value in some format, and
/// holds the canary `pwned`.
#[must_use]
pub fn payloads() -> Vec<(&'static str, String)> {
    vec![
        (
            "caddy block",
            "x\n}\n:9999 {\nrespond /pwned 200\n}\n(tail) {\n#".into(),
        ),
        ("newline directive", "x\nrespond /pwned 200".into()),
        ("semicolon", "x; return 200 pwned; #".into()),
        ("double quote", "x\" ; return 200 pwned; #".into()),
        ("single quote", "x' ; touch /tmp/infrac-pwned ; '".into()),
        (
            "command substitution",
            "x $(touch /tmp/infrac-pwned)".into(),
        ),
        ("backtick", "x `touch /tmp/infrac-pwned`".into()),
        ("nginx variable", "$http_host/pwned".into()),
        ("braced variable", "${HOME}/pwned".into()),
        ("caddy env placeholder", "{env.HOME}pwned".into()),
        ("caddy env variable", "{$HOME}pwned".into()),
        ("placeholder", "{path}pwned".into()),
        ("systemd specifier", "%Hpwned".into()),
        ("trailing backslash", "pwned\\".into()),
        ("backslash quote", "pwned\\\"x".into()),
        ("hash", "#pwned".into()),
        ("dot dot", "../../pwned".into()),
        (
            "leading dash",
            "--upload-pack=touch /tmp/infrac-pwned".into(),
        ),
        ("5 KB", format!("{}pwned", "a".repeat(5000))),
        ("line separator", "pwned\u{2028}x".into()),
        ("no-break space", "pwned\u{a0}x".into()),
        ("right-to-left override", "pwned\u{202e}x".into()),
        ("sysctl key", "x\nkernel.pwned = 1".into()),
        (
            "systemd section",
            "x\n[Service]\nExecStartPre=/bin/pwned".into(),
        ),
        ("yaml key", "x\n  pwned: true".into()),
        ("braces", "x}pwned{".into()),
        ("tab", "pwned\tx".into()),
        ("space", "pwned x".into()),
    ]
}

/// A block of the base program.
#[derive(Clone, Debug)]
struct Block {
    opener: &'static str,
    context: Context,
    lines: Vec<String>,
}

fn base() -> Vec<Block> {
    let b = |opener, context, lines: &[&str]| Block {
        opener,
        context,
        lines: lines.iter().map(|l| (*l).to_owned()).collect(),
    };
    vec![
        b(
            "defaults",
            Context::Defaults,
            &["acme_email ops@example.org"],
        ),
        b(
            "host hc",
            Context::Host,
            &["address hc.example.org", "proxy caddy", "sysctl tune"],
        ),
        b(
            "host hn",
            Context::Host,
            &["address hn.example.org", "proxy nginx"],
        ),
        b(
            "host hs",
            Context::Host,
            &["address hs.example.org", "proxy nginx swarm"],
        ),
        // Without a pool block, a pool's positions would never be in the
        // program at all.
        b("pool p", Context::Pool, &["hosts hn hs"]),
        b("sysctl tune", Context::Sysctl, &["net.core.somaxconn 4096"]),
        b(
            "service app",
            Context::Service,
            &["image example/app:1", "port 8080"],
        ),
        b(
            "site s",
            Context::Site,
            &[
                "domains s.example.org",
                "on hc hn hs",
                "proxy /app/* app",
                "static",
                "subproject docs https://github.com/example/docs",
            ],
        ),
        b(
            "cron job",
            Context::Cron,
            &["every 15m", "run \"true\"", "on hc"],
        ),
        b("unit u", Context::Unit, &["run \"/bin/true\"", "on hc"]),
        b(
            "webhook w",
            Context::Webhook,
            &[
                "domain hooks.example.org",
                "updates s",
                "secret env HOOK_SECRET",
            ],
        ),
    ]
}

/// Directives a directive replaces when added to a block.
fn conflicts(name: &str) -> &'static [&'static str] {
    match name {
        "schedule" | "every" => &["schedule", "every"],
        "run" | "builtin" => &["run", "builtin"],
        _ => &[],
    }
}

/// An infrac string literal holding `text`.
#[must_use]
pub fn literal(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The words of a directive line up to its block: `(start, end)` of each.
fn words(line: &str) -> Vec<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' => i += 1,
            // A block opens at a `{` that stands alone.
            b'{' if bytes.get(i + 1).is_none_or(|b| *b == b' ') => break,
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push((start, i));
            }
            _ => {
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t') {
                    i += 1;
                }
                out.push((start, i));
            }
        }
    }
    out
}

/// One string position: where an example goes, and which of its words.
#[derive(Clone, Debug)]
pub struct Position {
    pub context: Context,
    pub directive: &'static str,
    /// The example with a `{}` where the value goes.
    template: String,
    /// The example's own value there.
    pub value: String,
}

impl Position {
    /// A command line, given to its program as words.
    #[must_use]
    pub fn is_command(&self) -> bool {
        self.context == Context::Service && self.directive == "command"
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} `{}`", self.context, self.template)
    }
}

/// Every argument of every directive's example, in every kind of block.
#[must_use]
pub fn positions() -> Vec<Position> {
    let mut out = Vec::new();
    for context in Context::VOCABULARY {
        for spec in context.specs() {
            let example = spec.example;
            let ws = words(example);
            // The declaration's name only: its block's directives are
            // positions of their own kind of block.
            let args = if context == Context::Top {
                &ws[1..2.min(ws.len())]
            } else {
                &ws[1..]
            };
            for &(start, end) in args {
                let raw = &example[start..end];
                let value = raw.trim_matches('"').replace("\\\"", "\"");
                out.push(Position {
                    context,
                    directive: spec.name,
                    template: format!("{}{{}}{}", &example[..start], &example[end..]),
                    value,
                });
            }
        }
    }
    // A sysctl profile's lines are kernel keys (names, which the grammar
    // keeps to letters, digits, `_`, `-`, `.`) and values.
    out.push(Position {
        context: Context::Sysctl,
        directive: "KEY VALUE",
        template: "net.core.somaxconn {}".to_owned(),
        value: "4096".into(),
    });
    out
}

/// `nth_host` for "every host".
pub const ALL_HOSTS: usize = usize::MAX;

/// The program with `line` in a block of `context` (`host`: the `nth`
/// host, or all), as one file's text.
pub fn program_with(context: Context, line: &str, nth_host: usize) -> String {
    let mut blocks = base();
    let name = line.split_whitespace().next().unwrap_or("");
    let mut extra = String::new();
    let mut hosts_seen = 0;
    for block in &mut blocks {
        let target = match context {
            Context::Top => false,
            Context::Static | Context::Subproject => block.context == Context::Site,
            Context::Host => {
                let is = block.context == Context::Host
                    && (hosts_seen == nth_host || nth_host == ALL_HOSTS);
                if block.context == Context::Host {
                    hosts_seen += 1;
                }
                is
            }
            other => block.context == other,
        };
        if !target {
            continue;
        }
        match context {
            Context::Static => {
                for l in &mut block.lines {
                    if l == "static" {
                        *l = format!("static {{\n        {line}\n    }}");
                    }
                }
            }
            Context::Subproject => {
                for l in &mut block.lines {
                    if l.starts_with("subproject") {
                        // `repo` in the block replaces the one on the line.
                        let head = if name == "repo" {
                            "subproject docs"
                        } else {
                            l.as_str()
                        };
                        *l = format!("{head} {{\n        {line}\n    }}");
                    }
                }
            }
            Context::Sysctl => block.lines = vec![line.to_owned()],
            _ => {
                let drop = conflicts(name);
                block.lines.retain(|l| {
                    let first = l.split_whitespace().next().unwrap_or("");
                    first != name && !drop.contains(&first)
                });
                block.lines.push(line.to_owned());
            }
        }
    }
    if context == Context::Top {
        extra = format!("{line}\n");
    }
    let mut text = String::new();
    for block in blocks {
        text.push_str(block.opener);
        text.push_str(" {\n");
        for l in block.lines {
            text.push_str("    ");
            text.push_str(&l);
            text.push('\n');
        }
        text.push_str("}\n");
    }
    text.push_str(&extra);
    text
}

/// What became of one case.
pub enum Outcome {
    Rejected,
    Built,
}

/// The program for `position` with `value` in it (`host` positions: the
/// first host whose program with the example checks clean).
#[must_use]
pub fn case_text(position: &Position, value: &str, nth_host: usize) -> String {
    let line = position.template.replacen("{}", &literal(value), 1);
    program_with(position.context, &line, nth_host)
}

/// The program for `position` with `word` written as it is (unquoted) in
/// the value's place.
#[must_use]
pub fn case_text_raw(position: &Position, word: &str, nth_host: usize) -> String {
    let line = position.template.replacen("{}", word, 1);
    program_with(position.context, &line, nth_host)
}

/// Checks and renders a program whose hosts all live under `root/<host>`.
pub fn build(text: &str, root: &Utf8Path) -> Result<Result<Vec<HostTree>, Vec<String>>, String> {
    let sources = super::program(&[("main.infra", text)]);
    let checked = infrac::program::analyze(&sources);
    let Some(mut model) = checked.model else {
        let errors: Vec<String> = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == infrac::diag::Severity::Error)
            .map(|d| {
                format!(
                    "{}: {} (help: {})",
                    d.code.name(),
                    d.message,
                    d.help.as_deref().unwrap_or("")
                )
            })
            .collect();
        if errors.is_empty() {
            return Err("no model, and no error".into());
        }
        if let Some(bad) = checked
            .diagnostics
            .iter()
            .find(|d| d.help.as_deref().is_none_or(str::is_empty))
        {
            return Err(format!("rejected without a help: {}", bad.message));
        }
        return Ok(Err(errors));
    };
    under(&mut model, root);
    infrac::render::render(&model)
        .map(Ok)
        .map_err(|e| format!("the checker accepted it, rendering failed: {e}"))
}

/// Every host under `root/<host>/` (keeping any prefix of its own below).
pub fn under(model: &mut Model, root: &Utf8Path) {
    for host in &mut model.hosts {
        let own = host
            .prefix
            .as_ref()
            .map(|p| p.as_str().trim_start_matches('/').to_owned())
            .unwrap_or_default();
        host.prefix = Some(root.join(&host.name).join(own));
    }
}

/// Files that differ between two builds, per host.
#[must_use]
pub fn changed(base: &[HostTree], built: &[HostTree]) -> BTreeMap<String, Vec<Utf8PathBuf>> {
    let mut out = BTreeMap::new();
    for tree in built {
        let before = base.iter().find(|t| t.host == tree.host);
        let files: Vec<Utf8PathBuf> = tree
            .files
            .iter()
            .filter(|f| {
                before.is_none_or(|b| {
                    b.files
                        .iter()
                        .find(|o| o.path == f.path)
                        .is_none_or(|o| o.content != f.content)
                })
            })
            .map(|f| f.path.clone())
            .collect();
        out.insert(tree.host.clone(), files);
    }
    out
}

/// `\x` → `x`: a regex's text as the characters it matches.
fn regex_unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The payload as a consumer may read it: as it is, or, where the
/// directive takes infrac's placeholders (`{path}`, …), with those
/// expanded (`VAR`).
fn readings(payload: &str) -> [String; 3] {
    let expand = |text: &str| {
        let mut expanded = text.to_owned();
        for v in infrac::quote::Var::ALL {
            expanded = expanded.replace(&format!("{{{}}}", v.name()), VAR);
        }
        expanded
    };
    // A redirected subtree's bare prefix (`/devel` of `/devel/*`) is the
    // same target with `{rest}` empty.
    [
        payload.to_owned(),
        expand(payload),
        expand(&payload.replace("{rest}", "")),
    ]
}

/// Every value read back that holds the canary holds the whole payload,
/// literally (`words`: the payload is a command line, read back as its
/// words, each literally).
pub fn literal_everywhere(
    tokens: &BTreeMap<Utf8PathBuf, Vec<super::readback::Token>>,
    payload: &str,
    words: bool,
) -> Result<usize, String> {
    let wants: Vec<String> = if words {
        shlex::split(payload).unwrap_or_default()
    } else {
        readings(payload).to_vec()
    };
    let mut seen = 0;
    for (file, list) in tokens {
        for t in list.iter().filter(|t| t.text.contains("pwned")) {
            let ok = wants.iter().any(|want| {
                if words {
                    t.text == *want
                } else {
                    t.text.contains(want.as_str())
                        || (t.regex && regex_unescape(&t.text).contains(want.as_str()))
                }
            });
            let want = &wants[wants.len() - 1];
            if !ok {
                return Err(format!(
                    "{file} ({}): read back as {:?}, not the literal {:?}",
                    t.at, t.text, want
                ));
            }
            seen += 1;
        }
    }
    Ok(seen)
}
