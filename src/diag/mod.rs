//! The one diagnostic type, its stable codes and their explanations, and the
//! two ways of showing it: miette's report for people, JSON for tools.
//!
//! Every error and warning infrac reports about its input is a [`Diagnostic`]
//! with a [`Code`]; all prose about a code (what it means and how to fix it)
//! lives in this file.

use std::fmt;

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

macro_rules! codes {
    ($($variant:ident = $name:literal, $severity:ident, $explain:literal;)*) => {
        /// A stable diagnostic code, shown as `infrac::<name>`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The name after `infrac::`.
            #[must_use]
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// Whether this code stops a build.
            #[must_use]
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// What the code means, why it matters, and how to fix it
            /// (`infrac explain CODE`).
            #[must_use]
            pub fn explain(self) -> &'static str {
                match self { $(Code::$variant => $explain,)* }
            }
        }
    };
}

codes! {
    Syntax = "syntax", Error,
"The file does not have the shape of an infrac file.

Every line is one directive: a name, its arguments, and optionally a block in
braces. Strings are in double quotes and end on the line they start on.

    site blog {
        domains example.org www.example.org
        proxy blog
    }

Fix: close the brace or quote the message points at, or start the line with a
directive name.";

    UnknownDirective = "unknown-directive", Error,
"A block contains a directive that this kind of block does not take, or a
top-level declaration is not one infrac knows.

    site blog {
        proxyy blog      # a typo of `proxy`
    }

Fix: use one of the directives the message lists (it suggests the closest).
`infrac explain` for a declaration kind lists what it takes.";

    MissingArgument = "missing-argument", Error,
"A directive has fewer arguments than it needs.

    tls files /etc/ssl/example.pem     # `files` needs a certificate and a key

Fix: add the missing arguments the help names.";

    ExtraArgument = "extra-argument", Error,
"A directive has more arguments than it takes.

    acme_email a@example.org b@example.org

Fix: remove the extra arguments, or put each on its own line if the
directive may be repeated.";

    UnexpectedBlock = "unexpected-block", Error,
"A directive that takes no block has one.

Fix: remove the braces and put the settings on the directive's line.";

    MissingBlock = "missing-block", Error,
"A declaration needs a block with its settings.

    host web1          # needs { address …; proxy … }

Fix: add `{ … }` with the settings.";

    MissingSetting = "missing-setting", Error,
"A declaration lacks a setting it cannot do without, such as a site's
`domains` or a service's `image`.

Fix: add the setting the message names, or set it once in `defaults`.";

    DuplicateSetting = "duplicate-setting", Error,
"A setting that takes one value is given twice in the same block; only one
could take effect.

Fix: remove one of them.";

    InvalidValue = "invalid-value", Error,
"An argument is not one of the values the directive accepts.

    tls acme-please     # expected `acme`, `certbot`, `files` or `off`

Fix: use one of the values the help lists.";

    UnknownHost = "unknown-host", Error,
"A reference names no declared host (or pool, where a pool is allowed).

    site blog { on vsp }     # the host is called `vps`

Fix: correct the name, or declare `host NAME { … }`.";

    UnknownService = "unknown-service", Error,
"A `proxy` target or other reference names no declared service and is not a
URL.

Fix: correct the name, declare `service NAME { … }`, or write a full URL
(`http://10.0.0.5:8080`) for a backend infrac does not run.";

    ServiceNotOnHost = "service-not-on-host", Error,
"A site proxies to a service that is placed (`on`) on other hosts than the
site, so the proxy on some host would have no backend to reach.

Fix: add the site's hosts to the service's `on`, or remove the service's `on`:
a service without `on` runs wherever the sites that proxy to it run.";

    UnknownProfile = "unknown-profile", Error,
"A host or service names a sysctl profile that is neither built in (`bbr`,
`keepalive`) nor declared with `sysctl NAME { … }`.

Fix: correct the name or declare the profile.";

    UnknownSite = "unknown-site", Error,
"A reference names no declared site.

Fix: correct the name or declare `site NAME { … }`.";

    DuplicateDeclaration = "duplicate-declaration", Error,
"Two declarations of the same kind have the same name (perhaps in different
files: every file of the folder is one program).

