//! Parsing and validating argument values: domains, ports, durations, cron
//! schedules, image references, URLs, paths, sysctl keys. Pure functions:
//! `Err` carries what is wrong, in words, for the diagnostic's label.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::check::say::why;

/// An environment variable name a shell, compose and systemd all take:
/// letters, digits and `_`, not starting with a digit.
pub fn env_name(s: &str) -> Result<(), String> {
    let ok = s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then_some(()).ok_or_else(why::env_name)
}

/// A Unix user name (`useradd`'s default rule).
pub fn user(s: &str) -> Result<(), String> {
    let ok = s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.len() <= 32
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c));
    ok.then_some(()).ok_or_else(why::user)
}

/// A compose project / swarm stack name.
pub fn stack(s: &str) -> Result<(), String> {
    let ok = s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c));
    ok.then_some(()).ok_or_else(why::stack)
}

/// A systemd unit name.
pub fn unit_name(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":-_.@".contains(c));
    ok.then_some(()).ok_or_else(why::unit_name)
}

/// A DNS name (RFC 1123 labels), optionally with a leading `*.` wildcard.
pub fn domain(s: &str) -> Result<(), String> {
    if s.contains("://") {
        return Err(why::domain_has_scheme());
    }
    if s.contains('/') {
        return Err(why::domain_has_path());
    }
    if s.contains(':') {
        return Err(why::domain_has_port());
    }
    let name = s.strip_prefix("*.").unwrap_or(s);
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Err(why::domain_empty());
    }
    if s.len() > 253 {
        return Err(why::domain_too_long(s.len()));
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err(why::domain_empty_label());
        }
        if label.len() > 63 {
            return Err(why::domain_label_too_long(label));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(why::domain_char(c));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(why::domain_label_hyphen(label));
        }
    }
    if name
        .split('.')
        .next_back()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(why::domain_numeric_tld());
    }
    Ok(())
}

/// `N`, `Nk`, `Nm`, `Ng` (binary, either case) → bytes; at least 1.
pub fn size(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], Some(c.to_ascii_lowercase())),
        _ => (s, None),
    };
    let shift = match unit {
        None => 0,
        Some('k') => 10,
        Some('m') => 20,
        Some('g') => 30,
        Some(c) => return Err(why::size_unit(c)),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(why::size_shape());
    }
    let n: u64 = digits.parse().map_err(|_| why::number_too_large())?;
    if n == 0 {
        return Err(why::size_zero());
    }
    n.checked_mul(1 << shift)
        .filter(|b| *b <= 1 << 40)
        .ok_or_else(why::size_too_large)
}

pub fn port(s: &str) -> Result<u16, String> {
    match s.parse::<u32>() {
        Ok(0) => Err(why::port_zero()),
        Ok(p) if p <= 65535 => Ok(u16::try_from(p).unwrap_or(u16::MAX)),
        Ok(p) => Err(why::port_too_high(p)),
        Err(_) => Err(why::not_a_number()),
    }
}

/// A container image reference: `[registry[:port]/]path[:tag][@digest]`.
pub fn image(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(why::image_empty());
    }
    if s.chars().any(char::is_whitespace) {
        return Err(why::image_space());
    }
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let valid = d.split_once(':').is_some_and(|(alg, hex)| {
            !alg.is_empty()
                && alg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+._-".contains(c))
                && hex.len() >= 32
                && hex.chars().all(|c| c.is_ascii_hexdigit())
        });
        if !valid {
            return Err(why::image_digest(d));
        }
    }
    // A tag is after the last `:` that follows the last `/`.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        let ok = !tag.is_empty()
            && tag.len() <= 128
            && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !ok {
            return Err(why::image_tag(tag));
        }
    }
    let mut components: Vec<&str> = name.split('/').collect();
    // A first component with a `.` or `:` or `localhost` is a registry.
    if components.len() > 1 && (components[0].contains(['.', ':']) || components[0] == "localhost")
    {
        let registry = components.remove(0);
        if registry.starts_with(['.', ':', '-']) {
            return Err(why::image_registry(registry));
        }
    }
    for c in components {
        if c.is_empty() {
            return Err(why::image_empty_component());
        }
        if c.chars().any(|ch| ch.is_ascii_uppercase()) {
            return Err(why::image_upper_case(c));
        }
        if let Some(bad) = c
            .chars()
            .find(|ch| !(ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(*ch)))
        {
            return Err(why::image_char(bad));
        }
        if c.starts_with(['.', '_', '-']) || c.ends_with(['.', '_', '-']) {
            return Err(why::image_separator(c));
        }
    }
    Ok(())
}

