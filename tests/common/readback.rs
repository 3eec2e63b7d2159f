//! Reading generated files back the way the tools that consume them do,
//! into the values those tools see: Caddy's own adapter (`caddy adapt`
//! JSON), NGINX's tokenizer rules (`ngx_conf_read_token`: quotes, `\`
//! escapes, `$var`/`${var}`), `PyYAML` plus compose's interpolation, systemd's
//! unit-file rules (continuations, `%` specifiers, `Exec` word splitting
//! with C escapes and `$` variables), sysctl.d and cron lines, JSON.
//!
//! A [`Token`] is one value as its consumer reads it. Where the consumer
//! would substitute something (a variable, a placeholder, a specifier), the
//! text holds [`VAR`] instead: a user's value that reads back with `VAR`
//! in it was expanded, not taken literally.

use std::process::Command;

use camino::Utf8Path;

/// Stands for anything the consumer substitutes at run time.
pub const VAR: &str = "\u{1}VAR\u{1}";

#[derive(Clone, Debug)]
pub struct Token {
    pub text: String,
    /// A regular expression (`path_regexp`, `location ~`): holds the
    /// user's text regex-escaped.
    pub regex: bool,
    /// Where it was read, for messages.
    pub at: String,
}

/// `{name}` placeholders → `VAR`.
fn caddy_placeholders(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        match rest[i..].find('}') {
            Some(j)
                if rest[i + 1..i + j]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-_$".contains(c))
                    && j > 1 =>
            {
                out.push_str(&rest[..i]);
                out.push_str(VAR);
                rest = &rest[i + j + 1..];
            }
            _ => {
                out.push_str(&rest[..=i]);
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every string (keys too) of `caddy adapt`'s JSON.
pub fn caddy(json: &serde_json::Value) -> Vec<Token> {
    fn walk(v: &serde_json::Value, path: &str, regex: bool, out: &mut Vec<Token>) {
        match v {
            serde_json::Value::String(s) => out.push(Token {
                text: caddy_placeholders(s),
                regex,
                at: path.to_owned(),
            }),
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, path, regex, out);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    out.push(Token {
                        text: caddy_placeholders(k),
                        regex: false,
                        at: format!("{path}/{k} (key)"),
                    });
                    let regex = regex || k == "path_regexp" || k == "pattern";
                    walk(item, &format!("{path}/{k}"), regex, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(json, "", false, &mut out);
    out
}

/// An NGINX directive as `ngx_conf_read_token` reads it.
#[derive(Clone, Debug)]
pub struct NginxDirective {
    pub words: Vec<String>,
    pub line: usize,
    pub block: Option<Vec<NginxDirective>>,
}

/// Parses an NGINX conf with NGINX's tokenizer rules. `Err` for what NGINX
/// would reject as a syntax error.
pub fn nginx_parse(text: &str) -> Result<Vec<NginxDirective>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1;
    let (items, closed) = nginx_block(&chars, &mut i, &mut line)?;
    if closed {
        return Err(format!("line {line}: unexpected `}}`"));
    }
    Ok(items)
}

fn nginx_block(
    chars: &[char],
    i: &mut usize,
    line: &mut usize,
) -> Result<(Vec<NginxDirective>, bool), String> {
    let mut items = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut start_line = *line;
    loop {
        // Skip white space and comments.
        while *i < chars.len() {
            match chars[*i] {
                '\n' => {
                    *line += 1;
                    *i += 1;
                }
                ' ' | '\t' | '\r' => *i += 1,
                '#' => {
                    while *i < chars.len() && chars[*i] != '\n' {
                        *i += 1;
                    }
                }
                _ => break,
            }
        }
        if *i >= chars.len() {
            if words.is_empty() {
                return Ok((items, false));
            }
            return Err(format!("line {line}: unexpected end of file"));
        }
        if words.is_empty() {
            start_line = *line;
        }
        match chars[*i] {
            ';' => {
                *i += 1;
                if words.is_empty() {
                    return Err(format!("line {line}: unexpected `;`"));
                }
                items.push(NginxDirective {
                    words: std::mem::take(&mut words),
                    line: start_line,
                    block: None,
                });
            }
            '{' => {
                *i += 1;
                if words.is_empty() {
                    return Err(format!("line {line}: unexpected `{{`"));
                }
                let (inner, closed) = nginx_block(chars, i, line)?;
                if !closed {
                    return Err(format!("line {line}: unexpected end of file in a block"));
                }
                items.push(NginxDirective {
                    words: std::mem::take(&mut words),
                    line: start_line,
                    block: Some(inner),
                });
            }
            '}' => {
                *i += 1;
                if !words.is_empty() {
                    return Err(format!("line {line}: unexpected `}}`"));
                }
                return Ok((items, true));
            }
            _ => words.push(nginx_word(chars, i, line)?),
        }
    }
}

/// One word, unescaped as NGINX copies it (`\"`, `\'`, `\\` lose the
/// backslash; `\t`, `\r`, `\n` are control characters; other backslashes
/// stay).
fn nginx_word(chars: &[char], i: &mut usize, line: &mut usize) -> Result<String, String> {
    let quote = match chars[*i] {
        '"' | '\'' => {
            *i += 1;
            Some(chars[*i - 1])
        }
        _ => None,
    };
    let mut raw = String::new();
    let mut variable = false;
    loop {
        let Some(&c) = chars.get(*i) else {
            return Err(format!("line {line}: unexpected end of file in a word"));
        };
        if c == '\\' {
            raw.push(c);
            if let Some(&n) = chars.get(*i + 1) {
                raw.push(n);
            }
            *i += 2;
            variable = false;
            continue;
        }
        if c == '\n' {
            *line += 1;
        }
        match quote {
            Some(q) if c == q => {
                *i += 1;
                // NGINX wants a space, `;` or `{` after a closing quote.
                match chars.get(*i) {
                    Some(' ' | '\t' | '\r' | '\n' | ';' | '{' | ')') | None => {}
                    Some(other) => {
                        return Err(format!(
                            "line {line}: unexpected `{other}` after a quoted word"
                        ));
                    }
                }
                break;
            }
            Some(_) => {}
            None => {
                if c == '{' && variable {
                    // `${name}` inside a bare word.
                } else if matches!(c, ' ' | '\t' | '\r' | '\n' | ';' | '{') {
                    break;
                }
            }
        }
        variable = c == '$';
        raw.push(c);
        *i += 1;
    }
    let mut out = String::new();
    let mut it = raw.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.peek() {
                Some('"' | '\'' | '\\') => out.push(it.next().unwrap_or('\\')),
                Some('t') => {
                    it.next();
                    out.push('\t');
                }
                Some('r') => {
                    it.next();
                    out.push('\r');
                }
                Some('n') => {
                    it.next();
                    out.push('\n');
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// NGINX's variables in a parameter that expands them: `${infrac_dollar}`
/// is a `$`, any other variable is `VAR`.
pub fn nginx_expand(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(j) => (&braced[..j], j + 2),
                None => (braced, braced.len() + 1),
            }
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..n], n)
        };
        if name == "infrac_dollar" || name.is_empty() {
            out.push('$');
        } else {
            out.push_str(VAR);
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Every word of an NGINX conf as NGINX uses it: regexes (`location ~`,
/// `rewrite`'s first, `if (… ~ …)`, `map` patterns) as written, words
/// that expand variables expanded.
pub fn nginx(text: &str) -> Result<Vec<Token>, String> {
    fn walk(items: &[NginxDirective], in_map: bool, out: &mut Vec<Token>) {
        for d in items {
            let name = d.words[0].as_str();
            for (n, w) in d.words.iter().enumerate() {
                let regex = match name {
                    "location" => d.words.get(1).is_some_and(|m| m.starts_with('~')) && n == 2,
                    "rewrite" => n == 1,
                    "if" => n >= 2 && d.words.get(n - 1).is_some_and(|op| op.contains('~')),
                    _ => in_map && n == 0 && w.starts_with('~'),
                };
                let literal = matches!(name, "location" | "include" | "server_name" | "listen")
                    || regex
                    || n == 0;
                out.push(Token {
                    text: if literal { w.clone() } else { nginx_expand(w) },
                    regex,
                    at: format!("line {}: {name}", d.line),
                });
            }
            if let Some(block) = &d.block {
                walk(block, name == "map" || name == "geo", out);
            }
        }
    }
    let items = nginx_parse(text)?;
    let mut out = Vec::new();
    walk(&items, false, &mut out);
    Ok(out)
}

/// After a `$` that compose or systemd reads: `$$` is `$`, `${VAR}` and
/// `$VAR` are `VAR`, any other `$` stays.
fn dollar(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    match chars.peek() {
        Some('$') => {
            chars.next();
            out.push('$');
        }
        Some('{') => {
            for c in chars.by_ref() {
                if c == '}' {
                    break;
                }
            }
            out.push_str(VAR);
        }
        Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                chars.next();
            }
            out.push_str(VAR);
        }
        _ => out.push('$'),
    }
}

/// Compose's interpolation.
fn compose_interpolate(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            dollar(&mut chars, &mut out);
        } else {
            out.push(c);
        }
    }
    out
}

/// Every string of a compose file, read by `PyYAML` (what docker-compose 1
/// uses), with compose's interpolation.
pub fn yaml(path: &Utf8Path) -> Result<Vec<Token>, String> {
    // Debian's Python, which has PyYAML (docker-compose depends on it).
    let out = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))",
            path.as_str(),
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok(json_strings(&json)
        .into_iter()
        .map(|mut t| {
            t.text = compose_interpolate(&t.text);
            t
        })
        .collect())
}

