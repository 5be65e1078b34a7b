//! Filling merge fields. An unknown field or an empty value is an error listed before anything
//! is rendered — never a blank in a sent letter. Names match loosely, as CSV headers do: case,
//! spaces, `_`/`-` and æ/ø/å do not matter (`{{Beløp}}` is the column `belop`). Values are
//! text: markup in a value stays text.

use std::collections::HashMap;

use super::markdown::{Block, Inline, fields};

/// Fields that cannot be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(.unknown, .empty))]
pub struct MergeError {
    /// Fields with no column or value of that name.
    pub unknown: Vec<String>,
    /// Fields whose value is empty.
    pub empty: Vec<String>,
}

fn describe(unknown: &[String], empty: &[String]) -> String {
    let mut parts = Vec::new();
    if !unknown.is_empty() {
        parts.push(format!("unknown merge field(s): {}", unknown.join(", ")));
    }
    if !empty.is_empty() {
        parts.push(format!("empty merge field(s): {}", empty.join(", ")));
    }
    parts.join("; ")
}

/// Values by field name (any case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeValues(HashMap<String, String>);

impl MergeValues {
    /// Values from (name, value) pairs; later pairs win.
    pub fn new<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (normalise_name(&k), v))
                .collect(),
        )
    }

    /// The value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(&normalise_name(name)).map(String::as_str)
    }

    /// Adds or replaces a value.
    pub fn insert(&mut self, name: &str, value: &str) {
        self.0.insert(normalise_name(name), value.to_owned());
    }
}

/// Normalises a field or column name: lower case, æ→ae, ø→o, å→a, no spaces, `_` or `-`.
pub fn normalise_name(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .replace('æ', "ae")
        .replace('ø', "o")
        .replace('å', "a")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .collect()
}

/// Checks that every field the body uses has a non-empty value.
pub fn check(blocks: &[Block], values: &MergeValues) -> Result<(), MergeError> {
    let (mut unknown, mut empty) = (Vec::new(), Vec::new());
    for name in fields(blocks) {
        match values.get(&name) {
            None => unknown.push(name),
            Some(v) if v.trim().is_empty() => empty.push(name),
            Some(_) => {}
        }
    }
    if unknown.is_empty() && empty.is_empty() {
        Ok(())
    } else {
        Err(MergeError { unknown, empty })
    }
}

/// The body with every field replaced by its value.
pub fn resolve(blocks: &[Block], values: &MergeValues) -> Result<Vec<Block>, MergeError> {
    check(blocks, values)?;
    let fill = |inlines: &[Inline]| fill(inlines, values);
    Ok(blocks
        .iter()
        .map(|block| match block {
            Block::Heading { level, content } => Block::Heading {
                level: *level,
                content: fill(content),
            },
            Block::Paragraph { content } => Block::Paragraph {
                content: fill(content),
            },
            Block::List { numbered, items } => Block::List {
                numbered: *numbered,
                items: items.iter().map(|i| fill(i)).collect(),
            },
            Block::Table { header, rows } => Block::Table {
                header: header.iter().map(|c| fill(c)).collect(),
                rows: rows
                    .iter()
                    .map(|r| r.iter().map(|c| fill(c)).collect())
                    .collect(),
            },
        })
        .collect())
}

fn fill(inlines: &[Inline], values: &MergeValues) -> Vec<Inline> {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Field { name } => Inline::Text {
                text: values.get(name).unwrap_or_default().to_owned(),
            },
            Inline::Bold { content } => Inline::Bold {
                content: fill(content, values),
            },
            Inline::Italic { content } => Inline::Italic {
                content: fill(content, values),
            },
            text => text.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::letters::markdown::parse;

    fn values(pairs: &[(&str, &str)]) -> MergeValues {
        MergeValues::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
    }

    #[test]
    fn fields_are_filled_without_regard_to_case() {
        let blocks = parse("Hei {{Navn}}, sak {{saksnummer}}.").unwrap();
        let resolved = resolve(
            &blocks,
            &values(&[("navn", "Åse"), ("SAKSNUMMER", "2026/17")]),
        )
        .unwrap();
        assert_eq!(
            resolved,
            vec![Block::Paragraph {
                content: vec![
                    Inline::Text {
                        text: "Hei ".into()
                    },
                    Inline::Text {
                        text: "Åse".into()
                    },
                    Inline::Text {
                        text: ", sak ".into()
                    },
                    Inline::Text {
                        text: "2026/17".into()
                    },
                    Inline::Text { text: ".".into() },
                ]
            }]
        );
    }

    #[test]
    fn unknown_and_empty_fields_are_listed_before_rendering() {
        let blocks = parse("{{navn}} {{saksnummer}} {{frist}}").unwrap();
        let error = resolve(&blocks, &values(&[("navn", " ")])).unwrap_err();
        assert_eq!(error.unknown, ["saksnummer", "frist"]);
        assert_eq!(error.empty, ["navn"]);
        assert_eq!(
            error.to_string(),
            "unknown merge field(s): saksnummer, frist; empty merge field(s): navn"
        );
    }

    #[test]
    fn markup_in_a_value_stays_text() {
        let blocks = parse("{{navn}}").unwrap();
        let resolved = resolve(&blocks, &values(&[("navn", "**Ola** {{x}}")])).unwrap();
        assert_eq!(
            resolved,
            vec![Block::Paragraph {
                content: vec![Inline::Text {
                    text: "**Ola** {{x}}".into()
                }]
            }]
        );
    }
}
