//! Diagnostics about the shape of a directive (`check::block`) and about
//! collecting declarations (`check::collect`).

use crate::diag::{Code, Diagnostic, did_you_mean, one_of};
use crate::source::Span;

// The shape every row asks for (`block`).

pub(crate) fn missing_arguments(
    at: Span,
    name_span: Span,
    name: &str,
    needed: usize,
    usage: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::MissingArgument,
        at,
        format!(
            "`{name}` needs {needed} more argument{}",
            if needed == 1 { "" } else { "s" }
        ),
    )
    .label("expected an argument here")
    .with_label(name_span, "")
    .help(format!("write it as `{usage}`"))
}

/// `several`: the row repeats or takes more than one argument, so quoting
/// is not the way to give more.
pub(crate) fn extra_arguments(
    span: Span,
    name: &str,
    max: usize,
    found: usize,
    usage: &str,
    several: bool,
) -> Diagnostic {
    let takes = match max {
        0 => "no arguments".to_owned(),
        1 => "one argument".to_owned(),
        n => format!("at most {n} arguments"),
    };
    Diagnostic::new(
        Code::ExtraArgument,
        span,
        format!("`{name}` takes {takes}, found {found}"),
    )
    .label("not expected")
    .help(if several {
        format!("write it as `{usage}`")
    } else {
        format!("write it as `{usage}`; to give several values, quote them as one string")
    })
}

pub(crate) fn missing_block(at: Span, name_span: Span, name: &str, usage: &str) -> Diagnostic {
    Diagnostic::new(Code::MissingBlock, at, format!("`{name}` needs a block"))
        .label("expected `{` here")
        .with_label(name_span, "")
        .help(format!("write it as `{usage}`"))
}

/// `where_`: the block's noun ("a site block").
pub(crate) fn set_twice(span: Span, name: &str, where_: &str, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateSetting,
        span,
        format!("`{name}` is set twice in {where_}"),
    )
    .label("set again here")
    .with_label(first, "first set here")
    .help(format!("keep one `{name}`; it takes effect once"))
}

/// `what`: the directive, as "`name`" or a noun.
pub(crate) fn unexpected_block(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnexpectedBlock,
        span,
        format!("{what} takes no block"),
    )
    .label("unexpected block")
    .help("remove the braces and write the settings on the directive's line")
}

/// `block`: the noun of the block it is in, `None` at the top level;
/// `elsewhere`: the noun of a block that takes it; `expected`: the
/// block's list of directives for the label.
pub(crate) fn unknown_directive(
    span: Span,
    name: &str,
    block: Option<&str>,
    noun: &str,
    takes: &[&str],
    elsewhere: Option<&str>,
    expected: &str,
) -> Diagnostic {
    let help = match (did_you_mean(name, takes.iter().copied()), elsewhere) {
        (Some(s), _) => format!("did you mean `{s}`?"),
        (None, Some(other)) => format!(
            "`{name}` belongs in {other}; {noun} takes {}",
            one_of(takes)
        ),
        (None, None) => format!("{noun} takes {}", one_of(takes)),
    };
    let message = match block {
        None => format!("unknown declaration `{name}`"),
        Some(block) => format!("unknown directive `{name}` in {block}"),
    };
    Diagnostic::new(Code::UnknownDirective, span, message)
        .label(format!("expected {expected}"))
        .help(help)
}

/// `what`: the declaration's kind ("site"); `label` and `help` from the
/// row's `need`.
pub(crate) fn missing_setting(
    span: Span,
    what: &str,
    name: &str,
    setting: &str,
    label: &str,
    help: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::MissingSetting,
        span,
        format!("{what} `{name}` has no `{setting}`"),
    )
    .label(label)
    .help(help)
}

/// `group`: what one of several rows gives ("a schedule").
pub(crate) fn missing_one_of(
    span: Span,
    what: &str,
    name: &str,
    group: &str,
    help: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::MissingSetting,
        span,
        format!("{what} `{name}` has no {group}"),
    )
    .label(format!("no {group}"))
    .help(help)
}

// Collecting declarations.

pub(crate) fn defaults_twice(span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateDeclaration,
        span,
        "`defaults` is declared twice",
    )
    .label("second `defaults`")
    .with_label(first, "first declared here")
    .help("merge the two `defaults` blocks into one")
}

/// `what`: the kind, or "host or pool" (they share names).
pub(crate) fn declared_twice(span: Span, what: &str, name: &str, first: Span) -> Diagnostic {
    Diagnostic::new(Code::DuplicateDeclaration, span, format!("{what} `{name}` is declared twice"))
        .label("declared again here")
        .with_label(first, "first declared here")
        .help("rename one of them; every file in the folder is one program, so names are shared across files")
}
