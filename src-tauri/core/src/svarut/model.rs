//! The SvarUt REST v2 data model, field for field as the OpenAPI files name it
//! (`shared/specs/svarut-openapi/forsendelse-*-api-v2.json`, `svarut-dpi.md` §1.6–1.11).
//! Unknown fields in answers are ignored; unknown enum values are kept, not dropped.

use serde::{Deserialize, Serialize};

/// A recipient or reply address (`Adresse`): flat, `navn` required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Adresse {
    /// Name.
    pub navn: String,
    /// Fødselsnummer/D-nummer (person) or organisasjonsnummer; needed for digital delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digital_id: Option<String>,
    /// Address line 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adresselinje1: Option<String>,
    /// Address line 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adresselinje2: Option<String>,
    /// Address line 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adresselinje3: Option<String>,
    /// Postnummer (required for a Norwegian address unless digital-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postnummer: Option<String>,
    /// Poststed (required unless digital-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poststed: Option<String>,
    /// Country (not for Norwegian addresses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub land: Option<String>,
}

/// Print options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Utskriftskonfigurasjon {
    /// Colour print.
    pub utskrift_med_farger: bool,
    /// Both sides.
    pub tosidig: bool,
}

/// A key/value pair (`Metadata`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// One document (`Dokument`); its file part carries `filnavn` as its filename.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dokument {
    /// File name (≤ 226, unique, no `* : " \ / < > | ?`).
    pub filnavn: String,
    /// MIME type; only `application/pdf` can be printed.
    pub mime_type: String,
    /// To be signed (at most one, a PDF).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skal_signeres: bool,
    /// Free text (Noark dokumenttype).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dokument_type: Option<String>,
    /// Pages printed on giro paper.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub giroark_sider: Vec<i32>,
    /// Left out of print.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skal_ekskluderes_fra_utskrift: bool,
    /// Extra metadata.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ekstra_metadata: Vec<Metadata>,
    /// Holds sensitive personal data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inneholder_personsensitiv_informasjon: bool,
}

/// A link shown with the letter (`Lenke`, at most 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lenke {
    /// The URL.
    pub url: String,
    /// Its text.
    pub tekst: String,
    /// A lead text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledetekst: Option<String>,
}

/// Noark metadata from the sending case system (`NoarkMetadataFraAvleverendeSaksSystem`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoarkMetadataFraAvleverendeSaksSystem {
    /// Case year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saksaar: Option<i32>,
    /// Case sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sakssekvensnummer: Option<i64>,
    /// Journal year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journalaar: Option<i32>,
    /// Journal sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journalsekvensnummer: Option<i64>,
    /// Journal post number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journalpostnummer: Option<i64>,
    /// Journal post type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journalposttype: Option<String>,
    /// Journal status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journalstatus: Option<String>,
    /// Journal date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journaldato: Option<String>,
    /// The document's date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dokumentets_dato: Option<String>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tittel: Option<String>,
    /// Case officer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saksbehandler: Option<String>,
}

/// The signing job type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignaturType {
    /// Authenticated signature.
    AutentisertSignatur,
    /// Advanced signature.
    AvansertSignatur,
}

/// A forsendelse (`Forsendelse`): `tittel` and `mottaker` required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Forsendelse {
    /// Title, shown in mailboxes and notices (≤ 1000).
    pub tittel: String,
    /// The recipient.
    pub mottaker: Adresse,
    /// The sending system (≤ 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avgivende_system: Option<String>,
    /// Never printed; `mottaker.digitalId` required.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kun_digital_levering: bool,
    /// Print options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utskriftskonfigurasjon: Option<Utskriftskonfigurasjon>,
    /// Level-4 login (needs `kryptert`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub krev_niva4_innlogging: bool,
    /// Files CMS-encrypted to SvarUt's key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kryptert: bool,
    /// Noark metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_fra_avleverende_system: Option<NoarkMetadataFraAvleverendeSaksSystem>,
    /// The documents, in order.
    #[serde(default)]
    pub dokumenter: Vec<Dokument>,
    /// Links (≤ 5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lenker: Vec<Lenke>,
    /// SvarInn routing type (≤ 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forsendelsestype: Option<String>,
    /// Our reference: the letter's own id (≤ 100), searchable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ekstern_referanse: Option<String>,
    /// Signing deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signering_utloper: Option<String>,
    /// Signing job type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signatur_type: Option<SignaturType>,
}

