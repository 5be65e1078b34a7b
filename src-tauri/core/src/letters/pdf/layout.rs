//! Page flow: a [`Letter`] laid out on A4 pages as positioned lines of text, with the logical
//! structure (headings, paragraphs, lists, tables) kept beside it for the tagged PDF.
//!
//! Lengths are millimetres from the page's top-left corner; the writer converts to points.
//! Lines break at spaces (a word longer than the line is broken between characters); a heading
//! is kept with the two lines after it, a table row and the closing with the signature are kept
//! together when they fit on a page.

use super::fonts::{Style, font};
use super::geometry::{
    ADDRESS, BODY_TOP_FIRST, FOOTER_BASELINE, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP,
    META, PAGE_HEIGHT, PAGE_WIDTH, PT_PER_MM, TEXT_WIDTH, WINDOW,
};
pub use super::wrap::clean;
use super::wrap::{Span, mm_width, plain_spans, spans, wrap};
use crate::letters::compose::{Letter, norwegian_date};
use crate::letters::markdown::{Block, Inline};

/// Text set in one style.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Left edge (mm).
    pub x: f32,
    /// Style.
    pub style: Style,
    /// Size in points.
    pub size: f32,
    /// The text.
    pub text: String,
}

/// A line of text: runs on one baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Baseline (mm from the top).
    pub baseline: f32,
    /// The runs, left to right.
    pub runs: Vec<Run>,
    /// The structure element it belongs to; `None` for page furniture (page numbers, the
    /// running header and footer), which is marked as an artifact.
    pub node: Option<usize>,
}

impl Line {
    /// The line's text.
    pub fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }

    /// Its extent: left, top, right, bottom (mm), from the fonts' ascent and descent.
    pub fn bounds(&self) -> [f32; 4] {
        let mut b = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        for run in &self.runs {
            let f = font(run.style);
            let mm = run.size / PT_PER_MM / 1000.0;
            b[0] = b[0].min(run.x);
            b[1] = b[1].min(self.baseline - f.ascent * mm);
            b[2] = b[2].max(run.x + f.width(&run.text, run.size) / PT_PER_MM);
            b[3] = b[3].max(self.baseline - f.descent * mm);
        }
        b
    }
}

/// A thin line (table rules), page furniture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Left end (mm).
    pub x1: f32,
    /// Right end (mm).
    pub x2: f32,
    /// Height (mm from the top).
    pub y: f32,
}

/// The logo's place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageBox {
    /// Left (mm).
    pub x: f32,
    /// Top (mm).
    pub y: f32,
    /// Width (mm).
    pub width: f32,
    /// Height (mm).
    pub height: f32,
    /// Its structure element (a Figure).
    pub node: usize,
}

/// One page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// Text lines.
    pub lines: Vec<Line>,
    /// Rules.
    pub rules: Vec<Rule>,
    /// The logo (page 1 only).
    pub image: Option<ImageBox>,
}

/// A structure element (PDF standard structure types).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// `Document`, `H1`, `P`, `L`, `LI`, `Lbl`, `LBody`, `Table`, `TR`, `TH`, `TD`, `Figure`.
    pub role: &'static str,
    /// The parent element (the root, `Document`, is its own parent).
    pub parent: usize,
    /// Alternative text (figures).
    pub alt: Option<String>,
}

/// A laid-out letter.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The pages.
    pub pages: Vec<Page>,
    /// Structure elements; 0 is the `Document`.
    pub nodes: Vec<Node>,
}

const BODY_SIZE: f32 = 10.5;
const BODY_LEADING: f32 = 5.0;
const PARAGRAPH_GAP: f32 = 2.8;
const SMALL_SIZE: f32 = 8.0;
const SMALL_LEADING: f32 = 3.6;
const ADDRESS_SIZE: f32 = 10.0;
const ADDRESS_LEADING: f32 = 3.7;
const LIST_INDENT: f32 = 6.0;
const CELL_PAD: f32 = 1.5;
const CONTENT_BOTTOM: f32 = PAGE_HEIGHT - MARGIN_BOTTOM;
/// Where text starts on pages after the first (below the running header).
const BODY_TOP_NEXT: f32 = MARGIN_TOP + 10.0;
/// The logo's box.
const LOGO_MAX: (f32, f32) = (32.0, 20.0);

struct Flow {
    pages: Vec<Page>,
    nodes: Vec<Node>,
    /// Top of the next line (mm).
    y: f32,
}

