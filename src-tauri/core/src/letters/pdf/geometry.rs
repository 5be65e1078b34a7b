//! Page geometry of a letter, in millimetres from the top-left corner of an A4 page, and the
//! window of the envelopes it goes into. Defined once here; the preview's envelope overlay
//! reads the same numbers (through [`window`] and the `letter_geometry` command).
//!
//! ## The envelope window
//! Norwegian window envelopes place the window 15 mm from the left edge; its top and size vary
//! by envelope: C5 44 mm from the top, 105 × 35 mm; EC4 42 mm, 100 × 40 mm; C6/5 39 mm,
//! 100 × 35 mm (Posten-aligned printers' templates). [`WINDOW`] is the part all three share
//! (44–74 mm down, 15–115 mm across), so a letter is right for whichever envelope the
//! print service uses (Digipost switches from C5 to C4 above 14 pages).
//! The recipient's name and address are set inside it with a quiet zone on every side
//! ([`ADDRESS`]), because the sheet moves a few millimetres inside the envelope.
//! Nothing else is printed inside the window, and never a fødselsnummer.

use serde::Serialize;

/// A rectangle in millimetres from the page's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, specta::Type)]
pub struct Rect {
    /// Distance from the left edge.
    pub left: f32,
    /// Distance from the top edge.
    pub top: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

impl Rect {
    /// Right edge, from the left.
    pub fn right(&self) -> f32 {
        self.left + self.width
    }

    /// Bottom edge, from the top.
    pub fn bottom(&self) -> f32 {
        self.top + self.height
    }

    /// Whether `other` lies entirely inside.
    pub fn contains(&self, other: &Rect) -> bool {
        other.left >= self.left
            && other.top >= self.top
            && other.right() <= self.right()
            && other.bottom() <= self.bottom()
    }
}

/// A4 width.
pub const PAGE_WIDTH: f32 = 210.0;
/// A4 height.
pub const PAGE_HEIGHT: f32 = 297.0;
/// Left margin: at least 20 mm, more than DPI print's 18 mm and Digipost's 15 mm.
pub const MARGIN_LEFT: f32 = 25.0;
/// Right margin (SvarUt print needs at least 10 mm on the long sides).
pub const MARGIN_RIGHT: f32 = 20.0;
/// Top margin.
pub const MARGIN_TOP: f32 = 15.0;
/// Bottom margin, above the footer.
pub const MARGIN_BOTTOM: f32 = 25.0;
/// Baseline of the footer line (page number), from the top.
pub const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 12.0;

/// The envelope window every supported envelope shares.
pub const WINDOW: Rect = Rect {
    left: 15.0,
    top: 44.0,
    width: 100.0,
    height: 30.0,
};

/// Where the recipient's name and address are set: inside [`WINDOW`] with 3 mm to spare at
/// the top, 4 mm at the bottom, 10 mm on the left (the page's left margin) and 5 mm on the
/// right. Six lines of 10 pt fit.
pub const ADDRESS: Rect = Rect {
    left: MARGIN_LEFT,
    top: 47.0,
    width: 85.0,
    height: 23.0,
};

/// The letter's date and reference, to the right of the window.
pub const META: Rect = Rect {
    left: 130.0,
    top: 48.0,
    width: PAGE_WIDTH - MARGIN_RIGHT - 130.0,
    height: 22.0,
};

/// Where the body starts on page 1 (below the window and the quiet zone under it).
pub const BODY_TOP_FIRST: f32 = 86.0;

/// The text width.
pub const TEXT_WIDTH: f32 = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;

// Print-safe margins (rules sheet §2) and a quiet zone above the address, checked when built.
const _: () = assert!(MARGIN_LEFT >= 20.0 && MARGIN_RIGHT >= 10.0);
const _: () = assert!(ADDRESS.top - WINDOW.top >= 3.0);

/// Points per millimetre.
pub const PT_PER_MM: f32 = 72.0 / 25.4;

/// Millimetres to points.
pub fn pt(mm: f32) -> f32 {
    mm * PT_PER_MM
}

/// The window and the address area, for the preview overlay.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, specta::Type)]
pub struct EnvelopeGeometry {
    /// Page width (mm).
    pub page_width: f32,
    /// Page height (mm).
    pub page_height: f32,
    /// The envelope window.
    pub window: Rect,
    /// Where the address is set.
    pub address: Rect,
}

/// The geometry the preview draws.
pub fn window() -> EnvelopeGeometry {
    EnvelopeGeometry {
        page_width: PAGE_WIDTH,
        page_height: PAGE_HEIGHT,
        window: WINDOW,
        address: ADDRESS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_area_lies_inside_the_window_with_a_quiet_zone() {
        assert!(WINDOW.contains(&ADDRESS));
        assert!(WINDOW.bottom() - ADDRESS.bottom() >= 4.0);
        assert!(BODY_TOP_FIRST - WINDOW.bottom() >= 10.0);
    }
}
