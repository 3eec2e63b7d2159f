//! Diagnostics about one argument, by its type (`check::value`).

use std::ops::RangeInclusive;

use camino::Utf8Path;

use super::Expect;
use crate::check::value::rules::PathProblem;
use crate::diag::{Code, Diagnostic, did_you_mean, one_of};
use crate::source::Span;

// Any value (pass 0, `Checker::text`, `typed`, `choice`).

pub(crate) const REMOVE_CHARACTER: &str =
    "values are one line of visible text: remove the character";
pub(crate) const SHORTEN: &str = "shorten the value";

pub(crate) fn cannot_be_written(
    code: Code,
    span: Span,
    text: &str,
    why: String,
    help: &str,
) -> Diagnostic {
    let shown: String = text
        .chars()
        .take(40)
        .collect::<String>()
        .escape_debug()
        .to_string();
    let more = if text.chars().count() > 40 { "…" } else { "" };
    Diagnostic::new(
        code,
        span,
        format!("`{shown}{more}` cannot be written into a generated file"),
    )
    .label(why)
    .help(help)
}

pub(crate) fn unexpected_list(span: Span) -> Diagnostic {
    Diagnostic::new(Code::UnexpectedList, span, "a list is not allowed here")
        .label("expected one value")
        .help("write the values as separate arguments, or use one value")
}

/// A value its typed rule rejects.
pub(crate) fn not_a(
    code: Code,
    span: Span,
    text: &str,
    what: &str,
    why: String,
    help: &str,
) -> Diagnostic {
    Diagnostic::new(code, span, format!("`{text}` is not {what}"))
        .label(why)
        .help(help)
}

pub(crate) fn not_a_choice(span: Span, text: &str, what: &str, choices: &[&str]) -> Diagnostic {
    let help = match did_you_mean(text, choices.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? {what} is {}", one_of(choices)),
        None => format!("{what} is {}", one_of(choices)),
    };
    Diagnostic::new(
        Code::InvalidValue,
        span,
        format!("`{text}` is not a valid {what}"),
    )
    .label(format!("expected {}", one_of(choices)))
    .help(help)
}

// Names.

pub(crate) fn name_too_long(span: Span, kind: &str, chars: usize, max: usize) -> Diagnostic {
    Diagnostic::new(
        Code::ValueTooLong,
        span,
        format!("a {kind} name of {chars} characters"),
    )
    .label(format!("at most {max} characters"))
    .help("names become file names and container names: shorten it")
}

pub(crate) fn invalid_name(span: Span, text: &str, kind: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidName,
        span,
        format!("`{text}` is not a valid {kind} name"),
    )
    .label("invalid name")
    .help("names start with a letter or digit and use letters, digits, `-`, `_` and `.`")
}

pub(crate) const USER: Expect = Expect {
    code: Code::InvalidUser,
    what: "a user name",
    help: "user names are lower-case letters, digits, `_` and `-`, starting with a letter",
};
pub(crate) const STACK: Expect = Expect {
    code: Code::InvalidName,
    what: "a valid stack name",
    help: "use lower-case letters, digits, `_` and `-`",
};
pub(crate) const ENV_NAME: Expect = Expect {
    code: Code::InvalidEnvName,
    what: "an environment variable name",
    help: "write it as `env NAME value`",
};
pub(crate) const UNIT_NAME: Expect = Expect {
    code: Code::InvalidUnitName,
    what: "a unit name",
    help: "unit names use letters, digits, `:`, `-`, `_`, `.`, `@`",
};
pub(crate) const BRANCH: Expect = Expect {
    code: Code::InvalidGitRef,
    what: "a git branch",
    help: "write the branch's name, e.g. `gh-pages`",
};
pub(crate) const EMAIL: Expect = Expect {
    code: Code::InvalidEmail,
    what: "an email address",
    help: "the ACME account email, e.g. `acme_email admin@example.org`",
};

// Network.