/// Every string of a JSON document, keys too.
pub fn json_strings(json: &serde_json::Value) -> Vec<Token> {
    fn walk(v: &serde_json::Value, path: &str, out: &mut Vec<Token>) {
        match v {
            serde_json::Value::String(s) => out.push(Token {
                text: s.clone(),
                regex: false,
                at: path.to_owned(),
            }),
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, path, out);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    out.push(Token {
                        text: k.clone(),
                        regex: false,
                        at: format!("{path}/{k} (key)"),
                    });
                    walk(item, &format!("{path}/{k}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(json, "", &mut out);
    out
}

/// systemd's specifiers: `%%` is `%`, `%x` is `VAR`.
fn systemd_specifiers(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('%') => out.push('%'),
                Some(_) | None => out.push_str(VAR),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// An `Exec*=` command line split into words as systemd does: `"…"` and
/// `'…'` quoting with C escapes, `$$` a `$`, `$VAR` and `${VAR}` variables.
fn systemd_exec_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            if quote.is_none() && c.is_whitespace() {
                break;
            }
            chars.next();
            match c {
                '"' | '\'' if quote.is_none() => quote = Some(c),
                c if Some(c) == quote => quote = None,
                '\\' => match chars.next() {
                    Some('n') => word.push('\n'),
                    Some('t') => word.push('\t'),
                    Some(other) => word.push(other),
                    None => {}
                },
                '$' => dollar(&mut chars, &mut word),
                c => word.push(c),
            }
        }
        words.push(systemd_specifiers(&word));
    }
    words
}

/// Every value of a unit file, as systemd reads it: sections, keys,
/// values (continuations joined), command lines split into words.
pub fn systemd(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let (start, mut acc) = pending.take().unwrap_or((n + 1, String::new()));
        let trimmed = line.trim();
        if acc.is_empty() && (trimmed.starts_with('#') || trimmed.starts_with(';')) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            acc.push_str(head);
            acc.push(' ');
            pending = Some((start, acc));
            continue;
        }
        acc.push_str(line);
        logical.push((start, acc));
    }
    if let Some(p) = pending {
        logical.push(p);
    }
    let mut section = String::new();
    for (n, line) in logical {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            line.clone_into(&mut section);
            out.push(Token {
                text: line.to_owned(),
                regex: false,
                at: format!("line {n}"),
            });
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {n}: not `Key=Value`: {line}"))?;
        let (key, value) = (key.trim(), value.trim());
        let at = format!("line {n}: {section} {key}");
        out.push(Token {
            text: key.to_owned(),
            regex: false,
            at: at.clone(),
        });
        if key.starts_with("Exec") {
            for w in systemd_exec_words(value) {
                out.push(Token {
                    text: w,
                    regex: false,
                    at: at.clone(),
                });
            }
        } else {
            out.push(Token {
                text: systemd_specifiers(value),
                regex: false,
                at,
            });
        }
    }
    Ok(out)
}

/// `key = value` lines of an `/etc/sysctl.d` file.
pub fn sysctl(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: not `key = value`", n + 1))?;
        for t in [key.trim(), value.trim()] {
            out.push(Token {
                text: t.to_owned(),
                regex: false,
                at: format!("line {}", n + 1),
            });
        }
    }
    Ok(out)
}

/// The fields of an `/etc/cron.d` entry (`%` in the command is a line
/// break: `VAR` here).
#[allow(clippy::unnecessary_wraps)] // the signature every reader has
pub fn cron(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        for field in line.split_whitespace() {
            out.push(Token {
                text: field.replace('%', VAR),
                regex: false,
                at: format!("line {}", n + 1),
            });
        }
    }
    Ok(out)
}
