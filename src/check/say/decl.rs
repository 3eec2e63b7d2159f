//! Diagnostics about what each declaration's reader finds (`check::read`):
//! references, hosts, kernel settings, sites and routes, services, jobs.

use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::Span;

/// "did you mean `x`?" when a candidate is close, else `otherwise`.
fn suggest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
    otherwise: impl FnOnce() -> String,
) -> String {
    match did_you_mean(name, candidates) {
        Some(s) => format!("did you mean `{s}`?"),
        None => otherwise(),
    }
}

// References.

pub(crate) fn unknown_list<'c>(
    span: Span,
    name: &str,
    lists: impl IntoIterator<Item = &'c str>,
) -> Diagnostic {
    let help = suggest(name, lists, || {
        format!(
            "declare it at the top level: `list {name} ITEM ITEM …`, or quote the word (`\"@{name}\"`) if it is text"
        )
    });
    Diagnostic::new(Code::UnknownList, span, format!("no list named `{name}`"))
        .label("unknown list")
        .help(help)
}

/// `list daily …`: `@daily` is cron's.
pub(crate) fn list_name_is_cron(span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidName,
        span,
        format!("a list cannot be named `{name}`"),
    )
    .label("cron's name")
    .help(format!(
        "`@{name}` is a cron schedule; name the list differently"
    ))
}

/// A list whose items name the list itself, directly or through others.
pub(crate) fn list_names_itself(span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnknownList,
        span,
        format!("list `{name}` contains itself"),
    )
    .label("names a list that is being expanded")
    .help("a list may name other lists, but not itself, directly or through another list")
}

pub(crate) fn unknown_service<'c>(
    span: Span,
    name: &str,
    written: &str,
    services: impl IntoIterator<Item = &'c str>,
) -> Diagnostic {
    let help = suggest(name, services, || {
        format!(
            "declare `service {name} {{ image …; port … }}`, or write a URL such as `http://{written}`"
        )
    });
    Diagnostic::new(
        Code::UnknownService,
        span,
        format!("no service named `{name}`"),
    )
    .label("unknown service")
    .help(help)
}

/// A pool member that is not a host; `is_pool`: it names a pool.
pub(crate) fn unknown_member<'c>(
    span: Span,
    name: &str,
    is_pool: bool,
    hosts: impl IntoIterator<Item = &'c str>,
) -> Diagnostic {
    let help = if is_pool {
        "a pool's members are hosts; pools do not nest".to_owned()
    } else {
        suggest(name, hosts, || {
            format!("declare it with `host {name} {{ … }}`")
        })
    };
    Diagnostic::new(Code::UnknownHost, span, format!("no host named `{name}`"))
        .label("unknown host")
        .help(help)
}

pub(crate) fn unknown_placement<'c>(
    span: Span,
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Diagnostic {
    let help = suggest(name, candidates, || {
        format!(
            "declare it with `host {name} {{ address …; proxy … }}` or `pool {name} {{ hosts … }}`"
        )
    });
    Diagnostic::new(
        Code::UnknownHost,
        span,
        format!("no host or pool named `{name}`"),
    )
    .label("unknown host or pool")
    .help(help)
}

/// `secret env WEBHOOK_{repo}_SECRET` where a repository's name is not
/// one a variable can carry (`matplotlib.github.com`).
/// `fix`: the name with `{REPO}` and what it makes, when that is a
/// variable's name.
pub(crate) fn repo_secret_name(
    span: Span,
    written: &str,
    made: &str,
    repo: &str,
    fix: Option<(&str, &str)>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::InvalidEnvName,
        span,
        format!("`{written}` makes `{made}` for `{repo}`: not an environment variable name"),
    )
    .label("`{repo}` is the repository's name as written, `{REPO}` in capitals");
    match fix {
        Some((upper, upper_made)) => d.help(format!(
            "write `{upper}`: the name in capitals, anything else as `_` (`{upper_made}`)"
        )),
        None => d.help("start the name with a letter, e.g. `WEBHOOK_{REPO}_SECRET`"),
    }
}

