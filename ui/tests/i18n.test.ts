import { describe, expect, it } from "vitest";
import { t } from "../src/lib/i18n";
import { nb } from "../src/lib/i18n/nb";
import { sections, sectionLabel } from "../src/lib/sections";
import { environments, environmentHint, environmentLabel } from "../src/lib/environment";

describe("the bokmål catalogue", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(t("oppslag.summary", { valid: 2, invalid: 1 })).toBe("2 gyldige, 1 ugyldig");
    expect(t("ident.valid", {})).toBe("Gyldig {kind}");
    expect(t("signering.summary.pages", { size: 20 })).toBe("{pages} {pages|side|sider}, 20 kB");
  });

  it("chooses the singular for one and the plural otherwise", () => {
    expect(t("signering.summary.pages", { pages: 1, size: 20 })).toBe("1 side, 20 kB");
    expect(t("signering.summary.pages", { pages: 2, size: 20 })).toBe("2 sider, 20 kB");
    expect(t("signering.summary.pages", { pages: 0, size: 0 })).toBe("0 sider, 0 kB");
    expect(t("oppslag.invalidNotSent", { count: 1 })).toBe("1 ugyldig nummer ble ikke sendt til KRR.");
    expect(t("oppslag.invalidNotSent", { count: 3 })).toBe("3 ugyldige numre ble ikke sendt til KRR.");
    expect(t("oppslag.summary", { valid: 1, invalid: 0 })).toBe("1 gyldig, 0 ugyldige");
    expect(t("settings.signing.caSaved", { count: 1 })).toBe("1 CA-sertifikat lagret.");
    expect(t("settings.signing.caSaved", { count: 2 })).toBe("2 CA-sertifikater lagret.");
    expect(t("editor.preview.summary", { file: "brev.pdf", pages: 1, recipient: "Kari" })).toBe("brev.pdf: 1 side til Kari.");
    expect(t("editor.preview.summary", { file: "brev.pdf", pages: 4, recipient: "Kari" })).toBe("brev.pdf: 4 sider til Kari.");
    expect(t("send.hold", { minutes: 1 })).toContain("venter 1 minutt i utboksen");
    expect(t("send.hold", { minutes: 5 })).toContain("venter 5 minutter i utboksen");
    expect(t("oppslag.retryFailed", { count: 1 })).toBe("Prøv igjen for 1 nummer som feilet");
    expect(t("oppslag.retryFailed", { count: 2 })).toBe("Prøv igjen for 2 numre som feilet");
  });

  it("reads a count given as text, and puts the number where a form says #", () => {
    expect(t("signering.summary.pages", { pages: "1", size: 1 })).toBe("1 side, 1 kB");
    expect(t("signering.summary.pages", { pages: "mange", size: 1 })).toBe("mange sider, 1 kB");
    expect(t("utsending.limit", { count: 200 })).toBe("Viser de 200 nyeste brevene. Oversikten teller alle.");
    expect(t("utsending.limit", { count: 1 })).toBe("Viser det nyeste brevet. Oversikten teller alle.");
    expect(t("filepicker.many", { count: 2, names: "a.pdf, b.pdf" })).toBe("2 filer valgt: a.pdf, b.pdf");
  });

  it("says no count with a noun in brackets or a wrong form", () => {
    for (const [key, text] of Object.entries(nb)) {
      expect(text, key).not.toMatch(/\(er\)|\(r\)|\(e\)/);
    }
    // Every plural placeholder has exactly two forms.
    for (const [key, text] of Object.entries(nb)) {
      for (const m of text.matchAll(/\{(\w+)\|([^{}]*)\}/g)) expect(m[2].split("|"), key).toHaveLength(2);
    }
  });

  it("treats parameters as text, not as further templates", () => {
    expect(t("ident.invalid", { reason: "{kind}" })).toBe("Ugyldig: {kind}");
    expect(t("ident.invalid", { reason: "{count|a|b}" })).toBe("Ugyldig: {count|a|b}");
    expect(t("filepicker.many", { count: 2, names: "{count|x|y} #.pdf" })).toBe("2 filer valgt: {count|x|y} #.pdf");
  });

  it("has a label for every section and environment", () => {
    for (const section of sections) expect(nb[sectionLabel(section)]).toBeTruthy();
    for (const env of environments) {
      expect(nb[environmentLabel(env)]).toBeTruthy();
      expect(nb[environmentHint(env)]).toBeTruthy();
    }
    expect(t("env.sandbox")).toBe("Sandkasse");
    expect(t("env.prod")).toBe("Produksjon");
  });

  it("has a text for every error code the Rust side can send", () => {
    const codes = [
      "store_locked",
      "wrong_key",
      "passphrase_too_short",
      "bad_recovery_key",
      "credential_store",
      "invalid_settings",
      "internal",
      "purpose_required",
      "no_credentials",
      "service_refused",
      "service_unavailable",
      "bad_certificate",
      "invalid_identifier",
      "invalid_template",
      "invalid_recipient_list",
      "invalid_case",
      "invalid_archive_receipt",
      "nothing_to_archive",
    ];
    for (const code of codes) expect(Object.keys(nb)).toContain(`error.${code}`);
  });

  it("has no empty strings", () => {
    for (const [key, text] of Object.entries(nb)) expect(text.trim(), key).not.toBe("");
  });
});
