//! A font subset without its TrueType hinting: the `cvt `, `fpgm` and `prep` tables and each
//! glyph's instructions. Hinting fits outlines to a screen's pixel grid at small sizes; PDF
//! viewers (pdf.js, poppler, Acrobat) and printers draw PDF text without it, so in a letter it
//! is only weight: about a third of each subset (measured: 3.4 KB of tables and most of the
//! glyphs' bytes in a 17 KB Liberation Sans subset). The outlines, metrics and every other
//! table are kept byte for byte.
//!
//! The input is our own subsetter's output of a shipped font; anything that does not parse as
//! expected is returned unchanged (a larger letter, never a broken one).

/// Tables that only hinting uses.
const HINTING: [&[u8; 4]; 3] = [b"cvt ", b"fpgm", b"prep"];

/// The most tables a font may have here (a TrueType font has about twenty).
const MAX_TABLES: usize = 64;

/// Composite glyph flags (OpenType `glyf`).
const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;
const WE_HAVE_INSTRUCTIONS: u16 = 0x0100;

/// `font` without hinting, or `font` itself when it cannot be read as a plain TrueType font.
pub(super) fn without_hinting(font: &[u8]) -> Vec<u8> {
    strip(font).unwrap_or_else(|| font.to_vec())
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn strip(font: &[u8]) -> Option<Vec<u8>> {
    if u32_at(font, 0)? != 0x0001_0000 {
        return None; // not TrueType outlines
    }
    let count = usize::from(u16_at(font, 4)?);
    if count > MAX_TABLES {
        return None; // no font of ours has so many; the directory's arithmetic stays small
    }
    let mut tables: Vec<([u8; 4], &[u8])> = Vec::with_capacity(count);
    for i in 0..count {
        let record = 12 + 16 * i;
        let tag: [u8; 4] = font.get(record..record + 4)?.try_into().ok()?;
        let offset = usize::try_from(u32_at(font, record + 8)?).ok()?;
        let length = usize::try_from(u32_at(font, record + 12)?).ok()?;
        tables.push((tag, font.get(offset..offset.checked_add(length)?)?));
    }
    let table = |tag: &[u8; 4]| tables.iter().find(|(t, _)| t == tag).map(|(_, b)| *b);
    let head = table(b"head")?;
    let long_offsets = match u16_at(head, 50)? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let (glyf, loca) = strip_glyphs(table(b"glyf")?, table(b"loca")?, long_offsets)?;
    let mut kept: Vec<([u8; 4], Vec<u8>)> = tables
        .iter()
        .filter(|(tag, _)| !HINTING.contains(&tag))
        .map(|(tag, bytes)| {
            let bytes = match tag {
                b"glyf" => glyf.clone(),
                b"loca" => loca.clone(),
                _ => bytes.to_vec(),
            };
            (*tag, bytes)
        })
        .collect();
    kept.sort_by_key(|(tag, _)| *tag);
    Some(assemble(&mut kept))
}

/// Each glyph without its instructions, and the `loca` that finds them.
fn strip_glyphs(glyf: &[u8], loca: &[u8], long_offsets: bool) -> Option<(Vec<u8>, Vec<u8>)> {
    let offsets: Vec<usize> = if long_offsets {
        loca.chunks_exact(4)
            .map(|c| usize::try_from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])).ok())
            .collect::<Option<_>>()?
    } else {
        loca.chunks_exact(2)
            .map(|c| usize::from(u16::from_be_bytes([c[0], c[1]])) * 2)
            .collect()
    };
    if offsets.len() < 2 {
        return None;
    }
    let mut out = Vec::with_capacity(glyf.len());
    let mut new_offsets = Vec::with_capacity(offsets.len());
    for pair in offsets.windows(2) {
        new_offsets.push(out.len());
        let glyph = glyf.get(pair[0]..pair[1])?;
        if !glyph.is_empty() {
            out.extend_from_slice(&strip_glyph(glyph)?);
            if out.len() % 2 == 1 {
                out.push(0); // short offsets count in words
            }
        }
    }
    new_offsets.push(out.len());
    let loca = if long_offsets {
        new_offsets
            .iter()
            .map(|&o| u32::try_from(o).ok().map(u32::to_be_bytes))
            .collect::<Option<Vec<_>>>()?
            .concat()
    } else {
        new_offsets
            .iter()
            .map(|&o| u16::try_from(o / 2).ok().map(u16::to_be_bytes))
            .collect::<Option<Vec<_>>>()?
            .concat()
    };
    Some((out, loca))
}

fn strip_glyph(glyph: &[u8]) -> Option<Vec<u8>> {
    let contours = i16::from_be_bytes(glyph.get(0..2)?.try_into().ok()?);
    if contours >= 0 {
        // Header, end points, then the instructions' length and the instructions.
        let at = 10 + 2 * usize::from(contours.unsigned_abs());
        let length = usize::from(u16_at(glyph, at)?);
        let rest = glyph.get(at + 2 + length..)?;
        let mut out = Vec::with_capacity(at + 2 + rest.len());
        out.extend_from_slice(glyph.get(..at)?);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(rest);
        return Some(out);
    }
    // A composite: its components, each flag without "instructions follow", and nothing after.
    let mut out = glyph.get(..10)?.to_vec();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        let mut size = 4 + if flags & ARG_1_AND_2_ARE_WORDS != 0 {
            4
        } else {
            2
        };
        if flags & WE_HAVE_A_SCALE != 0 {
            size += 2;
        } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
            size += 4;
        } else if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
            size += 8;
        }
        out.extend_from_slice(&(flags & !WE_HAVE_INSTRUCTIONS).to_be_bytes());
        out.extend_from_slice(glyph.get(at + 2..at + size)?);
        at += size;
        if flags & MORE_COMPONENTS == 0 {
            return Some(out);
        }
    }
}