Fix: rename one of them.";

    DuplicateDomain = "duplicate-domain", Error,
"The same domain is served twice on one host: a proxy would pick one of the
two sites arbitrarily (Caddy refuses to start, NGINX warns and ignores one).

Fix: serve the domain from one site only, or put the sites on different
hosts.";

    PortConflict = "port-conflict", Error,
"Two things publish the same port on one host: two services, or a service and
the host's proxy (which takes 80 and 443). The second one would fail to start.

Fix: publish one of them on another port, or let the proxy reach the service
(`port 8080` without `publish`).";

    PathConflict = "path-conflict", Error,
"Two generated files would be written to the same path on one host, and one
would silently replace the other.

Fix: rename one of the declarations that produce them.";

    InvalidDomain = "invalid-domain", Error,
"A domain name is not valid: labels of letters, digits and hyphens, separated
by dots, each at most 63 characters, at most 253 in all, no leading or
trailing hyphen. A leading `*.` wildcard is allowed.

Fix: correct the name; do not include a scheme or path.";

    InvalidPort = "invalid-port", Error,
"A port is not a number from 1 to 65535.

Fix: correct the port.";

    InvalidDuration = "invalid-duration", Error,
"A duration is a number followed by a unit: `s`, `m`, `h` or `d`, and may
combine them (`1h30m`).

Fix: write it as `15m`, `2h`, `30s`.";

    InvalidSize = "invalid-size", Error,
"A size is a whole number of bytes, or of KiB, MiB or GiB with `k`, `m` or `g`
after it, as NGINX writes sizes (`client_max_body_size 100m`).

    max_body 100mb      # write `100m`

Fix: write it as `512k`, `100m` or `1g`.";

    InvalidSchedule = "invalid-schedule", Error,
"A cron schedule is not valid. It is five fields (minute hour day-of-month
month day-of-week) with `*`, numbers, ranges `a-b`, lists `a,b` and steps
`*/n`; or one of `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`,
`@reboot`. `every 15m` is a shorthand for `*/15 * * * *` and must divide an
hour or a day evenly.

Fix: correct the field the message points at.";

    UnknownSysctlKey = "unknown-sysctl-key", Error,
"A kernel setting does not exist on Linux, so `sysctl --system` would fail or
silently skip it.

Fix: correct the key (the help suggests the closest known one).";

    InvalidImage = "invalid-image", Error,
"A container image reference is not valid. It is `[registry/]name[:tag][@digest]`
with a lower-case name.

Fix: correct the reference, e.g. `ocurrent/opam.ocaml.org:live`.";

    InvalidAddress = "invalid-address", Error,
"An address is neither a DNS name nor an IPv4 or IPv6 address.

Fix: correct the address.";

    InvalidPath = "invalid-path", Error,
"A path is not of the form the directive needs: an absolute path on the host
(`/var/www`), or a URL path starting with `/`.

Fix: write it as the help says.";

    PathEscapesRoot = "path-escapes-root", Error,
"A path uses `..` to leave the folder it is relative to, so files outside the
site root could be served or written.

Fix: write the path without `..`, or give an absolute path on purpose.";

    LiteralSecret = "literal-secret", Error,
"A secret is written into the source. Sources are committed and generated
files are reviewed as diffs, so secrets never go into either.

    secret \"hunter2\"          # wrong
    secret env WEBHOOK_SECRET  # the value is read on the host at apply time
    secret file /etc/infrac/webhook.secret

Fix: refer to an environment variable or a file on the host.";

    InvalidUrl = "invalid-url", Error,
"A URL is not valid: it needs `http://` or `https://` and a host.

Fix: write the full URL, e.g. `https://stats.example.net:8443`.";

    InvalidCharacter = "invalid-character", Error,
"A value holds a character no generated file can carry as text: a control
character (a line break, a tab, NUL, …), a Unicode line or paragraph
separator, or an invisible formatting character (a bidirectional override,
a zero-width space, a byte-order mark). Written into a Caddyfile, an NGINX
conf, a unit or a script, a line break would start a new directive; an
invisible character makes a value read differently from what it is.

    header X-Note \"first line\\nsecond line\"    # `\\n` is a line break