/// A parsed `http(s)://host[:port][/path]`.
#[derive(Debug, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
    pub path: String,
}

/// Characters a URL may hold as they are (RFC 3986: unreserved, reserved
/// but for `#`, `[` and `]`) besides `%XX` escapes and letters of any script.
fn url_char(c: char) -> bool {
    c.is_alphanumeric() || "-._~!$&'()*+,;=:@/?".contains(c)
}

/// `%` only as `%XX`; every other character a URL character.
fn url_text(s: &str, extra: &str) -> Result<(), String> {
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        if c == '%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return Err(why::url_bad_escape());
            }
        } else if !(url_char(c) || extra.contains(c)) {
            return Err(why::url_char(c));
        }
    }
    Ok(())
}

/// A URL (`http://` or `https://`), parsed by the `url` crate; `Err` says
/// what is wrong.
pub fn url(s: &str) -> Result<Url, String> {
    let (scheme, rest) = s.split_once("://").ok_or_else(why::url_no_scheme)?;
    if scheme != "http" && scheme != "https" {
        return Err(why::url_scheme(scheme));
    }
    url_text(rest, "[]")?;
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    if authority.contains('@') {
        return Err(why::url_credentials());
    }
    let parsed = ::url::Url::parse(s).map_err(why::url_parser)?;
    let host = match parsed.host() {
        Some(::url::Host::Domain(d)) => {
            // Container names (`opam_live`) may have underscores.
            domain(&d.replace('_', "-")).map_err(|e| why::url_host(d, &e))?;
            d.to_owned()
        }
        Some(::url::Host::Ipv4(a)) => a.to_string(),
        Some(::url::Host::Ipv6(a)) => format!("[{a}]"),
        None => return Err(why::url_no_host()),
    };
    let port = parsed.port();
    let path = &rest[authority.len()..];
    Ok(Url {
        scheme: scheme.to_owned(),
        host,
        port,
        path: path.to_owned(),
    })
}

/// A path that is normalised and plain enough for every format: absolute,
/// no `..`, no empty or `.` components, letters, digits and `._~+@=,-`.
/// Returns it normalised (`//` and a trailing `/` dropped).
pub fn absolute_path(s: &str) -> Result<String, PathProblem> {
    if !s.starts_with('/') {
        return Err(PathProblem::NotAbsolute);
    }
    plain_path(s)
}

#[derive(Debug, PartialEq, Eq)]
pub enum PathProblem {
    NotAbsolute,
    Escapes,
    Invalid(String),
}

/// A relative or absolute path with the characters of [`absolute_path`],
/// normalised.
pub fn plain_path(s: &str) -> Result<String, PathProblem> {
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_alphanumeric() || "/._~+@=,-".contains(*c)))
    {
        return Err(PathProblem::Invalid(why::path_char(c)));
    }
    no_parent(s)?;
    let absolute = s.starts_with('/');
    let parts: Vec<&str> = s
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let joined = parts.join("/");
    Ok(match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    })
}

/// No `..` components and no NUL or newline.
pub fn no_parent(s: &str) -> Result<(), PathProblem> {
    if let Some(c) = s.chars().find(|c| *c == '\0' || *c == '\n') {
        return Err(PathProblem::Invalid(why::path_line_char(c)));
    }
    if s.split('/').any(|c| c == "..") {
        return Err(PathProblem::Escapes);
    }
    Ok(())
}

/// A URL path (`/old/*`, `/docs/`, `/new/{rest}`), which must start with
/// `/`. `placeholders`: infrac's `{name}` placeholders may stand in it
/// (checked by name elsewhere), and a query may follow (a target);
/// otherwise it is matched against requests: no `%` escapes (the two
/// proxies match them differently) and no query.
pub fn url_path(s: &str, placeholders: bool) -> Result<(), PathProblem> {
    if !s.starts_with('/') {
        return Err(PathProblem::NotAbsolute);
    }
    let text = if placeholders {
        strip_placeholders(s)
    } else {
        s.to_owned()
    };
    if !placeholders && let Some(c) = text.chars().find(|c| matches!(c, '%' | '?')) {
        return Err(PathProblem::Invalid(why::path_match_char(c)));
    }
    url_text(&text, "").map_err(PathProblem::Invalid)?;
    no_parent(s)
}

/// Text with `{name}` placeholders removed.
#[must_use]
pub fn strip_placeholders(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        let name = &rest[i + 1..i + j];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            break;
        }
        out.push_str(&rest[..i]);
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

pub fn email(s: &str) -> Result<(), String> {
    super::text::email(s)
}

