//! Letters as PDF/A-2b files: A4 portrait, fonts embedded and subset, the address in the
//! envelope window, "Side 1 av 2" on every page, a tagged structure, deterministic bytes.
//!
//! [`geometry`] defines the page and the envelope window, [`layout`] the page flow, [`writer`]
//! the PDF objects; [`render`] puts them together and runs the checks every letter must pass.

pub mod append;
mod flate;
pub mod fonts;
pub mod geometry;
pub mod guard;
pub mod layout;
pub mod logo;
pub mod ua;
mod unhinted;
mod wrap;
pub mod writer;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::compose::Letter;
use crate::ident::Fnr;
use layout::{Layout, LayoutError};
use logo::{Logo, LogoError};

/// The language of a letter unless its template says nynorsk (bokmål).
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
    /// Characters the letter's typeface cannot print (emoji, some scripts).
    #[error("the letter has characters the typeface cannot print: {0}; remove or replace them")]
    UnsupportedCharacters(String),
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
    let mut unsupported: Vec<char> = Vec::new();
    for run in layout
        .pages
        .iter()
        .flat_map(|p| &p.lines)
        .flat_map(|l| &l.runs)
    {
        for c in run.text.chars() {
            if !fonts::font(run.style).covers(c) && !unsupported.contains(&c) {
                unsupported.push(c);
            }
        }
    }
    if !unsupported.is_empty() {
        let list: Vec<String> = unsupported
            .iter()
            .take(10)
            .map(|c| format!("'{c}' (U+{:04X})", u32::from(*c)))
            .collect();
        return Err(RenderError::UnsupportedCharacters(list.join(", ")));
    }
    if let Some(fnr) = identifier_on_first_page(&layout) {
        return Err(RenderError::IdentifierOnFirstPage(fnr.masked()));
    }
    let bytes = writer::write(
        &layout,
        logo.as_ref(),
        writer::Meta {
            title: &letter.title,
            author: letter.letterhead.municipality.trim(),
            language: letter.language.tag(),
        },
    );
    Ok(Rendered {
        bytes,
        pages: layout.pages.len(),
    })
}

/// A valid fødselsnummer or D-nummer anywhere in page 1's text: written together, as
/// `DDMMYY NNNNN` with any space, `-` or `.` after the sixth digit, or split over lines (a line
/// break or a narrow table cell), so no layout can slip one past the check.
pub fn identifier_on_first_page(layout: &Layout) -> Option<Fnr> {
    let page = layout.pages.first()?;
    let lines: Vec<String> = page.lines.iter().map(|l| l.text()).collect();
    lines
        .iter()
        .find_map(|line| find_fnr(line))
        .or_else(|| find_fnr(&lines.concat()))
        .or_else(|| find_fnr(&lines.join(" ")))
}

fn find_fnr(text: &str) -> Option<Fnr> {
    let chars: Vec<char> = text.chars().collect();
    let separator = |c: char| c.is_whitespace() || c == '-' || c == '.';
    for start in 0..chars.len() {
        if !chars[start].is_ascii_digit() || (start > 0 && chars[start - 1].is_ascii_digit()) {
            continue;
        }
        // Digits from here, allowing one separator after the sixth.
        let mut digits = String::new();
        let mut separated = false;
        for &c in &chars[start..] {
            if c.is_ascii_digit() {
                digits.push(c);
            } else if separator(c) && digits.len() == 6 && !separated {
                separated = true;
            } else {
                break;
            }
            if digits.len() > 11 {
                break;
            }
        }
        if digits.len() == 11
            && let Ok(fnr) = Fnr::parse(&digits)
        {
            return Some(fnr);
        }
    }
    None
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