Fix: write the value on one line, with visible characters only.";

    ValueTooLong = "value-too-long", Error,
"A value is longer than the generated files can carry. NGINX reads each
parameter into a 4 KiB buffer (a longer one is \"too long parameter\"), and
infrac writes a `$` as `${infrac_dollar}`; a name becomes part of file names,
which are at most 255 bytes.

Fix: shorten the value (at most 2,048 bytes; names at most 64 characters).";

    InvalidText = "invalid-text", Error,
"A value cannot be written into the file it goes to as the text it is:

- `{` and `}`: Caddy reads `{…}` as a placeholder and `{$VAR}` as an
  environment variable, even in quotes. infrac's own placeholders (`{path}`,
  `{uri}`, …) are allowed where the directive documents them.
- white space at the start or end: systemd, sysctl and HTTP drop it.
- a `\\` at the end of a unit's value: systemd joins the next line to it.

Fix: remove the character, or write the value differently (a URL can spell
a brace `%7B`).";

    InvalidGitRef = "invalid-git-ref", Error,
"A branch is not a valid git reference, or could be read as an option of
`git` (it starts with `-`). Git's own rules (`git check-ref-format`): no
space, `~`, `^`, `:`, `?`, `*`, `[`, `\\`, no `..`, no `@{`, no component
starting with `.` or ending in `.lock`.

Fix: write the branch's real name, e.g. `gh-pages`.";

    InvalidStatus = "invalid-status", Error,
"An HTTP status code is not one the directive can use (a redirect needs
301, 302, 303, 307 or 308; an error page 400 to 599).

Fix: use a status in the range the help names.";

    InvalidName = "invalid-name", Error,
"A declaration's name (or a stack's) is not a name infrac can use: names
become file names, container names and unit names, so they start with a
letter or digit and use only letters, digits, `-`, `_` and `.`.

    site my blog { … }       # a space: the name is `my`, `blog` is extra
    site -blog { … }         # a leading `-` reads as an option

Fix: rename it.";

    InvalidEmail = "invalid-email", Error,
"An ACME email is not an email address (`name@domain`, no spaces, no quotes).
The certificate authority sends expiry warnings there.

Fix: write the address, e.g. `acme_email ops@example.org`.";

    InvalidUser = "invalid-user", Error,
"A user name is not a Unix user name: lower-case letters, digits, `_` and
`-`, starting with a letter or `_`, at most 32 characters.

Fix: write the account's name, e.g. `user backup`.";

    InvalidEnvName = "invalid-env-name", Error,
"An environment variable name is not one a shell, compose and systemd all
accept: letters, digits and `_`, not starting with a digit.

    env LOG-LEVEL info       # `-` is not allowed: `LOG_LEVEL`

Fix: rename the variable.";

    InvalidHeader = "invalid-header", Error,
"A header name is not an HTTP field name (RFC 9110 token characters: letters,
digits and ``!#$%&'*+-.^_`|~``), or a header to remove (`-NAME`) has a value.

Fix: correct the name; remove a header with `header -NAME` alone.";

    InvalidFileName = "invalid-file-name", Error,
"A name that `hide` never serves is not one file or folder name: it holds a
`/`, is `.` or `..`, or has characters a path cannot.

Fix: write one name, e.g. `hide .git .env`.";

    InvalidQueryParam = "invalid-query-param", Error,
"A query parameter (`unless_query NAME` or `unless_query NAME=VALUE`) is
not one: its name and value are letters, digits, `.`, `_`, `~` and `-`
(characters a URL carries as they are, so both proxies read them alike),
and a value is not empty.

Fix: write the parameter's name as it appears before `=` in a URL, and
`=VALUE` to skip the redirect for that value only.";

    InvalidPlaceholder = "invalid-placeholder", Error,