/// `200` from send.
/// `Mottakersystem` (`mottakersystem-api-v2.json`): an organisation's receiving system
/// (SvarInn) for a forsendelse type and security level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mottakersystem {
    /// The receiving system's id.
    pub id: String,
    /// Its name.
    pub navn: String,
    /// The organisation.
    pub organisasjonsnummer: String,
    /// The forsendelse type it receives.
    pub forsendelse_type: String,
    /// The security level.
    pub niva: i32,
}

/// `Mottakersystemer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mottakersystemer {
    /// The systems registered.
    #[serde(default)]
    pub mottakersystemer: Vec<Mottakersystem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendForsendelseResponse {
    /// The forsendelse id SvarUt made.
    pub id: String,
}

/// A forsendelse's status (v2's 13 values, v3's four more, and any other kept as written).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// Received; an id assigned.
    Mottatt,
    /// Validated; the forsendelse file made.
    Akseptert,
    /// Rejected.
    Avvist,
    /// Notified through Altinn.
    Varslet,
    /// Read by the recipient.
    Lest,
    /// Handed to print.
    SendtPrint,
    /// Printed.
    Printet,
    /// Closed by hand.
    ManueltHandtert,
    /// Digital-only, sent, not yet read.
    SendtDigitalt,
    /// Sent to a digital mailbox (DPI).
    SendtSdp,
    /// Delivered to the digital mailbox.
    LevertSdp,
    /// Waiting for the recipient's SvarInn.
    KlarForMottak,
    /// Digital-only, not delivered.
    IkkeLevert,
    /// v3: any failure during reception other than a validation rejection.
    FeiletUnderMottak,
    /// v3: the files and the non-statistics metadata have been deleted.
    Slettet,
    /// v3: sent to an NHN recipient, receipt not yet confirmed.
    SendtNhnMottaker,
    /// v3: the NHN recipient confirmed reception.
    LevertNhnMottaker,
    /// A value this program does not know, shown as written.
    Unknown(String),
}

impl Status {
    /// The channel this status shows the forsendelse took, as stored in the outbox
    /// (`digital_postkasse`, `altinn`, `svarinn`, `papir`); `None` when it names none
    /// (received, read, failed…). Print after Altinn is still Altinn's route: only the first
    /// status that names a channel counts (`svarut-dpi.md` §2.5).
    pub fn channel(&self) -> Option<&'static str> {
        match self {
            Self::SendtSdp | Self::LevertSdp => Some("digital_postkasse"),
            Self::Varslet => Some("altinn"),
            Self::KlarForMottak => Some("svarinn"),
            Self::SendtPrint | Self::Printet => Some("papir"),
            _ => None,
        }
    }

    /// The value as SvarUt writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Mottatt => "MOTTATT",
            Self::Akseptert => "AKSEPTERT",
            Self::Avvist => "AVVIST",
            Self::Varslet => "VARSLET",
            Self::Lest => "LEST",
            Self::SendtPrint => "SENDT_PRINT",
            Self::Printet => "PRINTET",
            Self::ManueltHandtert => "MANUELT_HANDTERT",
            Self::SendtDigitalt => "SENDT_DIGITALT",
            Self::SendtSdp => "SENDT_SDP",
            Self::LevertSdp => "LEVERT_SDP",
            Self::KlarForMottak => "KLAR_FOR_MOTTAK",
            Self::IkkeLevert => "IKKE_LEVERT",
            Self::FeiletUnderMottak => "FEILET_UNDER_MOTTAK",
            Self::Slettet => "SLETTET",
            Self::SendtNhnMottaker => "SENDT_NHN_MOTTAKER",
            Self::LevertNhnMottaker => "LEVERT_NHN_MOTTAKER",
            Self::Unknown(s) => s,
        }
    }

    /// Reads a value; anything else is [`Status::Unknown`].
    pub fn parse(text: &str) -> Self {
        match text {
            "MOTTATT" => Self::Mottatt,
            "AKSEPTERT" => Self::Akseptert,
            "AVVIST" => Self::Avvist,
            "VARSLET" => Self::Varslet,
            "LEST" => Self::Lest,
            "SENDT_PRINT" => Self::SendtPrint,
            "PRINTET" => Self::Printet,
            "MANUELT_HANDTERT" => Self::ManueltHandtert,
            "SENDT_DIGITALT" => Self::SendtDigitalt,
            "SENDT_SDP" => Self::SendtSdp,
            "LEVERT_SDP" => Self::LevertSdp,
            "KLAR_FOR_MOTTAK" => Self::KlarForMottak,
            "IKKE_LEVERT" => Self::IkkeLevert,
            "FEILET_UNDER_MOTTAK" => Self::FeiletUnderMottak,
            "SLETTET" => Self::Slettet,
            "SENDT_NHN_MOTTAKER" => Self::SendtNhnMottaker,
            "LEVERT_NHN_MOTTAKER" => Self::LevertNhnMottaker,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// No further change is expected (read, printed, rejected, not delivered, closed).
    /// `LEVERT_SDP` is final for tracking: whether SDP letters later become `LEST` is
    /// UNCONFIRMED (svarut-dpi.md §2.5), so a later `LEST` is taken if it comes.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Lest
                | Self::Printet
                | Self::Avvist
                | Self::IkkeLevert
                | Self::ManueltHandtert
                | Self::LevertSdp
                | Self::FeiletUnderMottak
                | Self::Slettet
                | Self::LevertNhnMottaker
        )
    }

    /// A failure the clerk must act on.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Self::Avvist | Self::IkkeLevert | Self::FeiletUnderMottak
        )
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

