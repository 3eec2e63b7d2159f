//! `infrac lsp`: the language server (LSP over stdio, `lsp-server` for the
//! transport and `lsp-types` for the messages). The workspace folder is the
//! program and open buffers override the files on disk; every change is
//! checked as `infrac check` checks, and each file gets its diagnostics
//! (codes, ranges, the other labels as related locations, the code's
//! explanation on hover). Also: hover docs from the vocabulary table,
//! completion of directives and of the declared names a position takes, go
//! to definition, find references, document symbols, formatting by
//! `infrac fmt`.

mod features;
mod position;
pub mod workspace;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, References,
    Request as _,
};
use lsp_types::{
    CompletionOptions, InitializeParams, OneOf, PublishDiagnosticsParams, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind,
};

use workspace::{Workspace, path, uri};

/// Serves one editor on stdin/stdout until it says `exit`.
pub fn serve() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (connection, io) = Connection::stdio();
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions::default()),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..Default::default()
    };
    let init = connection.initialize(serde_json::to_value(capabilities)?)?;
    let init: InitializeParams = serde_json::from_value(init)?;
    #[allow(deprecated)] // root_uri: the one folder of editors without workspace folders
    let root = init
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.clone())
        .or(init.root_uri)
        .and_then(|u| path(&u));
    let mut ws = Workspace::new(root);
    for message in &connection.receiver {
        match message {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    break;
                }
                let response = answer(&ws, req);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(note) => {
                if changed(&mut ws, note) {
                    publish(&connection, &mut ws)?;
                }
            }
            Message::Response(_) => {}
        }
    }
    io.join()?;
    Ok(())
}

/// A notification's parameters read as `N`'s (none when they are not).
fn params<N: lsp_types::notification::Notification>(note: Notification) -> Option<N::Params> {
    serde_json::from_value(note.params).ok()
}

/// Applies a document notification; whether the program changed.
fn changed(ws: &mut Workspace, note: Notification) -> bool {
    match note.method.as_str() {
        DidOpenTextDocument::METHOD => params::<DidOpenTextDocument>(note).is_some_and(|p| {
            path(&p.text_document.uri)
                .map(|file| ws.open.insert(file, p.text_document.text))
                .is_some()
        }),
        DidChangeTextDocument::METHOD => params::<DidChangeTextDocument>(note).is_some_and(|p| {
            // Full sync: the last change is the whole text.
            match (
                path(&p.text_document.uri),
                p.content_changes.into_iter().last(),
            ) {
                (Some(file), Some(change)) => {
                    ws.open.insert(file, change.text);
                    true
                }
                _ => false,
            }
        }),
        DidCloseTextDocument::METHOD => params::<DidCloseTextDocument>(note).is_some_and(|p| {
            path(&p.text_document.uri).is_some_and(|file| ws.open.remove(&file).is_some())
        }),
        // Files on disk may have changed: the check reads what did.
        DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => true,
        _ => false,
    }
}

/// Checks the program and sends each file its diagnostics.
fn publish(
    connection: &Connection,
    ws: &mut Workspace,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut sent = std::collections::BTreeMap::new();
    for (file, diagnostics) in ws.check() {
        let Some(file_uri) = uri(&file) else { continue };
        let params = PublishDiagnosticsParams::new(file_uri, diagnostics.clone(), None);
        connection
            .sender
            .send(Message::Notification(Notification::new(
                PublishDiagnostics::METHOD.to_owned(),
                params,
            )))?;
        sent.insert(file, diagnostics);
    }
    // A file that left the program (closed, never saved): cleared.
    for gone in ws.diagnostics.keys().filter(|f| !sent.contains_key(*f)) {
        if let Some(file_uri) = uri(gone) {
            connection
                .sender
                .send(Message::Notification(Notification::new(
                    PublishDiagnostics::METHOD.to_owned(),
                    PublishDiagnosticsParams::new(file_uri, Vec::new(), None),
                )))?;
        }
    }
    ws.diagnostics = sent;
    Ok(())
}

/// A request's parameters read as `R`'s, answered by `f`.
fn handle<R: lsp_types::request::Request>(
    req: Request,
    f: impl FnOnce(R::Params) -> R::Result,
) -> Response {
    match serde_json::from_value::<R::Params>(req.params) {
        Ok(params) => Response::new_ok(req.id, f(params)),
        Err(err) => Response::new_err(req.id, ErrorCode::InvalidParams as i32, err.to_string()),
    }
}

fn answer(ws: &Workspace, req: Request) -> Response {
    match req.method.as_str() {
        HoverRequest::METHOD => handle::<HoverRequest>(req, |p| {
            let doc = p.text_document_position_params;
            path(&doc.text_document.uri).and_then(|f| features::hover(ws, &f, doc.position))
        }),
        Completion::METHOD => handle::<Completion>(req, |p| {
            let doc = p.text_document_position;
            let items = path(&doc.text_document.uri)
                .map(|f| features::completion(ws, &f, doc.position))
                .unwrap_or_default();
            Some(lsp_types::CompletionResponse::Array(items))
        }),
        GotoDefinition::METHOD => handle::<GotoDefinition>(req, |p| {
            let doc = p.text_document_position_params;
            path(&doc.text_document.uri)
                .and_then(|f| features::definition(ws, &f, doc.position))
                .map(lsp_types::GotoDefinitionResponse::Scalar)
        }),
        References::METHOD => handle::<References>(req, |p| {
            let doc = p.text_document_position;
            path(&doc.text_document.uri)
                .map(|f| features::references(ws, &f, doc.position, p.context.include_declaration))
        }),
        DocumentSymbolRequest::METHOD => handle::<DocumentSymbolRequest>(req, |p| {
            let symbols = path(&p.text_document.uri)
                .map(|f| features::symbols(ws, &f))
                .unwrap_or_default();
            Some(lsp_types::DocumentSymbolResponse::Nested(symbols))
        }),
        Formatting::METHOD => handle::<Formatting>(req, |p| {
            path(&p.text_document.uri).map(|f| features::formatting(ws, &f))
        }),
        _ => Response::new_err(
            req.id,
            ErrorCode::MethodNotFound as i32,
            format!("infrac lsp does not answer {}", req.method),
        ),
    }
}
