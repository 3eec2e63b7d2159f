//! What text a value may be, checked once here for every format it may
//! reach (`crate::quote` says how each format writes it):
//!
//! - pass 0 ([`check_all`]): every value of the program, whatever the
//!   directive, is visible text of bounded length — no control characters
//!   (line breaks included), no Unicode separators or invisible formatting
//!   characters, at most [`MAX_VALUE`] bytes;
//! - typed checks for values with rules of their own (header names and
//!   values, file names, query parameters, git refs, e-mail addresses,
//!   Caddy's admin address, unit and sysctl values).
//!
//! Pure functions: `Err` says what is wrong, for the diagnostic's label.

use crate::check::say::{self, why};
use crate::diag::{Code, Diagnostic};
use crate::quote;
use crate::syntax::{Arg, ArgKind, Ast, Directive};

/// The longest value: NGINX reads a parameter into a 4 KiB buffer.
pub const MAX_VALUE: usize = 2048;

/// The longest declaration name: names become file names, swarm service
/// names (at most 63 characters with the stack's) and NGINX identifiers.
pub const MAX_NAME: usize = 64;

/// Why a value cannot be text at all, if it cannot.
#[must_use]
pub fn problem(text: &str) -> Option<(Code, String, &'static str)> {
    if let Some(c) = text.chars().find(|c| quote::forbidden_char(*c)) {
        return Some((
            Code::InvalidCharacter,
            why::forbidden_char(c),
            say::value::REMOVE_CHARACTER,
        ));
    }
    if text.len() > MAX_VALUE || quote::nginx::written_len(text) > quote::nginx::MAX_PARAM {
        return Some((
            Code::ValueTooLong,
            why::value_too_long(text.len(), MAX_VALUE),
            say::value::SHORTEN,
        ));
    }
    None
}

/// Pass 0: every argument of every directive of a file.
pub(crate) fn check_file(ast: &Ast<'_>, report: &mut dyn FnMut(Diagnostic)) {
    fn arg(a: &Arg<'_>, report: &mut dyn FnMut(Diagnostic)) {
        if let ArgKind::List(items) = &a.kind {
            for item in items {
                arg(item, report);
            }
        } else {
            let text = a.text().unwrap_or_default();
            if let Some((code, label, help)) = problem(text) {
                report(say::value::cannot_be_written(
                    code, a.span, text, label, help,
                ));
            }
        }
    }
    fn directive(d: &Directive<'_>, report: &mut dyn FnMut(Diagnostic)) {
        for a in &d.args {
            arg(a, report);
        }
        if let Some(block) = &d.block {
            for item in &block.items {
                directive(item, report);
            }
        }
    }
    for d in &ast.items {
        directive(d, report);
    }
}

/// A header name: letters, digits, `-` and `_`.
pub fn header_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(why::header_name_empty());
    }
    match s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        Some(c) => Err(why::header_name_char(c)),
        None => Ok(()),
    }
}

/// Braces: Caddy expands `{…}` and `{$VAR}` wherever they are.
fn no_braces(s: &str) -> Result<(), String> {
    if s.contains(['{', '}']) {
        return Err(why::braces());
    }
    Ok(())
}

fn no_surrounding_space(s: &str, who: &str) -> Result<(), String> {
    if s.trim() != s {
        return Err(why::surrounding_space(who));
    }
    Ok(())
}

/// A response header's value, as HTTP and both proxies carry it.
pub fn header_value(s: &str) -> Result<(), String> {
    no_braces(s)?;
    no_surrounding_space(s, "HTTP")
}

/// A value in a unit file (`description`, a `set` value).
pub fn unit_text(s: &str) -> Result<(), String> {
    no_surrounding_space(s, "systemd")?;
    if s.is_empty() {
        return Err(why::empty_value());
    }
    if s.ends_with('\\') {
        return Err(why::unit_continuation());
    }
    Ok(())
}

/// A kernel setting's value in `/etc/sysctl.d`.
pub fn sysctl_value(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(why::empty_value());
    }
    no_surrounding_space(s, "sysctl")
}

