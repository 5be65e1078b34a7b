//! KRR's `/personer` request and response, parsed tolerantly: unknown fields are ignored,
//! optional fields may be missing, empty strings count as absent, unknown enum values are kept
//! as `Unknown` (spec §1.4, §1.10).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::time;

/// The request body.
#[derive(Debug, Clone, Serialize)]
pub struct PersonerRequest<'a> {
    /// 1–1000 identifiers.
    pub personidentifikatorer: &'a [String],
    /// v2 only: also return persons not in the register (`IKKE_REGISTRERT`).
    #[serde(
        rename = "inkluderIkkeRegistrerte",
        skip_serializing_if = "Option::is_none"
    )]
    pub inkluder_ikke_registrerte: Option<bool>,
}

/// The response body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonerResponse {
    /// The persons found; a missing key counts as none.
    #[serde(default)]
    pub personer: Vec<KrrPerson>,
}

/// One person as KRR describes them. `Debug` shows only the masked identifier and the
/// statuses, never contact details.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct KrrPerson {
    /// The identifier asked for.
    pub personidentifikator: String,
    /// `AKTIV`, `SLETTET` or `IKKE_REGISTRERT`.
    #[serde(default = "unknown_status")]
    pub status: PersonStatus,
    /// `JA` (reserved against digital communication) or `NEI`.
    #[serde(default)]
    pub reservasjon: Option<Reservasjon>,
    /// When the person reserved themselves.
    #[serde(default, deserialize_with = "time::optional")]
    pub reservasjonstidspunkt: Option<DateTime<Utc>>,
    /// When the reservation status last changed.
    #[serde(default, deserialize_with = "time::optional")]
    pub reservasjon_oppdatert: Option<DateTime<Utc>>,
    /// Whether the person may be notified (eForvaltningsforskriften § 32).
    #[serde(default)]
    pub varslingsstatus: Option<Varslingsstatus>,
    /// E-mail and mobile with their dates.
    #[serde(default)]
    pub kontaktinformasjon: Option<Kontaktinformasjon>,
    /// The digital mailbox.
    #[serde(default)]
    pub digital_post: Option<DigitalPost>,
    /// The mailbox provider's certificate (base64 DER).
    #[serde(default, deserialize_with = "non_empty")]
    pub sertifikat: Option<String>,
    /// `nb`, `nn`, `en` or `se`.
    #[serde(default, deserialize_with = "non_empty")]
    pub spraak: Option<String>,
}

impl std::fmt::Debug for KrrPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KrrPerson")
            .field(
                "personidentifikator",
                &crate::mask::input(&self.personidentifikator),
            )
            .field("status", &self.status)
            .field("reservasjon", &self.reservasjon)
            .field("varslingsstatus", &self.varslingsstatus)
            .field("has_contact", &self.kontaktinformasjon.is_some())
            .field("has_mailbox", &self.digital_post.is_some())
            .finish_non_exhaustive()
    }
}

fn unknown_status() -> PersonStatus {
    PersonStatus::Unknown(String::new())
}

/// Contact channels (each optional and independent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Kontaktinformasjon {
    /// E-mail address.
    #[serde(default, deserialize_with = "non_empty")]
    pub epostadresse: Option<String>,
    /// When the person last set or changed the address.
    #[serde(default, deserialize_with = "time::optional")]
    pub epostadresse_oppdatert: Option<DateTime<Utc>>,
    /// When the person last confirmed the address.
    #[serde(default, deserialize_with = "time::optional")]
    pub epostadresse_sist_verifisert: Option<DateTime<Utc>>,
    /// Mobile number (`+4799999999` or `99999999`).
    #[serde(default, deserialize_with = "non_empty")]
    pub mobiltelefonnummer: Option<String>,
    /// When the person last set or changed the number.
    #[serde(default, deserialize_with = "time::optional")]
    pub mobiltelefonnummer_oppdatert: Option<DateTime<Utc>>,
    /// When the person last confirmed the number.
    #[serde(default, deserialize_with = "time::optional")]
    pub mobiltelefonnummer_sist_verifisert: Option<DateTime<Utc>>,
}

/// The digital mailbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DigitalPost {
    /// The person's address at the provider.
    #[serde(default, deserialize_with = "non_empty")]
    pub postkasseadresse: Option<String>,
    /// The provider's organisation number.
    #[serde(default, deserialize_with = "non_empty")]
    pub postkasseleverandoeradresse: Option<String>,
}

/// Defines a KRR enum with an `Unknown` fallback, parsed from and shown as KRR's strings.
macro_rules! krr_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this program does not know; shown, never dropped.
            Unknown(String),
        }

        impl $name {
            /// KRR's text for the value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Unknown(text) => text,
                }
            }

            /// Parses KRR's text; anything else is `Unknown`.
            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(Self::parse(&String::deserialize(d)?))
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

