import { describe, expect, it } from "vitest";
import type { IdentCheck } from "../src/lib/bindings";
import { describeIdentCheck } from "../src/lib/identResult";

const base: IdentCheck = {
  input: "209146 *****",
  valid: true,
  kind: "fodselsnummer",
  variant: "ordinary",
  rule: "current",
  birth_date: "1946-11-20",
  description: "fødselsnummer",
  problem: null,
};

describe("describeIdentCheck", () => {
  it("names valid numbers with their kind and variant", () => {
    expect(describeIdentCheck(base)).toBe("Gyldig fødselsnummer");
    expect(describeIdentCheck({ ...base, variant: "tenor_synthetic" })).toBe(
      "Gyldig syntetisk fødselsnummer (Tenor)",
    );
    expect(describeIdentCheck({ ...base, kind: "d_nummer", variant: "help_or_nav_synthetic" })).toBe(
      "Gyldig D-nummer – H-nummer eller syntetisk fra NAV",
    );
    expect(describeIdentCheck({ ...base, kind: "organisasjonsnummer", variant: null, rule: null })).toBe(
      "Gyldig organisasjonsnummer",
    );
    expect(describeIdentCheck({ ...base, rule: "from_2032" })).toContain("2032-regelen");
  });

  it("gives the precise reason for invalid numbers", () => {
    const invalid = (code: string, position: number | null, found_length: number | null): IdentCheck => ({
      ...base,
      valid: false,
      kind: null,
      variant: null,
      rule: null,
      birth_date: null,
      problem: { code, message: "english detail", position, found_length },
    });
    expect(describeIdentCheck(invalid("wrong_check_digit", 11, null))).toBe(
      "Ugyldig: feil kontrollsiffer (siffer 11)",
    );
    expect(describeIdentCheck(invalid("not_digits", 7, null))).toBe("Ugyldig: tegn nr. 7 er ikke et siffer");
    expect(describeIdentCheck(invalid("wrong_length", null, 10))).toContain("10 siffer");
    expect(describeIdentCheck(invalid("impossible_date", null, null))).toBe("Ugyldig: umulig fødselsdato");
    expect(describeIdentCheck(invalid("something_new", null, null))).toBe("Ugyldig: ukjent feil");
  });
});
