//! The vocabulary table is the language: every row has ids, a reader, docs
//! and a diagnostic case for each of its value types.

mod common;

use std::collections::HashSet;

use infrac::diag::Severity;
use infrac::program::analyze;
use infrac::vocabulary::{
    Block, Directives, Ty, cron, defaults, host, pool, service, site, static_, subproject, top,
    unit, webhook,
};

/// Every id of a block has exactly one row, and every row's name is
/// unique in its block.
fn rows_of<I: Directives>(all: &[I]) -> Vec<String> {
    let mut problems = Vec::new();
    for id in all {
        let n = I::ROWS.iter().filter(|r| r.id == *id).count();
        if n != 1 {
            problems.push(format!("{:?} {id:?} has {n} rows", I::BLOCK));
        }
    }
    let mut names = HashSet::new();
    for row in I::ROWS {
        if !names.insert(row.spec.name) {
            problems.push(format!("{:?} `{}` twice", I::BLOCK, row.spec.name));
        }
    }
    problems
}

#[test]
fn every_id_has_one_row() {
    let mut problems = Vec::new();
    problems.extend(rows_of(top::Id::ALL));
    problems.extend(rows_of(defaults::Id::ALL));
    problems.extend(rows_of(host::Id::ALL));
    problems.extend(rows_of(pool::Id::ALL));
    problems.extend(rows_of(site::Id::ALL));
    problems.extend(rows_of(static_::Id::ALL));
    problems.extend(rows_of(subproject::Id::ALL));
    problems.extend(rows_of(service::Id::ALL));
    problems.extend(rows_of(cron::Id::ALL));
    problems.extend(rows_of(unit::Id::ALL));
    problems.extend(rows_of(webhook::Id::ALL));
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The usage text a help message shows lists every word a choice takes,
/// and every row says how it is used, what it means and shows an example
/// of itself.
#[test]
fn usage_names_every_choice() {
    let mut problems = Vec::new();
    for block in Block::VOCABULARY {
        for spec in block.specs() {
            for param in spec.params {
                if let Ty::Choice(words) = param.ty {
                    for w in words {
                        // `yes|no` flags list two of their synonyms.
                        let synonym = words == infrac::vocabulary::FLAG;
                        if !spec.usage.contains(w) && !synonym {
                            problems.push(format!("{block:?} `{}`: `{w}` not in usage", spec.name));
                        }
                    }
                }
            }
            if !spec.example.starts_with(spec.name) {
                problems.push(format!("{block:?} `{}`: example is not of it", spec.name));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Every row has a reader that accepts it: its example, in a program with
/// everything it refers to, checks without a diagnostic.
#[test]
fn every_row_is_read() {
    let mut problems = Vec::new();
    for block in Block::VOCABULARY {
        for spec in block.specs() {
            // The program already has its one `defaults` block.
            let line = if spec.name == "defaults" {
                ""
            } else {
                spec.example
            };
            let text = common::hostile::program_with(block, line, 0);
            let sources = common::program(&[("p.infra", &text)]);
            let checked = analyze(&sources);
            let errors: Vec<String> = checked
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            if !errors.is_empty() {
                problems.push(format!("{block:?} `{}`: {errors:?}\n{text}", spec.name));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Every value type a row takes has its own code, and that code has a
/// case in tests/cases/diagnostics (which `diagnostics.rs` runs).
#[test]
fn every_value_type_has_a_diagnostic_case() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/diagnostics");
    let mut missing = Vec::new();
    for block in Block::VOCABULARY {
        for spec in block.specs() {
            for param in spec.params {
                let code = param.ty.code();
                if !dir.join(format!("{}.infra", code.name())).exists() {
                    missing.push(format!(
                        "{block:?} `{}` {}: {:?} → {code}",
                        spec.name, param.name, param.ty
                    ));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

/// What a program builds: every generated file, or its errors.
fn built(text: &str) -> String {
    let sources = common::program(&[("p.infra", text)]);
    let checked = analyze(&sources);
    let Some(model) = checked.model else {
        return format!("rejected: {:?}", checked.diagnostics);
    };
    let trees = infrac::render::render(&model).expect("a checked model renders");
    let mut all = String::new();
    for f in trees.iter().flat_map(|t| &t.files) {
        all.push_str(f.path.as_str());
        all.push('\n');
        all.push_str(&f.content);
    }
    all
}

/// A route over several patterns (`X [/a /b] …`) builds what one route per
/// pattern builds, for every route row whose example starts with a path:
/// a new route is covered as soon as it has its row.
#[test]
fn a_route_over_several_patterns_is_one_route_per_pattern() {
    let mut tried = 0;
    for spec in Block::Site.specs() {
        if spec.group != infrac::vocabulary::Group::Route {
            continue;
        }
        let mut words = spec.example.splitn(3, ' ');
        let (Some(name), Some(pattern)) = (words.next(), words.next()) else {
            continue;
        };
        if !pattern.starts_with('/') {
            continue;
        }
        let rest = words.next().map(|r| format!(" {r}")).unwrap_or_default();
        let other = if pattern.ends_with("/*") {
            "/other/*"
        } else {
            "/other"
        };
        let together = format!("{name} [{pattern} {other}]{rest}");
        let apart = format!("{name} {pattern}{rest}\n    {name} {other}{rest}");
        let one = built(&common::hostile::program_with(Block::Site, &together, 0));
        let two = built(&common::hostile::program_with(Block::Site, &apart, 0));
        assert!(!one.starts_with("rejected"), "`{together}`: {one}");
        assert_eq!(one, two, "`{together}` is not `{apart}`");
        tried += 1;
    }
    assert!(tried >= 4, "only {tried} route rows start with a path");
}