impl Flow {
    fn node(&mut self, role: &'static str, parent: usize) -> usize {
        self.nodes.push(Node {
            role,
            parent,
            alt: None,
        });
        self.nodes.len() - 1
    }

    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a page")
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = BODY_TOP_NEXT;
    }

    /// Starts a new page unless `height` mm fit (a block taller than a page starts at the top
    /// of a new one and flows on).
    fn keep(&mut self, height: f32) {
        if self.y + height > CONTENT_BOTTOM && self.y > BODY_TOP_NEXT {
            self.new_page();
        }
    }

    /// Sets wrapped lines at `x` with `leading`, flowing over pages.
    fn lines(
        &mut self,
        lines: Vec<Vec<(f32, Span)>>,
        x: f32,
        size: f32,
        leading: f32,
        node: usize,
    ) {
        for line in lines {
            self.keep(leading);
            let baseline = self.y + leading * 0.78;
            self.page().lines.push(Line {
                baseline,
                runs: runs(line, x, size),
                node: Some(node),
            });
            self.y += leading;
        }
    }

    fn text(&mut self, spans: &[Span], x: f32, width: f32, size: f32, leading: f32, node: usize) {
        let lines = wrap(spans, size, width);
        self.lines(lines, x, size, leading, node);
    }
}

fn runs(line: Vec<(f32, Span)>, x: f32, size: f32) -> Vec<Run> {
    line.into_iter()
        .map(|(dx, span)| Run {
            x: x + dx,
            style: span.style,
            size,
            text: span.text,
        })
        .collect()
}

/// A line placed at a fixed position (letterhead, address, meta, page furniture).
fn fixed(x: f32, baseline: f32, style: Style, size: f32, text: &str, node: Option<usize>) -> Line {
    Line {
        baseline,
        runs: vec![Run {
            x,
            style,
            size,
            text: clean(text),
        }],
        node,
    }
}

/// A letter that cannot be laid out as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// More address lines than the envelope window holds.
    #[error(
        "the address has {0} lines with the name; at most {MAX_ADDRESS_LINES} fit in the envelope window"
    )]
    AddressTooLong(usize),
    /// An address line wider than the window.
    #[error("the address line '{0}' is wider than the envelope window; shorten it")]
    AddressTooWide(String),
    /// A footer of more than two lines.
    #[error("the footer needs more than two lines; shorten it")]
    FooterTooLong,
    /// A letterhead that would reach down into the envelope window.
    #[error(
        "the letterhead is too tall: it would show in the envelope window; shorten its addresses or contact line"
    )]
    LetterheadTooTall,
}

/// Lines the envelope window holds.
pub const MAX_ADDRESS_LINES: usize = 6;

/// Lays out a letter. `logo_aspect` is the logo's width/height, when there is one.
pub fn layout(letter: &Letter, logo_aspect: Option<f32>) -> Result<Layout, LayoutError> {
    let mut flow = Flow {
        pages: vec![Page::default()],
        nodes: vec![Node {
            role: "Document",
            parent: 0,
            alt: None,
        }],
        y: BODY_TOP_FIRST,
    };
    letterhead(&mut flow, letter, logo_aspect)?;
    address_and_meta(&mut flow, letter)?;

    let title = flow.node("H1", 0);
    flow.text(
        &plain_spans(&letter.title, Style::Bold),
        MARGIN_LEFT,
        TEXT_WIDTH,
        14.0,
        6.5,
        title,
    );
    flow.y += PARAGRAPH_GAP;
    for block in &letter.body {
        body_block(&mut flow, block);
    }
    closing(&mut flow, letter);
    furniture(&mut flow, letter)?;
    Ok(Layout {
        pages: flow.pages,
        nodes: flow.nodes,
    })
}

