//! The letter preview ("as the recipient sees it") and attachment checks for the Brev screen.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kommunepost_core::ident::Fnr;
use kommunepost_core::letters::attachment::{AttachmentInfo, DPI_MAX_BYTES, check_pdf};
use kommunepost_core::letters::draft::DraftText;
use kommunepost_core::letters::package::package;
use kommunepost_core::letters::pdf::geometry::{EnvelopeGeometry, window};
use kommunepost_core::letters::pdf::render;
use kommunepost_core::letters::preflight::{PreflightChannel, PreflightProblem, preflight};
use serde::Serialize;
use tauri::State;

use super::letters::DraftForm;
use crate::error::{CommandError, ErrorCode};
use crate::state::AppState;

/// A rendered letter for the viewer.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct LetterPreview {
    /// The letter as sent (attachments merged when so chosen), base64.
    pub pdf_base64: String,
    /// Pages of the letter itself.
    pub pages: u32,
    /// The title, as the digital mailbox's notification shows it.
    pub title: String,
    /// The file name the recipient sees.
    pub file_name: String,
    /// What shows through the envelope window (name and address lines), empty when the
    /// letter has no postal address.
    pub window_lines: Vec<String>,
    /// The recipient (masked) the preview was made for.
    pub recipient: String,
    /// Preflight problems for print (the strictest channel).
    pub problems: Vec<PreflightProblem>,
    /// False when a merged attachment is not PDF/A.
    pub pdf_a: bool,
}

fn not_ready<E: kommunepost_core::problem::Explain + std::fmt::Display>(error: E) -> CommandError {
    CommandError::explained(ErrorCode::LetterNotReady, &error)
}

/// Renders the draft for `row` of its recipient list (or its single recipient) exactly as it
/// would be sent, with the preflight's findings. Nothing is saved.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn preview_letter(
    state: State<'_, AppState>,
    draft: DraftForm,
    row: Option<u32>,
) -> Result<LetterPreview, CommandError> {
    render_preview(&state, draft, row)
}

/// The draft rendered for `row` as it would be sent (the preview's and Signering's PDF).
pub fn render_preview(
    state: &AppState,
    draft: DraftForm,
    row: Option<u32>,
) -> Result<LetterPreview, CommandError> {
    let template = match &draft.letter.template_id {
        Some(id) => Some(state.session().store()?.get_template(id)?.template),
        None => None,
    };
    let fnr = match draft.recipient_fnr.trim() {
        "" => None,
        text => Some(
            Fnr::parse(text)
                .map_err(|e| CommandError::explained(ErrorCode::InvalidIdentifier, &e))?,
        ),
    };
    let date = kommunepost_core::norway::date(state.clock().now());
    let letter = draft
        .letter
        .compose(
            DraftText {
                title: &draft.title,
                body: &draft.body,
                recipient_fnr: fnr.as_ref(),
                recipient_name: &draft.recipient_name,
            },
            template.as_ref(),
            row.map(|r| r as usize),
            date,
        )
        .map_err(not_ready)?;
    let rendered = render(&letter).map_err(not_ready)?;
    let attachments = draft
        .letter
        .attachment_files()
        .map_err(|e| CommandError::explained(ErrorCode::InvalidAttachment, &e))?;
    let pages = u32::try_from(rendered.pages).unwrap_or(u32::MAX);
    let package = package(
        &letter.title,
        rendered.bytes,
        &attachments,
        draft.letter.attachment_mode,
        false,
    )
    .map_err(|e| CommandError::explained(ErrorCode::InvalidAttachment, &e))?;
    let problems = preflight(&letter.title, &package.documents, PreflightChannel::Papir);
    let recipient = match (&draft.letter.recipients()?, row) {
        (Some(list), _) => list
            .recipients
            .iter()
            .find(|r| row.is_none_or(|n| r.row == n as usize))
            .map(kommunepost_core::letters::batch::describe)
            .unwrap_or_default(),
        (None, _) => match &fnr {
            Some(fnr) => format!("{} ({})", draft.recipient_name.trim(), fnr.masked()),
            None => draft.recipient_name.trim().to_owned(),
        },
    };
    let main = package
        .documents
        .first()
        .expect("the letter is always first");
    Ok(LetterPreview {
        pdf_base64: STANDARD.encode(&main.bytes),
        pages,
        title: letter.title.clone(),
        file_name: main.file_name.clone(),
        window_lines: letter
            .recipient
            .map(|a| std::iter::once(a.name).chain(a.lines).collect())
            .unwrap_or_default(),
        recipient,
        problems,
        pdf_a: package.pdf_a,
    })
}

/// The envelope window and address area (millimetres) for the preview's overlay.
#[tauri::command]
#[specta::specta]
pub fn letter_geometry() -> EnvelopeGeometry {
    window()
}

/// Checks a PDF before it is attached: pages, size, version, warnings; or why it cannot be.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn check_attachment(file: Vec<u8>) -> Result<AttachmentInfo, CommandError> {
    check_pdf(&file, DPI_MAX_BYTES)
        .map_err(|e| CommandError::explained(ErrorCode::InvalidAttachment, &e))
}

/// A merge field the letter uses and whether the clerk must type its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct UsedField {
    /// The field's name as written.
    pub name: String,
    /// Filled from the recipient (the list's row, or the recipient form), not typed.
    pub from_recipient: bool,
}

/// The merge fields the draft's title, body and template use. A field the recipient list (or
/// the single recipient's form) does not provide must be typed for a single letter.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn draft_fields(
    state: State<'_, AppState>,
    draft: DraftForm,
) -> Result<Vec<UsedField>, CommandError> {
    use kommunepost_core::letters::draft::RECIPIENT_FIELDS;
    use kommunepost_core::letters::merge::normalise_name;
    let template = match &draft.letter.template_id {
        Some(id) => Some(state.session().store()?.get_template(id)?.template),
        None => None,
    };
    let used = draft
        .letter
        .fields_used(
            DraftText {
                title: &draft.title,
                body: &draft.body,
                recipient_fnr: None,
                recipient_name: &draft.recipient_name,
            },
            template.as_ref(),
        )
        .map_err(not_ready)?;
    let columns: Vec<String> = match draft.letter.recipients()? {
        Some(list) => list.columns,
        None => RECIPIENT_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
    };
    Ok(used
        .into_iter()
        .map(|name| UsedField {
            from_recipient: columns.contains(&normalise_name(&name))
                || normalise_name(&name) == "adresse",
            name,
        })
        .collect())
}