/// `StatusSok`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusSok {
    /// The ids.
    pub forsendelse_ids: Vec<String>,
}

/// `ForsendelseStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForsendelseStatus {
    /// The forsendelse.
    pub id: String,
    /// When the status last changed (ISO 8601 with offset).
    pub siste_status_endring: String,
    /// The status.
    pub status: Status,
}

/// `ForsendelseStatuser`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForsendelseStatuser {
    /// One per id found.
    pub statuser: Vec<ForsendelseStatus>,
}

/// One event (`Hendelse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hendelse {
    /// When.
    pub tidspunkt: String,
    /// What, in Norwegian.
    pub hendelse: String,
}

/// The channel an event's text names (`digital_postkasse`, `altinn`, `svarinn`, `papir`), if
/// any. UNCONFIRMED: SvarUt's event texts are free Norwegian text, not an enum; these are the
/// phrases its documentation and test accounts show ("Sendt til digital postkasse", "Varslet i
/// Altinn", "Klar for mottak i mottakers system", "Sendt til print"). Anything else names none.
pub fn channel_in_event(text: &str) -> Option<&'static str> {
    let text = text.to_lowercase();
    if text.contains("digital postkasse") {
        Some("digital_postkasse")
    } else if text.contains("altinn") {
        Some("altinn")
    } else if text.contains("mottakers system") || text.contains("klar for mottak") {
        Some("svarinn")
    } else if text.contains("print") {
        Some("papir")
    } else {
        None
    }
}

/// `HendelserResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hendelser {
    /// The events, oldest first.
    pub hendelser: Vec<Hendelse>,
}

/// Lookup by `eksternRef`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForsendelseIder {
    /// Ids with that reference (possibly several: the reference is not unique).
    pub forsendelse_ids: Vec<String>,
}

/// SvarUt's error body (`ErrorMessage`); `errorJson` is a string in the OpenAPI files and an
/// object in the docs and the official client — both are read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorMessage {
    /// Epoch milliseconds.
    pub timestamp: Option<i64>,
    /// HTTP status.
    pub status: Option<i32>,
    /// HTTP reason.
    pub error: Option<String>,
    /// Error id.
    pub error_id: Option<String>,
    /// Path.
    pub path: Option<String>,
    /// Original path.
    pub original_path: Option<String>,
    /// Message for the user.
    pub message: Option<String>,
    /// Machine-readable code.
    pub error_code: Option<String>,
    /// Machine-readable detail (string or object).
    pub error_json: Option<serde_json::Value>,
}

/// Which REST flavour sends and searches statuses (`svarut-dpi.md` §1.2): v2 (the default;
/// frozen and documented for years) or v3 (one endpoint per kind of recipient).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type,
)]
pub enum SvarUtApi {
    /// `/api/v2/...`.
    #[default]
    #[serde(rename = "v2")]
    V2,
    /// `/api/v3/...` for send and status.
    #[serde(rename = "v3")]
    V3,
}

