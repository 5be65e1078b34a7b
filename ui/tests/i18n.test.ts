import { describe, expect, it } from "vitest";
import { catalogues, LANGUAGES, t, type MessageKey } from "../src/lib/i18n";
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
    for (const language of LANGUAGES) {
      for (const [key, text] of Object.entries(catalogues[language])) {
        expect(text, `${language} ${key}`).not.toMatch(/\(er\)|\(r\)|\(e\)|\(s\)/);
      }
      // Every plural placeholder has exactly two forms.
      for (const [key, text] of Object.entries(catalogues[language])) {
        for (const m of text.matchAll(/\{(\w+)\|([^{}]*)\}/g)) expect(m[2].split("|"), `${language} ${key}`).toHaveLength(2);
      }
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
    for (const language of LANGUAGES) {
      for (const [key, text] of Object.entries(catalogues[language])) expect(text.trim(), `${language} ${key}`).not.toBe("");
    }
  });
});

/** The parameters a text takes: `{name}` and `{name|one|many}` both name `name`. */
function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{(\w+)(?:\|[^{}]*)?\}/g)].map((m) => m[1]))].sort();
}

describe("the bokmål, nynorsk and English catalogues", () => {
  it("have the same keys: none missing, none extra", () => {
    const problems: string[] = [];
    for (const a of LANGUAGES) {
      for (const b of LANGUAGES) {
        if (a === b) continue;
        const other = new Set(Object.keys(catalogues[b]));
        for (const key of Object.keys(catalogues[a])) if (!other.has(key)) problems.push(`${key}: in ${a}, missing from ${b}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("take the same parameters for every key", () => {
    const differences: string[] = [];
    for (const key of Object.keys(nb) as MessageKey[]) {
      const expected = placeholders(nb[key]).join(", ");
      for (const language of LANGUAGES) {
        const found = placeholders(catalogues[language][key] ?? "").join(", ");
        if (found !== expected) differences.push(`${language} ${key}: {${found}} – bokmål has {${expected}}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it("translate the texts a clerk sees first", () => {
    expect(catalogues.nn["nav.innstillinger"]).toBe("Innstillingar");
    expect(catalogues.en["nav.innstillinger"]).toBe("Settings");
    expect(catalogues.nn["env.sandbox"]).toBe("Sandkasse");
    expect(catalogues.en["env.sandbox"]).toBe("Sandbox");
    expect(catalogues.en["env.label"]).toBe("Environment");
    expect(catalogues.nn["case.title"]).toBe("Sak og arkiv");
    expect(catalogues.nn["level4.title"]).toBe("Krev innlogging på nivå 4");
    // Nynorsk is not bokmål with another name: its words differ where the languages do.
    const same = (Object.keys(nb) as MessageKey[]).filter((key) => catalogues.nn[key] === nb[key] && /\bikke\b|\bhva\b|\bbare\b|\bfra\b/.test(nb[key]));
    expect(same).toEqual([]);
  });
});

// Every source file of the UI, as text (Vite reads them; no file system needed).
const sources = import.meta.glob<string>(["../src/**/*.ts", "../src/**/*.svelte"], { query: "?raw", import: "default", eager: true });
const CATALOGUE_FILES = ["../src/lib/i18n/nb.ts", "../src/lib/i18n/nn.ts", "../src/lib/i18n/en.ts"];
const code = Object.entries(sources)
  .filter(([path]) => !CATALOGUE_FILES.includes(path))
  .map(([, text]) => text)
  .join("\n");

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Keys the source builds from a prefix and a value, like `status.${status}` or
 * `env.${env}.hint`: each as a pattern where the value is one word (no dots).
 */
function dynamicKeys(source: string): { written: string; pattern: RegExp }[] {
  const found = new Map<string, RegExp>();
  for (const m of source.matchAll(/`([A-Za-z]\w*(?:\.\w+)*\.)\$\{[^}`]*\}((?:\.\w+)*)`/g)) {
    const written = `${m[1]}\${…}${m[2]}`;
    found.set(written, new RegExp(`^${escape(m[1])}[\\w-]+${escape(m[2])}$`));
  }
  return [...found].map(([written, pattern]) => ({ written, pattern }));
}

describe("the keys in the catalogues", () => {
  const dynamic = dynamicKeys(code);

  it("finds the keys the source builds at run time", () => {
    const written = dynamic.map((d) => d.written);
    for (const expected of ["error.${…}", "status.${…}", "env.${…}.hint", "badge.${…}", "signering.signer.${…}"]) {
      expect(written).toContain(expected);
    }
    // A built key that matches nothing is a typo in the source or a text nobody wrote.
    for (const { written: w, pattern } of dynamic) {
      expect(Object.keys(nb).some((key) => pattern.test(key)), w).toBe(true);
    }
  });

  it("are each used somewhere in ui/src", () => {
    const unused = Object.keys(nb).filter(
      (key) =>
        !code.includes(`"${key}"`) &&
        !code.includes(`'${key}'`) &&
        !code.includes(`\`${key}\``) &&
        !dynamic.some(({ pattern }) => pattern.test(key)),
    );
    expect(unused).toEqual([]);
  });
});