fn letterhead(
    flow: &mut Flow,
    letter: &Letter,
    logo_aspect: Option<f32>,
) -> Result<(), LayoutError> {
    let head = &letter.letterhead;
    let mut x = MARGIN_LEFT;
    if let Some(aspect) = logo_aspect.filter(|a| a.is_finite() && *a > 0.0) {
        let (mut width, mut height) = (LOGO_MAX.1 * aspect, LOGO_MAX.1);
        if width > LOGO_MAX.0 {
            (width, height) = (LOGO_MAX.0, LOGO_MAX.0 / aspect);
        }
        let node = flow.node("Figure", 0);
        flow.nodes[node].alt = Some(if head.municipality.trim().is_empty() {
            "Logo".into()
        } else {
            format!("Logo: {}", head.municipality.trim())
        });
        flow.page().image = Some(ImageBox {
            x,
            y: MARGIN_TOP,
            width,
            height,
            node,
        });
        x += width + 5.0;
    }
    let mut lines = Vec::new();
    if !head.municipality.trim().is_empty() {
        lines.push((Style::Bold, 14.0, head.municipality.trim().to_owned()));
    }
    if !head.postal_address.trim().is_empty() {
        lines.push((
            Style::Regular,
            SMALL_SIZE,
            format!("Postadresse: {}", head.postal_address.trim()),
        ));
    }
    if !head.visiting_address.trim().is_empty() {
        lines.push((
            Style::Regular,
            SMALL_SIZE,
            format!("Besøksadresse: {}", head.visiting_address.trim()),
        ));
    }
    let org = head.org_number.replace(' ', "");
    let contact = match (head.contact_line.trim(), org.len() == 9) {
        ("", false) => String::new(),
        ("", true) => format!("Org.nr. {}", group_org(&org)),
        (line, false) => line.to_owned(),
        (line, true) => format!("{line} · Org.nr. {}", group_org(&org)),
    };
    if !contact.is_empty() {
        lines.push((Style::Regular, SMALL_SIZE, contact));
    }
    if lines.is_empty() {
        return Ok(());
    }
    let node = flow.node("P", 0);
    let width = PAGE_WIDTH - MARGIN_RIGHT - x;
    let mut baseline = MARGIN_TOP + 5.5;
    for (style, size, text) in lines {
        for wrapped in wrap(&plain_spans(&text, style), size, width) {
            flow.page().lines.push(Line {
                baseline,
                runs: runs(wrapped, x, size),
                node: Some(node),
            });
            baseline += if size > SMALL_SIZE {
                5.5
            } else {
                SMALL_LEADING
            };
        }
    }
    // Nothing but the address may show through the window.
    let bottom = flow
        .page()
        .lines
        .iter()
        .filter(|l| l.node == Some(node))
        .map(|l| l.bounds()[3])
        .fold(0.0_f32, f32::max);
    if bottom > WINDOW.top - 1.0 {
        return Err(LayoutError::LetterheadTooTall);
    }
    Ok(())
}

fn group_org(org: &str) -> String {
    format!("{} {} {}", &org[..3], &org[3..6], &org[6..])
}

fn address_and_meta(flow: &mut Flow, letter: &Letter) -> Result<(), LayoutError> {
    if let Some(address) = &letter.recipient {
        let count = 1 + address.lines.len();
        if count > MAX_ADDRESS_LINES {
            return Err(LayoutError::AddressTooLong(count));
        }
        for text in std::iter::once(&address.name).chain(&address.lines) {
            if mm_width(Style::Regular, &clean(text), ADDRESS_SIZE) > ADDRESS.width {
                return Err(LayoutError::AddressTooWide(text.clone()));
            }
        }
        let node = flow.node("P", 0);
        let mut baseline =
            ADDRESS.top + font(Style::Regular).ascent * ADDRESS_SIZE / 1000.0 / PT_PER_MM;
        for text in std::iter::once(&address.name).chain(&address.lines) {
            flow.page().lines.push(fixed(
                ADDRESS.left,
                baseline,
                Style::Regular,
                ADDRESS_SIZE,
                text,
                Some(node),
            ));
            baseline += ADDRESS_LEADING;
        }
    }
    let node = flow.node("P", 0);
    let mut baseline = META.top + 3.0;
    let mut meta = vec![format!("Dato: {}", norwegian_date(letter.date))];
    if let Some(reference) = &letter.reference {
        meta.push(format!("Saksnr.: {reference}"));
    }
    for text in meta {
        for wrapped in wrap(&plain_spans(&text, Style::Regular), 9.0, META.width) {
            flow.page().lines.push(Line {
                baseline,
                runs: runs(wrapped, META.left, 9.0),
                node: Some(node),
            });
            baseline += 4.0;
        }
    }
    // A long reference pushes the body down rather than running into it.
    flow.y = flow.y.max(baseline + 2.0);
    Ok(())
}