#[cfg(test)]
mod tests {
    use super::channel_in_event;

    #[test]
    fn events_name_the_channel_they_show() {
        assert_eq!(
            channel_in_event("Sendt til digital postkasse"),
            Some("digital_postkasse")
        );
        assert_eq!(channel_in_event("Varslet i Altinn"), Some("altinn"));
        assert_eq!(
            channel_in_event("Klar for mottak i mottakers system"),
            Some("svarinn")
        );
        assert_eq!(channel_in_event("Sendt til print"), Some("papir"));
        assert_eq!(channel_in_event("Lest av mottaker"), None);
        assert_eq!(channel_in_event("Akseptert for ekspedering"), None);
    }

    use super::*;

    #[test]
    fn every_status_of_v2_and_v3_reads_back_and_an_unknown_one_is_kept() {
        let all = [
            "MOTTATT",
            "AKSEPTERT",
            "AVVIST",
            "VARSLET",
            "LEST",
            "SENDT_PRINT",
            "PRINTET",
            "MANUELT_HANDTERT",
            "SENDT_DIGITALT",
            "SENDT_SDP",
            "LEVERT_SDP",
            "KLAR_FOR_MOTTAK",
            "IKKE_LEVERT",
            "FEILET_UNDER_MOTTAK",
            "SLETTET",
            "SENDT_NHN_MOTTAKER",
            "LEVERT_NHN_MOTTAKER",
        ];
        for text in all {
            let status = Status::parse(text);
            assert!(!matches!(status, Status::Unknown(_)), "{text}");
            assert_eq!(status.as_str(), text);
        }
        assert_eq!(
            Status::parse("NYTT_I_V4"),
            Status::Unknown("NYTT_I_V4".into())
        );
        assert!(Status::FeiletUnderMottak.is_failure() && Status::FeiletUnderMottak.is_final());
    }

    #[test]
    fn the_minimal_forsendelse_serialises_as_the_spec_shows() {
        let forsendelse = Forsendelse {
            tittel: "Vedtak".into(),
            mottaker: Adresse {
                navn: "Åse".into(),
                digital_id: Some("20914695016".into()),
                adresselinje1: Some("Storgata 1".into()),
                postnummer: Some("0155".into()),
                poststed: Some("OSLO".into()),
                ..Adresse::default()
            },
            dokumenter: vec![Dokument {
                filnavn: "vedtak.pdf".into(),
                mime_type: "application/pdf".into(),
                ..Dokument::default()
            }],
            ekstern_referanse: Some("b0e1".into()),
            ..Forsendelse::default()
        };
        assert_eq!(
            serde_json::to_value(&forsendelse).unwrap(),
            serde_json::json!({
                "tittel": "Vedtak",
                "mottaker": {"navn": "Åse", "digitalId": "20914695016", "adresselinje1": "Storgata 1", "postnummer": "0155", "poststed": "OSLO"},
                "dokumenter": [{"filnavn": "vedtak.pdf", "mimeType": "application/pdf"}],
                "eksternReferanse": "b0e1"
            })
        );
    }

    #[test]
    fn unknown_statuses_are_kept_and_error_json_may_be_a_string_or_an_object() {
        let statuses: ForsendelseStatuser = serde_json::from_str(
            r#"{"statuser":[{"id":"a","sisteStatusEndring":"2023-01-01T11:33:55.008+01:00","status":"LEST","x":1},
                            {"id":"b","sisteStatusEndring":"2023-01-01T11:33:55+01:00","status":"ARKIVERT_I_V9"}]}"#,
        )
        .unwrap();
        assert_eq!(statuses.statuser[0].status, Status::Lest);
        assert_eq!(
            statuses.statuser[1].status,
            Status::Unknown("ARKIVERT_I_V9".into())
        );
        let a: ErrorMessage =
            serde_json::from_str(r#"{"message":"m","errorJson":"{\"antall\":13}"}"#).unwrap();
        let b: ErrorMessage =
            serde_json::from_str(r#"{"message":"m","errorJson":{"antall":13}}"#).unwrap();
        assert!(a.error_json.unwrap().is_string());
        assert!(b.error_json.unwrap().is_object());
    }
}
