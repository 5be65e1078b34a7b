import { describe, expect, it } from "vitest";
import { t } from "../src/lib/i18n";
import { nb } from "../src/lib/i18n/nb";
import { sections, sectionLabel } from "../src/lib/sections";
import { environments, environmentHint, environmentLabel } from "../src/lib/environment";

describe("the bokmål catalogue", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(t("oppslag.summary", { valid: 2, invalid: 1 })).toBe("2 gyldige, 1 ugyldige");
    expect(t("ident.valid", {})).toBe("Gyldig {kind}");
  });

  it("treats parameters as text, not as further templates", () => {
    expect(t("ident.invalid", { reason: "{kind}" })).toBe("Ugyldig: {kind}");
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
    ];
    for (const code of codes) expect(Object.keys(nb)).toContain(`error.${code}`);
  });

  it("has no empty strings", () => {
    for (const [key, text] of Object.entries(nb)) expect(text.trim(), key).not.toBe("");
  });
});