krr_enum!(
    /// `status`.
    PersonStatus {
        /// In the register.
        Aktiv = "AKTIV",
        /// Deleted from the register.
        Slettet = "SLETTET",
        /// Not in the register.
        IkkeRegistrert = "IKKE_REGISTRERT",
    }
);

krr_enum!(
    /// `reservasjon`.
    Reservasjon {
        /// Reserved against digital communication.
        Ja = "JA",
        /// Not reserved.
        Nei = "NEI",
    }
);

krr_enum!(
    /// `varslingsstatus`.
    Varslingsstatus {
        /// Contact info is current.
        KanVarsles = "KAN_VARSLES",
        /// Contact info expired, or reserved, deleted or unknown.
        KanIkkeVarsles = "KAN_IKKE_VARSLES",
    }
);

fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_test_response_parses() {
        let json = r#"{"personer":[
         {"personidentifikator":"30910099686","reservasjon":"NEI","status":"AKTIV","varslingsstatus":"KAN_VARSLES",
          "kontaktinformasjon":{"epostadresse":"NULLstillt@default.digdir.no","epostadresse_oppdatert":"2023-06-10T21:00:01+02",
           "epostadresse_sist_verifisert":"2023-06-10T21:00:01+02","mobiltelefonnummer":"+4799999999",
           "mobiltelefonnummer_oppdatert":"2023-06-10T21:00:01+02","mobiltelefonnummer_sist_verifisert":"2023-06-10T21:00:01+02"},
          "spraak":"se","spraak_oppdatert":"2023-03-29T08:45:54+02"}]}"#;
        let response: PersonerResponse = serde_json::from_str(json).unwrap();
        let person = &response.personer[0];
        assert_eq!(person.status, PersonStatus::Aktiv);
        assert_eq!(person.reservasjon, Some(Reservasjon::Nei));
        assert_eq!(person.varslingsstatus, Some(Varslingsstatus::KanVarsles));
        let contact = person.kontaktinformasjon.as_ref().unwrap();
        assert_eq!(contact.mobiltelefonnummer.as_deref(), Some("+4799999999"));
        assert!(contact.epostadresse_oppdatert.is_some());
        assert_eq!(person.spraak.as_deref(), Some("se"));
    }

    #[test]
    fn unknown_fields_missing_fields_empty_strings_and_unknown_values_are_tolerated() {
        let json = r#"{"personer":[{"personidentifikator":"20914695016","status":"FLYTTET_TIL_MARS",
            "nytt_felt":{"a":1},"sertifikat":"","digital_post":{"postkasseadresse":"","postkasseleverandoeradresse":"984661185"},
            "kontaktinformasjon":{"epostadresse_oppdatert":"ikke en dato"}}],"ekstra":true}"#;
        let person = serde_json::from_str::<PersonerResponse>(json)
            .unwrap()
            .personer
            .remove(0);
        assert_eq!(
            person.status,
            PersonStatus::Unknown("FLYTTET_TIL_MARS".into())
        );
        assert_eq!(person.status.as_str(), "FLYTTET_TIL_MARS");
        assert_eq!(person.reservasjon, None);
        assert_eq!(person.sertifikat, None);
        let mailbox = person.digital_post.unwrap();
        assert_eq!(mailbox.postkasseadresse, None);
        assert_eq!(
            mailbox.postkasseleverandoeradresse.as_deref(),
            Some("984661185")
        );
        assert_eq!(
            person.kontaktinformasjon.unwrap().epostadresse_oppdatert,
            None
        );
    }

    #[test]
    fn a_missing_personer_key_is_an_empty_answer() {
        assert!(
            serde_json::from_str::<PersonerResponse>("{}")
                .unwrap()
                .personer
                .is_empty()
        );
    }

    #[test]
    fn the_request_uses_krrs_field_names() {
        let ids = vec!["20914695016".to_owned()];
        let v2 = serde_json::to_string(&PersonerRequest {
            personidentifikatorer: &ids,
            inkluder_ikke_registrerte: Some(false),
        })
        .unwrap();
        assert_eq!(
            v2,
            r#"{"personidentifikatorer":["20914695016"],"inkluderIkkeRegistrerte":false}"#
        );
        let v1 = serde_json::to_string(&PersonerRequest {
            personidentifikatorer: &ids,
            inkluder_ikke_registrerte: None,
        })
        .unwrap();
        assert_eq!(v1, r#"{"personidentifikatorer":["20914695016"]}"#);
    }
}
