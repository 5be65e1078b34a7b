//! REST v3, the second flavour (`svarut-dpi.md` §1.6.2, `forsendelse-send-api-v3.json`,
//! `forsendelse-status-api-v3.json`): one send endpoint per kind of recipient — a person
//! (fødselsnummer/D-nummer), an organisation (organisasjonsnummer), or print (no digital id) —
//! and `status/sok` with `{"id": [...]}`. The letter is kept in the v2 model (the outbox stores
//! it so); this module writes the v3 JSON from it. Hendelser and the `eksternRef` lookup stay on
//! v2, which the sheet lists as stable for both flavours.
//!
//! v3's `sikkerhetsniva` replaces `krevNiva4Innlogging`: `HOYESTE` for level 4. For level 3 the
//! field is left out (the K builders default to `BETYDELIG`; leaving it out is the tolerant
//! reading). v3 has no colour option: `utskriftMedFarger` is dropped.

use serde_json::{Map, Value, json};

use super::error::SvarUtError;
use super::model::{Adresse, Forsendelse};

/// Which v3 send endpoint a forsendelse goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/forsendelser/person`.
    Person,
    /// `/forsendelser/organisasjon`.
    Organisasjon,
    /// `/forsendelser/print`.
    Print,
}

impl Endpoint {
    /// The path below `/v3/kontoer/{kontoId}/forsendelser/`.
    pub fn path(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Organisasjon => "organisasjon",
            Self::Print => "print",
        }
    }
}

fn refused(message: impl Into<String>) -> SvarUtError {
    SvarUtError::Rejected {
        message: message.into(),
        code: None,
    }
}

/// v2's free-text `land` as v3's ISO 3166-1 alpha-2 `landkode`: nothing for Norway (v3
/// assumes Norway when it is absent), a two-letter code as given, a few neighbours by name.
fn landkode(land: Option<&str>) -> Result<Option<String>, SvarUtError> {
    let Some(land) = land.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    let upper = land.to_uppercase();
    let code = match upper.as_str() {
        "NORGE" | "NORWAY" | "NO" => return Ok(None),
        "SVERIGE" | "SWEDEN" => "SE",
        "DANMARK" | "DENMARK" => "DK",
        "FINLAND" => "FI",
        "ISLAND" | "ICELAND" => "IS",
        "TYSKLAND" | "GERMANY" => "DE",
        "STORBRITANNIA" | "UNITED KINGDOM" => "GB",
        code if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) => code,
        _ => {
            return Err(refused(format!(
                "the country «{land}» must be a two-letter code (ISO 3166-1) for SvarUt v3"
            )));
        }
    };
    Ok(Some(code.to_owned()))
}

/// v3's `Adresse` (adresselinje1 and poststed required), when the letter has one.
fn adresse(mottaker: &Adresse) -> Result<Option<Value>, SvarUtError> {
    let (Some(line1), Some(poststed)) = (&mottaker.adresselinje1, &mottaker.poststed) else {
        return Ok(None);
    };
    let mut out = Map::new();
    out.insert("adresselinje1".into(), json!(line1));
    if let Some(line) = &mottaker.adresselinje2 {
        out.insert("adresselinje2".into(), json!(line));
    }
    if let Some(line) = &mottaker.adresselinje3 {
        out.insert("adresselinje3".into(), json!(line));
    }
    if let Some(postnummer) = &mottaker.postnummer {
        out.insert("postnummer".into(), json!(postnummer));
    }
    out.insert("poststed".into(), json!(poststed));
    if let Some(code) = landkode(mottaker.land.as_deref())? {
        out.insert("landkode".into(), json!(code));
    }
    Ok(Some(Value::Object(out)))
}

fn put<T: serde::Serialize>(out: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        out.insert(
            key.to_owned(),
            serde_json::to_value(value).expect("plain data serialises"),
        );
    }
}