fn body_block(flow: &mut Flow, block: &Block) {
    match block {
        Block::Heading { level, content } => {
            let (role, size, leading) = match level {
                1 => ("H2", 13.0, 6.0),
                2 => ("H3", 11.5, 5.5),
                _ => ("H4", BODY_SIZE, BODY_LEADING),
            };
            let mut s = Vec::new();
            spans(content, Style::Bold, &mut s);
            flow.y += 2.0;
            let lines = wrap(&s, size, TEXT_WIDTH);
            // Keep the heading with two lines of what follows.
            flow.keep(lines.len() as f32 * leading + 2.0 * BODY_LEADING);
            let node = flow.node(role, 0);
            flow.lines(lines, MARGIN_LEFT, size, leading, node);
            flow.y += 1.0;
        }
        Block::Paragraph { content } => {
            let mut s = Vec::new();
            spans(content, Style::Regular, &mut s);
            let node = flow.node("P", 0);
            flow.text(&s, MARGIN_LEFT, TEXT_WIDTH, BODY_SIZE, BODY_LEADING, node);
            flow.y += PARAGRAPH_GAP;
        }
        Block::List { numbered, items } => {
            let list = flow.node("L", 0);
            for (i, item) in items.iter().enumerate() {
                let mut s = Vec::new();
                spans(item, Style::Regular, &mut s);
                let lines = wrap(&s, BODY_SIZE, TEXT_WIDTH - LIST_INDENT);
                flow.keep(BODY_LEADING);
                let li = flow.node("LI", list);
                let label = flow.node("Lbl", li);
                let marker = if *numbered {
                    format!("{}.", i + 1)
                } else {
                    "•".to_owned()
                };
                let baseline = flow.y + BODY_LEADING * 0.78;
                flow.page().lines.push(fixed(
                    MARGIN_LEFT + 1.0,
                    baseline,
                    Style::Regular,
                    BODY_SIZE,
                    &marker,
                    Some(label),
                ));
                let body = flow.node("LBody", li);
                flow.lines(
                    lines,
                    MARGIN_LEFT + LIST_INDENT,
                    BODY_SIZE,
                    BODY_LEADING,
                    body,
                );
                flow.y += 0.8;
            }
            flow.y += PARAGRAPH_GAP - 0.8;
        }
        Block::Table { header, rows } => table(flow, header, rows),
    }
}

fn table(flow: &mut Flow, header: &[Vec<Inline>], rows: &[Vec<Vec<Inline>>]) {
    let columns = header.len().max(1);
    let cell_spans = |cell: &[Inline], style: Style| {
        let mut s = Vec::new();
        spans(cell, style, &mut s);
        s
    };
    // Column widths follow the widest text of each column, scaled to the text width when
    // they do not fit, with every column at least 15 mm.
    let mut natural = vec![15.0_f32; columns];
    for (row, style) in std::iter::once((header, Style::Bold))
        .chain(rows.iter().map(|r| (r.as_slice(), Style::Regular)))
    {
        for (i, cell) in row.iter().enumerate().take(columns) {
            let w: f32 = cell_spans(cell, style)
                .iter()
                .map(|s| mm_width(s.style, &s.text, BODY_SIZE))
                .sum();
            natural[i] = natural[i].max(w + 2.0 * CELL_PAD + 0.5);
        }
    }
    let widths = column_widths(&natural);
    let table = flow.node("Table", 0);
    let table_right = MARGIN_LEFT + widths.iter().sum::<f32>();
    let set_row = |flow: &mut Flow, row: &[Vec<Inline>], is_header: bool| {
        let (style, role) = if is_header {
            (Style::Bold, "TH")
        } else {
            (Style::Regular, "TD")
        };
        let cells: Vec<Vec<Vec<(f32, Span)>>> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| wrap(&cell_spans(cell, style), BODY_SIZE, w - 2.0 * CELL_PAD))
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * BODY_LEADING
            + 2.0 * CELL_PAD;
        flow.keep(height);
        let tr = flow.node("TR", table);
        let nodes: Vec<usize> = cells.iter().map(|_| flow.node(role, tr)).collect();
        if height > CONTENT_BOTTOM - BODY_TOP_NEXT {
            // Taller than a page: the cells follow one another, each flowing over pages.
            let mut x = MARGIN_LEFT;
            for (i, cell) in cells.into_iter().enumerate() {
                flow.lines(cell, x + CELL_PAD, BODY_SIZE, BODY_LEADING, nodes[i]);
                x += widths[i];
            }
            return;
        }
        let top = flow.y;
        let mut xs = Vec::with_capacity(widths.len());
        let mut x = MARGIN_LEFT;
        for w in &widths {
            xs.push(x + CELL_PAD);
            x += w;
        }
        for (i, cell) in cells.into_iter().enumerate() {
            flow.y = top + CELL_PAD;
            flow.lines(cell, xs[i], BODY_SIZE, BODY_LEADING, nodes[i]);
        }
        // The row fits on this page (see `keep`).
        flow.y = top + height;
        let y = flow.y;
        flow.page().rules.push(Rule {
            x1: MARGIN_LEFT,
            x2: table_right,
            y,
        });
    };
    set_row(flow, header, true);
    for row in rows {
        set_row(flow, row, false);
    }
    flow.y += PARAGRAPH_GAP;
}

