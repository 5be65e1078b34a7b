// Signering's words: signer and order statuses as a clerk reads them, how a signer is
// notified, and the form's signer rows (a fødselsnummer, an e-mail or a mobile number).
import type { OrderState, Problem, SignerInput } from "./bindings";
import { t, type MessageKey } from "./i18n";
import { withReason } from "./problem";
import { archiveEventText } from "./archive";

/** Every signer status the service sends (and the fallback for a new one). */
export const SIGNER_STATUSES = [
  "WAITING",
  "SIGNED",
  "REJECTED",
  "EXPIRED",
  "FAILED",
  "CANCELLED",
  "RESERVED",
  "CONTACT_INFORMATION_MISSING",
  "BLOCKED",
  "SIGNERS_NAME_NOT_AVAILABLE",
  "NOT_APPLICABLE",
] as const;

/** A signer's status in words; an unknown value as "Ukjent status" (the code goes in a tooltip). */
export function signerStatusText(status: string): string {
  const known = (SIGNER_STATUSES as readonly string[]).includes(status);
  return known ? t(`signering.signer.${status}` as MessageKey) : t("signering.signer.unknown");
}

/** Every job status the service sends. */
export const JOB_STATUSES = ["IN_PROGRESS", "COMPLETED_SUCCESSFULLY", "FAILED"] as const;

/** The service's job status in words ("pågår"); an unknown one as "ukjent status". */
export function jobStatusText(status: string): string {
  const known = (JOB_STATUSES as readonly string[]).includes(status);
  return known ? t(`signering.job.${status}` as MessageKey) : t("signering.job.unknown");
}

/** Signing timeline entries core writes without a value, and their keys. */
const SIGNING_EVENTS = new Map<string, MessageKey>([
  ["Signeringsoppdraget er laget", "signering.event.created"],
  ["Trukket av saksbehandler", "signering.event.cancelled"],
  ["Sandkassen ble startet på nytt; oppdraget finnes ikke lenger der", "signering.event.sandboxRestarted"],
  ["Det signerte dokumentet (PAdES) er lagret", "signering.event.padesStored"],
  ["Alle har signert", "signering.event.allSigned"],
  ["Oppdraget ble avsluttet uten alle signaturer", "signering.event.endedUnsigned"],
]);

/** How core ends a signer's entry ("Kari Nordmann har signert"), by signer status. */
const SIGNER_EVENTS: [string, (typeof SIGNER_STATUSES)[number]][] = [
  ["venter", "WAITING"],
  ["har signert", "SIGNED"],
  ["har avvist", "REJECTED"],
  ["signerte ikke innen fristen", "EXPIRED"],
  ["fikk en feil under signeringen", "FAILED"],
  ["oppdraget ble trukket", "CANCELLED"],
  ["er reservert mot digital kommunikasjon", "RESERVED"],
  ["mangler kontaktinformasjon i KRR", "CONTACT_INFORMATION_MISSING"],
  ["er sperret (feil kode for mange ganger)", "BLOCKED"],
  ["navnet kunne ikke slås opp", "SIGNERS_NAME_NOT_AVAILABLE"],
  ["skal ikke lenger signere", "NOT_APPLICABLE"],
];

/**
 * A timeline entry in words. The store writes each entry in bokmål ("Signeringsoppdraget er
 * laget", "Status: IN_PROGRESS", "Kari Nordmann har signert", …); each is said here in the
 * clerk's language, its values (the job id, the status, the count, the signer's name) kept.
 * After "Avvist av signeringstjenesten:", "Usikkert om oppdraget kom fram:" and "Kunne ikke
 * hente de signerte dokumentene ennå:" core wrote its English error: a `problem` is said
 * instead, or nothing. Archive entries are said as in the letters' timeline. An entry this
 * program does not know is shown as written.
 */
export function signingEventText(text: string, problem: Problem | null = null): { text: string; code: string | null } {
  const entry = text.trim();
  const status = /^Status: ([A-Z][A-Z_]*)$/.exec(entry);
  if (status) return { text: t("signering.event.status", { status: jobStatusText(status[1]) }), code: status[1] };
  const fixed = SIGNING_EVENTS.get(entry);
  if (fixed) return { text: t(fixed), code: null };
  const sent = /^Sendt til signeringstjenesten \(oppdrag (.+)\)$/.exec(entry);
  if (sent) return { text: t("signering.event.sent", { id: sent[1] }), code: null };
  if (/^Avvist av signeringstjenesten(:|$)/.test(entry)) {
    return { text: withReason("signering.event.refused", "signering.event.refusedWhy", problem), code: null };
  }
  if (/^Usikkert om oppdraget kom fram(:|$)/.test(entry)) {
    return { text: withReason("signering.event.uncertain", "signering.event.uncertainWhy", problem), code: null };
  }
  if (/^Kunne ikke hente de signerte dokumentene ennå(:|$)/.test(entry)) {
    return { text: withReason("signering.event.fetchFailed", "signering.event.fetchFailedWhy", problem), code: null };
  }
  const copies = /^Signert kopi lagt i utboksen til (\d+) undertegner\(e\)$/.exec(entry);
  if (copies) return { text: t("signering.event.copies", { count: Number(copies[1]) }), code: null };
  const archive = archiveEventText(entry, problem);
  if (archive !== null) return { text: archive, code: null };
  const other = /^(.+) har status (\S+)$/.exec(entry);
  if (other) return { text: t("signering.event.signer", { name: other[1], status: signerStatusText(other[2]) }), code: other[2] };
  for (const [ending, code] of SIGNER_EVENTS) {
    if (entry.length > ending.length + 1 && entry.endsWith(` ${ending}`)) {
      const name = entry.slice(0, -ending.length - 1);
      return { text: t("signering.event.signer", { name, status: signerStatusText(code) }), code };
    }
  }
  return { text, code: null };
}

/** The order's state in words. */
export function orderStateText(state: OrderState): string {
  return t(`signering.state.${state}` as MessageKey);
}

/** How a signer is told about the order. */
export function notifiedByText(notified: string): string {
  return t(`signering.notified.${notified}` as MessageKey);
}

/** A row of the form as typed. */
export interface SignerRow {
  /** Fødselsnummer, e-mail or mobile number. */
  id: string;
  name: string;
  group: number;
  smsFromKrr: boolean;
}

/** What kind of identifier a signer row holds. */
export function signerKind(id: string): "person" | "email" | "mobile" | "invalid" {
  const text = id.trim();
  if (text.includes("@")) return "email";
  const digits = text.replace(/\s+/g, "");
  if (/^\d{11}$/.test(digits)) return "person";
  if (/^(\+47)?\d{8}$/.test(digits)) return "mobile";
  return "invalid";
}

/** The row as the command takes it. Order groups only when signers sign in turn. */
export function toSignerInput(row: SignerRow, sequential: boolean): SignerInput {
  const kind = signerKind(row.id);
  const digits = row.id.replace(/\s+/g, "");
  return {
    fnr: kind === "person" ? digits : null,
    name: row.name.trim() || (kind === "person" ? `${digits.slice(0, 6)} *****` : row.id.trim()),
    email: kind === "email" ? row.id.trim() : null,
    mobile: kind === "mobile" ? digits : null,
    sms_from_krr: row.smsFromKrr,
    order_group: sequential ? row.group : null,
    signature_type: null,
    on_behalf_of: null,
  };
}