/// The v3 endpoint and JSON for a forsendelse.
pub fn to_v3(f: &Forsendelse) -> Result<(Endpoint, Value), SvarUtError> {
    let endpoint = match f.mottaker.digital_id.as_deref().map(str::len) {
        None => Endpoint::Print,
        Some(9) => Endpoint::Organisasjon,
        Some(11) => Endpoint::Person,
        Some(_) => {
            return Err(refused(
                "digitalId must be a fødselsnummer (11 digits) or an organisasjonsnummer (9)",
            ));
        }
    };
    let adresse = adresse(&f.mottaker)?;
    let mut out = Map::new();
    out.insert("tittel".into(), json!(f.tittel));
    put(&mut out, "avgivendeSystem", f.avgivende_system.as_ref());
    if f.kryptert {
        out.insert("kryptert".into(), json!(true));
    }
    if let Some(config) = f.utskriftskonfigurasjon {
        out.insert(
            "utskriftskonfigurasjon".into(),
            json!({ "tosidig": config.tosidig }),
        );
    }
    put(&mut out, "eksternReferanse", f.ekstern_referanse.as_ref());
    let documents: Vec<Value> = f
        .dokumenter
        .iter()
        .map(|d| {
            let mut doc = Map::new();
            doc.insert("filnavn".into(), json!(d.filnavn));
            doc.insert("mimeType".into(), json!(d.mime_type));
            // v3 has one giro page per document (v2 had a set).
            put(&mut doc, "giroarkSide", d.giroark_sider.first());
            if endpoint != Endpoint::Print && d.skal_ekskluderes_fra_utskrift {
                doc.insert("skalEkskluderesFraUtskrift".into(), json!(true));
            }
            if endpoint == Endpoint::Person && d.skal_signeres {
                doc.insert("skalSigneres".into(), json!(true));
            }
            if endpoint == Endpoint::Organisasjon {
                put(&mut doc, "dokumentType", d.dokument_type.as_ref());
                if !d.ekstra_metadata.is_empty() {
                    doc.insert("ekstraMetadata".into(), json!(d.ekstra_metadata));
                }
                if d.inneholder_personsensitiv_informasjon {
                    doc.insert("inneholderPersonsensitivInformasjon".into(), json!(true));
                }
            }
            Value::Object(doc)
        })
        .collect();
    out.insert("dokumenter".into(), Value::Array(documents));
    match endpoint {
        Endpoint::Print => {
            let adresse = adresse
                .ok_or_else(|| refused("a letter for print needs adresselinje1 and poststed"))?;
            if f.dokumenter
                .iter()
                .any(|d| d.mime_type != "application/pdf")
            {
                return Err(refused("every document for print must be a PDF"));
            }
            out.insert(
                "mottaker".into(),
                json!({ "navn": f.mottaker.navn, "adresse": adresse }),
            );
        }
        Endpoint::Person | Endpoint::Organisasjon => {
            let mut mottaker = Map::new();
            mottaker.insert("navn".into(), json!(f.mottaker.navn));
            mottaker.insert("digitalId".into(), json!(f.mottaker.digital_id));
            put(&mut mottaker, "adresse", adresse);
            out.insert("mottaker".into(), Value::Object(mottaker));
            if f.kun_digital_levering {
                out.insert("kunDigitalLevering".into(), json!(true));
            }
            if f.krev_niva4_innlogging {
                out.insert("sikkerhetsniva".into(), json!("HOYESTE"));
            }
            if !f.lenker.is_empty() {
                out.insert("lenker".into(), json!(f.lenker));
            }
        }
    }
    if endpoint == Endpoint::Organisasjon {
        put(
            &mut out,
            "metadataFraAvleverendeSystem",
            f.metadata_fra_avleverende_system.as_ref(),
        );
        put(&mut out, "forsendelsestype", f.forsendelsestype.as_ref());
    }
    if endpoint == Endpoint::Person
        && let (Some(utloper), Some(kind)) = (&f.signering_utloper, f.signatur_type)
    {
        out.insert(
            "signering".into(),
            json!({ "signeringUtloper": utloper, "signaturType": kind }),
        );
    }
    Ok((endpoint, Value::Object(out)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svarut::model::{Dokument, Utskriftskonfigurasjon};

    fn letter(digital_id: Option<&str>) -> Forsendelse {
        Forsendelse {
            tittel: "Vedtak".into(),
            mottaker: Adresse {
                navn: "Åse Ødegård".into(),
                digital_id: digital_id.map(str::to_owned),
                adresselinje1: Some("Storgata 1".into()),
                postnummer: Some("7300".into()),
                poststed: Some("ORKANGER".into()),
                ..Adresse::default()
            },
            avgivende_system: Some("Kommunepost".into()),
            utskriftskonfigurasjon: Some(Utskriftskonfigurasjon {
                utskrift_med_farger: true,
                tosidig: true,
            }),
            krev_niva4_innlogging: true,
            dokumenter: vec![Dokument {
                filnavn: "Vedtak.pdf".into(),
                mime_type: "application/pdf".into(),
                dokument_type: Some("U".into()),
                ..Dokument::default()
            }],
            ekstern_referanse: Some("ref-1".into()),
            ..Forsendelse::default()
        }
    }

    #[test]
    fn a_person_gets_the_person_endpoint_with_a_nested_address_and_level_4_as_hoyeste() {
        let (endpoint, json) = to_v3(&letter(Some("20914695016"))).unwrap();
        assert_eq!(endpoint, Endpoint::Person);
        assert_eq!(
            json,
            json!({
                "tittel": "Vedtak",
                "avgivendeSystem": "Kommunepost",
                "utskriftskonfigurasjon": { "tosidig": true },
                "eksternReferanse": "ref-1",
                "dokumenter": [{ "filnavn": "Vedtak.pdf", "mimeType": "application/pdf" }],
                "mottaker": {
                    "navn": "Åse Ødegård",
                    "digitalId": "20914695016",
                    "adresse": { "adresselinje1": "Storgata 1", "postnummer": "7300", "poststed": "ORKANGER" }
                },
                "sikkerhetsniva": "HOYESTE"
            })
        );
    }

    #[test]
    fn an_organisation_keeps_its_document_type_and_print_has_a_postal_address_only() {
        let (endpoint, json) = to_v3(&letter(Some("991825827"))).unwrap();
        assert_eq!(endpoint, Endpoint::Organisasjon);
        assert_eq!(json["dokumenter"][0]["dokumentType"], "U");
        let (endpoint, json) = to_v3(&letter(None)).unwrap();
        assert_eq!(endpoint, Endpoint::Print);
        assert_eq!(json["mottaker"]["navn"], "Åse Ødegård");
        assert_eq!(json["mottaker"]["adresse"]["poststed"], "ORKANGER");
        assert!(json["mottaker"].get("digitalId").is_none());
        assert!(json.get("sikkerhetsniva").is_none());
        let mut no_address = letter(None);
        no_address.mottaker.poststed = None;
        assert!(to_v3(&no_address).is_err());
    }

    #[test]
    fn countries_become_two_letter_codes() {
        assert_eq!(landkode(Some("Norge")).unwrap(), None);
        assert_eq!(landkode(Some("Sverige")).unwrap().as_deref(), Some("SE"));
        assert_eq!(landkode(Some("pl")).unwrap().as_deref(), Some("PL"));
        assert!(landkode(Some("Ruritania")).is_err());
    }
}
