//! The archive's receipt, `arkivmelding-kvittering.xml` of Fiks Arkiv V1
//! `no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.kvittering`: which journal post and
//! case the archive made (or found) for our package, or why it refused the journal post.
//!
//! Hostile until parsed: at most [`MAX_BYTES`], no DTD, a node limit and a depth limit. Every
//! field of the receipt is optional in the schema, so only our key is required: without it the
//! receipt cannot be matched to a letter.

use super::arkivmelding::SYSTEM;
use crate::store::ArchiveNumbers;

/// The receipt's namespace.
pub const NAMESPACE: &str = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/opprett/kvittering/v1";

/// The largest receipt read.
pub const MAX_BYTES: usize = 1024 * 1024;
/// The most XML nodes read.
const MAX_NODES: u32 = 20_000;
/// The deepest nesting read.
const MAX_DEPTH: usize = 16;

/// What a receipt says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// The journal post was made (or found): its key and numbers.
    Archived {
        /// Our key (the package's id).
        key: String,
        /// Where it was journalled.
        numbers: ArchiveNumbers,
    },
    /// The archive refused the journal post.
    Refused {
        /// Our key, when the receipt names it.
        key: Option<String>,
        /// The case's key, when the receipt names it.
        case_key: Option<String>,
        /// The archive's message.
        message: String,
    },
}

