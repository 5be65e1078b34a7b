// Arkiv's words and rules: a letter's case metadata (what a draft leaves empty comes from its
// template, then the settings, as core's `CaseMetadata::or` does), document types and access
// restrictions in words, what stops a case from being used, and an archive package's state
// as the clerk reads it.
import type { ArchiveNumbers, ArchivePackage, CaseMetadata, Problem, ScreenedPart } from "./bindings";
import { t, type MessageKey } from "./i18n";
import { formatCaseNumber } from "./caseNumber";
import { dateTime, todayInOslo } from "./norsk";
import { problemText, withReason } from "./problem";

/** Case metadata with nothing set: every field comes from the template and the settings. */
export function emptyCase(): CaseMetadata {
  return {
    case_year: null,
    case_sequence: null,
    new_case_title: "",
    document_type: "",
    case_officer: "",
    unit: "",
    public_title: "",
    screening: { restriction: "", authority: "", parts: [] },
  };
}

/** Whether the case is screened (an access restriction is chosen). */
export function isScreened(c: CaseMetadata | null | undefined): boolean {
  return (c?.screening?.restriction ?? "").trim() !== "";
}

/**
 * What `own` leaves empty, filled from `defaults` (core's `CaseMetadata::or`): texts field by
 * field, the case number and the screening each as a whole. Either may be missing.
 */
export function inheritCase(own: CaseMetadata | null | undefined, defaults: CaseMetadata | null | undefined): CaseMetadata {
  const mine = own ?? emptyCase();
  const theirs = defaults ?? emptyCase();
  const text = (a: string | undefined, b: string | undefined) => ((a ?? "").trim() !== "" ? (a ?? "").trim() : (b ?? "").trim());
  const ownNumber = mine.case_year != null || mine.case_sequence != null;
  return {
    case_year: ownNumber ? mine.case_year : (theirs.case_year ?? null),
    case_sequence: ownNumber ? mine.case_sequence : (theirs.case_sequence ?? null),
    new_case_title: text(mine.new_case_title, theirs.new_case_title),
    document_type: text(mine.document_type, theirs.document_type),
    case_officer: text(mine.case_officer, theirs.case_officer),
    unit: text(mine.unit, theirs.unit),
    public_title: text(mine.public_title, theirs.public_title),
    screening: copyScreening(isScreened(mine) ? mine : theirs),
  };
}

function copyScreening(c: CaseMetadata): CaseMetadata["screening"] {
  const s = c.screening ?? { restriction: "", authority: "", parts: [] };
  return { restriction: s.restriction ?? "", authority: s.authority ?? "", parts: [...(s.parts ?? [])] };
}

/** The document types offered for a letter (Noark 5 `dokumenttype`). */
export const DOCUMENT_TYPES = ["KORR", "VEDTAK"] as const;

/** Noark's plain "B" (brev) is written to the archive as correspondence, like KORR. */
const LETTER_TYPES = ["KORR", "B"];

/** A document type in words; one this program does not know is shown as written. */
export function documentTypeText(code: string | null | undefined): string {
  const value = (code ?? "").trim();
  if (value === "") return "";
  if (LETTER_TYPES.includes(value)) return t("case.documentType.KORR");
  const key = `case.documentType.${value}` as MessageKey;
  const text = t(key);
  return text === key ? value : text;
}

/**
 * The document types a select offers when `current` is chosen: correspondence (as `current`
 * writes it, KORR or B, so saving changes nothing), decision, and `current` itself when it is
 * another code. The empty choice ("from the template and the settings") is not included.
 */
export function documentTypeOptions(current: string | null | undefined): string[] {
  const value = (current ?? "").trim();
  const letter = LETTER_TYPES.includes(value) ? value : "KORR";
  const options: string[] = [letter, "VEDTAK"];
  if (value !== "" && !options.includes(value)) options.push(value);
  return options;
}

/** The access restrictions (offentleglova's sections) offered, in order. */
export const RESTRICTIONS = ["13", "14", "15", "16", "23", "25", "26"] as const;

/** The legal basis a clerk almost always means by restriction 13. */
export const DUTY_OF_CONFIDENTIALITY = "Offl. § 13 jf. fvl. § 13";

/** An access restriction in words: "13 – Taushetsplikt"; one this program does not know, as written. */
export function restrictionText(code: string | null | undefined): string {
  const value = (code ?? "").trim();
  if (value === "") return t("case.restriction.none");
  const key = `case.restriction.${value}` as MessageKey;
  const text = t(key);
  return text === key ? t("case.restriction.other", { code: value }) : text;
}

/** The parts of a journal post that can be screened, in the order shown. */
export const SCREENED_PARTS: readonly ScreenedPart[] = ["title", "recipient", "documents"];

export function screenedPartText(part: ScreenedPart): string {
  return t(`case.screen.${part}` as MessageKey);
}

/**
 * What keeps `c` (a letter's case as it will be used, or the settings' defaults) from being
 * archived, in words; empty when nothing does. The same rules as core's `validate`.
 */
export function caseProblems(c: CaseMetadata): string[] {
  const problems: string[] = [];
  if ((c.case_year == null) !== (c.case_sequence == null)) problems.push(t("case.problem.halfNumber"));
  if (isScreened(c)) {
    if (c.screening.authority.trim() === "") problems.push(t("case.problem.authority"));
    if (c.screening.parts.length === 0) problems.push(t("case.problem.parts"));
    else if (c.screening.parts.includes("title") && c.public_title.trim() === "") problems.push(t("case.problem.publicTitle"));
  }
  return problems;
}