pub(crate) fn unknown_updated_site<'c>(
    span: Span,
    name: &str,
    sites: impl IntoIterator<Item = &'c str>,
) -> Diagnostic {
    let help = suggest(name, sites, || {
        "name a site whose subprojects this webhook updates".to_owned()
    });
    Diagnostic::new(Code::UnknownSite, span, format!("no site named `{name}`"))
        .label("unknown site")
        .help(help)
}

pub(crate) fn unknown_profile<'c>(
    span: Span,
    name: &str,
    profiles: impl IntoIterator<Item = &'c str>,
) -> Diagnostic {
    let help = suggest(name, profiles, || {
        format!(
            "the built-in profiles are `bbr` and `keepalive`; declare others with `sysctl {name} {{ KEY VALUE }}`"
        )
    });
    Diagnostic::new(
        Code::UnknownProfile,
        span,
        format!("no sysctl profile named `{name}`"),
    )
    .label("unknown profile")
    .help(help)
}

// Hosts and pools.

pub(crate) fn not_an_ip(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidAddress,
        span,
        format!("`{text}` is not an IP address"),
    )
    .label("not a valid IPv4 or IPv6 address")
    .help("write an IPv4 (`203.0.113.7`), an IPv6 (`2001:db8::7`) or a DNS name")
}

pub(crate) fn two_dns_names(span: Span, host: &str, first: &str, first_span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidAddress,
        span,
        format!("host `{host}` has two DNS names"),
    )
    .label("second DNS name")
    .with_label(first_span, "first DNS name")
    .help(format!(
        "`address` takes one DNS name (`{first}`) and any IPs; put other names in `alias`"
    ))
}

pub(crate) const CADDY_ADMIN: super::Expect = super::Expect {
    code: Code::InvalidAddress,
    what: "an admin endpoint",
    help: "write `localhost:2019`, `unix//run/caddy-admin.sock` or `off`",
};

pub(crate) const ACME_DIRECTORY: &str = "an ACME directory URL";

pub(crate) fn empty_pool(span: Span, pool: &str) -> Diagnostic {
    Diagnostic::new(
        Code::EmptyPool,
        span,
        format!("pool `{pool}` has no members"),
    )
    .label("no `hosts`")
    .help("list its hosts: `hosts opam-4 opam-5`")
}

// Kernel settings.

pub(crate) const SYSCTL_VALUE_WORD: super::Expect = super::Expect {
    code: Code::InvalidText,
    what: "a kernel setting's value",
    help: "write `KEY=VALUE` or `KEY VALUE`",
};
pub(crate) const SYSCTL_VALUE: super::Expect = super::Expect {
    code: Code::InvalidText,
    what: "a kernel setting's value",
    help: "write the value without white space around it",
};

pub(crate) fn sysctl_without_value(span: Span, key: &str) -> Diagnostic {
    Diagnostic::new(
        Code::MissingArgument,
        span,
        format!("`{key}` needs a value"),
    )
    .label("expected a value after the key")
    .help(format!("write it as `{key} VALUE`"))
}

pub(crate) fn sysctl_values(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ExtraArgument,
        span,
        "a kernel setting takes one value",
    )
    .label("more than one value")
    .help("quote a value with spaces: `net.ipv4.tcp_rmem \"4096 87380 6291456\"`")
}

pub(crate) fn unknown_sysctl_key(
    span: Span,
    key: &str,
    known: impl IntoIterator<Item = &'static str>,
) -> Diagnostic {
    let help = suggest(key, known, || {
        "check the key under /proc/sys (dots for slashes)".to_owned()
    });
    Diagnostic::new(
        Code::UnknownSysctlKey,
        span,
        format!("unknown kernel setting `{key}`"),
    )
    .label("not a sysctl key on Linux")
    .help(help)
}

// Sites and routes.

pub(crate) const HIDDEN_NAME: super::Expect = super::Expect {
    code: Code::InvalidFileName,
    what: "a file or folder name",
    help: "`hide` takes names that are never served wherever they appear, e.g. `hide .git .env`",
};

pub(crate) fn subproject_twice(span: Span, name: &str, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateDeclaration,
        span,
        format!("subproject `{name}` is declared twice"),
    )
    .label("declared again here")
    .with_label(first, "first declared here")
    .help("remove one of them")
}

