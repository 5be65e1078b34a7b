//! The body format of a letter: a small, documented Markdown subset with merge fields.
//!
//! | write | get |
//! |---|---|
//! | a blank line | a new paragraph |
//! | `# Title`, `## Section`, `### Subsection` | headings, three levels |
//! | `**bold**`, `*italic*` or `_italic_` | emphasis (inside a paragraph, list item or cell) |
//! | `- item` or `* item` | a bullet list |
//! | `1. item` | a numbered list (numbering follows the order, not the digits written) |
//! | `\| a \| b \|` rows, the second `\|---\|---\|` | a table; the first row is the header |
//! | `{{navn}}` | a merge field: a recipient column or a letter field |
//! | `\*`, `\_`, `\{`, `\\` | the character itself |
//!
//! Anything else is text: no links, images, HTML or code — a letter needs none, and every
//! character is printed as written.

use serde::Serialize;

/// A piece of text inside a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Inline {
    /// Plain text.
    Text {
        /// The text.
        text: String,
    },
    /// Bold.
    Bold {
        /// What is bold.
        content: Vec<Inline>,
    },
    /// Italic.
    Italic {
        /// What is italic.
        content: Vec<Inline>,
    },
    /// A merge field, by name.
    Field {
        /// The field name, e.g. `navn`.
        name: String,
    },
}

/// A block of the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A heading, level 1–3.
    Heading {
        /// 1, 2 or 3.
        level: u8,
        /// Its text.
        content: Vec<Inline>,
    },
    /// A paragraph (lines joined with spaces).
    Paragraph {
        /// Its text.
        content: Vec<Inline>,
    },
    /// A list.
    List {
        /// Numbered or bullets.
        numbered: bool,
        /// Its items.
        items: Vec<Vec<Inline>>,
    },
    /// A table.
    Table {
        /// The header row.
        header: Vec<Vec<Inline>>,
        /// The other rows (each as many cells as the header).
        rows: Vec<Vec<Vec<Inline>>>,
    },
}

/// The body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkdownError {
    /// A `{{` without `}}`, or an empty or odd field name.
    #[error("line {line}: {message}")]
    Field {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A table row with another number of cells than its header.
    #[error("line {line}: the table row has {found} cells, the header has {expected}")]
    TableShape {
        /// 1-based line.
        line: usize,
        /// Cells in the header.
        expected: usize,
        /// Cells in this row.
        found: usize,
    },
    /// `**` or `*` opened and not closed in the same block.
    #[error("line {line}: '{marker}' is opened but not closed")]
    Unclosed {
        /// 1-based line where the block starts.
        line: usize,
        /// The marker.
        marker: String,
    },
    /// Emphasis inside emphasis deeper than any letter needs (a hostile or broken template).
    #[error("line {line}: emphasis is nested more than {MAX_NESTING} deep")]
    TooDeep {
        /// 1-based line where the block starts.
        line: usize,
    },
    /// The body is larger than any letter needs.
    #[error("the body is {found} bytes; at most {MAX_BODY_BYTES} are allowed")]
    TooLarge {
        /// Its size.
        found: usize,
    },
}

/// How deep emphasis may nest (`**bold *and italic***` is 2). The parser recurses once per
/// level, so this bounds its stack, whatever the text.
pub const MAX_NESTING: usize = 8;

/// The largest body: about 250 pages of text.
pub const MAX_BODY_BYTES: usize = 1_000_000;

/// Parses a body.
pub fn parse(text: &str) -> Result<Vec<Block>, MarkdownError> {
    if text.len() > MAX_BODY_BYTES {
        return Err(MarkdownError::TooLarge { found: text.len() });
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        let trimmed = line.trim_start();
        let number = i + 1;
        if trimmed.is_empty() {
            i += 1;
        } else if let Some((level, rest)) = heading(trimmed) {
            blocks.push(Block::Heading {
                level,
                content: inline(rest, number)?,
            });
            i += 1;
        } else if list_item(trimmed).is_some() {
            let numbered = list_item(trimmed).map(|(n, _)| n).unwrap_or(false);
            let mut items = Vec::new();
            while i < lines.len() {
                match list_item(lines[i].trim()) {
                    Some((n, rest)) if n == numbered => items.push(inline(rest, i + 1)?),
                    _ => break,
                }
                i += 1;
            }
            blocks.push(Block::List { numbered, items });
        } else if trimmed.starts_with('|') {
            let start = i;
            let mut table_lines = Vec::new();
            while i < lines.len() && lines[i].trim_start().starts_with('|') {
                table_lines.push((i + 1, lines[i].trim()));
                i += 1;
            }
            blocks.push(table(&table_lines, start + 1)?);
        } else {
            let mut joined = Vec::new();
            while i < lines.len() {
                let next = lines[i].trim();
                if next.is_empty()
                    || heading(next).is_some()
                    || list_item(next).is_some()
                    || next.starts_with('|')
                {
                    break;
                }
                joined.push(next);
                i += 1;
            }
            blocks.push(Block::Paragraph {
                content: inline(&joined.join(" "), number)?,
            });
        }
    }
    Ok(blocks)
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    let rest = &line[hashes..];
    ((1..=3).contains(&hashes) && rest.starts_with(' ')).then(|| (hashes as u8, rest.trim()))
}

/// `(numbered, text)` for a list item line.
fn list_item(line: &str) -> Option<(bool, &str)> {
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some((false, rest.trim()));
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with(". ") {
        return Some((true, line[digits + 2..].trim()));
    }
    None
}

