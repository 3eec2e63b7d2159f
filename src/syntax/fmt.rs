//! `infrac fmt`: one layout for every source file, built from the syntax
//! tree and the comments between its nodes.
//!
//! - Four spaces per block level; one directive a line (`a; b` is split).
//! - Arguments one space apart, each as written (a string keeps its
//!   quotes and escapes, a word its placeholders).
//! - A list on one line stays on one line, `[a b c]` (commas dropped); a
//!   list over several lines keeps the user's line breaks, one level in,
//!   with `]` on its own line.
//! - Comments are kept where they are: on their own line (indented as the
//!   directives around them), or after code. A comment after code keeps
//!   its distance from where its line's code starts when the code still
//!   ends before it (so aligned comments stay aligned, whatever the
//!   indentation was), else it is one space after the code.
//! - Blank lines: a run of them is one; none at the start or end of a
//!   block or file.
//!
//! The result is parsed again and must be the same tree: a formatting bug
//! is reported, never written.

use super::{Arg, ArgKind, Directive, parse};
use crate::diag::Diagnostic;
use crate::source::FileId;

const INDENT: &str = "    ";

/// Why a file was not formatted.
#[derive(Debug)]
pub enum Error {
    /// It does not parse.
    Syntax(Diagnostic),
    /// The formatted text would read differently: a bug in `fmt`.
    Changed(String),
}

/// The file in its canonical layout.
pub fn format(file: FileId, text: &str) -> Result<String, Error> {
    let ast = parse(file, text).map_err(Error::Syntax)?;
    let mut f = Fmt {
        text,
        lines: Vec::new(),
        anchor: None,
    };
    f.items(&ast.items, 0, 0, text.len(), true);
    while f.lines.last().is_some_and(String::is_empty) {
        f.lines.pop();
    }
    let mut out = f.lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    let again = parse(file, &out).map_err(|d| Error::Changed(d.message))?;
    if !same_items(&ast.items, &again.items) {
        return Err(Error::Changed("the directives differ".to_owned()));
    }
    Ok(out)
}

/// What is between two nodes: a comment after the code before it, then
/// the lines after that (blank, or holding a comment).
struct Gap<'a> {
    /// The comment on the line of the code before, with its column.
    trailing: Option<(usize, &'a str)>,
    newline: bool,
    lines: Vec<Option<&'a str>>,
}

fn gap(text: &str, from: usize, to: usize) -> Gap<'_> {
    fn comment(seg: &str) -> Option<(usize, &str)> {
        let at = seg.find(|c: char| !matches!(c, ' ' | '\t' | ';' | ','))?;
        debug_assert!(
            seg[at..].starts_with('#'),
            "a gap holds only separators and comments"
        );
        Some((at, seg[at..].trim_end()))
    }
    // Lines as pest ends them: `\r\n`, `\n` or `\r`; the last is what
    // follows the gap's last line end (all of it when there is none).
    let mut segments = Vec::new();
    let mut rest = &text[from..to];
    while let Some(end) = rest.find(['\n', '\r']) {
        segments.push(&rest[..end]);
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
    }
    segments.push(rest);
    let trailing = comment(segments[0]).map(|(at, c)| (column(text, from + at), c));
    Gap {
        trailing,
        newline: segments.len() > 1,
        // The last segment is what precedes the next node on its line: a
        // line of its own only when it is a comment (at the end of a file).
        lines: segments[1..]
            .iter()
            .enumerate()
            .filter_map(|(i, seg)| match comment(seg) {
                Some((_, c)) => Some(Some(c)),
                None if i + 2 == segments.len() => None,
                None => Some(None),
            })
            .collect(),
    }
}

/// The column (in characters) of a byte offset.
fn column(text: &str, at: usize) -> usize {
    let start = text[..at].rfind(['\n', '\r']).map_or(0, |n| n + 1);
    text[start..at].chars().count()
}

struct Fmt<'a> {
    text: &'a str,
    lines: Vec<String>,
    /// Where the last line's first node is in the source.
    anchor: Option<usize>,
}

