//! Letters as PDF/A-2b files: A4 portrait, fonts embedded and subset, the address in the
//! envelope window, "Side 1 av 2" on every page, a tagged structure, deterministic bytes.
//!
//! [`geometry`] defines the page and the envelope window, [`layout`] the page flow, [`writer`]
//! the PDF objects; [`render`] puts them together and runs the checks every letter must pass.

pub mod append;
pub mod fonts;
pub mod geometry;
pub mod layout;
pub mod logo;
pub mod writer;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::compose::Letter;
use crate::ident::Fnr;
use layout::{Layout, LayoutError};
use logo::{Logo, LogoError};

/// The language every letter is written in (bokmål).
pub const LANGUAGE: &str = "nb-NO";

/// A rendered letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The PDF.
    pub bytes: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
}

/// Why a letter cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The layout does not fit.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The logo cannot be used.
    #[error(transparent)]
    Logo(#[from] LogoError),
    /// A fødselsnummer would be printed on page 1 (where it could show through the window).
    #[error(
        "a fødselsnummer ({0}) would be printed on page 1; a fødselsnummer may not be on the first page or in the address"
    )]
    IdentifierOnFirstPage(String),
}

/// Lays out and writes a letter.
pub fn render(letter: &Letter) -> Result<Rendered, RenderError> {
    let logo = match &letter.letterhead.logo_base64 {
        Some(b64) => {
            let bytes = STANDARD
                .decode(b64.trim())
                .map_err(|_| LogoError::Unreadable("it is not base64".into()))?;
            Some(Logo::read(&bytes)?)
        }
        None => None,
    };
    let layout = layout::layout(letter, logo.as_ref().map(Logo::aspect))?;
    if let Some(fnr) = identifier_on_first_page(&layout) {
        return Err(RenderError::IdentifierOnFirstPage(fnr.masked()));
    }
    let bytes = writer::write(
        &layout,
        logo.as_ref(),
        writer::Meta {
            title: &letter.title,
            author: letter.letterhead.municipality.trim(),
            language: LANGUAGE,
        },
    );
    Ok(Rendered {
        bytes,
        pages: layout.pages.len(),
    })
}

/// A valid fødselsnummer or D-nummer anywhere in page 1's text, written together or as
/// `DDMMYY NNNNN`.
pub fn identifier_on_first_page(layout: &Layout) -> Option<Fnr> {
    let page = layout.pages.first()?;
    page.lines.iter().find_map(|line| find_fnr(&line.text()))
}

fn find_fnr(text: &str) -> Option<Fnr> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        // Digits from here, allowing one space after the sixth.
        let mut digits = String::new();
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits.push(chars[j]);
            } else if chars[j] == ' ' && digits.len() == 6 {
                // allowed once
            } else {
                break;
            }
            j += 1;
        }
        if digits.len() == 11
            && let Ok(fnr) = Fnr::parse(&digits)
        {
            return Some(fnr);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
