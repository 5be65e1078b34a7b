import type { Advice, LetterKind, OutboxRow, OutboxState, PreviewRow } from "./bindings";
import { t, type MessageKey } from "./i18n";

/** An amount in kroner, Norwegian style: "1 234,50 kr". */
export function kr(amount: number): string {
  return `${amount.toLocaleString("nb-NO", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} kr`;
}

/** The channel in words; a letter printed at the office says so. */
export function routeText(route: string | null, localPrint = false): string {
  if (localPrint) return t("route.officePrint");
  const key = `route.${route ?? "unrouted"}` as MessageKey;
  const text = t(key);
  return text === key ? (route ?? t("route.unrouted")) : text;
}

/** SvarUt's status in words; one this program does not know is shown as SvarUt wrote it. */
export function statusText(status: string | null): string {
  if (!status) return "";
  const key = `status.${status}` as MessageKey;
  const text = t(key);
  return text === key ? t("status.unknown", { status }) : text;
}

export function stateText(state: OutboxState): string {
  return t(`state.${state}` as MessageKey);
}

export function adviceText(advice: Advice): string {
  return t(`advice.${advice}` as MessageKey);
}

export function kindText(kind: LetterKind): string {
  return t(`send.kind.${kind}` as MessageKey);
}

/** How long ago, briefly: minutes, hours or days. */
export function age(since: string, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - new Date(since).getTime()) / 60000));
  if (minutes < 60) return t("utsending.age.minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t("utsending.age.hours", { n: hours });
  return t("utsending.age.days", { n: Math.floor(hours / 24) });
}

/** The preview row's channel, with the mailbox provider or the reason for paper. */
export function previewChannel(row: PreviewRow): string {
  if (row.route === "digital_postkasse") {
    return t(row.provider === "digipost" ? "badge.digipost" : row.provider === "eboks" ? "badge.eboks" : "badge.otherMailbox");
  }
  return t(`badge.${row.reason}` as MessageKey);
}

/** Notification channels of a preview row in words. */
export function previewNotification(row: PreviewRow): string {
  const channels: string[] = [];
  if (row.notification.email) channels.push(t("notification.email"));
  if (row.notification.sms) channels.push(t("notification.sms"));
  if (row.route !== "digital_postkasse" && row.route !== "altinn") return "";
  return channels.length > 0 ? channels.join(", ") : t("notification.none");
}

/** A held letter can still be recalled. */
export function recallable(row: OutboxRow): boolean {
  return row.state === "held" || row.state === "queued";
}