fn table(lines: &[(usize, &str)], start: usize) -> Result<Block, MarkdownError> {
    let cells = |line: &str| -> Vec<String> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split('|').map(|c| c.trim().to_owned()).collect()
    };
    let is_separator = |line: &str| {
        cells(line)
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':'))
    };
    let header_cells = cells(lines[0].1);
    let mut rows = Vec::new();
    for (number, line) in &lines[1..] {
        if is_separator(line) {
            continue;
        }
        let row = cells(line);
        if row.len() != header_cells.len() {
            return Err(MarkdownError::TableShape {
                line: *number,
                expected: header_cells.len(),
                found: row.len(),
            });
        }
        rows.push(
            row.iter()
                .map(|c| inline(c, *number))
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    let header = header_cells
        .iter()
        .map(|c| inline(c, start))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Block::Table { header, rows })
}

/// Parses emphasis, merge fields and escapes in one block's text.
pub fn inline(text: &str, line: usize) -> Result<Vec<Inline>, MarkdownError> {
    let chars: Vec<char> = text.chars().collect();
    let (content, rest) = parse_inline(&chars, 0, None, line, 0)?;
    debug_assert_eq!(rest, chars.len());
    Ok(content)
}

/// Parses from `pos` until `closing` (or the end); returns the content and the position after.
fn parse_inline(
    chars: &[char],
    mut pos: usize,
    closing: Option<&str>,
    line: usize,
    depth: usize,
) -> Result<(Vec<Inline>, usize), MarkdownError> {
    if depth > MAX_NESTING {
        return Err(MarkdownError::TooDeep { line });
    }
    let mut out: Vec<Inline> = Vec::new();
    let mut text = String::new();
    let flush = |text: &mut String, out: &mut Vec<Inline>| {
        if !text.is_empty() {
            out.push(Inline::Text {
                text: std::mem::take(text),
            });
        }
    };
    let at = |pos: usize, marker: &str| {
        chars[pos..]
            .iter()
            .take(marker.chars().count())
            .copied()
            .eq(marker.chars())
    };
    while pos < chars.len() {
        if let Some(marker) = closing
            && at(pos, marker)
        {
            flush(&mut text, &mut out);
            return Ok((out, pos + marker.chars().count()));
        }
        let c = chars[pos];
        if c == '\\' && pos + 1 < chars.len() && "*_{}\\|".contains(chars[pos + 1]) {
            text.push(chars[pos + 1]);
            pos += 2;
        } else if at(pos, "{{") {
            let end = (pos + 2..chars.len().saturating_sub(1))
                .find(|&i| chars[i] == '}' && chars[i + 1] == '}');
            let Some(end) = end else {
                return Err(MarkdownError::Field {
                    line,
                    message: "'{{' without a closing '}}'".into(),
                });
            };
            let name: String = chars[pos + 2..end]
                .iter()
                .collect::<String>()
                .trim()
                .to_owned();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            {
                return Err(MarkdownError::Field {
                    line,
                    message: format!(
                        "'{{{{{name}}}}}' is not a field name (letters, digits, _ and - only)"
                    ),
                });
            }
            flush(&mut text, &mut out);
            out.push(Inline::Field { name });
            pos = end + 2;
        } else if at(pos, "**") {
            // Emphasis does not nest: the next `**` closes.
            flush(&mut text, &mut out);
            let (content, next) = parse_inline(chars, pos + 2, Some("**"), line, depth + 1)?;
            out.push(Inline::Bold { content });
            pos = next;
        } else if (c == '*' || c == '_') && opens_emphasis(chars, pos) {
            let marker = if c == '*' { "*" } else { "_" };
            flush(&mut text, &mut out);
            let (content, next) = parse_inline(chars, pos + 1, Some(marker), line, depth + 1)?;
            out.push(Inline::Italic { content });
            pos = next;
        } else {
            text.push(c);
            pos += 1;
        }
    }
    if let Some(marker) = closing {
        return Err(MarkdownError::Unclosed {
            line,
            marker: marker.into(),
        });
    }
    flush(&mut text, &mut out);
    Ok((out, pos))
}

/// `*` or `_` opens emphasis when followed by a non-space and not inside a word (so
/// `sak_nr` and `2 * 3` stay text).
fn opens_emphasis(chars: &[char], pos: usize) -> bool {
    let next_ok = chars.get(pos + 1).is_some_and(|c| !c.is_whitespace());
    let prev_ok = pos == 0 || !chars[pos - 1].is_alphanumeric();
    next_ok && prev_ok
}

/// The merge fields a body uses, in order of first use.
pub fn fields(blocks: &[Block]) -> Vec<String> {
    fn walk(inlines: &[Inline], out: &mut Vec<String>) {
        for inline in inlines {
            match inline {
                Inline::Field { name } if !out.contains(name) => out.push(name.clone()),
                Inline::Bold { content } | Inline::Italic { content } => walk(content, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for block in blocks {
        match block {
            Block::Heading { content, .. } | Block::Paragraph { content } => {
                walk(content, &mut out)
            }
            Block::List { items, .. } => items.iter().for_each(|i| walk(i, &mut out)),
            Block::Table { header, rows } => {
                header.iter().for_each(|c| walk(c, &mut out));
                rows.iter().flatten().for_each(|c| walk(c, &mut out));
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
