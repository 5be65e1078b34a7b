//! Drafts and templates (the Brev screen).

use kommunepost_core::ident::Fnr;
use kommunepost_core::ident::Identifier;
use kommunepost_core::letters::draft::{DraftLetter, FieldValue};
use kommunepost_core::letters::recipients::{
    RowProblem, Separator, TextEncoding, read_recipients_mapped,
};
use kommunepost_core::letters::template::{Template, example};
use kommunepost_core::problem::{Problem, ProblemKey};
use kommunepost_core::store::{DraftInput, DraftKind, DraftSummary, TemplateSummary};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::{CommandError, ErrorCode};
use crate::state::AppState;

/// A draft as the editor shows it. The recipient's number is shown in full here, in the form
/// where the clerk typed it, and masked in every list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DraftForm {
    /// `null` for a new draft.
    pub id: Option<String>,
    /// The letter's title.
    pub title: String,
    /// The recipient's fødselsnummer or D-nummer (may be empty).
    pub recipient_fnr: String,
    /// The recipient's name.
    pub recipient_name: String,
    /// The body (the Markdown subset).
    pub body: String,
    /// Template, address, merge values, recipient list and attachments.
    #[serde(default)]
    pub letter: DraftLetter,
}

/// Drafts not in the trash, newest first.
#[tauri::command]
#[specta::specta]
pub fn list_drafts(state: State<'_, AppState>) -> Result<Vec<DraftSummary>, CommandError> {
    Ok(state.session().store()?.list_drafts()?)
}

/// Drafts in the trash (kept 30 days).
#[tauri::command]
#[specta::specta]
pub fn list_trash(state: State<'_, AppState>) -> Result<Vec<DraftSummary>, CommandError> {
    Ok(state.session().store()?.list_trash()?)
}

/// One draft for the editor.
#[tauri::command]
#[specta::specta]
pub fn get_draft(state: State<'_, AppState>, id: String) -> Result<DraftForm, CommandError> {
    Ok(DraftForm::from(state.session().store()?.get_draft(&id)?))
}

impl From<kommunepost_core::store::Draft> for DraftForm {
    fn from(draft: kommunepost_core::store::Draft) -> Self {
        DraftForm {
            id: Some(draft.id),
            title: draft.title,
            recipient_fnr: draft
                .recipient_fnr
                .map(|f| f.expose().to_owned())
                .unwrap_or_default(),
            recipient_name: draft.recipient_name.unwrap_or_default(),
            body: draft.body,
            letter: draft.letter,
        }
    }
}

/// Saves a draft (autosave calls this while the clerk types); an invalid recipient number is
/// an error and nothing is saved.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn save_draft(
    state: State<'_, AppState>,
    draft: DraftForm,
) -> Result<DraftSummary, CommandError> {
    let recipient_fnr = match draft.recipient_fnr.trim() {
        "" => None,
        text => Some(
            Fnr::parse(text)
                .map_err(|e| CommandError::explained(ErrorCode::InvalidIdentifier, &e))?,
        ),
    };
    let saved = state.session().store()?.upsert_draft(DraftInput {
        id: draft.id,
        kind: if draft.letter.recipients_csv_base64.is_some() {
            DraftKind::MassMailing
        } else {
            DraftKind::Letter
        },
        title: draft.title,
        recipient_fnr,
        recipient_name: Some(draft.recipient_name).filter(|n| !n.trim().is_empty()),
        body: draft.body,
        letter: draft.letter,
    })?;
    Ok(DraftSummary {
        recipient_masked: saved.recipient_fnr.as_ref().map(Fnr::masked),
        id: saved.id,
        kind: saved.kind,
        title: saved.title,
        updated_at: saved.updated_at.to_rfc3339(),
        sent_at: None,
        sent_letters: None,
    })
}

/// Moves a draft to the trash.
#[tauri::command]
#[specta::specta]
pub fn delete_draft(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    Ok(state.session().store()?.delete_draft(&id)?)
}

/// Takes a draft back out of the trash.
#[tauri::command]
#[specta::specta]
pub fn restore_draft(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    Ok(state.session().store()?.restore_draft(&id)?)
}

/// Copies a draft.
#[tauri::command]
#[specta::specta]
pub fn duplicate_draft(state: State<'_, AppState>, id: String) -> Result<String, CommandError> {
    Ok(state.session().store()?.duplicate_draft(&id)?.id)
}

/// Templates by name.
#[tauri::command]
#[specta::specta]
pub fn list_templates(state: State<'_, AppState>) -> Result<Vec<TemplateSummary>, CommandError> {
    Ok(state.session().store()?.list_templates()?)
}

