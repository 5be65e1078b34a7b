// What core says went wrong, in the clerk's language. Core sends a `Problem` (a key and its
// parameters; src-tauri/core/src/problem.rs) and never a sentence for the clerk: its English
// `message`, `error`, `reason` and `last_error` texts are for the log and the CLI only, and the
// UI does not show them. Every key has a text in each catalogue (`problem.<key>`, from
// lib/i18n/problems/).
import type { Problem, ProblemKey } from "./bindings";
import { language, t, type MessageKey } from "./i18n";
import { environmentLabel, environments } from "./environment";
import { date, dateTime } from "./norsk";

/** Template parts core names (`TemplateError::Empty`), in words. */
const TEMPLATE_PARTS: Record<string, MessageKey> = {
  name: "param.templatePart.name",
  title: "param.templatePart.title",
  body: "param.templatePart.body",
};

/** Case fields core names (`CaseError::TooLong`), as the case form labels them. */
const CASE_FIELDS: Record<string, MessageKey> = {
  "case title": "case.newTitle",
  "document type": "case.documentType",
  "case officer": "case.officer",
  "administrative unit": "case.unit",
  "public title": "case.publicTitle",
  "legal basis": "case.authority",
};

/** Services core names (`ConfigError::BadEndpoint`): their names, or words for the signing service. */
const SERVICES: Record<string, string | { key: MessageKey }> = {
  maskinporten: "Maskinporten",
  krr: "KRR",
  svarut: "SvarUt",
  signing: { key: "param.service.signing" },
};

/** Parameters that are byte counts, grouped in thousands so they can be read. */
const BYTE_COUNTS: Partial<Record<ProblemKey, string[]>> = {
  pdf_too_large: ["size", "limit"],
  receipt_too_large: ["size", "max"],
  markup_too_large: ["found", "max"],
};

function grouped(digits: string): string {
  if (!/^\d{4,}$/.test(digits)) return digits;
  const separator = language() === "en" ? "," : "\u00a0";
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/** One parameter as the clerk reads it. */
function paramText(key: ProblemKey, name: string, value: string): string {
  // A time (RFC 3339) in Norwegian time; a certificate's validity as dates.
  if (name.endsWith("_at")) return dateTime(value);
  if (name === "not_before" || name === "not_after") return date(value);
  if (name === "environment" && (environments as string[]).includes(value)) {
    return t(environmentLabel(value as (typeof environments)[number]));
  }
  // Megabytes with a decimal comma in Norwegian.
  if (name.endsWith("_mb")) return language() === "en" ? value : value.replace(".", ",");
  if (BYTE_COUNTS[key]?.includes(name)) return grouped(value);
  if (key === "template_part_empty" && name === "part" && TEMPLATE_PARTS[value]) return t(TEMPLATE_PARTS[value]);
  if (key === "case_too_long" && name === "field" && CASE_FIELDS[value]) return t(CASE_FIELDS[value]);
  if (key === "bad_address" && name === "service" && SERVICES[value]) {
    const service = SERVICES[value];
    return typeof service === "string" ? service : t(service.key);
  }
  return value;
}

/**
 * A problem from core in the clerk's language, its parameters filled in ("" for none). Times
 * (`*_at`) are written in Norwegian time; parameters are plain text, never markup. A key this
 * version does not know (sent by a newer core) says that something went wrong.
 */
export function problemText(problem: Problem | null | undefined): string {
  if (!problem) return "";
  const key = `problem.${problem.key}` as MessageKey;
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(problem.params ?? {})) {
    if (typeof value === "string") params[name] = paramText(problem.key, name, value);
  }
  const text = t(key, params);
  return text === key ? t("problem.internal") : text;
}

/**
 * A print warning core still sends as an English sentence (`warnings` of an attachment, a
 * preview row or a signing document) in the clerk's language: the ones core writes are
 * recognised and said as their problem; any other is a general remark, never the English.
 */
export function printWarningText(warning: string): string {
  const text = warning.trim();
  const margin = /^page (\d+): content starts (\d+) mm from the left edge; print needs at least (\d+) mm/.exec(text);
  if (margin) return problemText({ key: "margin_too_small", params: { page: margin[1], found: margin[2], min: margin[3] } });
  if (/^page \d+ is .* not A4/.test(text)) return problemText({ key: "not_a4", params: {} });
  if (text.startsWith("fonts not embedded")) return problemText({ key: "fonts_not_embedded", params: {} });
  return t("warning.other");
}

/**
 * A timeline entry whose tail is why something failed: the entry with the reason in the
 * clerk's language when core gave the problem, the entry alone when it did not (core's own
 * tail is English and is not shown).
 */
export function withReason(plain: MessageKey, why: MessageKey, problem: Problem | null | undefined): string {
  const reason = problemText(problem);
  return reason ? t(why, { reason }) : t(plain);
}

function isProblem(value: unknown): value is Problem {
  if (typeof value !== "object" || value === null) return false;
  const { key, params } = value as { key?: unknown; params?: unknown };
  return typeof key === "string" && (params === undefined || (typeof params === "object" && params !== null));
}

/**
 * The problem in a report whose shape is not fixed (an app event's payload): a problem itself,
 * or something carrying one as `detail` (a command's error). Null for anything else, such as
 * English text, which is not shown.
 */
export function problemIn(report: unknown): Problem | null {
  if (isProblem(report)) return { key: report.key, params: report.params ?? {} };
  if (typeof report === "object" && report !== null) {
    const detail = (report as { detail?: unknown }).detail;
    if (isProblem(detail)) return { key: detail.key, params: detail.params ?? {} };
  }
  return null;
}