static SYSCTL_KEYS: LazyLock<(HashSet<&'static str>, Vec<&'static str>)> = LazyLock::new(|| {
    let all: Vec<&str> = include_str!("../../../data/sysctl-keys.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    (all.iter().copied().collect(), all)
});

/// Whether `key` is a Linux kernel setting (dots or slashes as separators);
/// per-interface keys match `*` in the table.
#[must_use]
pub fn sysctl_key_known(key: &str) -> bool {
    let key = key.replace('/', ".");
    let (set, _) = &*SYSCTL_KEYS;
    if set.contains(key.as_str()) {
        return true;
    }
    let parts: Vec<&str> = key.split('.').collect();
    if parts.len() > 4 {
        let mut generic = parts.clone();
        generic[3] = "*";
        if set.contains(generic.join(".").as_str()) {
            return true;
        }
    }
    false
}

/// Every known sysctl key, for "did you mean".
pub fn sysctl_keys() -> impl Iterator<Item = &'static str> {
    SYSCTL_KEYS.1.iter().copied()
}

/// Placeholders in a redirect target or try-files candidate: `{name}`.
#[must_use]
pub fn placeholders(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push(&rest[i + 1..i + j]);
        rest = &rest[i + j + 1..];
    }
    out
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert!(domain("opam.ocaml.org").is_ok());
        assert!(domain("*.ocaml.org").is_ok());
        assert!(domain("xn--bcher-kva.example").is_ok());
        assert!(domain("https://ocaml.org").is_err());
        assert!(domain("ocaml..org").is_err());
        assert!(domain("-ocaml.org").is_err());
        assert!(domain("oc_aml.org").is_err());
        assert!(domain("10.0.0.1").is_err());
    }

    #[test]
    fn images() {
        for ok in [
            "caddy",
            "caddy:2.11",
            "ocurrent/opam.ocaml.org:live",
            "ghcr.io/org/app:v1.2",
            "localhost:5000/app",
            "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(image(ok).is_ok(), "{ok}");
        }
        for bad in [
            "Caddy",
            "caddy:",
            "caddy::1",
            "org//app",
            "app:-x",
            "a b",
            "nginx@sha256:xyz",
        ] {
            assert!(image(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls() {
        let u = url("https://opam-5.ocaml.org:8443/x").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("opam-5.ocaml.org", Some(8443), "/x")
        );
        assert_eq!(url("http://[::1]:8080").unwrap().host, "[::1]");
        assert!(url("http://opam_live").is_ok());
        assert!(url("ftp://x.org").is_err());
        assert!(url("x.org").is_err());
        assert!(url("https://x.org/a b").is_err());
        assert!(url("https://user:pw@x.org/").is_err());
        assert!(url("https://x.org/\"x").is_err());
        assert!(url("http://x.org:99999").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(size("512"), Ok(512));
        assert_eq!(size("1k"), Ok(1024));
        assert_eq!(size("100M"), Ok(100 << 20));
        assert_eq!(size("1g"), Ok(1 << 30));
        for bad in ["", "m", "0", "0k", "100mb", "1.5m", "-1k", "2000g"] {
            assert!(size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sysctl_keys_table() {
        assert!(sysctl_key_known("net.core.default_qdisc"));
        assert!(sysctl_key_known("net.ipv4.tcp_keepalive_time"));
        assert!(sysctl_key_known("net.ipv4.conf.eth1.rp_filter"));
        assert!(sysctl_key_known("net/ipv4/tcp_congestion_control"));
        assert!(!sysctl_key_known("net.ipv4.tcp_keepalive"));
    }

    #[test]
    fn paths() {
        assert_eq!(absolute_path("/var/www"), Ok("/var/www".to_owned()));
        assert_eq!(absolute_path("/var//www/./"), Ok("/var/www".to_owned()));
        assert!(absolute_path("/x; return 200 pwned").is_err());
        assert!(absolute_path("/x$y").is_err());
        assert!(url_path("/x;internal", false).is_ok());
        assert!(url_path("/x#y", false).is_err());
        assert!(url_path("/a b", false).is_err());
        assert!(url_path("/a%20b", false).is_err());
        assert!(url_path("/a%20b{rest}?q=1", true).is_ok());
        assert!(url_path("/a%2", true).is_err());
        assert!(url_path("/{env.HOME}", true).is_err());
        assert_eq!(absolute_path("var/www"), Err(PathProblem::NotAbsolute));
        assert_eq!(absolute_path("/var/../etc"), Err(PathProblem::Escapes));
        assert_eq!(no_parent("docs/../../etc"), Err(PathProblem::Escapes));
    }
}
