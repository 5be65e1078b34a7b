use chrono::NaiveDate;

use super::*;
use crate::ident::{Fnr, FnrKind, FnrVariant};
use crate::letters::markdown::parse;
use crate::letters::merge::resolve;

const HEADER: [&str; 9] = [
    "Fødselsnummer",
    "Navn",
    "Adresselinje 1",
    "Adresselinje2",
    "Postnummer",
    "Poststed",
    "Land",
    "Saksnummer",
    "Beløp",
];

fn numbers(count: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0u32;
    while out.len() < count {
        let date = NaiveDate::from_ymd_opt(1950 + (i % 50) as i32, 1 + i % 12, 1 + i % 28).unwrap();
        if let Some(f) = Fnr::generate(
            date,
            (i % 400) as u16,
            FnrKind::Fodselsnummer,
            FnrVariant::TenorSynthetic,
        ) {
            out.push(f.expose().to_owned());
        }
        i += 1;
    }
    out
}

/// A file in one dialect: separator, quoting of every field, encoding (BOM / Windows-1252).
fn file(rows: usize, separator: char, encoding: TextEncoding) -> Vec<u8> {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut text = HEADER.map(quote).join(&separator.to_string());
    text.push_str("\r\n");
    for (i, fnr) in numbers(rows).iter().enumerate() {
        let fields = [
            fnr.clone(),
            format!("Åse Ødegård {i}"),
            format!("Kirkeveien {i}{separator} oppgang B"),
            "c/o \"Bjørkely\"".to_owned(),
            "7300".to_owned(),
            "ORKANGER".to_owned(),
            String::new(),
            format!("2026/{i}"),
            "1 200,50".to_owned(),
        ];
        text.push_str(
            &fields
                .iter()
                .map(|f| quote(f))
                .collect::<Vec<_>>()
                .join(&separator.to_string()),
        );
        text.push_str("\r\n");
    }
    match encoding {
        TextEncoding::Utf8 => text.into_bytes(),
        TextEncoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252.encode(&text).0.into_owned(),
    }
}

#[test]
fn a_thousand_rows_merge_from_each_dialect() {
    let body = parse("Til {{navn}}, {{adresse}}. Sak {{saksnummer}}: {{beløp}} kr.").unwrap();
    for (separator, encoding, expected) in [
        (';', TextEncoding::Utf8Bom, Separator::Semicolon),
        (',', TextEncoding::Utf8, Separator::Comma),
        ('\t', TextEncoding::Windows1252, Separator::Tab),
    ] {
        let list = read_recipients(&file(1000, separator, encoding)).unwrap();
        assert_eq!((list.encoding, list.separator), (encoding, expected));
        assert!(list.problems.is_empty(), "{:?}", list.problems.first());
        assert_eq!(list.recipients.len(), 1000);
        let first = &list.recipients[0];
        assert_eq!(first.row, 2);
        assert_eq!(first.name, "Åse Ødegård 0");
        assert_eq!(
            first.address_lines,
            [
                format!("Kirkeveien 0{separator} oppgang B"),
                "c/o \"Bjørkely\"".to_owned()
            ]
        );
        let merged = resolve(&body, &list.recipients[999].values).unwrap();
        let text = format!("{merged:?}");
        assert!(
            text.contains("Åse Ødegård 999")
                && text.contains("2026/999")
                && text.contains("1 200,50"),
            "{text}"
        );
        assert!(text.contains("7300 ORKANGER"), "the address field: {text}");
    }
}

