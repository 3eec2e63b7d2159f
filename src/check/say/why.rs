//! Why a value breaks its rule: the label under the value. The pure rules
//! of `check::value` return these; each function is one reason.

use crate::diag::one_of;

// Names (`rules`).
pub(crate) fn env_name() -> String {
    "letters, digits and `_`, not starting with a digit".into()
}
pub(crate) fn user() -> String {
    "expected a Unix user name".into()
}
pub(crate) fn stack() -> String {
    "Docker project names are lower case".into()
}
pub(crate) fn unit_name() -> String {
    "expected a name such as `network-online.target`".into()
}

// Domains.
pub(crate) fn domain_has_scheme() -> String {
    "a domain has no scheme: write the name only".into()
}
pub(crate) fn domain_has_path() -> String {
    "a domain has no path".into()
}
pub(crate) fn domain_has_port() -> String {
    "a domain has no port".into()
}
pub(crate) fn domain_empty() -> String {
    "empty domain name".into()
}
pub(crate) fn domain_too_long(len: usize) -> String {
    format!("{len} characters; a domain has at most 253")
}
pub(crate) fn domain_empty_label() -> String {
    "empty label (two dots in a row)".into()
}
pub(crate) fn domain_label_too_long(label: &str) -> String {
    format!("label `{label}` is longer than 63 characters")
}
pub(crate) fn domain_char(c: char) -> String {
    format!("`{c}` is not allowed in a domain name")
}
pub(crate) fn domain_label_hyphen(label: &str) -> String {
    format!("label `{label}` starts or ends with `-`")
}
pub(crate) fn domain_numeric_tld() -> String {
    "the last label is all digits (an IP address is not a domain)".into()
}

// Ports.
pub(crate) fn port_zero() -> String {
    "port 0 is not a port".into()
}
pub(crate) fn port_too_high(p: u32) -> String {
    format!("{p} is above 65535")
}
pub(crate) fn not_a_number() -> String {
    "not a number".into()
}

// Sizes.
pub(crate) fn size_unit(c: char) -> String {
    format!("`{c}` is not a unit: `k`, `m` or `g`")
}
pub(crate) fn size_shape() -> String {
    "expected a number, then `k`, `m` or `g`".into()
}
pub(crate) fn size_zero() -> String {
    "a size of zero".into()
}
pub(crate) fn size_too_large() -> String {
    "more than 1 TiB".into()
}

// Images.
pub(crate) fn image_empty() -> String {
    "empty image reference".into()
}
pub(crate) fn image_space() -> String {
    "an image reference has no spaces".into()
}
pub(crate) fn image_digest(d: &str) -> String {
    format!("`@{d}` is not a digest (`sha256:` and 64 hex digits)")
}
pub(crate) fn image_tag(tag: &str) -> String {
    format!("`{tag}` is not a valid tag")
}
pub(crate) fn image_registry(registry: &str) -> String {
    format!("`{registry}` is not a registry host")
}
pub(crate) fn image_empty_component() -> String {
    "empty path component (`//`)".into()
}
pub(crate) fn image_upper_case(c: &str) -> String {
    format!("`{c}` has upper-case letters; image names are lower case")
}
pub(crate) fn image_char(bad: char) -> String {
    format!("`{bad}` is not allowed in an image name")
}
pub(crate) fn image_separator(c: &str) -> String {
    format!("`{c}` starts or ends with a separator")
}

// URLs.
pub(crate) fn url_bad_escape() -> String {
    "`%` starts an escape such as `%20`".into()
}
pub(crate) fn url_char(c: char) -> String {
    match c {
        c if c.is_whitespace() => "a URL has no white space: write `%20`".to_owned(),
        '{' | '}' => "braces are only infrac's placeholders (`{path}`, …)".to_owned(),
        c => format!("`{c}` is not allowed in a URL: write it %-escaped"),
    }
}
pub(crate) fn url_no_scheme() -> String {
    "no scheme: write `http://` or `https://`".into()
}
pub(crate) fn url_scheme(scheme: &str) -> String {
    format!("`{scheme}://` is not supported: use `http://` or `https://`")
}
pub(crate) fn url_credentials() -> String {
    "a URL with a user name or password: keep credentials out of the source".into()
}
/// What the `url` crate says, as it says it.
pub(crate) fn url_parser(e: ::url::ParseError) -> String {
    e.to_string()
}
pub(crate) fn url_host(host: &str, why: &str) -> String {
    format!("host `{host}`: {why}")
}
pub(crate) fn url_no_host() -> String {
    "no host".into()
}