/// Why a file is not a receipt Kommunepost can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Too large.
    #[error("the file is {0} bytes; an archive receipt is at most {MAX_BYTES}")]
    TooLarge(usize),
    /// Not XML, or XML this reader refuses (a DTD, too many nodes).
    #[error("the file is not readable XML: {0}")]
    Xml(String),
    /// Nested deeper than a receipt is.
    #[error("the file is nested deeper than an archive receipt is")]
    TooDeep,
    /// Another document.
    #[error("the file is not a Fiks Arkiv receipt (arkivmeldingKvittering); it starts with <{0}>")]
    NotAReceipt(String),
    /// No key of ours in it.
    #[error(
        "the receipt does not name a Kommunepost journal post (no referanseEksternNoekkel from Kommunepost)"
    )]
    NoKey,
    /// A number that is not a number.
    #[error("the receipt's {0} is not a number")]
    Number(&'static str),
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn text_of(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name)
        .and_then(|c| c.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Our key: a `referanseEksternNoekkel` whose `fagsystem` is ours (or not given).
fn our_key(node: Node<'_, '_>) -> Option<String> {
    let reference = child(node, "referanseEksternNoekkel")?;
    let system = text_of(reference, "fagsystem");
    if system.as_deref().is_some_and(|s| s != SYSTEM) {
        return None;
    }
    text_of(reference, "noekkel")
}

fn int(node: Node<'_, '_>, name: &'static str) -> Result<Option<i64>, ReceiptError> {
    text_of(node, name)
        .map(|t| t.parse::<i64>().map_err(|_| ReceiptError::Number(name)))
        .transpose()
}

fn year(node: Node<'_, '_>, name: &'static str) -> Result<Option<i32>, ReceiptError> {
    int(node, name)?
        .map(|v| i32::try_from(v).map_err(|_| ReceiptError::Number(name)))
        .transpose()
}

/// Reads a receipt.
pub fn parse(bytes: &[u8]) -> Result<Receipt, ReceiptError> {
    if bytes.len() > MAX_BYTES {
        return Err(ReceiptError::TooLarge(bytes.len()));
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| ReceiptError::Xml("it is not UTF-8 text".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    let document = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| ReceiptError::Xml(e.to_string()))?;
    if document
        .descendants()
        .any(|n| n.ancestors().count() > MAX_DEPTH)
    {
        return Err(ReceiptError::TooDeep);
    }
    let root = document.root_element();
    if root.tag_name().name() != "arkivmeldingKvittering"
        || root.tag_name().namespace() != Some(NAMESPACE)
    {
        return Err(ReceiptError::NotAReceipt(
            root.tag_name().name().chars().take(60).collect(),
        ));
    }
    let folder = child(root, "mappeKvittering");
    let case_key = folder.and_then(our_key);
    let (saksaar, sakssekvensnummer) = match folder {
        Some(folder) => (year(folder, "saksaar")?, int(folder, "sakssekvensnummer")?),
        None => (None, None),
    };
    if let Some(failed) = child(root, "registreringFeilet").or_else(|| child(root, "mappeFeilet")) {
        let message = text_of(failed, "feilmelding")
            .unwrap_or_else(|| "the archive gave no reason".to_owned());
        return Ok(Receipt::Refused {
            key: None,
            case_key,
            message: message.chars().take(500).collect(),
        });
    }
    let post = child(root, "registreringKvittering").ok_or(ReceiptError::NoKey)?;
    let key = our_key(post).ok_or(ReceiptError::NoKey)?;
    Ok(Receipt::Archived {
        key,
        numbers: ArchiveNumbers {
            journalaar: year(post, "journalaar")?,
            journalsekvensnummer: int(post, "journalsekvensnummer")?,
            journalpostnummer: int(post, "journalpostnummer")?,
            saksaar,
            sakssekvensnummer,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?><arkivmeldingKvittering xmlns=\"{NAMESPACE}\" \
             xmlns:n5mdk=\"https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1\">{body}</arkivmeldingKvittering>"
        )
    }

    #[test]
    fn a_receipt_gives_our_key_and_the_archive_numbers() {
        let xml = receipt(
            "<mappeKvittering><systemID>5d2f7a10-93c4-4b8e-a1f6-0c7d9e2b4a31</systemID>\
             <opprettetEllerEksisterende>Opprettet</opprettetEllerEksisterende>\
             <saksaar>2026</saksaar><sakssekvensnummer>418</sakssekvensnummer></mappeKvittering>\
             <registreringKvittering><systemID>a4c3e1f0-2b7d-4c9a-8e65-13f2d0b9c7e8</systemID>\
             <referanseEksternNoekkel><n5mdk:fagsystem>Kommunepost</n5mdk:fagsystem>\
             <n5mdk:noekkel>letter-1</n5mdk:noekkel></referanseEksternNoekkel>\
             <opprettetEllerEksisterende>Opprettet</opprettetEllerEksisterende>\
             <journalaar>2026</journalaar><journalsekvensnummer>4567</journalsekvensnummer>\
             <journalpostnummer>1</journalpostnummer></registreringKvittering>",
        );
        let Receipt::Archived { key, numbers } = parse(xml.as_bytes()).unwrap() else {
            panic!("archived")
        };
        assert_eq!(key, "letter-1");
        assert_eq!(numbers.journal_post().as_deref(), Some("2026/4567"));
        assert_eq!(numbers.case().as_deref(), Some("2026/418"));
        assert_eq!(numbers.journalpostnummer, Some(1));
    }

    #[test]
    fn refusals_other_documents_and_hostile_files_are_told_apart() {
        let refused = receipt(
            "<registreringFeilet><feilId xmlns=\"x\">1</feilId>\
             <feilmelding xmlns=\"x\">Ugyldig tilgangskode</feilmelding></registreringFeilet>",
        );
        assert!(matches!(
            parse(refused.as_bytes()),
            Ok(Receipt::Refused { message, .. }) if message == "Ugyldig tilgangskode"
        ));
        assert_eq!(parse(receipt("").as_bytes()), Err(ReceiptError::NoKey));
        assert!(matches!(
            parse(b"<html><body/></html>"),
            Err(ReceiptError::NotAReceipt(name)) if name == "html"
        ));
        assert!(matches!(parse(b"not xml"), Err(ReceiptError::Xml(_))));
        assert!(matches!(
            parse(b"<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>"),
            Err(ReceiptError::Xml(_))
        ));
        let deep = format!("{}{}", "<a>".repeat(40), "</a>".repeat(40));
        assert_eq!(parse(deep.as_bytes()), Err(ReceiptError::TooDeep));
        let big = vec![b' '; MAX_BYTES + 1];
        assert_eq!(parse(&big), Err(ReceiptError::TooLarge(MAX_BYTES + 1)));
        let bad_number = receipt(
            "<registreringKvittering><referanseEksternNoekkel><n5mdk:noekkel>k</n5mdk:noekkel>\
             </referanseEksternNoekkel><journalaar>tjue</journalaar></registreringKvittering>",
        );
        assert_eq!(
            parse(bad_number.as_bytes()),
            Err(ReceiptError::Number("journalaar"))
        );
    }
}
