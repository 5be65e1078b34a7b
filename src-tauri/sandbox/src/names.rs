//! Word lists for the synthetic population: common Norwegian given and family names, streets
//! and real postcodes of small municipalities. Several carry æ, ø and å on purpose, so every
//! screen, letter and file sees them.

/// Given names.
pub const GIVEN_NAMES: &[&str] = &[
    "Åse", "Bjørn", "Øystein", "Kåre", "Håkon", "Sølvi", "Frøydis", "Ingrid", "Jørgen", "Tove",
    "Siv", "Dag", "Trygve", "Mette", "Ola", "Kari", "Nora", "Emma", "Jakob", "Lars", "Anne",
    "Marit", "Ståle", "Gunnhild", "Ærle", "Torbjørn", "Helge", "Ragnhild", "Sigrid", "Aksel",
    "Linnea", "Mohammed", "Fatima", "Tuva", "Vebjørn", "Åsmund", "Synnøve", "Eirik", "Hege",
    "Leah", "Noah", "Ida", "Magnus", "Astrid", "Bård", "Gøril", "Jon", "Maja", "Oddvar", "Randi",
];

/// Family names.
pub const FAMILY_NAMES: &[&str] = &[
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Berg", "Haugen", "Hagen", "Dahl", "Jørgensen", "Halvorsen", "Lund",
    "Sørensen", "Moen", "Strand", "Solberg", "Eide", "Bakken", "Lie", "Nygård", "Sæther", "Aas",
    "Myhre", "Rønning", "Næss", "Strøm", "Ødegård", "Bøe", "Tveit", "Brekke", "Nguyen", "Ali",
    "Haugland", "Birkeland", "Myklebust", "Kvernmo", "Løvås", "Fjærli", "Sandvik", "Aune",
];

/// Street names.
pub const STREETS: &[&str] = &[
    "Storgata", "Kirkeveien", "Skolegata", "Fjordveien", "Bjørkeveien", "Løkkeveien", "Sjøgata",
    "Råkollveien", "Ærfuglveien", "Øvre Slottsgate", "Kongens gate", "Prestegårdsvegen",
    "Elvebakken", "Tømmerstøa", "Bråtenveien", "Fjellstien", "Gamle Sørlandsvei", "Åsveien",
];

/// (postnummer, poststed) of small municipalities.
pub const POST_PLACES: &[(&str, &str)] = &[
    ("7300", "ORKANGER"),
    ("6770", "NORDFJORDEID"),
    ("8300", "SVOLVÆR"),
    ("3630", "RØDBERG"),
    ("9750", "HONNINGSVÅG"),
    ("2770", "JAREN"),
    ("4640", "SØGNE"),
    ("6390", "VESTNES"),
    ("5580", "ØLEN"),
    ("8920", "SØMNA"),
    ("2680", "VÅGÅ"),
    ("7730", "BEITSTAD"),
];

/// Organisation names.
pub const ORGANISATIONS: &[&str] = &[
    "Fjordbyen Regnskap AS",
    "Solsikken Barnehage SA",
    "Nordlys Bygg og Anlegg AS",
    "Kvernhuset Bakeri og Konditori",
    "Lensmannsgården Eiendom AS",
    "Bjørkelia Borettslag",
    "Øyvassdraget Kraftlag SA",
    "Sætre Tannlegesenter AS",
];
