// Norwegian formats for everything a clerk reads or types: dates and times in Oslo time
// ("6. desember 2026 kl. 20.42"), months, amounts with a decimal comma ("1 234,50"), typed
// dates as dd.mm.åååå, and singular/plural. Anything that cannot be read as the format it
// should be is shown unchanged rather than hidden or turned into "Invalid Date".
//
// Dates and times in words follow the UI's language (lib/i18n): bokmål and nynorsk write
// "6. desember 2026 kl. 20.42" (the month names are the same words), English writes
// "6 December 2026, 20:42". Amounts and typed dates stay Norwegian in every language.

import { language } from "./i18n/language.svelte.js";

/** The clerk's time zone, whatever the machine says. */
export const TIME_ZONE = "Europe/Oslo";

/** Month names in bokmål (and nynorsk), so the words do not depend on the web view's locale data. */
export const MONTHS = [
  "januar",
  "februar",
  "mars",
  "april",
  "mai",
  "juni",
  "juli",
  "august",
  "september",
  "oktober",
  "november",
  "desember",
] as const;

/** Month names in English. */
export const MONTHS_EN = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

const english = () => language() === "en";

/** The wall clock in Oslo at an instant, as numbers (month 1–12). */
interface OsloParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

// Intl does the time-zone arithmetic (summer time included); only numbers are taken from it,
// so the output is the same with any locale data. Created once: formatters are expensive.
let osloFormatter: Intl.DateTimeFormat | null = null;

function osloParts(instant: Date): OsloParts {
  osloFormatter ??= new Intl.DateTimeFormat("en-GB", {
    timeZone: TIME_ZONE,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    hourCycle: "h23",
  });
  const parts: Record<string, number> = {};
  for (const part of osloFormatter.formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    // Some engines write midnight as 24 even with h23.
    hour: parts.hour % 24,
    minute: parts.minute,
  };
}

const pad2 = (n: number) => String(n).padStart(2, "0");

