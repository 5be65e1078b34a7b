import type { LookupRow } from "./bindings";
import { t, type MessageKey } from "./i18n";
import { describeProblem } from "./identResult";
import { problemText } from "./problem";

export type BadgeTone = "digital" | "paper" | "altinn" | "invalid" | "failed" | "none";

/** The status badge of a lookup row: its text and colour group. */
export function lookupBadge(row: LookupRow): { text: string; tone: BadgeTone } {
  if (!row.valid) return { text: describeProblem(row.problem), tone: "invalid" };
  // `error` is English (the CLI and the log): it only says the lookup failed; why is `error_detail`.
  if (row.error) {
    const why = problemText(row.error_detail);
    return { text: why ? `${t("badge.failed")}: ${why}` : t("badge.failed"), tone: "failed" };
  }
  switch (row.reason) {
    case "has_mailbox":
      return {
        text: t(
          row.postkasseleverandoer === "digipost"
            ? "badge.digipost"
            : row.postkasseleverandoer === "eboks"
              ? "badge.eboks"
              : "badge.otherMailbox",
        ),
        tone: "digital",
      };
    case "organisation":
      return { text: t("badge.organisation"), tone: "altinn" };
    case null:
      return { text: t("badge.notLookedUp"), tone: "none" };
    default:
      return { text: t(`badge.${row.reason}` as MessageKey), tone: "paper" };
  }
}

/** Usable notification channels in words. */
export function notificationText(row: LookupRow): string {
  if (!row.notification) return "";
  const channels: string[] = [];
  if (row.notification.email) channels.push(t("notification.email"));
  if (row.notification.sms) channels.push(t("notification.sms"));
  return channels.length > 0 ? channels.join(", ") : t("notification.none");
}

/** The person's language in words (unknown codes as KRR wrote them). */
export function languageText(code: string | null): string {
  if (!code) return "";
  const key = `language.${code}` as MessageKey;
  const text = t(key);
  return text === key ? code : text;
}

/** A summary without identifiers: how many rows per badge. */
export function summary(rows: LookupRow[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const { text } = lookupBadge(row);
    const label = row.valid && !row.error ? text : text.split(":")[0];
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const lines = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([label, n]) => `${n}\t${label}`);
  return [t("oppslag.summaryTitle"), ...lines].join("\n");
}