/// `bare`: the name alone, when the text was a URL or had a port.
pub(crate) fn invalid_domain(
    span: Span,
    text: &str,
    why: String,
    bare: Option<&str>,
) -> Diagnostic {
    let help = match bare {
        Some(bare) => format!("write the name only: `{bare}`"),
        None => "a domain is labels of letters, digits and `-`, separated by dots".to_owned(),
    };
    Diagnostic::new(
        Code::InvalidDomain,
        span,
        format!("`{text}` is not a valid domain name"),
    )
    .label(why)
    .help(help)
}

pub(crate) fn invalid_port(span: Span, text: &str, why: String) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidPort,
        span,
        format!("`{text}` is not a valid port"),
    )
    .label(why)
    .help("a port is a number from 1 to 65535")
}

pub(crate) const RESOLVER: Expect = Expect {
    code: Code::InvalidAddress,
    what: "a resolver address",
    help: "write `resolver 127.0.0.11` (Docker's) or `resolver \"[::1]:5353\"`",
};

pub(crate) const TRUSTED_PROXY: Expect = Expect {
    code: Code::InvalidAddress,
    what: "a trusted proxy",
    help: "write an address or a network: `trusted_proxies 10.0.0.0/8 192.0.2.7`",
};

pub(crate) fn not_a_host_key(span: Span) -> Diagnostic {
    Diagnostic::new(Code::InvalidHostKey, span, "not a public key")
        .label("expected the base64 key from `ssh-keyscan`")
        .help("copy the key from `ssh-keyscan HOST` or the host's /etc/ssh/ssh_host_*_key.pub")
}

pub(crate) fn invalid_url(span: Span, text: &str, what: &str, why: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidUrl, span, format!("`{text}` is not {what}"))
        .label(why)
        .help("write the whole URL, e.g. `https://acme-staging-v02.api.letsencrypt.org/directory`")
}

pub(crate) fn not_a_repository(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidUrl,
        span,
        format!("`{text}` is not a git repository URL"),
    )
    .label("expected https://… or git@host:org/repo")
    .help("write `https://github.com/matplotlib/mpl-gui`")
}

// HTTP.

pub(crate) fn not_a_header_name(span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidHeader,
        span,
        format!("`{name}` is not a header name"),
    )
    .label("letters, digits and `-`")
    .help("write `header X-Frame-Options DENY`, or `header -Server` to remove one")
}

pub(crate) const HEADER_VALUE: Expect = Expect {
    code: Code::InvalidText,
    what: "a header value both proxies can send",
    help: "write the value without `{` and `}`, and without white space around it",
};

pub(crate) fn header_removal_with_value(span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::ExtraArgument,
        span,
        format!("`header -{name}` removes the header and takes no value"),
    )
    .label("not expected")
    .help(format!("to set it, write `header {name} VALUE`"))
}

pub(crate) fn header_without_value(span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::MissingArgument,
        span,
        format!("`header {name}` needs a value"),
    )
    .label("expected a value after the name")
    .help(format!(
        "write `header {name} VALUE`, or `header -{name}` to remove it"
    ))
}

pub(crate) fn invalid_status(
    span: Span,
    text: &str,
    what: &str,
    range: &RangeInclusive<u16>,
) -> Diagnostic {
    Diagnostic::new(Code::InvalidStatus, span, format!("`{text}` is not {what}"))
        .label(format!("expected {what}"))
        .help(format!(
            "use a status from {} to {}",
            range.start(),
            range.end()
        ))
}

pub(crate) fn invalid_size(span: Span, text: &str, why: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidSize, span, format!("`{text}` is not a size"))
        .label(why)
        .help("write a number of bytes, or `512k`, `100m`, `1g`")
}

// Paths.

pub(crate) fn serves_root(span: Span, what: &str, path: &Utf8Path) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidPath,
        span,
        format!("{what} `{path}` would serve or mount `/`"),
    )
    .label("the whole file system")
    .help("put the files in a folder of their own, e.g. `/etc/ssl/example.org/` or `/var/www/site`")
}