pub(crate) fn subprojects_share_folder(span: Span, at: &str, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::PathConflict,
        span,
        format!("two subprojects are served at `{at}`"),
    )
    .label("served at the same folder")
    .with_label(first, "as this one")
    .help("give one of them another `path`")
}

pub(crate) fn health_under_hooks(span: Span, health: &str, hooks: &str) -> Diagnostic {
    Diagnostic::new(
        Code::PathConflict,
        span,
        format!("the health check `{health}` is under the hooks' path `{hooks}`"),
    )
    .label(format!("a repository's hook is `{hooks}<repo>`"))
    .help("give the health check a path outside it, such as `/ping`")
}

pub(crate) fn health_not_one_path(span: Span, prefix: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidPath,
        span,
        format!("the health check is one path, not `{prefix}*`"),
    )
    .label("a folder")
    .help("write one path, such as `/ping`")
}

pub(crate) fn site_serves_nothing(span: Span, site: &str) -> Diagnostic {
    Diagnostic::new(
        Code::SiteWithoutRoutes,
        span,
        format!("site `{site}` serves nothing"),
    )
    .label("no routes")
    .help("add `proxy SERVICE`, `static`, `redirect` or a `subproject`")
}

pub(crate) fn tls_files_without_paths(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingArgument,
        span,
        "`tls files` needs a certificate and a key",
    )
    .label("expected two paths")
    .help("write `tls files /etc/ssl/example.org/fullchain.pem /etc/ssl/example.org/privkey.pem`")
}

pub(crate) fn tls_mode_with_paths(span: Span, mode: &str) -> Diagnostic {
    Diagnostic::new(
        Code::ExtraArgument,
        span,
        format!("`tls {mode}` takes no paths"),
    )
    .label("not expected")
    .help("only `tls files CERT KEY` takes paths")
}

pub(crate) fn not_a_redirect_target(span: Span, text: &str, why: String) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidUrl,
        span,
        format!("`{text}` is not a redirect target"),
    )
    .label(why)
    .help("redirect to a path (`/new{rest}`) or a full URL (`https://example.org{uri}`)")
}

pub(crate) fn unless_query_without_name(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingArgument,
        span,
        "`unless_query` needs a parameter name",
    )
    .label("expected a name after this")
    .help("write `unless_query PARAM`")
}

pub(crate) const QUERY_PARAM: super::Expect = super::Expect {
    code: Code::InvalidQueryParam,
    what: "a query parameter, or `NAME=VALUE`",
    help: "write the parameter's name, or `NAME=VALUE` for one value: letters, digits, `.`, `_`, `~`, `-`",
};

pub(crate) const REDIRECT_STATUS: &str = "a redirect status (301, 302, 303, 307 or 308)";

pub(crate) fn not_a_redirect_status(span: Span, status: u16) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidStatus,
        span,
        format!("`{status}` is not a redirect status"),
    )
    .label("expected 301, 302, 303, 307 or 308")
    .help("use `permanent` (301) or `temporary` (302)")
}

pub(crate) fn redirect_first_without_candidates(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingArgument,
        span,
        "`redirect_first` needs candidate paths",
    )
    .label("no candidates")
    .help("write `redirect_first /old/* /3.8/{rest} /3.7/{rest}`")
}

/// `redirect_first /x/* in` and nothing after.
pub(crate) fn redirect_first_without_folder(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingArgument,
        span,
        "`in` needs the folder the candidates are looked for in",
    )
    .label("no folder after `in`")
    .help("write `redirect_first /old/* in docs /3.8/{rest} /3.7/{rest}` (the folder is under the site root)")
}

pub(crate) fn proxy_without_backend(span: Span) -> Diagnostic {
    Diagnostic::new(Code::MissingArgument, span, "`proxy` needs a backend")
        .label("expected a service or URL")
        .help("write `proxy /api/* SERVICE` or `proxy /stats/* https://stats.example.net`")
}

pub(crate) fn not_a_backend_url(span: Span, text: &str, why: String) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidUrl,
        span,
        format!("`{text}` is not a valid URL"),
    )
    .label(why)
    .help("write `http://HOST[:PORT]` or `https://HOST[:PORT]`")
}

