import { describe, expect, it } from "vitest";
import type { LookupRow } from "../src/lib/bindings";
import { languageText, lookupBadge, notificationText, summary } from "../src/lib/lookupBadge";

const row = (over: Partial<LookupRow>): LookupRow => ({
  identifier: "209146 *****",
  valid: true,
  kind: "fodselsnummer",
  problem: null,
  status: "AKTIV",
  reservasjon: "NEI",
  varslingsstatus: "KAN_VARSLES",
  postkasseleverandoer: null,
  route: "papir",
  reason: "no_mailbox",
  notification: { email: true, sms: false },
  alternative: null,
  spraak: null,
  error: null,
  error_detail: null,
  ...over,
});

describe("lookupBadge", () => {
  it("names the mailbox provider for digital recipients", () => {
    const digipost = row({ route: "digital_postkasse", reason: "has_mailbox", postkasseleverandoer: "digipost" });
    expect(lookupBadge(digipost)).toEqual({ text: "Digital postkasse – Digipost", tone: "digital" });
    const eboks = row({ route: "digital_postkasse", reason: "has_mailbox", postkasseleverandoer: "eboks" });
    expect(lookupBadge(eboks).text).toBe("Digital postkasse – e-Boks");
  });

  it("says in plain words why a letter goes on paper", () => {
    expect(lookupBadge(row({ reason: "reserved" })).text).toBe("Reservert – sendes på papir");
    expect(lookupBadge(row({ reason: "not_registered" })).text).toBe("Ikke registrert – sendes på papir");
    expect(lookupBadge(row({ reason: "contact_expired" })).text).toBe("Kontaktinfo utgått – Altinn uten varsel, trolig papir etter lesefristen");
    expect(lookupBadge(row({ reason: "deleted" })).tone).toBe("paper");
  });

  it("shows local errors and failed lookups differently", () => {
    const invalid = row({
      valid: false,
      reason: null,
      problem: { code: "wrong_check_digit", message: "", position: 11, found_length: null },
    });
    expect(lookupBadge(invalid)).toEqual({ text: "Ugyldig: feil kontrollsiffer (siffer 11)", tone: "invalid" });
    // `error` is English for the log: it only says the lookup failed; `error_detail` says why.
    const failed = lookupBadge(row({ error: "KRR did not answer within 30 seconds", error_detail: { key: "krr_timeout", params: { seconds: "30" } } }));
    expect(failed).toEqual({ text: "Oppslaget feilet: KRR svarte ikke innen 30 sekunder.", tone: "failed" });
    expect(lookupBadge(row({ error: "KRR did not answer within 30 seconds" }))).toEqual({ text: "Oppslaget feilet", tone: "failed" });
    expect(lookupBadge(row({ reason: "organisation", route: "altinn" })).text).toBe("Organisasjon – Altinn");
  });
});

describe("texts for notification and language", () => {
  it("lists usable channels or says none", () => {
    expect(notificationText(row({ notification: { email: true, sms: true } }))).toBe("E-post, SMS");
    expect(notificationText(row({ notification: { email: false, sms: false } }))).toBe("Kan ikke varsles");
  });

  it("names known languages and keeps unknown codes", () => {
    expect(languageText("nn")).toBe("Nynorsk");
    expect(languageText("se")).toBe("Nordsamisk");
    expect(languageText("xx")).toBe("xx");
    expect(languageText(null)).toBe("");
  });
});

describe("summary", () => {
  it("counts badges and never contains identifiers", () => {
    const rows = [
      row({ route: "digital_postkasse", reason: "has_mailbox", postkasseleverandoer: "digipost" }),
      row({ route: "digital_postkasse", reason: "has_mailbox", postkasseleverandoer: "digipost" }),
      row({ reason: "reserved" }),
    ];
    const text = summary(rows);
    expect(text).toContain("2\tDigital postkasse – Digipost");
    expect(text).toContain("1\tReservert – sendes på papir");
    expect(text).not.toContain("209146");
  });
});
