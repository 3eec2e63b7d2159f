//! `docs/LANGUAGE.md`'s directive tables, generated from the rows.
//!
//! The page holds the prose; each table stands between two markers:
//!
//! ```text
//! <!-- vocabulary site routes -->
//! | directive | meaning |
//! …
//! <!-- end vocabulary -->
//! ```
//!
//! [`update`] rewrites what stands between them, so a test can hold the
//! page equal to the table (`INFRAC_UPDATE_DOCS=1 cargo test` rewrites it).

use super::{Block, Group, Need, Spec};

const END: &str = "<!-- end vocabulary -->";

/// The block a marker names (`site`, `static`, `cron`, …).
#[must_use]
pub fn block_named(name: &str) -> Option<Block> {
    Block::VOCABULARY
        .into_iter()
        .find(|b| marker_name(*b) == name)
}

/// How a marker names a block.
#[must_use]
pub fn marker_name(block: Block) -> &'static str {
    match block {
        Block::Top => "declarations",
        Block::Defaults => "defaults",
        Block::Host => "host",
        Block::Pool => "pool",
        Block::Site => "site",
        Block::Static => "static",
        Block::Subproject => "subproject",
        Block::Service => "service",
        Block::Sysctl => "sysctl",
        Block::Cron => "cron",
        Block::Unit => "unit",
        Block::Webhook => "webhook",
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// What the table says a row means: its doc, and whether it is required.
fn meaning(block: Block, spec: &Spec) -> String {
    match spec.need {
        Need::No => spec.doc.to_owned(),
        Need::Yes { .. } => format!("required: {}", spec.doc),
        Need::OneOf { what, .. } => {
            let group: Vec<String> = block
                .specs()
                .iter()
                .filter(|s| matches!(s.need, Need::OneOf { what: w, .. } if w == what))
                .map(|s| format!("`{}`", s.name))
                .collect();
            format!("{}; one of {} is required", spec.doc, group.join(" or "))
        }
    }
}

/// The markdown table of a block's rows (`routes`/`settings`: only those of
/// a site).
#[must_use]
pub fn table(block: Block, part: Option<Group>) -> String {
    let (head, with_default) = match block {
        Block::Top => ("| declaration | what it is |\n| --- | --- |\n", false),
        Block::Defaults => (
            "| directive | meaning | default |\n| --- | --- | --- |\n",
            true,
        ),
        _ => ("| directive | meaning |\n| --- | --- |\n", false),
    };
    let mut out = head.to_owned();
    for spec in block.specs() {
        if part.is_some_and(|g| g != spec.group) {
            continue;
        }
        out.push_str(&format!(
            "| `{}` | {} |",
            cell(spec.usage),
            cell(&meaning(block, spec))
        ));
        if with_default {
            let default = if spec.default.is_empty() {
                "none"
            } else {
                spec.default
            };
            out.push_str(&format!(" {} |", cell(default)));
        }
        out.push('\n');
    }
    out
}

/// Why a page's markers could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct BadMarker(pub String);

/// The page with every table between markers regenerated.
///
/// # Errors
/// A marker naming no block, or without its end marker.
pub fn update(page: &str) -> Result<String, BadMarker> {
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(start) = rest.find("<!-- vocabulary ") {
        let line_end = rest[start..]
            .find('\n')
            .map_or(rest.len(), |i| start + i + 1);
        let marker = rest[start..line_end].trim();
        let words: Vec<&str> = marker
            .trim_start_matches("<!-- vocabulary ")
            .trim_end_matches("-->")
            .split_whitespace()
            .collect();
        let block = words
            .first()
            .and_then(|w| block_named(w))
            .ok_or_else(|| BadMarker(marker.to_owned()))?;
        let part = match words.get(1).copied() {
            None => None,
            Some("routes") => Some(Group::Route),
            Some("settings") => Some(Group::Setting),
            Some(_) => return Err(BadMarker(marker.to_owned())),
        };
        let end = rest[line_end..]
            .find(END)
            .map(|i| line_end + i)
            .ok_or_else(|| BadMarker(format!("{marker} has no `{END}`")))?;
        out.push_str(&rest[..line_end]);
        out.push_str(&table(block, part));
        out.push_str(END);
        rest = &rest[end + END.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The blocks a page has tables for.
#[must_use]
pub fn documented(page: &str) -> Vec<Block> {
    page.match_indices("<!-- vocabulary ")
        .filter_map(|(i, _)| {
            let name = page[i + "<!-- vocabulary ".len()..]
                .split_whitespace()
                .next()?;
            block_named(name)
        })
        .collect()
}