/// `expected`: what the value should be, as "an absolute path such as …".
pub(crate) fn invalid_path(
    span: Span,
    text: &str,
    what: &str,
    problem: &PathProblem,
    expected: &str,
) -> Diagnostic {
    match problem {
        PathProblem::Escapes => Diagnostic::new(
            Code::PathEscapesRoot,
            span,
            format!("{what} `{text}` leaves its folder with `..`"),
        )
        .label("`..` escapes the folder")
        .help("write the path without `..`"),
        PathProblem::NotAbsolute => Diagnostic::new(
            Code::InvalidPath,
            span,
            format!("{what} `{text}` is not an absolute path"),
        )
        .label("expected a path starting with `/`")
        .help(format!("write {expected}")),
        PathProblem::Invalid(why) => Diagnostic::new(
            Code::InvalidPath,
            span,
            format!("{what} `{text}` is not a valid path"),
        )
        .label(why.clone())
        .help(format!("write {expected}")),
    }
}

pub(crate) const EXPECT_ABSOLUTE: &str = "an absolute path such as `/var/www`";
pub(crate) const EXPECT_UNDER_ROOT: &str = "a folder under the site root, or an absolute path";
pub(crate) const EXPECT_URL_PATH: &str = "a URL path such as `/docs/`";
pub(crate) const EXPECT_IN_CONTAINER: &str = "an absolute path inside the container";
pub(crate) const EXPECT_ON_HOST: &str = "an absolute path on the host";
pub(crate) const EXPECT_SECRET_FILE: &str = "an absolute path such as `/etc/infrac/webhook.secret`";

/// `*` other than as a last `/*`; `prefix`: the pattern ends in `*`.
pub(crate) fn not_a_pattern(span: Span, text: &str, prefix: bool) -> Diagnostic {
    let help = if prefix {
        "write `/docs/*` for everything under /docs/, or `/docs` for that path only"
    } else {
        "write `/docs/*` for everything under /docs/"
    };
    Diagnostic::new(
        Code::InvalidPath,
        span,
        format!("`{text}` is not a path pattern"),
    )
    .label("`*` is only allowed as a last `/*`")
    .help(help)
}

pub(crate) fn stray_brace(span: Span, text: &str, why: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidText, span, format!("`{text}` has a brace that is not a placeholder"))
        .label(why)
        .help("braces are only infrac's placeholders (`{path}`, `{rest}`, …); write a literal brace as `%7B` or `%7D`")
}

pub(crate) fn unknown_placeholder(span: Span, name: &str, allowed: &[&str]) -> Diagnostic {
    let help = match did_you_mean(name, allowed.iter().copied()) {
        Some(s) => format!("did you mean `{{{s}}}`?"),
        None => format!(
            "the placeholders here are {}",
            one_of(
                &allowed
                    .iter()
                    .map(|a| format!("{{{a}}}"))
                    .collect::<Vec<_>>()
            )
        ),
    };
    Diagnostic::new(
        Code::InvalidPlaceholder,
        span,
        format!("unknown placeholder `{{{name}}}`"),
    )
    .label("not a placeholder infrac knows")
    .help(help)
}

pub(crate) fn rest_without_prefix(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidPlaceholder,
        span,
        "`{rest}` needs a `/*` pattern",
    )
    .label("`{rest}` is what `*` matched")
    .help("match a prefix (`/old/*`), or use `{path}`")
}

// Containers.

pub(crate) fn invalid_image(span: Span, text: &str, why: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidImage, span, format!("`{text}` is not a valid image reference"))
        .label(why)
        .help("write `[registry/]name[:tag][@sha256:…]` in lower case, e.g. `ocurrent/opam.ocaml.org:live`")
}

pub(crate) fn not_a_command(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidCommand,
        span,
        format!("`{text}` is not a command"),
    )
    .label("a quote that is not closed, or no words")
    .help("write the arguments as a shell would: `command \"--root '/srv/my site'\"`")
}

pub(crate) fn not_a_constraint(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(Code::InvalidPlacement, span, format!("`{text}` is not a placement constraint"))
        .label("expected `node.ATTRIBUTE == VALUE` or `!=`")
        .help("write e.g. `placement \"node.role == manager\"` or `placement \"node.labels.web == true\"`")
}

