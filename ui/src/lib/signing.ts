// Signering's words: signer and order statuses as a clerk reads them, how a signer is
// notified, and the form's signer rows (a fødselsnummer, an e-mail or a mobile number).
import type { OrderState, SignerInput } from "./bindings";
import { t, type MessageKey } from "./i18n";

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

/**
 * A timeline entry in words. The store writes a job status change as "Status: IN_PROGRESS";
 * that code is put in words here. Every other entry is already written for the clerk.
 */
export function signingEventText(text: string): { text: string; code: string | null } {
  const m = /^Status: ([A-Z][A-Z_]*)$/.exec(text.trim());
  if (!m) return { text, code: null };
  return { text: t("signering.event.status", { status: jobStatusText(m[1]) }), code: m[1] };
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
