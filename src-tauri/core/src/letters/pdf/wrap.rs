//! Text for the page: styled spans from the body's inline markup, cleaned of invisible
//! characters, measured with the letter's fonts, and broken into lines at spaces (a word wider
//! than the line is broken between characters, never lost).

use super::fonts::{Style, font};
use super::geometry::PT_PER_MM;
use crate::letters::markdown::Inline;

/// Text in one style.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Span {
    pub(super) style: Style,
    pub(super) text: String,
}

/// Text as it is set: invisible format characters (zero-width spaces and joiners, soft
/// hyphens, byte-order marks) removed, line breaks and tabs as spaces.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub(super) fn spans(content: &[Inline], style: Style, out: &mut Vec<Span>) {
    for inline in content {
        match inline {
            Inline::Text { text } => out.push(Span {
                style,
                text: clean(text),
            }),
            // Fields are resolved before layout; a name left over is printed as written.
            Inline::Field { name } => out.push(Span {
                style,
                text: format!("{{{{{name}}}}}"),
            }),
            Inline::Bold { content } => spans(content, style.bold(), out),
            Inline::Italic { content } => spans(content, style.italic(), out),
        }
    }
}

pub(super) fn plain_spans(text: &str, style: Style) -> Vec<Span> {
    vec![Span {
        style,
        text: clean(text),
    }]
}

pub(super) fn mm_width(style: Style, text: &str, size: f32) -> f32 {
    font(style).width(text, size) / PT_PER_MM
}

/// A word: pieces in their styles, and the style of the space after it (if any).
#[derive(Debug, Default)]
struct Word {
    pieces: Vec<Span>,
    space_after: Option<Style>,
}

fn words(spans: &[Span]) -> Vec<Word> {
    let mut words = vec![Word::default()];
    for span in spans {
        for c in span.text.chars() {
            let word = words.last_mut().expect("never empty");
            // No break at no-break spaces (U+00A0, U+2007, U+202F).
            if c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}') {
                if !word.pieces.is_empty() {
                    word.space_after = Some(span.style);
                    words.push(Word::default());
                }
            } else {
                if word.space_after.is_some() {
                    words.push(Word::default());
                }
                let word = words.last_mut().expect("never empty");
                match word.pieces.last_mut() {
                    Some(piece) if piece.style == span.style => piece.text.push(c),
                    _ => word.pieces.push(Span {
                        style: span.style,
                        text: c.to_string(),
                    }),
                }
            }
        }
    }
    words.retain(|w| !w.pieces.is_empty());
    words
}

/// Breaks styled text into lines no wider than `width` mm; each line is its pieces with their
/// x offsets from the line start.
pub(super) fn wrap(spans: &[Span], size: f32, width: f32) -> Vec<Vec<(f32, Span)>> {
    let mut lines: Vec<Vec<(f32, Span)>> = Vec::new();
    let mut line: Vec<(f32, Span)> = Vec::new();
    let mut x = 0.0_f32;
    let mut pending_space: Option<Style> = None;
    let push = |line: &mut Vec<(f32, Span)>, x: f32, span: Span| match line.last_mut() {
        Some((_, last)) if last.style == span.style => last.text.push_str(&span.text),
        _ => line.push((x, span)),
    };
    for word in words(spans) {
        let word_width: f32 = word
            .pieces
            .iter()
            .map(|p| mm_width(p.style, &p.text, size))
            .sum();
        let space_width = pending_space.map_or(0.0, |s| mm_width(s, " ", size));
        if !line.is_empty() && x + space_width + word_width > width {
            lines.push(std::mem::take(&mut line));
            x = 0.0;
        } else if let Some(style) = pending_space.take() {
            push(
                &mut line,
                x,
                Span {
                    style,
                    text: " ".into(),
                },
            );
            x += space_width;
        }
        for piece in word.pieces {
            // A piece wider than the line is broken between characters.
            let mut text = String::new();
            let mut start = x;
            for c in piece.text.chars() {
                let w = mm_width(piece.style, &c.to_string(), size);
                if x + w > width && (x > 0.0 || !text.is_empty()) {
                    if !text.is_empty() {
                        push(
                            &mut line,
                            start,
                            Span {
                                style: piece.style,
                                text: std::mem::take(&mut text),
                            },
                        );
                    }
                    lines.push(std::mem::take(&mut line));
                    x = 0.0;
                    start = 0.0;
                }
                text.push(c);
                x += w;
            }
            if !text.is_empty() {
                push(
                    &mut line,
                    start,
                    Span {
                        style: piece.style,
                        text,
                    },
                );
            }
        }
        pending_space = word.space_after;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