#[test]
fn bad_rows_are_reported_by_row_number_and_the_others_kept() {
    let csv = "fodselsnummer;navn;adresselinje1;postnummer;poststed\n\
               20914695016;Ola;Storgata 1;7300;ORKANGER\n\
               20914695017;Kari;Storgata 2;7300;ORKANGER\n\
               ;Per;Storgata 3;7300;ORKANGER\n\
               01813048589;;Storgata 4;730;ORKANGER\n\
               30910099686;Liv;Storgata 5;7300\n\
               \n\
               991825827;Firma;Storgata 6;7300;ORKANGER\n";
    let list = read_recipients(csv.as_bytes()).unwrap();
    assert_eq!(list.data_rows, 6);
    assert_eq!(list.recipients.len(), 1);
    let report: Vec<(usize, Option<&str>)> = list
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    assert_eq!(
        report,
        [
            (3, Some("fodselsnummer")),
            (4, Some("fodselsnummer")),
            (5, Some("navn")),
            (5, Some("postnummer")),
            (6, None),
            (8, Some("fodselsnummer")),
        ]
    );
    assert!(list.problems[0].message.contains("wrong check digit"));
    assert!(
        list.problems[0].message.contains("209146 *****"),
        "masked: {}",
        list.problems[0].message
    );
    assert!(!format!("{:?}", list.problems).contains("20914695017"));
    assert!(
        list.problems[4].message.contains("5 fields")
            || list.problems[4].message.contains("4 fields"),
        "{}",
        list.problems[4].message
    );
    assert!(
        list.problems[5]
            .message
            .contains("is an organisasjonsnummer")
    );
}

#[test]
fn file_level_problems_have_their_own_errors() {
    assert_eq!(read_recipients(b"  \n").unwrap_err(), CsvError::Empty);
    let missing = read_recipients(b"navn;adresse\nOla;Gata 1\n").unwrap_err();
    assert!(
        matches!(&missing, CsvError::MissingColumns(m) if m.contains("fodselsnummer/organisasjonsnummer") && m.contains("postnummer")),
        "{missing}"
    );
    let duplicate = read_recipients("fodselsnummer;Navn;navn\n".as_bytes()).unwrap_err();
    assert_eq!(duplicate, CsvError::DuplicateColumn("navn".into()));
}

#[test]
fn organisations_and_foreign_addresses_are_accepted() {
    let csv = "organisasjonsnummer,navn,adresselinje1,postnummer,poststed,land\n\
               991825827,Digdir,Postboks 1382 Vika,0114,OSLO,\n\
               984661185,Posten,Street 1,SE-11122,STOCKHOLM,Sverige\n";
    let list = read_recipients(csv.as_bytes()).unwrap();
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    assert!(matches!(
        list.recipients[0].identifier,
        Identifier::Organisation(_)
    ));
    assert_eq!(list.recipients[1].country, "Sverige");
    assert!(
        list.recipients[1]
            .values
            .get("adresse")
            .unwrap()
            .ends_with("Sverige")
    );
}

#[test]
fn headers_are_matched_loosely() {
    assert_eq!(normalise_header(" Fødsels_nummer "), "fodselsnummer");
    assert_eq!(normalise_header("Adresselinje 1"), "adresselinje1");
    assert_eq!(normalise_header("Særlig-Felt"), "saerligfelt");
}

#[test]
fn windows_1252_letters_are_decoded() {
    let bytes = encoding_rs::WINDOWS_1252
        .encode("navn;adresselinje1\nÆrlig Øvre Åsen;\n")
        .0
        .into_owned();
    let (text, encoding) = decode(&bytes);
    assert_eq!(encoding, TextEncoding::Windows1252);
    assert!(text.contains("Ærlig Øvre Åsen"));
}

