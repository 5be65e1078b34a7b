//! The letter typeface: Liberation Sans (regular, bold, italic, bold italic), shipped in
//! `core/assets/` under the SIL Open Font License. Metric-compatible with Arial, the face
//! Posten recommends for addresses, and covering every Norwegian letter.
//!
//! Text is measured with the fonts' own advance widths (no kerning, no ligatures: the PDF shows
//! exactly the glyphs of the characters written, so text extracts as written).

use std::sync::OnceLock;

use ttf_parser::{Face, GlyphId};

/// One of the four styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Style {
    /// Regular.
    Regular,
    /// Bold.
    Bold,
    /// Italic.
    Italic,
    /// Bold italic.
    BoldItalic,
}

impl Style {
    /// Every style, in resource order (`/F1`…`/F4`).
    pub const ALL: [Style; 4] = [Self::Regular, Self::Bold, Self::Italic, Self::BoldItalic];

    /// The style with bold added.
    pub fn bold(self) -> Self {
        match self {
            Self::Regular | Self::Bold => Self::Bold,
            Self::Italic | Self::BoldItalic => Self::BoldItalic,
        }
    }

    /// The style with italic added.
    pub fn italic(self) -> Self {
        match self {
            Self::Regular | Self::Italic => Self::Italic,
            Self::Bold | Self::BoldItalic => Self::BoldItalic,
        }
    }

    /// Index in [`Style::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The PostScript name of the face.
    pub fn postscript_name(self) -> &'static str {
        match self {
            Self::Regular => "LiberationSans",
            Self::Bold => "LiberationSans-Bold",
            Self::Italic => "LiberationSans-Italic",
            Self::BoldItalic => "LiberationSans-BoldItalic",
        }
    }

    /// The font file.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Self::Regular => include_bytes!("../../../assets/LiberationSans-Regular.ttf"),
            Self::Bold => include_bytes!("../../../assets/LiberationSans-Bold.ttf"),
            Self::Italic => include_bytes!("../../../assets/LiberationSans-Italic.ttf"),
            Self::BoldItalic => include_bytes!("../../../assets/LiberationSans-BoldItalic.ttf"),
        }
    }
}

/// A parsed face with the metrics a PDF needs.
pub struct Font {
    face: Face<'static>,
    /// Glyph, character drawn and advance of every character below [`TABLED`] (Latin-1 and
    /// Latin Extended A and B: Norwegian, Sami and most European names), looked up once when
    /// the font is loaded instead of in the font's cmap for every character of every letter.
    tabled: Box<[(GlyphId, char, f32)]>,
    /// Units per em.
    pub units_per_em: f32,
    /// Ascender, in 1000-unit glyph space.
    pub ascent: f32,
    /// Descender (negative), in 1000-unit glyph space.
    pub descent: f32,
    /// Height of capitals, in 1000-unit glyph space.
    pub cap_height: f32,
    /// Italic angle in degrees.
    pub italic_angle: f32,
    /// The font's bounding box, in 1000-unit glyph space.
    pub bbox: [f32; 4],
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font")
            .field("units_per_em", &self.units_per_em)
            .finish_non_exhaustive()
    }
}

/// Characters below this are answered from the font's table (see `Font::tabled`).
const TABLED: u32 = 0x250;

impl Font {
    fn load(style: Style) -> Self {
        let face = Face::parse(style.bytes(), 0).expect("the shipped font parses");
        let units_per_em = f32::from(face.units_per_em());
        let scale = |v: i16| f32::from(v) * 1000.0 / units_per_em;
        let bbox = face.global_bounding_box();
        let tabled = (0..TABLED)
            .map(|code| {
                let c = char::from_u32(code).unwrap_or('?');
                let (glyph, drawn) = Self::lookup(&face, c);
                let advance =
                    f32::from(face.glyph_hor_advance(glyph).unwrap_or(0)) * 1000.0 / units_per_em;
                (glyph, drawn, advance)
            })
            .collect();
        Self {
            tabled,
            units_per_em,
            ascent: scale(face.ascender()),
            descent: scale(face.descender()),
            cap_height: scale(face.capital_height().unwrap_or(face.ascender())),
            italic_angle: face.italic_angle(),
            bbox: [
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ],
            face,
        }
    }

    /// The glyph for a character; characters the font lacks are replaced by `?` (which every
    /// font has) so nothing is silently dropped from a letter.
    pub fn glyph(&self, c: char) -> (GlyphId, char) {
        match self.tabled.get(c as usize) {
            Some(&(glyph, drawn, _)) => (glyph, drawn),
            None => Self::lookup(&self.face, c),
        }
    }

    fn lookup(face: &Face<'_>, c: char) -> (GlyphId, char) {
        match face.glyph_index(c) {
            Some(g) => (g, c),
            None => (face.glyph_index('?').unwrap_or(GlyphId(0)), '?'),
        }
    }

    /// Advance width of a glyph in 1000-unit glyph space.
    pub fn advance(&self, glyph: GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) * 1000.0 / self.units_per_em
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| match self.tabled.get(c as usize) {
                Some(&(_, _, advance)) => advance,
                None => self.advance(self.glyph(c).0),
            })
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// Whether the font has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        match self.tabled.get(c as usize) {
            Some(&(_, drawn, _)) => drawn == c,
            None => self.face.glyph_index(c).is_some(),
        }
    }
}

/// The font of a style (parsed once).
pub fn font(style: Style) -> &'static Font {
    static FONTS: OnceLock<[Font; 4]> = OnceLock::new();
    &FONTS.get_or_init(|| Style::ALL.map(Font::load))[style.index()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_norwegian_letter_has_a_glyph_in_every_style() {
        for style in Style::ALL {
            for c in "æøåÆØÅéèüÜöÖäÄ«»–—§€".chars() {
                assert!(font(style).covers(c), "{style:?} lacks {c}");
            }
        }
    }

    #[test]
    fn widths_scale_with_size_and_bold_is_wider() {
        let regular = font(Style::Regular);
        assert!((regular.width("Åse", 20.0) - 2.0 * regular.width("Åse", 10.0)).abs() < 1e-3);
        assert!(font(Style::Bold).width("Kommune", 10.0) > regular.width("Kommune", 10.0));
        // Arial metrics: a space is 278/1000 em.
        assert!((regular.width(" ", 10.0) - 2.78).abs() < 0.01);
    }

    #[test]
    fn a_character_the_font_lacks_becomes_a_question_mark() {
        assert_eq!(font(Style::Regular).glyph('\u{1F600}').1, '?');
    }

    #[test]
    fn the_table_answers_as_the_fonts_cmap_does() {
        for style in Style::ALL {
            let font = font(style);
            // Across the table's edge, with characters the fonts lack (controls, IPA) among them.
            for code in 0..TABLED + 0x100 {
                let Some(c) = char::from_u32(code) else {
                    continue;
                };
                let from_cmap = Font::lookup(&font.face, c);
                assert_eq!(font.glyph(c), from_cmap, "{style:?} U+{code:04X}");
                assert_eq!(font.covers(c), font.face.glyph_index(c).is_some());
                let width = font.width(&c.to_string(), 1000.0);
                assert!(
                    (width - font.advance(from_cmap.0)).abs() < 1e-3,
                    "{style:?} U+{code:04X}"
                );
            }
        }
    }
}
