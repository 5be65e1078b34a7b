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

/** A signer's status in words; an unknown value is shown as the service wrote it. */
export function signerStatusText(status: string): string {
  const known = (SIGNER_STATUSES as readonly string[]).includes(status);
  return known ? t(`signering.signer.${status}` as MessageKey) : t("signering.signer.unknown", { status });
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

/** `2026-12-02T10:15:00+00:00` as `02.12.2026 10:15`, in local time. */
export function when(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getDate())}.${pad(date.getMonth() + 1)}.${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
