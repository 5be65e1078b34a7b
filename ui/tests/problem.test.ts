import { afterEach, describe, expect, it } from "vitest";
import type { CommandError, Problem, ProblemKey } from "../src/lib/bindings";
import { catalogues, LANGUAGES, setLanguage, type Language } from "../src/lib/i18n";
import { problemsNb } from "../src/lib/i18n/problems/nb";
import { problemsNn } from "../src/lib/i18n/problems/nn";
import { problemsEn } from "../src/lib/i18n/problems/en";
import { printWarningText, problemIn, problemText } from "../src/lib/problem";
import { CommandFailure, errorDetail, errorText, failureText } from "../src/lib/api";
import { outboxEventText } from "../src/lib/dispatch";
import { signingEventText } from "../src/lib/signing";
import { archiveEventText } from "../src/lib/archive";

afterEach(() => setLanguage("nb"));

const problem = (key: ProblemKey, params: Record<string, string> = {}): Problem => ({ key, params });

/** Runs `check` in each language, with the language switched on. */
function inEach(check: (language: Language) => void) {
  for (const language of LANGUAGES) {
    setLanguage(language);
    check(language);
  }
}

// The generated bindings as text: each ProblemKey with its doc comment (the English meaning,
// with the parameters core gives as {name}).
const bindings = Object.values(
  import.meta.glob<string>("../src/lib/bindings.ts", { query: "?raw", import: "default", eager: true }),
)[0];

function problemKeysInBindings(): Map<string, string> {
  const start = bindings.indexOf("export type ProblemKey =");
  const rest = bindings.slice(start);
  const end = rest.search(/\n"[a-z0-9_]+"\s*\n/);
  const body = rest.slice(0, end + rest.slice(end).indexOf("\n", 1) + 1);
  const keys = new Map<string, string>();
  for (const m of body.matchAll(/\/\*\*\n((?: \*.*\n)+?) \*\/\n"([a-z0-9_]+)"/g)) {
    keys.set(m[2], m[1].replace(/^ \* ?/gm, "").replace(/\n/g, " ").trim());
  }
  return keys;
}

/** The parameters a text takes: `{name}` and `{name|one|many}` both name `name`. */
function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{(\w+)(?:\|[^{}]*)?\}/g)].map((m) => m[1]))].sort();
}