/** The archive's journal post number, "2026/4567", or null when the receipt gave none. */
export function journalPostNumber(numbers: ArchiveNumbers | null | undefined): string | null {
  if (!numbers) return null;
  if (numbers.journalsekvensnummer != null) {
    return numbers.journalaar != null ? `${numbers.journalaar}/${numbers.journalsekvensnummer}` : String(numbers.journalsekvensnummer);
  }
  return numbers.journalpostnummer != null ? String(numbers.journalpostnummer) : null;
}

/** The case the archive filed it in, "2026/418", or null. */
export function archivedCaseNumber(numbers: ArchiveNumbers | null | undefined): string | null {
  if (!numbers || numbers.sakssekvensnummer == null) return null;
  return formatCaseNumber(numbers.saksaar ?? null, numbers.sakssekvensnummer) || String(numbers.sakssekvensnummer);
}

/** Where the archive put it: "journalpost 2026/4567 i sak 2026/418", leaving out what is missing. */
function whereArchived(numbers: ArchiveNumbers | null | undefined): string {
  const post = journalPostNumber(numbers);
  const inCase = archivedCaseNumber(numbers);
  if (post && inCase) return t("archive.where.both", { post, case: inCase });
  if (post) return t("archive.where.post", { post });
  if (inCase) return t("archive.where.case", { case: inCase });
  return "";
}

/** A package's state in words: waiting (and when it was exported), archived where, or why it failed. */
export function packageStateText(pkg: ArchivePackage): string {
  switch (pkg.state) {
    case "waiting":
      return pkg.exported_at
        ? t("archive.state.waitingExported", { when: dateTime(pkg.exported_at) })
        : t("archive.state.waiting");
    case "archived": {
      const where = whereArchived(pkg.numbers);
      return where ? t("archive.state.archivedWhere", { where }) : t("archive.state.archived");
    }
    case "failed":
      return t("archive.state.failed", { error: problemText(pkg.problem) || t("archive.state.noReason") });
    default:
      return String(pkg.state);
  }
}

/**
 * An archive entry in a letter's or a signing order's timeline in words, or null when `text`
 * is not one. The store writes them in bokmål: "Arkivpakke laget; venter på arkivet",
 * "Arkivpakken kunne ikke lages: …" (core's English: the `problem` is said instead, or
 * nothing), "Arkivet avviste pakken: …" (the archive's own words, kept) and "Arkivert" with
 * where ("som journalpost 2026/4567 i sak 2026/418").
 */
export function archiveEventText(text: string, problem: Problem | null = null): string | null {
  const entry = text.trim();
  if (entry === "Arkivpakke laget; venter på arkivet") return t("archive.event.built");
  if (/^Arkivpakken kunne ikke lages(:|$)/.test(entry)) {
    return withReason("archive.event.buildFailed", "archive.event.buildFailedWhy", problem);
  }
  const refused = /^Arkivet avviste pakken: ([\s\S]*)$/.exec(entry);
  if (refused) return t("archive.event.refused", { message: refused[1] });
  const archived = /^Arkivert(?: som journalpost (.+?))?(?: i sak (.+))?$/.exec(entry);
  if (archived) {
    const [, post, inCase] = archived;
    const where =
      post && inCase
        ? t("archive.where.both", { post, case: inCase })
        : post
          ? t("archive.where.post", { post })
          : inCase
            ? t("archive.where.case", { case: inCase })
            : "";
    return where ? t("archive.state.archivedWhere", { where }) : t("archive.state.archived");
  }
  return null;
}

/** Who the package is to: the letter's recipient, or that it is a signing order. */
export function packageRecipient(pkg: ArchivePackage): string {
  return pkg.signing_order_id ? t("archive.signingOrder") : pkg.recipient;
}

/** Packages that can be built again: failed ones, and waiting ones (to bring them up to date). */
export function retryable(pkg: ArchivePackage): boolean {
  return pkg.state === "failed" || pkg.state === "waiting";
}

/** How many packages wait, are archived and failed, in words: "3 venter, 1 arkivert". */
export function packageCountsText(packages: ArchivePackage[]): string {
  if (packages.length === 0) return t("archive.counts.none");
  const count = (state: ArchivePackage["state"]) => packages.filter((p) => p.state === state).length;
  const parts: string[] = [];
  const waiting = count("waiting");
  const archived = count("archived");
  const failed = count("failed");
  if (waiting > 0) parts.push(t("archive.counts.waiting", { count: waiting }));
  if (archived > 0) parts.push(t("archive.counts.archived", { count: archived }));
  if (failed > 0) parts.push(t("archive.counts.failed", { count: failed }));
  return parts.join(", ");
}

/** What a receipt did: "Kvittering lest: «Vedtak» er arkivert som journalpost 2026/4567 i sak 2026/418." */
export function receiptText(pkg: ArchivePackage): string {
  const post = journalPostNumber(pkg.numbers);
  const inCase = archivedCaseNumber(pkg.numbers);
  const title = pkg.title;
  if (post && inCase) return t("archive.receipt.both", { title, post, case: inCase });
  if (post) return t("archive.receipt.post", { title, post });
  if (inCase) return t("archive.receipt.case", { title, case: inCase });
  return t("archive.receipt.archived", { title });
}

/** The last `count` months in Oslo, this one first, as "YYYY-MM" (`now` for tests). */
export function recentMonths(count = 12, now: Date = new Date()): string[] {
  const [year, month] = todayInOslo(now).split("-").map(Number);
  const months: string[] = [];
  for (let i = 0; i < count; i++) {
    const index = year * 12 + (month - 1) - i;
    months.push(`${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`);
  }
  return months;
}