pub(crate) fn not_a_protocol(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidPublish,
        span,
        format!("`{text}` is not a protocol"),
    )
    .label("expected `tcp` or `udp`")
    .help("write `publish 53:53/udp`")
}

pub(crate) fn not_a_volume(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidVolume,
        span,
        format!("`{text}` is not a volume"),
    )
    .label("expected SOURCE:/TARGET or SOURCE:/TARGET:ro")
    .help("write `volume caddy_data:/data` or `volume /etc/caddy:/etc/caddy:ro`")
}

pub(crate) fn external_host_path(span: Span) -> Diagnostic {
    Diagnostic::new(Code::InvalidVolume, span, "`external` is for named volumes")
        .label("a host path is not a volume")
        .help("remove `external`")
}

pub(crate) fn not_a_volume_source(span: Span, source: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidVolume,
        span,
        format!("`{source}` is not a volume name or absolute path"),
    )
    .label("expected a name or a path starting with `/`")
    .help("named volumes use letters, digits, `_`, `.` and `-`; host paths start with `/`")
}

// Secrets.

pub(crate) fn literal_secret(span: Span) -> Diagnostic {
    Diagnostic::new(Code::LiteralSecret, span, "a secret is written into the source")
        .label("this looks like the secret itself")
        .help("refer to it instead: `secret env VARIABLE` (read on the host at apply time) or `secret file /etc/infrac/secret`")
}

pub(crate) fn secret_env_name(span: Span, text: &str, why: String) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidEnvName,
        span,
        format!("`{text}` is not an environment variable name"),
    )
    .label(why)
    .help("write it as `secret env WEBHOOK_SECRET`")
}

pub(crate) fn secret_without_name(span: Span, kind: &str) -> Diagnostic {
    Diagnostic::new(
        Code::MissingArgument,
        span,
        format!("`secret {kind}` needs a name"),
    )
    .label("expected a name after this")
    .help("write it as `secret env NAME` or `secret file /PATH`")
}

// Time.

pub(crate) fn invalid_duration(span: Span, text: &str, why: String) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidDuration,
        span,
        format!("`{text}` is not a valid duration"),
    )
    .label(why)
    .help("write a number and a unit: `30s`, `15m`, `2h`, `1d`, or `1h30m`")
}

pub(crate) fn cron_cannot_run_every(span: Span, text: &str, why: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidSchedule, span, format!("cron cannot run every {text}"))
        .label(why)
        .help("use an interval that divides an hour or a day (`5m`, `15m`, `1h`, `6h`, `1d`), or write a `schedule`")
}

pub(crate) fn invalid_cron(span: Span, text: &str, why: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidSchedule, span, format!("`{text}` is not a valid cron schedule"))
        .label(why)
        .help("five fields: minute (0-59) hour (0-23) day (1-31) month (1-12) weekday (0-7), or `@daily`, `@hourly`, …")
}

pub(crate) fn invalid_calendar(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidSchedule,
        span,
        format!("`{text}` is not a systemd calendar expression"),
    )
    .label("expected e.g. `daily` or `*-*-* 03:00:00`")
    .help("see `man systemd.time`; or use `every 15m`")
}

// Unit settings.

pub(crate) fn unknown_unit_setting(span: Span, key: &str, known: &[String]) -> Diagnostic {
    let help = match did_you_mean(key, known.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "`set` writes hardening, paths, time limits and dependencies, e.g. `set Service.ProtectSystem strict` (docs/LANGUAGE.md lists them)".to_owned(),
    };
    Diagnostic::new(
        Code::UnknownUnitSetting,
        span,
        format!("`{key}` is not a unit setting infrac writes"),
    )
    .label("expected SECTION.Key")
    .help(help)
}

pub(crate) fn invalid_unit_setting(
    span: Span,
    value: &str,
    key: &str,
    setting: &str,
    why: String,
) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidUnitSetting,
        span,
        format!("`{value}` is not a value of `{key}`"),
    )
    .label(why)
    .help(format!("see `man systemd.exec` for `{setting}`"))
}
