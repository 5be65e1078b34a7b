// A case number (saksnummer) as a clerk writes it: "2026/123", "26/123" (this century),
// "2026-123", spaces anywhere. Read the same way as core's `parse_case_number`, so what the
// field accepts is what the archive package gets; a half number is never kept.
import { t } from "./i18n";

/** Saksår and sakssekvensnummer of an existing case. */
export interface CaseNumber {
  year: number;
  sequence: number;
}

/** Why a typed case number cannot be used, in words. */
export interface CaseNumberError {
  error: string;
}

/** The years Noark accepts for a case. */
const FIRST_YEAR = 1900;
const LAST_YEAR = 2999;
/** Longer than this, a sequence number is not one (and would lose digits as a JS number). */
const MAX_SEQUENCE_DIGITS = 15;

/**
 * The case number in `text`: `null` when the field is empty (a new case), the number when it
 * can be read, or what is wrong with it.
 */
export function parseCaseNumber(text: string | null | undefined): CaseNumber | CaseNumberError | null {
  const clean = (text ?? "").replace(/\s+/g, "");
  if (clean === "") return null;
  const unreadable = { error: t("case.number.unreadable", { text: (text ?? "").trim().slice(0, 40) }) };
  const m = /^(\d+)[/-](\d+)$/.exec(clean);
  if (!m) return unreadable;
  const [, yearText, sequenceText] = m;
  if (sequenceText.length > MAX_SEQUENCE_DIGITS) return unreadable;
  let year = Number(yearText);
  // "26/123": this century.
  if (yearText.length === 2) year += 2000;
  const sequence = Number(sequenceText);
  if (year < FIRST_YEAR || year > LAST_YEAR) {
    return { error: t("case.number.year", { year, first: FIRST_YEAR, last: LAST_YEAR }) };
  }
  if (sequence < 1) return { error: t("case.number.sequence") };
  return { year, sequence };
}

/** Whether a parse gave a number. */
export function isCaseNumber(parsed: CaseNumber | CaseNumberError | null): parsed is CaseNumber {
  return parsed !== null && "year" in parsed;
}

/** A case number as the archive writes it: "2026/123"; "" when either half is missing. */
export function formatCaseNumber(year: number | null | undefined, sequence: number | null | undefined): string {
  if (year === null || year === undefined || sequence === null || sequence === undefined) return "";
  return `${year}/${sequence}`;
}
