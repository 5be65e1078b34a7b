//! A letter's documents as they are sent: the rendered letter first, then its attachments —
//! merged after the letter's pages or as separate documents — each with the file name the
//! recipient sees. The letter's file name is its title, because SvarUt's archive integrations
//! drop attachments silently when the main document's name differs from the title.

use serde::{Deserialize, Serialize};

use super::attachment::AttachmentError;
use super::pdf::append::append;
use super::preflight::{FORBIDDEN_NAME_CHARS, MAX_FILE_NAME, PackageDocument};

/// How attachments travel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentMode {
    /// As documents of their own.
    #[default]
    Separate,
    /// Their pages after the letter's, in one file.
    Merged,
}

/// An attachment as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name.
    pub file_name: String,
    /// The PDF.
    pub bytes: Vec<u8>,
}

/// The documents, and whether merging gave up PDF/A.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The documents, the letter first.
    pub documents: Vec<PackageDocument>,
    /// False when an attachment merged into the letter is not PDF/A (so the letter is not).
    pub pdf_a: bool,
}

/// A file name from a title: characters SvarUt and DPI refuse replaced by `-`, at most
/// [`MAX_FILE_NAME`] characters with the `.pdf`.
pub fn file_name_for(title: &str) -> String {
    let cleaned: String = title
        .trim()
        .chars()
        .map(|c| {
            if FORBIDDEN_NAME_CHARS.contains(&c) || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    let stem: String = cleaned.chars().take(MAX_FILE_NAME - 4).collect();
    format!("{}.pdf", stem.trim_end())
}

/// Puts a rendered letter and its attachments together.
pub fn package(
    title: &str,
    letter: Vec<u8>,
    attachments: &[Attachment],
    mode: AttachmentMode,
    sign_letter: bool,
) -> Result<Package, AttachmentError> {
    let name = file_name_for(title);
    match mode {
        AttachmentMode::Merged if !attachments.is_empty() => {
            let parts: Vec<&[u8]> = attachments.iter().map(|a| a.bytes.as_slice()).collect();
            let merged = append(&letter, &parts)?;
            Ok(Package {
                documents: vec![PackageDocument {
                    file_name: name,
                    bytes: merged.bytes,
                    for_signing: sign_letter,
                }],
                pdf_a: merged.pdf_a,
            })
        }
        _ => {
            let mut documents = vec![PackageDocument {
                file_name: name,
                bytes: letter,
                for_signing: sign_letter,
            }];
            documents.extend(attachments.iter().map(|a| PackageDocument {
                file_name: a.file_name.clone(),
                bytes: a.bytes.clone(),
                for_signing: false,
            }));
            Ok(Package {
                documents,
                pdf_a: true,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_letter_is_named_after_its_title() {
        assert_eq!(
            file_name_for("Vedtak om bistand: sak 2026/17"),
            "Vedtak om bistand- sak 2026-17.pdf"
        );
        let long = file_name_for(&"å".repeat(200));
        assert_eq!(long.chars().count(), MAX_FILE_NAME);
    }
}