/// A file or folder name (`hide .git`): no `/`, nothing a shell, a regex
/// or a config would read specially.
pub fn file_name(s: &str) -> Result<(), String> {
    if s.is_empty() || s == "." || s == ".." {
        return Err(why::file_name_expected());
    }
    match s
        .chars()
        .find(|c| !(c.is_alphanumeric() || "._~+@=,-".contains(*c)))
    {
        Some('/') => Err(why::file_name_slash()),
        Some(c) => Err(why::file_name_char(c)),
        None => Ok(()),
    }
}

/// A query parameter's name, or name and value (`unless_query legacy`,
/// `unless_query reallystable=1`): characters a URL carries as they are,
/// so both proxies read them alike.
pub fn query_param(s: &str) -> Result<(), String> {
    let (name, value) = match s.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (s, None),
    };
    if name.is_empty() {
        return Err(why::query_param_empty());
    }
    if value == Some("") {
        return Err(why::query_value_empty());
    }
    match name
        .chars()
        .chain(value.unwrap_or("").chars())
        .find(|c| !(c.is_ascii_alphanumeric() || "._~-".contains(*c)))
    {
        Some(c) => Err(why::query_param_char(c)),
        None => Ok(()),
    }
}

/// A branch name by git's rules (`git check-ref-format --branch`), and not
/// an option.
pub fn git_ref(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(why::branch_empty());
    }
    if s.starts_with('-') {
        return Err(why::branch_option());
    }
    if let Some(c) = s
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(*c))
    {
        return Err(why::branch_char(c));
    }
    if s.contains("..") || s.contains("@{") || s == "@" {
        return Err(why::branch_dots());
    }
    if s.starts_with('/') || s.ends_with('/') || s.contains("//") {
        return Err(why::branch_empty_component());
    }
    for component in s.split('/') {
        if component.starts_with('.') || component.ends_with(".lock") {
            return Err(why::branch_component(component));
        }
    }
    if s.ends_with('.') {
        return Err(why::branch_trailing_dot());
    }
    Ok(())
}

/// An e-mail address as ACME and certbot take it.
pub fn email(s: &str) -> Result<(), String> {
    let Some((user, host)) = s.rsplit_once('@') else {
        return Err(why::email_shape());
    };
    let user_ok = !user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
        && !user.starts_with('-');
    if !user_ok {
        return Err(why::email_user(user));
    }
    super::rules::domain(host).map_err(|e| why::email_host(host, &e))
}

/// A DNS resolver NGINX asks: an IP address, optionally with a port
/// (`127.0.0.11`, `127.0.0.1:5353`, `[::1]:5353`, `::1`).
pub fn resolver(s: &str) -> Result<(), String> {
    let ok = s.parse::<std::net::IpAddr>().is_ok()
        || s.parse::<std::net::SocketAddr>()
            .is_ok_and(|a| a.port() != 0);
    ok.then_some(()).ok_or_else(why::resolver)
}

/// A trusted proxy: an IP address, or a network whose address has no bits
/// past its prefix (`10.0.0.0/8`, not `10.0.0.1/8`: NGINX warns that
/// those bits mean nothing).
pub fn network(s: &str) -> Result<(), String> {
    let (address, length) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let ip: std::net::IpAddr = address.parse().map_err(|_| why::network())?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let Some(length) = length else {
        return Ok(());
    };
    let length: u32 = length
        .parse()
        .ok()
        .filter(|l| *l <= max)
        .ok_or_else(|| why::prefix_length(max))?;
    let bits = match ip {
        std::net::IpAddr::V4(a) => u128::from(a.to_bits()) << 96,
        std::net::IpAddr::V6(a) => a.to_bits(),
    };
    let host_bits = bits.checked_shl(length).unwrap_or(0);
    if host_bits == 0 {
        Ok(())
    } else {
        let network = bits & !(u128::MAX.checked_shr(length).unwrap_or(0));
        let network = match ip {
            std::net::IpAddr::V4(_) => std::net::IpAddr::from(std::net::Ipv4Addr::from_bits(
                u32::try_from(network >> 96).unwrap_or(0),
            )),
            std::net::IpAddr::V6(_) => {
                std::net::IpAddr::from(std::net::Ipv6Addr::from_bits(network))
            }
        };
        Err(why::host_bits(&format!("{network}/{length}")))
    }
}

