//! Showing diagnostics: miette's graphical report (people) and JSON (tools).

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;

use super::{Diagnostic, Label, Severity};
use crate::source::SourceMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Always,
    Never,
}

/// Renders diagnostics as miette reports, `width` columns wide, without
/// links. Deterministic for a given input (what the snapshot tests rely on).
#[must_use]
pub fn to_human(
    diags: &[Diagnostic],
    sources: &SourceMap,
    color: ColorChoice,
    width: usize,
) -> String {
    let theme = match color {
        ColorChoice::Always => GraphicalTheme::unicode(),
        ColorChoice::Never => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    for (i, diag) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let view = View::new(diag, sources);
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &view);
    }
    out
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    /// Byte offsets into the file.
    span: [usize; 2],
    message: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: String,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    span: [usize; 2],
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
}

fn json_label<'a>(label: &'a Label, sources: &'a SourceMap) -> JsonLabel<'a> {
    let file = sources.get(label.span.file);
    let (line, column) = file.line_col(label.span.start);
    let (end_line, end_column) = file.line_col(label.span.end);
    JsonLabel {
        file: file.display.as_str(),
        line,
        column,
        end_line,
        end_column,
        span: [label.span.start, label.span.end],
        message: &label.text,
    }
}

/// One JSON object per line per diagnostic (the `--message-format json`
/// stream). Fields: code, severity, message, file, line, column (1-based),
/// `end_line`, `end_column`, span (byte offsets), help, labels.
#[must_use]
pub fn to_json(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for diag in diags {
        let primary = json_label(&diag.labels[0], sources);
        let json = JsonDiagnostic {
            code: diag.code.to_string(),
            severity: diag.severity,
            message: &diag.message,
            file: primary.file,
            line: primary.line,
            column: primary.column,
            end_line: primary.end_line,
            end_column: primary.end_column,
            span: primary.span,
            help: diag.help.as_deref(),
            labels: diag.labels.iter().map(|l| json_label(l, sources)).collect(),
        };
        out.push_str(&serde_json::to_string(&json).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// One GitHub Actions workflow command per diagnostic (`::error file=…,
/// line=…::message`), which GitHub shows as an annotation on the pull
/// request's diff: the code as the title, the help after the message.
/// Columns only for a one-line span (GitHub ignores them otherwise).
#[must_use]
pub fn to_github(diags: &[Diagnostic], sources: &SourceMap) -> String {
    // GitHub's escapes: `%`, CR and LF everywhere; `:` and `,` also in a
    // property, where they would end it.
    fn data(s: &str) -> String {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn property(s: &str) -> String {
        data(s).replace(':', "%3A").replace(',', "%2C")
    }
    let mut out = String::new();
    for diag in diags {
        let l = json_label(&diag.labels[0], sources);
        let command = match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // Relative to the repository's root, as GitHub places annotations.
        let file = l.file.trim_start_matches("./");
        let mut at = format!(
            "file={},line={},endLine={}",
            property(file),
            l.line,
            l.end_line
        );
        if l.line == l.end_line {
            at.push_str(&format!(",col={},endColumn={}", l.column, l.end_column));
        }
        let mut message = diag.message.clone();
        if let Some(help) = &diag.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} {at},title={}::{}\n",
            property(&diag.code.to_string()),
            data(&message)
        ));
    }
    out
}

/// A source file as miette sees it: named, borrowed.
struct FileCode<'a> {
    name: &'a str,
    text: &'a str,
}

impl SourceCode for FileCode<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// A [`Diagnostic`] seen through miette's trait. Labels in the primary
/// label's file are shown in the snippet; labels in other files become
/// related notes with their own snippet.
struct View<'a> {
    message: std::borrow::Cow<'a, str>,
    /// Whether the snippet can be shown: miette cannot draw a line whose
    /// columns run past what its formatting takes, nor should it.
    snippet: bool,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<&'a str>,
    labels: Vec<&'a Label>,
    source: FileCode<'a>,
    bare_labels: bool,
    related: Vec<View<'a>>,
}

impl<'a> View<'a> {
    fn new(diag: &'a Diagnostic, sources: &'a SourceMap) -> Self {
        let file = diag.labels[0].span.file;
        let (here, elsewhere): (Vec<&Label>, Vec<&Label>) =
            diag.labels.iter().partition(|l| l.span.file == file);
        let related = elsewhere
            .into_iter()
            .map(|label| View {
                snippet: drawable(sources, label),
                message: std::borrow::Cow::Borrowed(&label.text),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                labels: vec![label],
                source: file_code(sources, label.span.file),
                // The note's message is the label's text: do not repeat it.
                bare_labels: true,
                related: Vec::new(),
            })
            .collect();
        let snippet = diag.labels.iter().all(|l| drawable(sources, l));
        let message = if snippet {
            std::borrow::Cow::Borrowed(diag.message.as_str())
        } else {
            let f = sources.get(file);
            let (line, column) = f.line_col(diag.labels[0].span.start);
            std::borrow::Cow::Owned(format!(
                "{} (at {}:{line}:{column}; the line is too long to show)",
                diag.message, f.display
            ))
        };
        View {
            snippet,
            message,
            code: Some(diag.code.to_string()),
            severity: match diag.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            help: diag.help.as_deref(),
            labels: here,
            source: file_code(sources, file),
            bare_labels: false,
            related,
        }
    }
}

/// The longest line a snippet shows.
const MAX_SHOWN_LINE: usize = 2000;

/// Whether the lines a label covers are short enough to draw.
fn drawable(sources: &SourceMap, label: &Label) -> bool {
    let text = &sources.get(label.span.file).text;
    let start = text[..label.span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = text[label.span.end.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| label.span.end + i);
    text[start..end]
        .lines()
        .all(|l| l.chars().count() <= MAX_SHOWN_LINE)
}

fn file_code(sources: &SourceMap, file: crate::source::FileId) -> FileCode<'_> {
    let f = sources.get(file);
    FileCode {
        name: f.display.as_str(),
        text: &f.text,
    }
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.then_some(&self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if !self.snippet {
            return None;
        }
        Some(Box::new(self.labels.iter().map(|l| {
            let text = (!l.text.is_empty() && !self.bare_labels).then(|| l.text.clone());
            LabeledSpan::new(text, l.span.start, l.span.len())
        })))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}