pub(crate) fn backend_paths_differ(
    span: Span,
    path: &str,
    first: &str,
    first_span: Span,
) -> Diagnostic {
    // A service, or a URL without a path, has none.
    let shown = |p: &str| {
        if p.is_empty() {
            "no path".to_owned()
        } else {
            format!("path `{p}`")
        }
    };
    Diagnostic::new(
        Code::ConflictingSettings,
        span,
        format!(
            "this backend has {}, the first has {}",
            shown(path),
            shown(first)
        ),
    )
    .label(shown(path))
    .with_label(first_span, shown(first))
    .help("the backends of one route share one path: give them all the same, or none")
}

pub(crate) fn backend_path_not_folder(span: Span, path: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidPath,
        span,
        format!("the backend's path `{path}` replaces a folder, so it is one"),
    )
    .label("what follows the matched prefix is put after it")
    .help(format!(
        "write `{path}/` (`/api/x` then goes to `{path}/x`)"
    ))
}

pub(crate) fn backend_without_port(span: Span, service: &str, declared: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingSetting,
        span,
        format!("which port of `{service}` should the proxy reach?"),
    )
    .label(format!("service `{service}` has no `port`"))
    .with_label(declared, "declared here")
    .help(format!(
        "add `port 8080` to service `{service}`, or write `{service}:8080` here"
    ))
}

pub(crate) fn not_a_file_to_try(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidPath,
        span,
        format!("`{text}` is not a file to try"),
    )
    .label("expected a path such as `{path}`, `{path}/` or `/index.html`")
    .help("write `try {path} {path}/ {path}.html`")
}

// Subprojects.

pub(crate) fn repository_twice(span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateSetting,
        span,
        "the repository is given twice",
    )
    .label("second repository")
    .with_label(first, "first given here")
    .help("give the repository once, on the `subproject` line or as `repo`")
}

pub(crate) fn subproject_without_repository(span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::MissingSetting,
        span,
        format!("subproject `{name}` has no repository"),
    )
    .label("where is it checked out from?")
    .help(format!(
        "write `subproject {name} https://github.com/ORG/{name}`"
    ))
}

// Services.

pub(crate) fn literal_secret_env(span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::LiteralSecret,
        span,
        format!("`{name}` looks like a secret, written into the source"),
    )
    .label("the value would be committed and copied into out/")
    .help(format!(
        "refer to it instead: `secret {name} env VARIABLE` or `secret {name} file /PATH`"
    ))
}

pub(crate) fn not_a_replica_count(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidNumber,
        span,
        format!("`{text}` is not a number of replicas"),
    )
    .label("expected a whole number, 1 or more")
    .help("write `replicas 2`")
}

pub(crate) fn replicas_of_global(span: Span, mode: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ConflictingSettings,
        span,
        "`replicas` with `mode global`",
    )
    .label("a global service runs one container per node")
    .with_label(mode, "")
    .help("remove `replicas`, or use `mode replicated`")
}

// Cron jobs and units.

pub(crate) fn cron_job_name(span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidName,
        span,
        format!("`{name}` cannot name a cron job"),
    )
    .label("cron ignores files in /etc/cron.d whose names contain `.`")
    .help("use letters, digits, `-` and `_`")
}

/// `what`: "a cron job" or "a unit".
pub(crate) fn two_schedules(span: Span, what: &str, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateSetting,
        span,
        format!("{what} has one schedule"),
    )
    .label("second schedule")
    .with_label(first, "first schedule")
    .help("keep either `schedule` or `every`")
}

pub(crate) fn two_cron_commands(span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::DuplicateSetting, span, "a cron job runs one thing")
        .label("second command")
        .with_label(first, "first command")
        .help("keep either `run` or `builtin`; make two jobs for two commands")
}

pub(crate) fn two_unit_commands(span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::DuplicateSetting, span, "a unit runs one thing")
        .label("second command")
        .with_label(first, "first command")
        .help("keep either `run` or `builtin`")
}

pub(crate) fn empty_command(span: Span) -> Diagnostic {
    Diagnostic::new(Code::InvalidCommand, span, "empty command")
        .label("nothing to run")
        .help("write `run \"COMMAND\"`")
}

pub(crate) const UNIT_DESCRIPTION: super::Expect = super::Expect {
    code: Code::InvalidText,
    what: "a unit description",
    help: "write one line of text, without white space around it",
};