#[test]
fn columns_can_be_mapped_to_fields_when_the_headers_differ() {
    let csv = "Personnummer;Mottaker;Gateadresse;Postnr;Sted;Sak\n\
               20914695016;Åse;Storgata 1;7300;ORKANGER;2026/1\n";
    // Common headings are read as the standard columns without a mapping.
    assert_eq!(read_recipients(csv.as_bytes()).unwrap().recipients.len(), 1);
    let odd = "Nummer;Hvem;Vei;Kode;By\n20914695016;Åse;Storgata 1;7300;ORKANGER\n";
    assert!(matches!(
        read_recipients(odd.as_bytes()),
        Err(CsvError::MissingColumns(_))
    ));
    assert_eq!(
        header_columns(csv.as_bytes()).unwrap(),
        [
            "Personnummer",
            "Mottaker",
            "Gateadresse",
            "Postnr",
            "Sted",
            "Sak"
        ]
    );
    let mapping: Vec<(String, String)> = [
        ("Personnummer", "fodselsnummer"),
        ("Mottaker", "navn"),
        ("Gateadresse", "adresselinje1"),
        ("Postnr", "postnummer"),
        ("Sted", "poststed"),
        ("Sak", "saksnummer"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    let list = read_recipients_mapped(csv.as_bytes(), &mapping).unwrap();
    assert_eq!(list.recipients.len(), 1);
    assert_eq!(list.recipients[0].name, "Åse");
    assert_eq!(list.recipients[0].values.get("saksnummer"), Some("2026/1"));
    // Two columns mapped to one field is a clear error, not a silent choice.
    let clash = vec![("Mottaker".to_owned(), "sak".to_owned())];
    assert_eq!(
        read_recipients_mapped(csv.as_bytes(), &clash).unwrap_err(),
        CsvError::DuplicateColumn("sak".into())
    );
}

#[test]
fn a_list_larger_than_any_list_needs_is_refused_before_it_is_read() {
    let huge = vec![b'a'; MAX_LIST_BYTES + 1];
    assert!(matches!(read_recipients(&huge), Err(CsvError::TooLarge(_))));
    assert!(matches!(header_columns(&huge), Err(CsvError::TooLarge(_))));
    let header_only = "fodselsnummer;navn;adresselinje1;postnummer;poststed\n";
    assert!(matches!(
        read_recipients(header_only.as_bytes()),
        Err(CsvError::NoRows)
    ));
}

#[test]
fn common_headings_are_recognised_as_the_standard_columns() {
    let csv = "Fnr;Navn;Adresse;Postnr;Sted;Saksnummer\n\
               20914695016;Åse Ødegård;Storgata 1;7300;ORKANGER;2026/1\n";
    let list = read_recipients(csv.as_bytes()).unwrap();
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    let row = &list.recipients[0];
    assert_eq!(row.address_lines, ["Storgata 1"]);
    assert_eq!(
        (row.postcode.as_str(), row.city.as_str()),
        ("7300", "ORKANGER")
    );
    assert_eq!(row.values.get("saksnummer"), Some("2026/1"));
    let orgs = "Org.nr;Navn;Postadresse;Postnummer;Poststed\n\
                910753614;Sandkasse AS;Rådhusgata 1;7300;ORKANGER\n";
    assert_eq!(
        read_recipients(orgs.as_bytes()).unwrap().recipients.len(),
        1
    );
    // A list that has the standard column keeps a common heading as a field of its own.
    let both = "fodselsnummer;navn;adresselinje1;Adresse;postnummer;poststed\n\
                20914695016;Åse;Storgata 1;Ekstra;7300;ORKANGER\n";
    let list = read_recipients(both.as_bytes()).unwrap();
    assert_eq!(list.recipients[0].address_lines, ["Storgata 1"]);
}

#[test]
fn column_samples_show_the_first_row_masked_and_suggest_the_field() {
    let csv = "Personnummer;Hvem;Adresse\n20914695016;Åse;Storgata 1\n30910099686;Liv;Gate 2\n";
    let samples = header_samples(csv.as_bytes()).unwrap();
    assert_eq!(samples.len(), 3);
    assert_eq!(samples[0].sample, "209146 *****", "identifiers are masked");
    assert_eq!(samples[0].suggested.as_deref(), Some("fodselsnummer"));
    assert_eq!(
        (samples[1].sample.as_str(), samples[1].suggested.as_deref()),
        ("Åse", None)
    );
    assert_eq!(samples[2].suggested.as_deref(), Some("adresselinje1"));
    // A header alone: no samples, no error.
    let bare = header_samples(b"navn;adresse\n").unwrap();
    assert!(bare.iter().all(|c| c.sample.is_empty()));
}