describe("the problem texts", () => {
  it("have a text for every key core has, and no other, in all three languages", () => {
    const keys = [...problemKeysInBindings().keys()].sort();
    expect(keys.length).toBeGreaterThan(150);
    for (const texts of [problemsNb, problemsNn, problemsEn]) expect(Object.keys(texts).sort()).toEqual(keys);
    for (const language of LANGUAGES) {
      for (const key of keys) expect(catalogues[language][`problem.${key}` as keyof (typeof catalogues)["nb"]], `${language} ${key}`).toBeTruthy();
    }
  });

  it("use only the parameters core gives", () => {
    const wrong: string[] = [];
    for (const [key, meaning] of problemKeysInBindings()) {
      const given = new Set(placeholders(meaning));
      for (const [language, texts] of [["nb", problemsNb], ["nn", problemsNn], ["en", problemsEn]] as const) {
        for (const name of placeholders(texts[key as ProblemKey])) if (!given.has(name)) wrong.push(`${language} ${key}: {${name}}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("say every parameter core gives, except where a text leaves one out on purpose", () => {
    // worker_busy: core's `holder` is an English sentence ("another Kommunepost … is sending (…)").
    const omitted = new Set(["worker_busy holder"]);
    const missing: string[] = [];
    for (const [key, meaning] of problemKeysInBindings()) {
      const said = new Set(placeholders(problemsNb[key as ProblemKey]));
      for (const name of placeholders(meaning)) if (!said.has(name) && !omitted.has(`${key} ${name}`)) missing.push(`${key}: {${name}}`);
    }
    expect(missing).toEqual([]);
  });
});

describe("problemText", () => {
  it("is empty for no problem", () => {
    expect(problemText(null)).toBe("");
    expect(problemText(undefined)).toBe("");
  });

  it("fills in the parameters, as text", () => {
    expect(problemText(problem("title_too_long", { found: "120", max: "100" }))).toBe("Tittelen har 120 tegn. Den kan ha høyst 100.");
    expect(problemText(problem("list_duplicate_column", { column: "{navn}" }))).toBe("Kolonnen «{navn}» står to ganger i overskriftsraden.");
    expect(problemText(problem("svar_ut_rejected", { message: "<b>Postnummer mangler</b>" }))).toBe("SvarUt avviste brevet: <b>Postnummer mangler</b>");
    expect(problemText(problem("row_field_count", { found: "1", expected: "4" }))).toContain("Raden har 1 felt, overskriftsraden 4.");
    setLanguage("en");
    expect(problemText(problem("row_field_count", { found: "1", expected: "4" }))).toContain("The row has 1 field, the header row 4.");
    expect(problemText(problem("row_field_count", { found: "3", expected: "4" }))).toContain("The row has 3 fields");
  });

  it("writes times (`*_at`) in Norwegian time, in the clerk's language", () => {
    const limited = problem("signing_rate_limited", { until_at: "2026-12-06T19:42:00+00:00" });
    expect(problemText(limited)).toBe("For mange kall til signeringstjenesten. Vent til 6. desember 2026 kl. 20.42.");
    const sent = problem("sent_before", { sent_at: "2026-07-01T10:05:00Z", letters: "3", title: "Eiendomsskatt" });
    expect(problemText(sent)).toContain("ble sendt 1. juli 2026 kl. 12.05 (3 brev, «Eiendomsskatt»)");
    setLanguage("nn");
    expect(problemText(limited)).toBe("For mange kall til signeringstenesta. Vent til 6. desember 2026 kl. 20.42.");
    setLanguage("en");
    expect(problemText(limited)).toBe("Too many calls to the signing service. Wait until 6 December 2026, 20:42.");
    expect(problemText(sent)).toContain("was sent on 1 July 2026, 12:05 (3 letters, «Eiendomsskatt»)");
  });

  it("says environments, case fields, template parts and services in words, and groups byte counts", () => {
    expect(problemText(problem("missing_client_id", { environment: "prod" }))).toBe(
      "Det er ikke satt opp noen klient-ID for Maskinporten i miljøet Produksjon.",
    );
    expect(problemText(problem("case_too_long", { field: "public title" }))).toBe("Feltet «Offentlig tittel» er lengre enn tillatt.");
    expect(problemText(problem("template_part_empty", { part: "body" }))).toBe("Malen mangler brødtekst.");
    expect(problemText(problem("bad_address", { service: "signing", url: "http://x" }))).toBe(
      "Adressen til signeringstjenesten («http://x») kan ikke brukes.",
    );
    expect(problemText(problem("bad_address", { service: "krr", url: "http://x" }))).toBe("Adressen til KRR («http://x») kan ikke brukes.");
    expect(problemText(problem("pdf_too_large", { size: "10485761", limit: "10485760" }))).toBe(
      "PDF-en er på 10\u00a0485\u00a0761 byte. Grensen her er 10\u00a0485\u00a0760 byte.",
    );
    expect(problemText(problem("letter_too_large", { size_mb: "12.5", max_mb: "10" }))).toBe("Brevet er på 12,5 MB. Kanalen tar imot høyst 10 MB.");
    setLanguage("en");
    expect(problemText(problem("missing_client_id", { environment: "test" }))).toBe("No Maskinporten client ID is set up in the Test environment.");
    expect(problemText(problem("case_too_long", { field: "legal basis" }))).toBe("The field «Legal basis (hjemmel)» is longer than allowed.");
    expect(problemText(problem("letter_too_large", { size_mb: "12.5", max_mb: "10" }))).toBe("The letter is 12.5 MB. The channel takes at most 10 MB.");
  });

  it("says a key it does not know as a general problem, never as the key", () => {
    const unknown = { key: "from_a_newer_core", params: {} } as unknown as Problem;
    expect(problemText(unknown)).toBe("Noe gikk galt i Kommunepost. Loggen viser hva.");
  });

  it("follows the language", () => {
    const p = problem("krr_timeout", { seconds: "30" });
    const texts: string[] = [];
    inEach(() => texts.push(problemText(p)));
    expect(texts).toEqual(["KRR svarte ikke innen 30 sekunder.", "KRR svarte ikkje innan 30 sekund.", "KRR did not answer within 30 seconds."]);
  });

  it("finds a problem in a report, and nothing in English text", () => {
    expect(problemIn("another Kommunepost is sending")).toBeNull();
    expect(problemIn(null)).toBeNull();
    expect(problemIn({ key: "worker_busy", params: { holder: "?" } })).toEqual(problem("worker_busy", { holder: "?" }));
    expect(problemIn({ code: "internal", message: "boom", detail: problem("store_failed") })).toEqual(problem("store_failed"));
    expect(problemIn({ code: "internal", message: "boom", detail: null })).toBeNull();
  });
});

describe("errorDetail", () => {
  const failure = (detail: Problem | null): CommandFailure =>
    new CommandFailure({ code: "invalid_template", message: "line 3: the table row has 2 cells, the header 3", detail } as CommandError);

  it("says core's problem, never core's English message", () => {
    const withDetail = failure(problem("markup_table_shape", { line: "3", found: "2", expected: "3" }));
    expect(errorDetail(withDetail)).toBe("Linje 3: tabellraden har 2 celler, overskriftsraden 3.");
    expect(errorDetail(failure(null))).toBe("");
    expect(errorDetail(new CommandFailure({ code: "internal", message: "boom" } as CommandError))).toBe("");
    for (const error of [withDetail, failure(null)]) {
      expect(errorDetail(error)).not.toContain("table row");
      expect(failureText(error)).not.toContain("table row");
    }
  });

  it("says nothing of a JavaScript error's own words", () => {
    expect(errorDetail(new Error("Invalid PDF structure"))).toBe("");
    expect(errorDetail("a string")).toBe("");
    expect(failureText(new Error("Invalid PDF structure"))).toBe(errorText(new Error("x")));
  });

  it("joins the message and the detail without a dangling space", () => {
    expect(failureText(failure(null))).toBe("Malfilen er ikke gyldig.");
    expect(failureText(failure(problem("template_not_a_template")))).toBe("Malfilen er ikke gyldig. Filen er ikke en Kommunepost-mal.");
  });
});

describe("print warnings core sends in English", () => {
  it("are said in the clerk's language, and an unknown one in general words", () => {
    expect(printWarningText("page 2 is 216 × 279 mm, not A4 portrait (210 × 297 mm)")).toBe("En side er ikke A4.");
    expect(printWarningText("fonts not embedded (print may substitute them): Arial")).toBe(
      "Skriftene er ikke bygd inn i PDF-en. Utskriften kan se annerledes ut.",
    );
    expect(printWarningText("page 1: content starts 10 mm from the left edge; print needs at least 15 mm")).toBe(
      "Side 1: innholdet begynner 10 mm fra venstre kant. Utskrift krever minst 15 mm.",
    );
    expect(printWarningText("the title is long")).toBe("Noe i dokumentet kan gi problemer ved utskrift.");
    setLanguage("en");
    expect(printWarningText("fonts not embedded (print may substitute them): Arial")).toBe(
      "The fonts are not embedded in the PDF. The print may look different.",
    );
  });
});

/** Each entry core writes, and what it says in bokmål, nynorsk and English. */
const OUTBOX: [string, Problem | null, [string, string, string], string | null][] = [
  ["Lagt i utboksen", null, ["Lagt i utboksen", "Lagt i utboksen", "Put in the outbox"], null],
  ["Sendes til SvarUt", null, ["Sendes til SvarUt", "Blir sendt til SvarUt", "Being sent to SvarUt"], null],
  [
    "Mottatt av SvarUt (forsendelse 7d1c-42)",
    null,
    ["Mottatt av SvarUt (forsendelse 7d1c-42)", "Motteke av SvarUt (forsending 7d1c-42)", "Received by SvarUt (shipment 7d1c-42)"],
    null,
  ],
  [
    "Prøves igjen: SvarUt did not answer within 30 s",
    problem("svar_ut_timeout", { seconds: "30" }),
    [
      "Prøves igjen: SvarUt svarte ikke innen 30 sekunder.",
      "Blir prøvd igjen: SvarUt svarte ikkje innan 30 sekund.",
      "To be tried again: SvarUt did not answer within 30 seconds.",
    ],
    null,
  ],
  ["Prøves igjen: SvarUt did not answer within 30 s", null, ["Prøves igjen", "Blir prøvd igjen", "To be tried again"], null],
  [
    "Feilet: SvarUt rejected the letter: Postnummer mangler",
    problem("svar_ut_rejected", { message: "Postnummer mangler" }),
    ["Feilet: SvarUt avviste brevet: Postnummer mangler", "Feila: SvarUt avviste brevet: Postnummer mangler", "Failed: SvarUt rejected the letter: Postnummer mangler"],
    null,
  ],
  ["Feilet: no recipient", null, ["Feilet", "Feila", "Failed"], null],
  ["Trukket tilbake", null, ["Trukket tilbake", "Trekt tilbake", "Recalled"], null],
  [
    "Sendes nå (saksbehandleren ventet ikke på holdetiden)",
    null,
    [
      "Sendes nå (saksbehandleren ventet ikke på holdetiden)",
      "Blir sendt no (saksbehandlaren venta ikkje på haldetida)",
      "Sent now (the clerk did not wait for the hold time)",
    ],
    null,
  ],
  ["Til utskrift på kontoret", null, ["Til utskrift på kontoret", "Til utskrift på kontoret", "For print at the office"], null],
  ["Skrevet ut på kontoret", null, ["Skrevet ut på kontoret", "Skrive ut på kontoret", "Printed at the office"], null],
  [
    "Håndtert: Sendt på papir fra arkivet",
    null,
    ["Håndtert: Sendt på papir fra arkivet", "Handtert: Sendt på papir fra arkivet", "Dealt with: Sendt på papir fra arkivet"],
    null,
  ],
  ["Prøves igjen etter feil", null, ["Prøves igjen etter feil", "Blir prøvd igjen etter feil", "Tried again after a failure"], null],
  ["Status i SvarUt: PRINTET", null, ["Status i SvarUt: Skrevet ut og postlagt", "Status i SvarUt: Skrive ut og postlagt", "Status in SvarUt: Printed and posted"], "PRINTET"],
  [
    "Gjenopprettet fra sikkerhetskopi: slås opp i SvarUt før noe sendes",
    null,
    [
      "Gjenopprettet fra sikkerhetskopi: slås opp i SvarUt før noe sendes",
      "Gjenoppretta frå tryggleikskopi: blir slått opp i SvarUt før noko blir sendt",
      "Restored from a backup: looked up in SvarUt before anything is sent",
    ],
    null,
  ],
];

const ARCHIVE: [string, Problem | null, [string, string, string]][] = [
  ["Arkivpakke laget; venter på arkivet", null, ["Arkivpakke laget – venter på arkivet", "Arkivpakke laga – ventar på arkivet", "Archive package made – waiting for the archive"]],
  [
    "Arkivpakken kunne ikke lages: the letter's PDF is not stored",
    null,
    ["Arkivpakken kunne ikke lages", "Arkivpakken kunne ikkje lagast", "The archive package could not be made"],
  ],
  [
    "Arkivpakken kunne ikke lages: the letter's PDF is not stored",
    problem("archive_build_failed"),
    [
      "Arkivpakken kunne ikke lages: Arkivpakken kunne ikke lages. Loggen viser hvorfor. Prøv igjen fra Arkiv.",
      "Arkivpakken kunne ikkje lagast: Arkivpakken kunne ikkje lagast. Loggen viser kvifor. Prøv igjen frå Arkiv.",
      "The archive package could not be made: The archive package could not be made. The log says why. Try again from Archive.",
    ],
  ],
  [
    "Arkivet avviste pakken: Saken er avsluttet",
    null,
    ["Arkivet avviste pakken: Saken er avsluttet", "Arkivet avviste pakken: Saken er avsluttet", "The archive refused the package: Saken er avsluttet"],
  ],
  ["Arkivert", null, ["Arkivert", "Arkivert", "Archived"]],
  [
    "Arkivert som journalpost 2026/4567 i sak 2026/418",
    null,
    [
      "Arkivert – journalpost 2026/4567 i sak 2026/418",
      "Arkivert – journalpost 2026/4567 i sak 2026/418",
      "Archived – registry entry 2026/4567 in case 2026/418",
    ],
  ],
  ["Arkivert som journalpost 2026/4567", null, ["Arkivert – journalpost 2026/4567", "Arkivert – journalpost 2026/4567", "Archived – registry entry 2026/4567"]],
  ["Arkivert i sak 2026/418", null, ["Arkivert – i sak 2026/418", "Arkivert – i sak 2026/418", "Archived – in case 2026/418"]],
];

const SIGNING: [string, [string, string, string], string | null][] = [
  ["Signeringsoppdraget er laget", ["Signeringsoppdraget er laget", "Signeringsoppdraget er laga", "The signing order was made"], null],
  [
    "Sendt til signeringstjenesten (oppdrag 1234)",
    ["Sendt til signeringstjenesten (oppdrag 1234)", "Sendt til signeringstenesta (oppdrag 1234)", "Sent to the signing service (job 1234)"],
    null,
  ],
  [
    "Avvist av signeringstjenesten: the service refused (HTTP 400, INVALID): bad",
    ["Avvist av signeringstjenesten", "Avvist av signeringstenesta", "Refused by the signing service"],
    null,
  ],
  [
    "Usikkert om oppdraget kom fram: the program stopped while the order was being sent",
    ["Usikkert om oppdraget kom fram", "Uvisst om oppdraget kom fram", "Not known whether the order arrived"],
    null,
  ],
  ["Trukket av saksbehandler", ["Trukket av saksbehandler", "Trekt av saksbehandlar", "Withdrawn by the clerk"], null],
  [
    "Sandkassen ble startet på nytt; oppdraget finnes ikke lenger der",
    [
      "Sandkassen ble startet på nytt, og oppdraget finnes ikke lenger der",
      "Sandkassen vart starta på nytt, og oppdraget finst ikkje lenger der",
      "The sandbox was started again, and the order no longer exists there",
    ],
    null,
  ],
  [
    "Det signerte dokumentet (PAdES) er lagret",
    ["Det signerte dokumentet (PAdES) er lagret", "Det signerte dokumentet (PAdES) er lagra", "The signed document (PAdES) is stored"],
    null,
  ],
  [
    "Signert kopi lagt i utboksen til 1 undertegner(e)",
    ["Signert kopi lagt i utboksen til 1 undertegner", "Signert kopi lagd i utboksen til 1 underteiknar", "Signed copy put in the outbox for 1 signer"],
    null,
  ],
  [
    "Signert kopi lagt i utboksen til 3 undertegner(e)",
    ["Signert kopi lagt i utboksen til 3 undertegnere", "Signert kopi lagd i utboksen til 3 underteiknarar", "Signed copy put in the outbox for 3 signers"],
    null,
  ],
  ["Alle har signert", ["Alle har signert", "Alle har signert", "Everyone has signed"], null],
  [
    "Oppdraget ble avsluttet uten alle signaturer",
    ["Oppdraget ble avsluttet uten alle signaturer", "Oppdraget vart avslutta utan alle signaturane", "The order ended without all signatures"],
    null,
  ],
  ["Status: COMPLETED_SUCCESSFULLY", ["Status hos signeringstjenesten: fullført", "", ""], "COMPLETED_SUCCESSFULLY"],
  [
    "Kunne ikke hente de signerte dokumentene ennå: the signing service cannot be reached",
    ["Kunne ikke hente de signerte dokumentene ennå", "Kunne ikkje hente dei signerte dokumenta enno", "Could not fetch the signed documents yet"],
    null,
  ],
  ["Kari Nordmann har signert", ["Kari Nordmann: Signert", "Kari Nordmann: Signert", "Kari Nordmann: Signed"], "SIGNED"],
  ["Per Li signerte ikke innen fristen", ["Per Li: Fristen gikk ut", "", ""], "EXPIRED"],
];

describe("timeline entries", () => {
  it("of the outbox are said in each language, with their values kept", () => {
    inEach((language) => {
      const i = LANGUAGES.indexOf(language);
      for (const [text, p, expected, code] of OUTBOX) {
        expect(outboxEventText(text, p), `${language}: ${text}`).toEqual({ text: expected[i], code });
      }
    });
  });

  it("of the archive are said in each language, in both timelines", () => {
    inEach((language) => {
      const i = LANGUAGES.indexOf(language);
      for (const [text, p, expected] of ARCHIVE) {
        expect(archiveEventText(text, p), `${language}: ${text}`).toBe(expected[i]);
        expect(outboxEventText(text, p).text, `${language}: ${text}`).toBe(expected[i]);
        expect(signingEventText(text, p).text, `${language}: ${text}`).toBe(expected[i]);
      }
    });
    expect(archiveEventText("Lagt i utboksen")).toBeNull();
  });

  it("of a signing order are said in each language, with their values kept", () => {
    inEach((language) => {
      const i = LANGUAGES.indexOf(language);
      for (const [text, expected, code] of SIGNING) {
        const shown = signingEventText(text);
        if (expected[i]) expect(shown, `${language}: ${text}`).toEqual({ text: expected[i], code });
        // Never core's English tail.
        expect(shown.text).not.toMatch(/the service|the program|cannot be reached/);
      }
    });
  });

  it("say the reason after a failure when core gave the problem, and never core's English", () => {
    const reason = problem("signing_unreachable");
    expect(signingEventText("Kunne ikke hente de signerte dokumentene ennå: the signing service cannot be reached", reason).text).toBe(
      "Kunne ikke hente de signerte dokumentene ennå: Signeringstjenesten kan ikke nås.",
    );
    expect(signingEventText("Avvist av signeringstjenesten: x", reason).text).toBe("Avvist av signeringstjenesten: Signeringstjenesten kan ikke nås.");
    expect(signingEventText("Usikkert om oppdraget kom fram: x", problem("signing_interrupted")).text).toBe(
      "Usikkert om oppdraget kom fram: Programmet stoppet mens oppdraget ble sendt. Neste status viser om det kom fram.",
    );
  });

  it("this program does not know are shown as written", () => {
    expect(outboxEventText("Noe nytt fra SvarUt")).toEqual({ text: "Noe nytt fra SvarUt", code: null });
    expect(signingEventText("Status: klar")).toEqual({ text: "Status: klar", code: null });
    setLanguage("en");
    expect(outboxEventText("Noe nytt fra SvarUt").text).toBe("Noe nytt fra SvarUt");
  });
});