// Paths.
pub(crate) fn path_char(c: char) -> String {
    let what = match c {
        c if c.is_whitespace() => "white space".to_owned(),
        c => format!("`{c}`"),
    };
    format!("{what} is not allowed in a path here")
}
pub(crate) fn path_line_char(c: char) -> String {
    format!("{c:?} is not allowed in a path")
}
pub(crate) fn path_match_char(c: char) -> String {
    format!("`{c}` is not allowed in a path to match: write the characters themselves")
}

// Any value (pass 0).
pub(crate) fn forbidden_char(c: char) -> String {
    let what = match c {
        '\n' | '\r' => "a line break",
        '\t' => "a tab",
        '\u{2028}' | '\u{2029}' => "a Unicode line or paragraph separator",
        c if c.is_control() => "a control character",
        _ => "an invisible formatting character",
    };
    format!("U+{:04X} ({what}) cannot be part of a value", u32::from(c))
}
pub(crate) fn value_too_long(len: usize, max: usize) -> String {
    format!("{len} bytes; a value is at most {max} (NGINX cannot read longer parameters)")
}

// Text with rules of its own (`text`).
pub(crate) fn header_name_empty() -> String {
    "an empty header name".into()
}
pub(crate) fn header_name_char(c: char) -> String {
    format!("`{c}` is not allowed in a header name")
}
pub(crate) fn braces() -> String {
    "Caddy reads `{…}` as a placeholder or an environment variable".into()
}
pub(crate) fn surrounding_space(who: &str) -> String {
    format!("{who} drops white space at the start and end")
}
pub(crate) fn empty_value() -> String {
    "an empty value".into()
}
pub(crate) fn unit_continuation() -> String {
    "systemd joins the next line to a value ending in `\\`".into()
}
pub(crate) fn file_name_expected() -> String {
    "expected a name such as `.git`".into()
}
pub(crate) fn file_name_slash() -> String {
    "a name, not a path: no `/`".into()
}
pub(crate) fn file_name_char(c: char) -> String {
    format!("`{c}` is not allowed in a file name here")
}
pub(crate) fn query_param_empty() -> String {
    "an empty parameter name".into()
}
pub(crate) fn query_param_char(c: char) -> String {
    format!("`{c}` is not allowed in a parameter's name or value")
}
pub(crate) fn query_value_empty() -> String {
    "an empty value: write the name alone for \"any value\"".into()
}
pub(crate) fn branch_empty() -> String {
    "an empty branch name".into()
}
pub(crate) fn branch_option() -> String {
    "starts with `-`: git would read it as an option".into()
}
pub(crate) fn branch_char(c: char) -> String {
    format!("`{c}` is not allowed in a git branch name")
}
pub(crate) fn branch_dots() -> String {
    "`..` and `@{` are not allowed in a git branch name".into()
}
pub(crate) fn branch_empty_component() -> String {
    "a branch name has no empty component".into()
}
pub(crate) fn branch_component(component: &str) -> String {
    format!("`{component}`: a component starts with `.` or ends with `.lock`")
}
pub(crate) fn branch_trailing_dot() -> String {
    "a branch name does not end with `.`".into()
}
pub(crate) fn email_shape() -> String {
    "not an e-mail address (`name@example.org`)".into()
}
pub(crate) fn email_user(user: &str) -> String {
    format!("`{user}` is not the name part of an e-mail address")
}
pub(crate) fn email_host(host: &str, why: &str) -> String {
    format!("`{host}`: {why}")
}
pub(crate) fn resolver() -> String {
    "expected an IP address, optionally with a port".into()
}
pub(crate) fn network() -> String {
    "expected an IP address or a network, like `10.0.0.0/8`".into()
}
pub(crate) fn prefix_length(max: u32) -> String {
    format!("the prefix length is a number from 0 to {max}")
}
pub(crate) fn host_bits(network: &str) -> String {
    format!("the address has bits set past its prefix: the network is `{network}`")
}
pub(crate) fn admin_socket() -> String {
    "`unix/` needs an absolute socket path: `unix//run/caddy-admin.sock`".into()
}
pub(crate) fn admin_shape() -> String {
    "expected `HOST:PORT`, `unix//PATH` or `off`".into()
}
pub(crate) fn admin_host(host: &str) -> String {
    format!("`{host}` is not a host name or an IP address")
}

