//! Renders the example template for one sample recipient: `cargo run -p kommunepost-core
//! --example render_example -- OUT.pdf` (to look at the layout).

use chrono::NaiveDate;
use kommunepost_core::letters::compose::compose_for;
use kommunepost_core::letters::pdf::render;
use kommunepost_core::letters::recipients::read_recipients;
use kommunepost_core::letters::template::example;

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "example.pdf".into());
    let csv = "fodselsnummer;navn;adresselinje1;adresselinje2;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
        20914695016;Åse Ødegård;Storgata 1;Leilighet H0201;7300;ORKANGER;praktisk bistand;2026/17;1. januar 2027;1 200;Helse og omsorg;Kari Nordmann\n";
    let mut list = read_recipients(csv.as_bytes()).expect("the sample list");
    let row = list.recipients.remove(0);
    let letter = compose_for(
        &example(),
        &row,
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
    )
    .expect("the example composes");
    let rendered = render(&letter).expect("the example renders");
    std::fs::write(&out, rendered.bytes).expect("write");
    println!("{out}: {} page(s)", rendered.pages);
}