"A redirect or rewrite target uses a placeholder that does not exist, or
`{rest}` where the pattern has no `/*` for it to stand for.

    redirect /old/* /new/{path2}     # placeholders: {path} {query} {uri} {rest} {host}
    redirect /old /new/{rest}        # {rest} needs `/old/*`

Fix: use one of the placeholders the help lists, or end the pattern in `/*`.";

    InvalidCommand = "invalid-command", Error,
"A command is empty, or a service's `command` has a quote that does not
close (it is split into words as a shell would).

Fix: write the command; close the quote.";

    InvalidUnitName = "invalid-unit-name", Error,
"A unit named in `after` or `wants` is not a systemd unit name: letters,
digits, `:`, `-`, `_`, `.` and `@`.

Fix: write the full unit name, e.g. `after network-online.target`.";

    UnknownUnitSetting = "unknown-unit-setting", Error,
"A `set Section.Key` names a unit setting infrac does not write. infrac
writes the settings whose values it can check; the message lists the ones
closest to what was written.

Fix: correct the key; `docs/LANGUAGE.md` lists every setting `set` takes.";

    InvalidUnitSetting = "invalid-unit-setting", Error,
"The value of a `set Section.Key VALUE` is not of the setting's type (a
boolean, a duration, a path, one of a list of words, …).

    set Service.ProtectSystem stricter   # strict, full, true or false

Fix: use a value of the type the label names.";

    InvalidHostKey = "invalid-host-key", Error,
"A pinned SSH host key is not a base64 public key.

Fix: copy the key from `ssh-keyscan HOST` or from the host's
/etc/ssh/ssh_host_*_key.pub (the second word of the line).";

    InvalidPublish = "invalid-publish", Error,
"A published port is not `HOST_PORT:CONTAINER_PORT`, optionally followed by
`/tcp` or `/udp`.

Fix: write it as `publish 8080:80` or `publish 53:53/udp`.";

    InvalidVolume = "invalid-volume", Error,
"A volume is not `SOURCE:/TARGET[:ro]` with a named volume or an absolute host
path as its source, or `external` is given for a host path (only named
volumes are external).

Fix: write it as `volume data:/var/lib/app` or `volume /srv/data:/data:ro`.";

    InvalidPlacement = "invalid-placement", Error,
"A swarm placement constraint is not `node.ATTRIBUTE == VALUE` (or `!=`).

Fix: write e.g. `placement \"node.role == manager\"`.";

    InvalidNumber = "invalid-number", Error,
"A count (`replicas`) is not a whole number, 1 or more.

Fix: write the number, e.g. `replicas 2`.";

    ConflictingSettings = "conflicting-settings", Error,
"Two settings of one declaration contradict each other, such as `replicas`
with `mode global` (a global service runs one container per node).

Fix: remove one of them.";

    UnknownList = "unknown-list", Error,
"A word `@NAME` (or `{@NAME}` inside a word) names a list that no `list`
declares, or a list that contains itself.

    list versions 3.5.3 3.5.2
    redirect_first /api/* /{@version}/api/{rest}   # the list is `versions`

Fix: declare the list with `list NAME ITEM …` at the top level, correct the
name, or quote the word (`\"@home\"`) when it is text, not a list.";

    UnexpectedList = "unexpected-list", Error,
"A `[list]` stands where one value is expected (inside a `KEY=VALUE`, a
`sysctl` value, a quoted argument).

Fix: write the values as separate arguments, or use one value.";

    NginxStaticResolution = "nginx-static-resolution", Warning,
"NGINX resolves a host name in `proxy_pass` once, at start-up. When the backend
is replaced (a redeployed container, a moved server) NGINX keeps sending to the
old address until it is restarted.

infrac handles services it knows: a `proxy` to a service uses the Docker
resolver and a variable, so NGINX re-resolves. For a URL to another host name
it needs to know a resolver.

Fix: set `resolver ADDRESS` on the host, or proxy to a service.";

    UnsupportedByProxy = "unsupported-by-proxy", Error,
"A site asks for something its host's proxy cannot do, so the two proxies
would serve it differently and infrac would have to drop the setting
silently. Stock NGINX has no zstd compression (it needs a third-party
module), and it always sends its own `Server` header (`server_tokens off`
only hides the version).

    host web1 { address 203.0.113.7; proxy nginx }
    site blog { domains example.org; on web1; encode zstd gzip }

Fix: drop the setting (`encode gzip`; keep `Server`), or serve the site
from a Caddy host (`proxy caddy`).";

    AcmePoolForwarding = "acme-pool-forwarding", Error,
"A certbot (HTTP-01) site is served by a round-robin pool, but the challenge
cannot be forwarded between members. The ACME server's request may reach a
member that did not start the challenge, and the certificate is not issued.

infrac forwards `/.well-known/acme-challenge/` misses to the other members by
their own address, so every member needs an `address` of its own, and the
pool must not turn `acme_forward` off.

Fix: give each member an address, or use `tls acme` or certificate files.";

    SwarmIngressIpv6 = "swarm-ingress-ipv6", Error,
"A swarm service publishes a port through the ingress routing mesh on a host
that has an IPv6 address. Swarm ingress does not listen on IPv6, so clients
and ACME servers using the AAAA record cannot connect.

Fix: publish the port in host mode (`publish 443:443 host`); for a proxy use
`mode global` so that every node runs one.";

    StaleMount = "stale-mount", Error,
"A container bind-mounts a single file that infrac generates. infrac replaces
files atomically (write, then rename), and a bind mount of a file keeps
pointing at the old one, so a reload inside the container would not see the
change.

Fix: mount the directory that holds the file (`/etc/caddy:/etc/caddy:ro`).";

    EmptyPool = "empty-pool", Error,
"A pool has no members, so nothing it serves would be deployed anywhere.

Fix: list its hosts with `hosts a b`.";

    Unused = "unused", Warning,
"A declaration is never used: a service no site proxies to and that runs on no
host, or a sysctl profile no host or service applies.

Fix: use it, or remove it.";

    SiteWithoutRoutes = "site-without-routes", Warning,
"A site has no routes: every request would get an empty response.

Fix: add `proxy`, `static`, `redirect` or a `subproject`.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "infrac::{}", self.name())
    }
}

impl Code {
    /// Finds a code by `infrac::name` or `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Code> {
        let name = name.strip_prefix("infrac::").unwrap_or(name);
        Code::ALL.iter().copied().find(|c| c.name() == name)
    }
}

/// A labelled span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// One problem in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// The first label is the primary one: where the problem is.
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of `code`'s usual severity at `span`.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: vec![Label {
                span,
                text: String::new(),
            }],
            help: None,
        }
    }

    /// Sets the primary label's text.
    #[must_use]
    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.labels[0].text = text.into();
        self
    }

    /// Adds a secondary label (which may be in another file).
    #[must_use]
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    #[must_use]
    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    #[must_use]
    pub fn span(&self) -> Span {
        self.labels[0].span
    }

    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// "did you mean `x`?" for the candidate closest to `word`, if any is close:
/// within a few edits (transpositions count as one), or similar enough by
/// Jaro-Winkler for longer names.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // No name is this long: comparing would cost time in the square of
    // the word's length for every candidate (a 53 KB word, seconds).
    if word.len() > 128 {
        return None;
    }
    let word = word.to_ascii_lowercase();
    let max_edits = (word.chars().count() / 3).max(1);
    let mut best: Option<((usize, u64), &str)> = None;
    for candidate in candidates {
        let lower = candidate.to_ascii_lowercase();
        let edits = strsim::osa_distance(&word, &lower);
        let similarity = strsim::jaro_winkler(&word, &lower);
        if edits > max_edits && similarity < 0.85 {
            continue;
        }
        // Fewer edits first, then higher similarity, then name order.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let key = (edits, ((1.0 - similarity) * 1e6) as u64);
        if best.is_none_or(|(k, c)| key < k || (key == k && candidate < c)) {
            best = Some((key, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// "1 file", "2 files".
#[must_use]
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// A list of names in backticks: "`a`, `b` or `c`".
pub fn one_of<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("vsp", ["vps", "web1"]), Some("vps"));
        assert_eq!(did_you_mean("proxyy", ["proxy", "static"]), Some("proxy"));
        assert_eq!(did_you_mean("opam4", ["opam-4", "opam-5"]), Some("opam-4"));
        assert_eq!(
            did_you_mean(
                "net.ipv4.tcp_keepalive",
                ["net.ipv4.tcp_keepalive_time", "net.core.somaxconn"]
            ),
            Some("net.ipv4.tcp_keepalive_time")
        );
        assert_eq!(did_you_mean("zzz", ["proxy", "static"]), None);
    }
}

mod render;
pub use render::{ColorChoice, to_github, to_human, to_json};
