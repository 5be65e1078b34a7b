//! What the SvarUt client sends, checked against KS's own OpenAPI files (copied with their
//! MIT licence into `tests/fixtures/svarut-openapi/`): the multipart shape of v2 and v3 sends,
//! every JSON field name, required field and length, and the status searches' bodies. Then
//! the v3 flavour end to end against the sandbox.

mod support;

use std::path::Path;

use kommunepost_core::svarut::client::{FilePart, multipart_body, multipart_body_v3};
use kommunepost_core::svarut::model::{
    Adresse, Dokument, Forsendelse, Lenke, Metadata, NoarkMetadataFraAvleverendeSaksSystem,
    SignaturType, StatusSok, Utskriftskonfigurasjon,
};
use kommunepost_core::svarut::v3::{Endpoint, to_v3};
use kommunepost_sandbox::KrrSituation;
use kommunepost_sandbox::multipart::parse_multipart;
use serde_json::Value;

fn spec(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/svarut-openapi")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Checks `value` against an OpenAPI schema (the subset these files use), stricter than the
/// server in one way: a field the schema does not name is an error, so a misspelt field name
/// cannot slip through.
fn check(value: &Value, schema: &Value, root: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        return check(
            value,
            &root["components"]["schemas"][name],
            root,
            at,
            errors,
        );
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None if schema.get("properties").is_some() => {
            let Some(object) = value.as_object() else {
                return errors.push(format!("{at}: not an object"));
            };
            for required in schema["required"].as_array().into_iter().flatten() {
                if !object.contains_key(required.as_str().unwrap()) {
                    errors.push(format!("{at}: {required} missing"));
                }
            }
            for (key, field) in object {
                match schema["properties"].get(key) {
                    Some(inner) => check(field, inner, root, &format!("{at}.{key}"), errors),
                    None => errors.push(format!("{at}: {key} is not in the schema")),
                }
            }
        }
        Some("array") => {
            let Some(items) = value.as_array() else {
                return errors.push(format!("{at}: not an array"));
            };
            if let Some(max) = schema["maxItems"].as_u64()
                && items.len() as u64 > max
            {
                errors.push(format!("{at}: more than {max} items"));
            }
            for (i, item) in items.iter().enumerate() {
                check(item, &schema["items"], root, &format!("{at}[{i}]"), errors);
            }
        }
        Some("string") => {
            let Some(text) = value.as_str() else {
                return errors.push(format!("{at}: not a string"));
            };
            let length = text.chars().count() as u64;
            if schema["maxLength"].as_u64().is_some_and(|max| length > max) {
                errors.push(format!("{at}: longer than {}", schema["maxLength"]));
            }
            if schema["minLength"].as_u64().is_some_and(|min| length < min) {
                errors.push(format!("{at}: shorter than {}", schema["minLength"]));
            }
            if let Some(allowed) = schema["enum"].as_array()
                && !allowed.contains(value)
            {
                errors.push(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        Some("boolean") if !value.is_boolean() => errors.push(format!("{at}: not a boolean")),
        Some("integer") if !value.is_i64() => errors.push(format!("{at}: not an integer")),
        _ => {}
    }
}

fn valid(value: &Value, schema_name: &str, root: &Value) {
    let mut errors = Vec::new();
    check(
        value,
        &root["components"]["schemas"][schema_name],
        root,
        schema_name,
        &mut errors,
    );
    assert!(errors.is_empty(), "{schema_name}: {errors:#?}\n{value:#}");
}

/// A letter with every field Kommunepost can fill.
fn full_letter(digital_id: Option<&str>) -> Forsendelse {
    Forsendelse {
        tittel: "Vedtak om skoleskyss".into(),
        mottaker: Adresse {
            navn: "Åse Ødegård".into(),
            digital_id: digital_id.map(str::to_owned),
            adresselinje1: Some("Storgata 1".into()),
            adresselinje2: Some("Leilighet 2".into()),
            postnummer: Some("7300".into()),
            poststed: Some("ORKANGER".into()),
            land: Some("Sverige".into()),
            ..Adresse::default()
        },
        avgivende_system: Some("Kommunepost".into()),
        kun_digital_levering: false,
        utskriftskonfigurasjon: Some(Utskriftskonfigurasjon {
            utskrift_med_farger: false,
            tosidig: true,
        }),
        // Level 4 needs encrypted files (the client encrypts them when it sends).
        krev_niva4_innlogging: true,
        kryptert: true,
        metadata_fra_avleverende_system: Some(NoarkMetadataFraAvleverendeSaksSystem {
            saksaar: Some(2026),
            sakssekvensnummer: Some(123),
            journalposttype: Some("U".into()),
            tittel: Some("Skoleskyss".into()),
            ..Default::default()
        }),
        dokumenter: vec![
            Dokument {
                filnavn: "Vedtak om skoleskyss.pdf".into(),
                mime_type: "application/pdf".into(),
                dokument_type: Some("Vedtak".into()),
                ekstra_metadata: vec![Metadata {
                    key: "avdeling".into(),
                    value: "Oppvekst".into(),
                }],
                ..Dokument::default()
            },
            Dokument {
                filnavn: "vedlegg.pdf".into(),
                mime_type: "application/pdf".into(),
                skal_ekskluderes_fra_utskrift: true,
                ..Dokument::default()
            },
        ],
        lenker: vec![Lenke {
            url: "https://kommune.no/skoleskyss".into(),
            tekst: "Om skoleskyss".into(),
            ledetekst: Some("Les mer".into()),
        }],
        forsendelsestype: Some("Vedtak".into()),
        ekstern_referanse: Some("6b3c3d3e-1f2a-4b5c-8d9e-0a1b2c3d4e5f".into()),
        signering_utloper: None,
        signatur_type: None,
    }
}

const FILES: [&[u8]; 2] = [b"%PDF-1.7 brev", b"%PDF-1.7 vedlegg"];

/// The parts of a multipart body: (name, filename, content type present, body).
fn parts(body: &[u8], boundary: &str) -> Vec<kommunepost_sandbox::multipart::Part> {
    parse_multipart(&format!("multipart/form-data; boundary={boundary}"), body).unwrap()
}

#[test]
fn the_v2_multipart_is_the_forsendelse_json_first_then_the_files_in_order_by_their_names() {
    let root = spec("forsendelse-send-api-v2.json");
    let mut letter = full_letter(Some("20914695016"));
    letter.signering_utloper = Some("2026-12-20T12:00:00+01:00".into());
    letter.signatur_type = Some(SignaturType::AvansertSignatur);
    letter.dokumenter[0].skal_signeres = true;
    let files: Vec<FilePart<'_>> = FILES.iter().map(|b| FilePart { bytes: b }).collect();
    let body = multipart_body(&letter, &files, "grense").unwrap();
    let parts = parts(&body, "grense");
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0].name.as_deref(), Some("forsendelse"));
    assert!(parts[0].filename.is_none());
    let json: Value = serde_json::from_slice(&parts[0].body).unwrap();
    valid(&json, "Forsendelse", &root);
    // The check itself catches a misspelt field and a missing required one.
    let mut wrong = json.clone();
    wrong["mottaker"]["postNummer"] = Value::from("7300");
    wrong.as_object_mut().unwrap().remove("tittel");
    let mut errors = Vec::new();
    check(
        &wrong,
        &root["components"]["schemas"]["Forsendelse"],
        &root,
        "F",
        &mut errors,
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
    for (part, (document, bytes)) in parts[1..].iter().zip(letter.dokumenter.iter().zip(FILES)) {
        assert_eq!(part.filename.as_deref(), Some(document.filnavn.as_str()));
        assert_eq!(part.body, bytes);
    }
    // The text says what v2's multipart holds: no request body is declared in the file, so
    // the documented rule (§1.5) is what is checked: files in the order of `dokumenter`.
    assert!(
        body.windows(b"application/json".len())
            .any(|w| w == b"application/json")
    );
    // The v2 status search body.
    let status = spec("forsendelse-status-api-v2.json");
    valid(
        &serde_json::to_value(StatusSok {
            forsendelse_ids: vec!["6b3c3d3e-1f2a-4b5c-8d9e-0a1b2c3d4e5f".into()],
        })
        .unwrap(),
        "StatusSok",
        &status,
    );
}

#[test]
fn each_v3_recipient_kind_is_valid_for_its_endpoints_schema() {
    let root = spec("forsendelse-send-api-v3.json");
    for (id, endpoint, schema) in [
        (Some("20914695016"), Endpoint::Person, "PersonForsendelse"),
        (
            Some("991825827"),
            Endpoint::Organisasjon,
            "OrganisasjonForsendelse",
        ),
        (None, Endpoint::Print, "PrintForsendelse"),
    ] {
        let letter = full_letter(id);
        let (found, json) = to_v3(&letter).unwrap();
        assert_eq!(found, endpoint);
        valid(&json, schema, &root);
        let mut long = json.clone();
        long["mottaker"]["navn"] = Value::from("x".repeat(101));
        let mut errors = Vec::new();
        check(
            &long,
            &root["components"]["schemas"][schema],
            &root,
            schema,
            &mut errors,
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        // The multipart carries it first, then the files named by `filnavn`, in order.
        let files: Vec<FilePart<'_>> = FILES.iter().map(|b| FilePart { bytes: b }).collect();
        let body = multipart_body_v3(&json, &letter, &files, "g3").unwrap();
        let parts = parts(&body, "g3");
        let declared = &root["paths"]
            [format!("/v3/kontoer/{{kontoId}}/forsendelser/{}", endpoint.path())]["post"]["requestBody"]
            ["content"]["multipart/form-data"]["schema"]["properties"];
        assert!(declared.get("forsendelse").is_some(), "{declared}");
        assert_eq!(parts[0].name.as_deref(), Some("forsendelse"));
        assert!(
            declared.get(parts[1].name.as_deref().unwrap()).is_some(),
            "{declared}"
        );
        let names: Vec<&str> = parts[1..]
            .iter()
            .map(|p| p.filename.as_deref().unwrap())
            .collect();
        assert_eq!(names, ["Vedtak om skoleskyss.pdf", "vedlegg.pdf"]);
    }
    let status = spec("forsendelse-status-api-v3.json");
    valid(
        &serde_json::json!({ "id": ["6b3c3d3e-1f2a-4b5c-8d9e-0a1b2c3d4e5f"] }),
        "Forsendelser",
        &status,
    );
}

#[tokio::test]
async fn the_v3_flavour_sends_each_kind_and_searches_statuses_against_the_sandbox() {
    use kommunepost_core::svarut::SvarUtApi;
    let sandbox = support::sandbox(200).await;
    let client = sandbox.svarut().with_api(SvarUtApi::V3);
    let digital = sandbox
        .population
        .first_in(KrrSituation::DigitalEboks)
        .unwrap()
        .fnr
        .expose()
        .to_owned();
    let org = sandbox.population.organisations[1].orgnr.to_string();
    let files: Vec<FilePart<'_>> = FILES.iter().map(|b| FilePart { bytes: b }).collect();
    let mut ids = Vec::new();
    for (n, id) in [Some(digital.as_str()), Some(org.as_str()), None]
        .into_iter()
        .enumerate()
    {
        let mut letter = full_letter(id);
        letter.mottaker.land = None;
        letter.ekstern_referanse = Some(format!("v3-{n}"));
        ids.push(client.send(&letter, &files).await.unwrap());
    }
    let accepted = sandbox.server.svarut_double.accepted();
    assert_eq!(accepted.len(), 3);
    assert_eq!(
        accepted[0].forsendelse.mottaker.digital_id.as_deref(),
        Some(digital.as_str())
    );
    assert!(
        accepted[0].forsendelse.krev_niva4_innlogging,
        "HOYESTE read back"
    );
    assert_eq!(accepted[2].forsendelse.mottaker.digital_id, None);
    assert_eq!(
        accepted[1]
            .files
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["Vedtak om skoleskyss.pdf", "vedlegg.pdf"]
    );
    let statuses = client.statuses(&ids).await.unwrap();
    assert_eq!(statuses.len(), 3);
    assert!(statuses.iter().all(|s| s.status.as_str() == "MOTTATT"));
    // The lookup by our reference (v2, stable in both flavours) finds a v3 send.
    assert_eq!(
        client.ids_by_ekstern_ref("v3-1").await.unwrap(),
        [ids[1].clone()]
    );

    // Receiving systems (SvarInn), stable v2 in both flavours, in the documented shape.
    let with = sandbox
        .population
        .organisations
        .iter()
        .find(|o| o.has_receiving_system)
        .unwrap();
    let without = sandbox
        .population
        .organisations
        .iter()
        .find(|o| !o.has_receiving_system)
        .unwrap();
    let systems = client
        .mottakersystemer(&with.orgnr.to_string())
        .await
        .unwrap();
    assert_eq!(systems.len(), 1);
    valid(
        &serde_json::json!({ "mottakersystemer": systems }),
        "Mottakersystemer",
        &spec("mottakersystem-api-v2.json"),
    );
    assert!(
        client
            .mottakersystemer(&without.orgnr.to_string())
            .await
            .unwrap()
            .is_empty()
    );

    // A v3 refusal: a person letter whose number is not valid.
    let mut bad = full_letter(Some("20914695017"));
    bad.mottaker.land = None;
    let error = client.send(&bad, &files).await.unwrap_err();
    assert!(error.is_permanent(), "{error}");
    assert!(error.to_string().contains("digitalId"), "{error}");
}