fn checksum(bytes: &[u8]) -> u32 {
    bytes.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// A TrueType file of `tables` (sorted by tag): the table directory, each table 4-byte
/// aligned with its checksum, and `head`'s checksum adjustment for the whole.
fn assemble(tables: &mut [([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let count = tables.len();
    if let Some((_, head)) = tables.iter_mut().find(|(tag, _)| tag == b"head")
        && head.len() >= 12
    {
        head[8..12].fill(0);
    }
    let count16 = u16::try_from(count).unwrap_or(u16::MAX);
    let power = if count == 0 { 0 } else { count.ilog2() };
    let search_range = (1u16 << power) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&count16.to_be_bytes());
    out.extend_from_slice(&search_range.to_be_bytes());
    out.extend_from_slice(&u16::try_from(power).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(&(count16 * 16 - search_range).to_be_bytes());
    let mut offset = 12 + 16 * count;
    for (tag, bytes) in tables.iter() {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(bytes).to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(0).to_be_bytes());
        offset += bytes.len().next_multiple_of(4);
    }
    let mut head_at = None;
    for (tag, bytes) in tables.iter() {
        if tag == b"head" {
            head_at = Some(out.len());
        }
        out.extend_from_slice(bytes);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::letters::pdf::fonts::Style;

    /// Records an outline as numbers, to compare two fonts' glyphs.
    #[derive(Default)]
    struct Recorder(Vec<f32>);

    impl ttf_parser::OutlineBuilder for Recorder {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0.extend([0.0, x, y]);
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0.extend([1.0, x, y]);
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            self.0.extend([2.0, x1, y1, x, y]);
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            self.0.extend([3.0, x1, y1, x2, y2, x, y]);
        }
        fn close(&mut self) {
            self.0.push(4.0);
        }
    }

    fn outline(face: &ttf_parser::Face<'_>, glyph: u16) -> (Vec<f32>, Option<u16>) {
        let mut recorder = Recorder::default();
        let id = ttf_parser::GlyphId(glyph);
        let _ = face.outline_glyph(id, &mut recorder);
        (recorder.0, face.glyph_hor_advance(id))
    }

    /// Every glyph of `stripped` has `font`'s outline and advance.
    fn assert_draws_the_same(font: &[u8], stripped: &[u8], style: Style) {
        let before = ttf_parser::Face::parse(font, 0).expect("the font");
        let after = ttf_parser::Face::parse(stripped, 0).expect("the font without hinting parses");
        assert_eq!(before.number_of_glyphs(), after.number_of_glyphs());
        for glyph in 0..before.number_of_glyphs() {
            assert_eq!(
                outline(&before, glyph),
                outline(&after, glyph),
                "{style:?} glyph {glyph}"
            );
        }
    }

    /// Every glyph of every shipped style (composites such as Å and Ø included) draws the same
    /// outline with the same advance without hinting, and the tables that only hinting uses
    /// are gone.
    #[test]
    fn the_fonts_without_hinting_draw_every_glyph_as_before_and_are_smaller() {
        for style in Style::ALL {
            let font = style.bytes();
            let stripped = without_hinting(font);
            assert!(
                stripped.len() < font.len() * 9 / 10,
                "{style:?}: {} of {}",
                stripped.len(),
                font.len()
            );
            assert_draws_the_same(font, &stripped, style);
            let raw = ttf_parser::RawFace::parse(&stripped, 0).unwrap();
            for tag in HINTING {
                assert!(
                    raw.table(ttf_parser::Tag::from_bytes(tag)).is_none(),
                    "{tag:?} kept"
                );
            }
            assert_eq!(
                checksum(&stripped),
                0xB1B0_AFBA,
                "{style:?}: the whole font's checksum"
            );
        }
    }

    /// What the writer embeds: a subset (short `loca` offsets, as small subsets have) of the
    /// glyphs a letter uses, composites (Å, Ø, é) among them, draws the same without hinting.
    #[test]
    fn a_letters_subset_without_hinting_draws_every_glyph_as_before() {
        for style in Style::ALL {
            let face = ttf_parser::Face::parse(style.bytes(), 0).unwrap();
            let mut remapper = subsetter::GlyphRemapper::new();
            for c in "Åse Ødegård, Vedtak om skoleskyss – § 3-1: 1 250 kr. «Émile» ÆØÅ æøå".chars()
            {
                remapper.remap(face.glyph_index(c).unwrap().0);
            }
            let subset = subsetter::subset(style.bytes(), 0, &remapper).unwrap();
            let raw = ttf_parser::RawFace::parse(&subset, 0).unwrap();
            let head = raw.table(ttf_parser::Tag::from_bytes(b"head")).unwrap();
            assert_eq!(
                u16_at(head, 50),
                Some(0),
                "{style:?}: short loca offsets, as in letters"
            );
            let stripped = without_hinting(&subset);
            assert!(stripped.len() < subset.len(), "{style:?}");
            assert_draws_the_same(&subset, &stripped, style);
            assert_eq!(checksum(&stripped), 0xB1B0_AFBA);
        }
    }

    #[test]
    fn what_is_not_a_truetype_font_is_returned_unchanged() {
        let mut many_tables = vec![0, 1, 0, 0, 0xFF, 0xFF];
        many_tables.resize(64, 0);
        for bytes in [
            &b""[..],
            b"OTTO\0\0\0\0\0\0\0\0",
            &[0, 1, 0, 0, 0, 9, 0, 0],
            &many_tables,
        ] {
            assert_eq!(without_hinting(bytes), bytes);
        }
    }
}