// Time.
pub(crate) fn duration_empty() -> String {
    "empty duration".into()
}
pub(crate) fn duration_unit(c: char) -> String {
    format!("`{c}` is not a unit (s, m, h, d)")
}
pub(crate) fn duration_no_number(c: char) -> String {
    format!("`{c}` has no number before it")
}
pub(crate) fn number_too_large() -> String {
    "number too large".into()
}
pub(crate) fn duration_too_large() -> String {
    "duration too large".into()
}
pub(crate) fn duration_no_unit(digits: &str) -> String {
    format!("`{digits}` has no unit: write `{digits}s`, `{digits}m` or `{digits}h`")
}
pub(crate) fn duration_zero() -> String {
    "a duration of zero".into()
}
pub(crate) fn every_seconds() -> String {
    "cron runs at most once a minute: use whole minutes".into()
}
pub(crate) fn every_uneven(minutes: u64) -> String {
    format!("{minutes} minutes does not divide an hour or a day evenly; write a `schedule`")
}
pub(crate) fn calendar_shape() -> String {
    "expected `[WEEKDAYS] [DATE] [TIME]`".into()
}
pub(crate) fn calendar_weekdays(first: &str) -> String {
    format!("`{first}` is not a weekday list (`Mon..Fri`)")
}
pub(crate) fn calendar_part(part: &str) -> String {
    format!("`{part}` is neither a date (`*-*-1`) nor a time (`03:00`)")
}
pub(crate) fn cron_macro(name: &str) -> String {
    format!("`@{name}` is not a cron macro")
}
pub(crate) fn cron_fields(n: usize) -> String {
    format!("{n} fields; a schedule has 5: minute hour day month weekday")
}
/// A cron field's reason, prefixed with which field (`minute`, `hour`,
/// `day of month`, `month`, `day of week`).
pub(crate) fn cron_field(field: &str, why: &str) -> String {
    format!("{field}: {why}")
}
pub(crate) fn cron_number(v: &str) -> String {
    format!("`{v}` is not a number")
}
pub(crate) fn cron_range(n: u32, lo: u32, hi: u32) -> String {
    format!("{n} is outside {lo}-{hi}")
}
pub(crate) fn cron_step_number(step: &str) -> String {
    format!("step `{step}` is not a number")
}
pub(crate) fn cron_step_range(n: u32, hi: u32) -> String {
    format!("step {n} is outside 1-{hi}")
}
pub(crate) fn cron_step_of_number(n: &str, step: &str) -> String {
    format!("`{n}/{step}` steps one number: write `*/{step}` or `{n}-MAX/{step}`")
}
pub(crate) fn cron_backwards(a: u32, b: u32) -> String {
    format!("range {a}-{b} runs backwards")
}

// Unit settings.
pub(crate) fn unit_setting_unknown(section: &str, key: &str) -> String {
    format!("`{section}.{key}` is not a setting infrac writes")
}
pub(crate) fn unit_bool() -> String {
    "expected `yes` or `no`".into()
}
pub(crate) fn unit_choice(choices: &[&str]) -> String {
    format!("expected {}", one_of(choices))
}
pub(crate) fn unit_path() -> String {
    "expected an absolute path".into()
}
pub(crate) fn unit_paths() -> String {
    "expected absolute paths separated by spaces".into()
}
pub(crate) fn unit_span() -> String {
    "expected a time span such as `30s` or `5min`".into()
}
pub(crate) fn unit_number() -> String {
    "expected a number".into()
}
pub(crate) fn unit_units() -> String {
    "expected unit names such as `network-online.target`".into()
}
pub(crate) fn unit_group() -> String {
    "expected a user or group name".into()
}
pub(crate) fn unit_assignment() -> String {
    "expected one `NAME=VALUE` without spaces, quotes, `%` or `$`".into()
}
pub(crate) fn unit_urls() -> String {
    "expected URLs (`https://…` or `man:…`) separated by spaces".into()
}