/// Column widths from the columns' natural widths: each gets what it needs up to an equal
/// share (at least 15 mm), and what is left goes to the wider ones in proportion to what they
/// lack — so one long cell cannot squeeze the others to nothing.
fn column_widths(natural: &[f32]) -> Vec<f32> {
    let n = natural.len().max(1) as f32;
    if n * 15.0 > TEXT_WIDTH || natural.iter().sum::<f32>() <= TEXT_WIDTH {
        return if natural.iter().sum::<f32>() <= TEXT_WIDTH {
            natural.to_vec()
        } else {
            vec![TEXT_WIDTH / n; natural.len()]
        };
    }
    let share = (TEXT_WIDTH / n).max(15.0);
    let base: Vec<f32> = natural.iter().map(|w| w.min(share)).collect();
    let left = TEXT_WIDTH - base.iter().sum::<f32>();
    let lack: Vec<f32> = natural.iter().zip(&base).map(|(w, b)| w - b).collect();
    let total_lack: f32 = lack.iter().sum();
    base.iter()
        .zip(&lack)
        .map(|(b, l)| {
            if total_lack > 0.0 {
                b + l.min(left * l / total_lack)
            } else {
                *b
            }
        })
        .collect()
}

fn closing(flow: &mut Flow, letter: &Letter) {
    let mut height = 0.0;
    if !letter.closing.is_empty() {
        height += BODY_LEADING + 12.0;
    }
    height += letter.signature.len() as f32 * BODY_LEADING;
    flow.y += 2.0;
    flow.keep(height);
    if !letter.closing.is_empty() {
        let node = flow.node("P", 0);
        flow.text(
            &plain_spans(&letter.closing, Style::Regular),
            MARGIN_LEFT,
            TEXT_WIDTH,
            BODY_SIZE,
            BODY_LEADING,
            node,
        );
        flow.y += 12.0;
    }
    if !letter.signature.is_empty() {
        let node = flow.node("P", 0);
        for (i, line) in letter.signature.iter().enumerate() {
            let (style, size) = match i {
                0 => (Style::Regular, BODY_SIZE),
                1 => (Style::Regular, BODY_SIZE),
                _ => (Style::Italic, 9.0),
            };
            flow.text(
                &plain_spans(line, style),
                MARGIN_LEFT,
                TEXT_WIDTH,
                size,
                BODY_LEADING,
                node,
            );
        }
    }
}

/// Running header (pages 2…), footer and "Side i av n" on every page.
fn furniture(flow: &mut Flow, letter: &Letter) -> Result<(), LayoutError> {
    let count = flow.pages.len();
    let municipality = letter.letterhead.municipality.trim();
    for (i, page) in flow.pages.iter_mut().enumerate() {
        if i > 0 {
            let head = if municipality.is_empty() {
                letter.title.clone()
            } else {
                format!("{municipality} · {}", letter.title)
            };
            if let Some(first) = wrap(&plain_spans(&head, Style::Regular), SMALL_SIZE, TEXT_WIDTH)
                .into_iter()
                .next()
            {
                page.lines.push(Line {
                    baseline: MARGIN_TOP + 3.0,
                    runs: runs(first, MARGIN_LEFT, SMALL_SIZE),
                    node: None,
                });
            }
        }
        let number = format!("Side {} av {count}", i + 1);
        let width = mm_width(Style::Regular, &number, SMALL_SIZE);
        page.lines.push(fixed(
            PAGE_WIDTH - MARGIN_RIGHT - width,
            FOOTER_BASELINE,
            Style::Regular,
            SMALL_SIZE,
            &number,
            None,
        ));
        if let Some(footer) = &letter.footer {
            let room = TEXT_WIDTH - width - 5.0;
            let lines = wrap(&plain_spans(footer, Style::Regular), SMALL_SIZE, room);
            if lines.len() > 2 {
                return Err(LayoutError::FooterTooLong);
            }
            for (j, line) in lines.into_iter().enumerate() {
                page.lines.push(Line {
                    baseline: FOOTER_BASELINE + j as f32 * SMALL_LEADING,
                    runs: runs(line, MARGIN_LEFT, SMALL_SIZE),
                    node: None,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "layout_tests.rs"]
pub(crate) mod tests;