/// Imports a template file (TOML); a broken file says what is wrong and nothing is saved.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn import_template(
    state: State<'_, AppState>,
    contents: String,
) -> Result<String, CommandError> {
    let template = Template::from_file(contents.as_bytes())
        .map_err(|e| CommandError::explained(ErrorCode::InvalidTemplate, &e))?;
    Ok(state
        .session()
        .store()?
        .upsert_template(None, &template)?
        .id)
}

/// Adds the documented example template, in bokmål or nynorsk.
#[tauri::command]
#[specta::specta]
pub fn add_example_template(
    state: State<'_, AppState>,
    language: kommunepost_core::letters::template::Language,
) -> Result<String, CommandError> {
    let template = match language {
        kommunepost_core::letters::template::Language::Nb => example(),
        kommunepost_core::letters::template::Language::Nn => {
            kommunepost_core::letters::template::example_nynorsk()
        }
    };
    Ok(state
        .session()
        .store()?
        .upsert_template(None, &template)?
        .id)
}

/// Copies a template ("<name> (kopi)"); returns the copy's id.
#[tauri::command]
#[specta::specta]
pub fn duplicate_template(state: State<'_, AppState>, id: String) -> Result<String, CommandError> {
    Ok(state.session().store()?.duplicate_template(&id)?.id)
}

/// Removes a template from the list.
#[tauri::command]
#[specta::specta]
pub fn delete_template(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    Ok(state.session().store()?.delete_template(&id)?)
}

/// Writes a template file (`<name>.kpmal.toml`) to the Downloads folder, next to any file of
/// that name; returns where. Templates hold no personal data.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn export_template(state: State<'_, AppState>, id: String) -> Result<String, CommandError> {
    let template = state.session().store()?.get_template(&id)?.template;
    let name = kommunepost_core::letters::package::file_name_for(&template.name);
    let file = format!("{}.kpmal.toml", name.trim_end_matches(".pdf"));
    let path = kommunepost_core::paths::export_file(
        &state.paths().export_dir,
        &file,
        template.to_file().as_bytes(),
    )
    .map_err(|e| {
        CommandError::new(ErrorCode::Internal, format!("writing {file}: {e}"))
            .with_detail(Problem::new(ProblemKey::FileWriteFailed).with("name", &file))
    })?;
    Ok(path.display().to_string())
}

/// One recipient in the import preview (identifier masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RecipientPreview {
    /// The row in the file.
    pub row: u32,
    /// The identifier, masked for persons.
    pub identifier: String,
    /// The name.
    pub name: String,
    /// Postnummer and poststed.
    pub place: String,
}

/// What an imported recipient list holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RecipientReport {
    /// How the file was written.
    pub encoding: TextEncoding,
    /// The separator found.
    pub separator: Separator,
    /// The columns (normalised), i.e. the merge fields the list offers.
    pub columns: Vec<String>,
    /// Data rows in the file.
    pub data_rows: u32,
    /// Usable recipients.
    pub valid: u32,
    /// Every problem, by row.
    pub problems: Vec<RowProblem>,
    /// The first recipients.
    pub preview: Vec<RecipientPreview>,
}

/// The columns of a recipient list as written, with the first row's values (identifiers
/// masked) and the field a common heading means, to choose which column is which field.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn recipient_headers(
    file: Vec<u8>,
) -> Result<Vec<kommunepost_core::letters::recipients::ColumnSample>, CommandError> {
    kommunepost_core::letters::recipients::header_samples(&file)
        .map_err(|e| CommandError::explained(ErrorCode::InvalidRecipientList, &e))
}

/// Reads a recipient list (CSV bytes) and reports it; nothing is stored yet. `mapping` names
/// the field of columns whose header is something else (`name`: header, `value`: field).
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn import_recipients(
    file: Vec<u8>,
    mapping: Option<Vec<FieldValue>>,
) -> Result<RecipientReport, CommandError> {
    let pairs: Vec<(String, String)> = mapping
        .unwrap_or_default()
        .into_iter()
        .filter(|m| !m.value.trim().is_empty())
        .map(|m| (m.name, m.value))
        .collect();
    let list = read_recipients_mapped(&file, &pairs)
        .map_err(|e| CommandError::explained(ErrorCode::InvalidRecipientList, &e))?;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(RecipientReport {
        encoding: list.encoding,
        separator: list.separator,
        columns: list.columns.clone(),
        data_rows: count(list.data_rows),
        valid: count(list.recipients.len()),
        problems: list.problems.clone(),
        preview: list
            .recipients
            .iter()
            .take(20)
            .map(|r| RecipientPreview {
                row: count(r.row),
                identifier: match &r.identifier {
                    Identifier::Person(fnr) => fnr.masked(),
                    Identifier::Organisation(org) => org.to_string(),
                },
                name: r.name.clone(),
                place: format!("{} {}", r.postcode, r.city),
            })
            .collect(),
    })
}