/// Caddy's admin endpoint: `off`, `HOST:PORT` on loopback or an address,
/// or `unix//PATH`.
pub fn caddy_admin(s: &str) -> Result<(), String> {
    if s == "off" {
        return Ok(());
    }
    if let Some(path) = s.strip_prefix("unix/") {
        return super::rules::absolute_path(path)
            .map(|_| ())
            .map_err(|_| why::admin_socket());
    }
    let (host, port) = s.rsplit_once(':').ok_or_else(why::admin_shape)?;
    super::rules::port(port)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok()
        || super::rules::domain(host).is_ok()
    {
        Ok(())
    } else {
        Err(why::admin_host(host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_test_is_a_name_or_a_name_and_one_value() {
        assert_eq!(query_param("legacy"), Ok(()));
        assert_eq!(query_param("reallystable=1"), Ok(()));
        assert_eq!(query_param("keep-it.~1=a_b"), Ok(()));
        assert_eq!(query_param("reallystable="), Err(why::query_value_empty()));
        assert_eq!(query_param("=1"), Err(why::query_param_empty()));
        assert_eq!(query_param("a=1=2"), Err(why::query_param_char('=')));
        assert_eq!(query_param("a=b c"), Err(why::query_param_char(' ')));
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks_without_host_bits() {
        for ok in [
            "10.0.0.0/8",
            "192.0.2.7",
            "192.0.2.7/32",
            "0.0.0.0/0",
            "2001:db8::/32",
            "::1",
        ] {
            assert_eq!(network(ok), Ok(()), "{ok}");
        }
        assert_eq!(network("10.0.0.1/8"), Err(why::host_bits("10.0.0.0/8")));
        assert_eq!(
            network("2001:db8::1/32"),
            Err(why::host_bits("2001:db8::/32"))
        );
        assert_eq!(network("10.0.0.0/33"), Err(why::prefix_length(32)));
        assert_eq!(network("::/129"), Err(why::prefix_length(128)));
        assert_eq!(network("lb.example.org"), Err(why::network()));
    }

    #[test]
    fn values_are_visible_bounded_text() {
        assert!(problem("ok value").is_none());
        assert_eq!(problem("a\nb").unwrap().0, Code::InvalidCharacter);
        assert_eq!(problem("a\u{202e}b").unwrap().0, Code::InvalidCharacter);
        assert_eq!(
            problem(&"a".repeat(MAX_VALUE + 1)).unwrap().0,
            Code::ValueTooLong
        );
        assert_eq!(problem(&"$".repeat(300)).unwrap().0, Code::ValueTooLong);
    }

    #[test]
    fn git_refs_follow_gits_rules() {
        for ok in ["gh-pages", "main", "release/1.2", "v1.0"] {
            assert!(git_ref(ok).is_ok(), "{ok}");
        }
        for bad in [
            "--upload-pack=x",
            "a..b",
            "a b",
            ".hidden",
            "x.lock",
            "a/",
            "@{x",
            "a:b",
        ] {
            assert!(git_ref(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn typed_text() {
        assert!(header_value("max-age=63072000; includeSubDomains").is_ok());
        assert!(header_value("{env.HOME}").is_err());
        assert!(header_value(" x").is_err());
        assert!(unit_text("100% done").is_ok());
        assert!(unit_text("x\\").is_err());
        assert!(email("ops@example.org").is_ok());
        assert!(email("a{$X}@example.org").is_err());
        assert!(caddy_admin("localhost:2019").is_ok());
        assert!(caddy_admin("unix//run/caddy.sock").is_ok());
        assert!(caddy_admin("x; respond").is_err());
        assert!(resolver("127.0.0.11").is_ok() && resolver("[::1]:5353").is_ok());
        assert!(resolver("::1").is_ok());
        assert!(resolver("127.0.0.1:53; return 200 pwned; #").is_err());
        assert!(file_name(".git").is_ok());
        assert!(file_name("a b").is_err());
        assert!(query_param("legacy").is_ok());
        assert!(query_param("a\"b").is_err());
    }
}