// A full ISO 8601 / RFC 3339 timestamp: date, time, optional seconds and fraction, optional
// offset. Without an offset it is read as UTC (the app stores every time in UTC).
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;
// OpenSSL's way of writing a certificate's dates (`Asn1Time` as text): "Jan  5 20:40:04 2027 GMT".
const OPENSSL_TIME = /^([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?\s+(\d{4})(?:\s+(GMT|UTC|Z))?$/;
const OPENSSL_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/** An ISO timestamp as an instant, or null if the text is not one. */
export function parseIsoTimestamp(text: string): Date | null {
  const m = ISO_TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = "0", fraction = "", offset = "Z"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (!isCalendarDate(year, month, day) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  let offsetMinutes = 0;
  if (offset !== "Z" && offset !== "z") {
    const sign = offset.startsWith("-") ? -1 : 1;
    const digits = offset.slice(1).replace(":", "");
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0"));
  }
  const millis = fraction ? Math.round(Number(`0${fraction}`) * 1000) : 0;
  const utc = Date.UTC(year, month - 1, day, Number(h), Number(mi), Math.min(Number(s), 59), millis);
  return new Date(utc - offsetMinutes * 60_000);
}

/** A certificate date as OpenSSL writes it ("Jan  5 20:40:04 2027 GMT") as an instant, or null. */
export function parseOpenSslTime(text: string): Date | null {
  const m = OPENSSL_TIME.exec(text.trim());
  if (!m) return null;
  const [, mon, d, h, mi, s, y] = m;
  const month = OPENSSL_MONTHS.indexOf(mon) + 1;
  const year = Number(y);
  const day = Number(d);
  if (month === 0 || !isCalendarDate(year, month, day) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  return new Date(Date.UTC(year, month - 1, day, Number(h), Number(mi), Math.min(Number(s), 59)));
}

function instant(text: string): Date | null {
  return parseIsoTimestamp(text) ?? parseOpenSslTime(text);
}

function monthName(month: number): string {
  return (english() ? MONTHS_EN : MONTHS)[month - 1];
}

function longDate(year: number, month: number, day: number): string {
  return english() ? `${day} ${monthName(month)} ${year}` : `${day}. ${monthName(month)} ${year}`;
}

function clock(parts: OsloParts): string {
  return english() ? `${pad2(parts.hour)}:${pad2(parts.minute)}` : `${pad2(parts.hour)}.${pad2(parts.minute)}`;
}

type Maybe = string | null | undefined;

/**
 * A timestamp as the clerk reads it, in Oslo time: "6. desember 2026 kl. 20.42" (English:
 * "6 December 2026, 20:42").
 * Takes ISO 8601 (and OpenSSL's certificate format); an empty value gives "", anything
 * else is returned unchanged.
 */
export function dateTime(iso: Maybe): string {
  if (!iso) return "";
  const at = instant(iso);
  if (!at) return iso;
  const parts = osloParts(at);
  const day = longDate(parts.year, parts.month, parts.day);
  return english() ? `${day}, ${clock(parts)}` : `${day} kl. ${clock(parts)}`;
}

/**
 * A date as the clerk reads it: "6. desember 2026" ("6 December 2026"). A timestamp gives
 * its day in Oslo; a calendar date (yyyy-mm-dd) is taken as it is, with no time-zone shift.
 * Also takes OpenSSL's certificate format. Anything else is returned unchanged.
 */
export function date(value: Maybe): string {
  if (!value) return "";
  const calendar = ISO_DATE.exec(value.trim());
  if (calendar) {
    const [year, month, day] = calendar.slice(1).map(Number);
    return isCalendarDate(year, month, day) ? longDate(year, month, day) : value;
  }
  const at = instant(value);
  if (!at) return value;
  const parts = osloParts(at);
  return longDate(parts.year, parts.month, parts.day);
}

/** A month ("2026-12", or a date in it) as "desember 2026" ("December 2026"). Anything else unchanged. */
export function month(value: Maybe): string {
  if (!value) return "";
  const text = value.trim();
  const m = ISO_MONTH.exec(text) ?? ISO_DATE.exec(text);
  if (!m) return value;
  const year = Number(m[1]);
  const monthNumber = Number(m[2]);
  if (monthNumber < 1 || monthNumber > 12) return value;
  return `${monthName(monthNumber)} ${year}`;
}

/** The time of day in Oslo: "20.42" ("20:42" in English). Anything that is not a timestamp is returned unchanged. */
export function time(iso: Maybe): string {
  if (!iso) return "";
  const at = instant(iso);
  return at ? clock(osloParts(at)) : iso;
}

/**
 * Any date or time the app may receive, in words: a timestamp with its time, a calendar
 * date or a certificate date as a date, a month as a month; anything else unchanged.
 */
export function readable(value: Maybe): string {
  if (!value) return "";
  const text = value.trim();
  if (ISO_DATE.test(text)) return date(text);
  if (ISO_MONTH.test(text)) return month(text);
  if (parseOpenSslTime(text)) return date(text);
  return dateTime(value);
}

const amountFormatters = new Map<number, Intl.NumberFormat>();

/**
 * An amount with Norwegian digit grouping and decimal comma: 1234.5 → "1 234,50" (the space
 * is a non-breaking one). At least two decimals, at most `maxDecimals` (for prices given in
 * parts of an øre). A minus is written "-". Not a number gives "".
 */
export function amount(n: number | null | undefined, maxDecimals = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "";
  const max = Math.max(0, Math.min(20, Math.floor(maxDecimals)));
  let formatter = amountFormatters.get(max);
  if (!formatter) {
    formatter = new Intl.NumberFormat("nb-NO", {
      minimumFractionDigits: Math.min(2, max),
      maximumFractionDigits: max,
      useGrouping: true,
    });
    amountFormatters.set(max, formatter);
  }
  return formatter
    .format(n === 0 ? 0 : n)
    .replace(/\u2212/g, "-")
    .replace(/[\u202f ]/g, "\u00a0");
}

/**
 * An amount as typed: "30,90", "30.9", "1 234,50", "1.234,50", "kr 12", "12,-". Spaces (also
 * non-breaking ones) group digits; a comma or a point is the decimal mark. Null for anything
 * that is not plainly one number.
 */
export function parseAmount(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  let s = text
    .trim()
    .replace(/\u2212/g, "-")
    .replace(/^kr\.?\s*/i, "")
    .replace(/\s*(kr\.?|NOK)$/i, "")
    .replace(/,-$/, "")
    .replace(/[\s\u00a0\u202f]/g, "");
  if (s === "") return null;
  let sign = 1;
  if (s.startsWith("-")) {
    sign = -1;
    s = s.slice(1);
  } else if (s.startsWith("+")) {
    s = s.slice(1);
  }
  const commas = (s.match(/,/g) ?? []).length;
  const points = (s.match(/\./g) ?? []).length;
  let normalised: string;
  if (commas > 0 && points > 0) {
    // "1.234,50" or "1,234.50": the last mark is the decimal one, the other groups thousands.
    const decimalMark = s.lastIndexOf(",") > s.lastIndexOf(".") ? "," : ".";
    const groupMark = decimalMark === "," ? "." : ",";
    const [whole, fraction, ...rest] = s.split(decimalMark);
    if (rest.length > 0) return null;
    const groups = whole.split(groupMark);
    if (!/^\d{1,3}$/.test(groups[0]) || groups.slice(1).some((g) => !/^\d{3}$/.test(g))) return null;
    normalised = `${groups.join("")}.${fraction}`;
  } else if (commas + points > 1) {
    return null;
  } else {
    normalised = s.replace(",", ".");
  }
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(normalised)) return null;
  const value = sign * Number(normalised);
  return Number.isFinite(value) ? value : null;
}

/**
 * A date typed the Norwegian way, "06.12.2026" (also "6.12.2026", "06122026", or
 * "2026-12-06"), as yyyy-mm-dd. Null if it is not a real calendar day (31.02.2026).
 */
export function parseNorwegianDate(text: string | null | undefined): string | null {
  if (!text) return null;
  const s = text.trim();
  let year: number;
  let month: number;
  let day: number;
  const dotted = /^(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})$/.exec(s);
  const compact = /^(\d{2})(\d{2})(\d{4})$/.exec(s);
  const iso = ISO_DATE.exec(s);
  if (dotted || compact) {
    const m = (dotted ?? compact)!;
    day = Number(m[1]);
    month = Number(m[2]);
    year = Number(m[3]);
  } else if (iso) {
    year = Number(iso[1]);
    month = Number(iso[2]);
    day = Number(iso[3]);
  } else {
    return null;
  }
  if (year < 1000 || !isCalendarDate(year, month, day)) return null;
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** A calendar date (yyyy-mm-dd) as the clerk types it: "06.12.2026". Anything else unchanged. */
export function formatNorwegianDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const m = ISO_DATE.exec(iso.trim());
  if (!m) return iso;
  const [year, month, day] = m.slice(1).map(Number);
  if (!isCalendarDate(year, month, day)) return iso;
  return `${pad2(day)}.${pad2(month)}.${year}`;
}

/** Today's date in Oslo as yyyy-mm-dd (`now` for tests). */
export function todayInOslo(now: Date = new Date()): string {
  const parts = osloParts(now);
  return `${parts.year}-${pad2(parts.month)}-${pad2(parts.day)}`;
}

/** The singular form for one (1 or -1), the plural for anything else, 0 included. */
export function plural(n: number, one: string, many: string): string {
  return Math.abs(n) === 1 ? one : many;
}