impl Fmt<'_> {
    /// A new line; `at`: where what starts it is in the source.
    fn line(&mut self, depth: usize, s: &str, at: Option<usize>) {
        self.lines.push(format!("{}{s}", INDENT.repeat(depth)));
        self.anchor = at;
    }

    fn append(&mut self, s: &str) {
        if let Some(last) = self.lines.last_mut() {
            last.push_str(s);
        }
    }

    /// Writes a gap's comments at `depth`; `started`: whether this block
    /// or list has a line yet (blank lines go only between lines). Returns
    /// whether a blank line is due before what follows.
    fn put_gap(&mut self, g: &Gap<'_>, depth: usize, started: &mut bool, first_line: bool) -> bool {
        if let Some((at_column, comment)) = g.trailing {
            if first_line {
                self.line(depth, comment, None);
                *started = true;
            } else {
                let last = self.lines.last().map_or("", String::as_str);
                let (len, indent) = (last.chars().count(), last.len() - last.trim_start().len());
                let wanted = self.anchor.map_or(0, |at| {
                    indent + at_column.saturating_sub(column(self.text, at))
                });
                self.append(&" ".repeat(wanted.saturating_sub(len).max(1)));
                self.append(comment);
            }
        }
        let mut blank = false;
        for line in &g.lines {
            match line {
                None => blank = true,
                Some(comment) => {
                    if blank && *started {
                        self.lines.push(String::new());
                    }
                    self.line(depth, comment, None);
                    *started = true;
                    blank = false;
                }
            }
        }
        blank
    }

    /// The directives between `from` and `to` (a block's braces, or the
    /// whole file when `top`).
    fn items(&mut self, items: &[Directive<'_>], depth: usize, from: usize, to: usize, top: bool) {
        let mut pos = from;
        let mut started = false;
        for (i, item) in items.iter().enumerate() {
            let g = gap(self.text, pos, item.span.start);
            if self.put_gap(&g, depth, &mut started, top && i == 0) && started {
                self.lines.push(String::new());
            }
            self.directive(item, depth);
            started = true;
            pos = item.span.end;
        }
        let g = gap(self.text, pos, to);
        self.put_gap(&g, depth, &mut started, top && items.is_empty());
    }

    fn directive(&mut self, d: &Directive<'_>, depth: usize) {
        self.line(depth, d.name.value, Some(d.span.start));
        for arg in &d.args {
            self.append(" ");
            self.arg(arg, depth);
        }
        if let Some(block) = &d.block {
            let (open, close) = (block.span.start + 1, block.span.end - 1);
            let empty = block.items.is_empty() && {
                let g = gap(self.text, open, close);
                g.trailing.is_none() && g.lines.iter().all(Option::is_none)
            };
            if empty {
                self.append(" {}");
            } else {
                self.append(" {");
                self.items(&block.items, depth + 1, open, close, false);
                self.line(depth, "}", Some(close));
            }
        }
    }

    fn arg(&mut self, arg: &Arg<'_>, depth: usize) {
        let source = &self.text[arg.span.start..arg.span.end];
        let ArgKind::List(items) = &arg.kind else {
            self.append(source);
            return;
        };
        let text = self.text;
        let item = |a: &Arg<'_>| &text[a.span.start..a.span.end];
        if !source.contains(['\n', '\r']) {
            let joined: Vec<&str> = items.iter().map(item).collect();
            self.append(&format!("[{}]", joined.join(" ")));
            return;
        }
        self.append("[");
        let mut pos = arg.span.start + 1;
        let mut started = false;
        for a in items {
            let g = gap(text, pos, a.span.start);
            let blank = self.put_gap(&g, depth + 1, &mut started, false);
            if g.newline || !started {
                if blank && started {
                    self.lines.push(String::new());
                }
                self.line(depth + 1, item(a), Some(a.span.start));
                started = true;
            } else {
                self.append(" ");
                self.append(item(a));
            }
            pos = a.span.end;
        }
        let g = gap(text, pos, arg.span.end - 1);
        self.put_gap(&g, depth + 1, &mut started, false);
        self.line(depth, "]", Some(arg.span.end - 1));
    }
}

/// Whether two trees say the same: names, arguments (their text and kind)
/// and blocks, wherever they are in their files.
fn same_items(a: &[Directive<'_>], b: &[Directive<'_>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.name.value == y.name.value
                && x.args.len() == y.args.len()
                && x.args.iter().zip(&y.args).all(|(p, q)| same_arg(p, q))
                && match (&x.block, &y.block) {
                    (None, None) => true,
                    (Some(p), Some(q)) => same_items(&p.items, &q.items),
                    _ => false,
                }
        })
}

fn same_arg(a: &Arg<'_>, b: &Arg<'_>) -> bool {
    match (&a.kind, &b.kind) {
        (ArgKind::Word(x), ArgKind::Word(y)) | (ArgKind::Str(x), ArgKind::Str(y)) => x == y,
        (ArgKind::List(x), ArgKind::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_arg(p, q))
        }
        _ => false,
    }
}
