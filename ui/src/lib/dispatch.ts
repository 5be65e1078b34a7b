import type { Advice, LetterKind, MailingProgress, OutboxRow, OutboxState, PreviewRow, Problem } from "./bindings";
import { t, type MessageKey } from "./i18n";
import { amount, dateTime, parseIsoTimestamp, time, todayInOslo } from "./norsk";
import { withReason } from "./problem";
import { archiveEventText } from "./archive";

/** An amount in kroner, Norwegian style: "1 234,50 kr". */
export function kr(value: number): string {
  return `${amount(value)} kr`;
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

/** The channels a letter can take, in the order the filter offers them. */
export const CHANNELS = ["digital_postkasse", "altinn", "svarinn", "papir"] as const;
export type Channel = (typeof CHANNELS)[number];

/** How far a letter has come, as the clerk filters: the outbox states in five steps. */
export const STAGES = ["waiting", "underway", "done", "failed", "recalled"] as const;
export type Stage = (typeof STAGES)[number];

export function stageOf(state: OutboxState): Stage {
  switch (state) {
    case "held":
    case "queued":
      return "waiting";
    case "sending":
    case "sent":
      return "underway";
    case "final":
      return "done";
    case "failed":
      return "failed";
    case "recalled":
      return "recalled";
  }
}

export function stageText(stage: Stage): string {
  return t(`utsending.stage.${stage}` as MessageKey);
}

/** SvarUt's statuses that say an Altinn letter went to print (not read within the deadline). */
const PRINTED = new Set(["SENDT_PRINT", "PRINTET"]);

/** An Altinn letter that SvarUt printed after the read deadline. */
function altinnPrinted(letter: OutboxRow): boolean {
  return letter.route === "altinn" && (PRINTED.has(letter.status ?? "") || letter.seen_route === "papir");
}

/** SvarUt's statuses show another channel than the one planned (Altinn then print excepted). */
export function channelDiffers(letter: OutboxRow): boolean {
  if (altinnPrinted(letter)) return true;
  return letter.route !== null && letter.seen_route !== null && letter.seen_route !== letter.route;
}

/**
 * The channel column: the planned channel in words, or what SvarUt's statuses show when
 * they show another ("Altinn → papir etter lesefristen").
 */
export function channelText(letter: OutboxRow): string {
  if (altinnPrinted(letter)) return t("utsending.channel.altinnPrinted");
  if (letter.route === null) {
    if (letter.seen_route !== null) return routeText(letter.seen_route);
    if (letter.state === "held" || letter.state === "queued") return t("utsending.channel.atSend");
    return routeText(null, letter.local_print);
  }
  const planned = routeText(letter.route, letter.local_print);
  if (letter.seen_route !== null && letter.seen_route !== letter.route) {
    return t("utsending.channel.mismatch", { planned, seen: routeText(letter.seen_route) });
  }
  return planned;
}

/** When a held letter leaves: "Sendes kl. 20.42" today, with the date another day. */
export function releaseText(releaseAt: string, now: Date): string {
  const at = parseIsoTimestamp(releaseAt);
  if (!at) return t("utsending.held.on", { when: releaseAt });
  if (at.getTime() <= now.getTime()) return t("utsending.held.soon");
  if (todayInOslo(at) === todayInOslo(now)) return t("utsending.held.at", { time: time(releaseAt) });
  return t("utsending.held.on", { when: dateTime(releaseAt) });
}

/** What the clerk narrows the letter list by; dates are yyyy-mm-dd in Oslo, both ends included. */
export interface LetterFilter {
  text: string;
  channel: Channel | "";
  stage: Stage | "";
  from: string | null;
  to: string | null;
}

export const NO_FILTER: LetterFilter = { text: "", channel: "", stage: "", from: null, to: null };

const fold = (text: string) => text.toLocaleLowerCase("nb-NO");

/**
 * Whether a letter passes the filter. The search text matches the recipient, the title, the
 * status and state in words (and SvarUt's code), the channel, and "Nivå 4"/"Sensitivt" for a
 * sensitive letter; every word must match. The
 * channel matches the planned one or the one SvarUt's statuses show; the dates are the day
 * the letter was queued.
 */
export function matchesFilter(letter: OutboxRow, filter: LetterFilter): boolean {
  if (filter.channel && letter.route !== filter.channel && letter.seen_route !== filter.channel) return false;
  if (filter.stage && stageOf(letter.state) !== filter.stage) return false;
  if (filter.from || filter.to) {
    const queued = parseIsoTimestamp(letter.created_at);
    if (!queued) return false;
    const day = todayInOslo(queued);
    if (filter.from && day < filter.from) return false;
    if (filter.to && day > filter.to) return false;
  }
  const words = fold(filter.text).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = fold(
    [
      letter.title,
      letter.recipient,
      statusText(letter.status),
      letter.status ?? "",
      stateText(letter.state),
      channelText(letter),
      letter.sensitive ? `${t("level4.badge")}\n${t("utsending.sensitive")}` : "",
    ].join("\n"),
  );
  return words.every((word) => haystack.includes(word));
}

/** The letters of one mass mailing, or the single letters, as the list shows them. */
export interface LetterGroup {
  /** `mailing:<id>`, or `single` for letters sent one by one. */
  key: string;
  /** The mailing's progress, when the mailings list has it. */
  mailing: MailingProgress | null;
  title: string;
  letters: OutboxRow[];
}

export const SINGLE_GROUP = "single";

/**
 * Letters grouped by mass mailing, groups in the order of their first letter (the list comes
 * newest first); letters sent one by one make one group, "Enkeltbrev".
 */
export function groupLetters(letters: OutboxRow[], mailings: MailingProgress[]): LetterGroup[] {
  const byId = new Map(mailings.map((m) => [m.id, m]));
  const groups = new Map<string, LetterGroup>();
  for (const letter of letters) {
    const key = letter.mailing_id === null ? SINGLE_GROUP : `mailing:${letter.mailing_id}`;
    let group = groups.get(key);
    if (!group) {
      const mailing = letter.mailing_id === null ? null : (byId.get(letter.mailing_id) ?? null);
      const title = letter.mailing_id === null ? t("utsending.group.single") : (mailing?.title ?? letter.title);
      group = { key, mailing, title, letters: [] };
      groups.set(key, group);
    }
    group.letters.push(letter);
  }
  return [...groups.values()];
}

/** Letters of a mailing sent to SvarUt (or being sent) that are not final yet. */
export function mailingUnderway(mailing: MailingProgress): number {
  return mailing.sent + mailing.sending;
}

/** Letters of a mailing that can still be stopped or are on their way out. */
export function mailingLeft(mailing: MailingProgress): number {
  return mailing.waiting + mailing.sending;
}

/** Outbox timeline entries core writes without a value, and their keys. */
const OUTBOX_EVENTS = new Map<string, MessageKey>([
  ["Lagt i utboksen", "utsending.event.queued"],
  ["Sendes til SvarUt", "utsending.event.sending"],
  ["Trukket tilbake", "utsending.event.recalled"],
  ["Sendes nå (saksbehandleren ventet ikke på holdetiden)", "utsending.event.releasedNow"],
  ["Til utskrift på kontoret", "utsending.event.officePrint"],
  ["Skrevet ut på kontoret", "utsending.event.printed"],
  ["Prøves igjen etter feil", "utsending.event.retryAfterFailure"],
  ["Gjenopprettet fra sikkerhetskopi: slås opp i SvarUt før noe sendes", "utsending.event.restored"],
]);

/**
 * An outbox timeline entry in words. The store writes each entry in bokmål ("Lagt i utboksen",
 * "Mottatt av SvarUt (forsendelse …)", "Status i SvarUt: SENDT_PRINT", …); each is said here in
 * the clerk's language, its values (the SvarUt id, the status, the clerk's note, the archive's
 * words) kept. A SvarUt status code is put in words (and kept for a tooltip). After "Prøves
 * igjen:" and "Feilet:" core wrote its English error: the entry's `problem` is said instead, or
 * nothing. An entry this program does not know is shown as written.
 */
export function outboxEventText(text: string, problem: Problem | null = null): { text: string; code: string | null } {
  const entry = text.trim();
  const status = /^Status i SvarUt: ([A-Z][A-Z_]*)$/.exec(entry);
  if (status) return { text: t("utsending.event.status", { status: statusText(status[1]) }), code: status[1] };
  const fixed = OUTBOX_EVENTS.get(entry);
  if (fixed) return { text: t(fixed), code: null };
  const received = /^Mottatt av SvarUt \(forsendelse (.+)\)$/.exec(entry);
  if (received) return { text: t("utsending.event.received", { id: received[1] }), code: null };
  if (/^Prøves igjen(:|$)/.test(entry)) return { text: withReason("utsending.event.retry", "utsending.event.retryWhy", problem), code: null };
  if (/^Feilet(:|$)/.test(entry)) return { text: withReason("utsending.event.failed", "utsending.event.failedWhy", problem), code: null };
  const handled = /^Håndtert: ([\s\S]*)$/.exec(entry);
  if (handled) return { text: t("utsending.event.handled", { note: handled[1] }), code: null };
  const archive = archiveEventText(entry, problem);
  if (archive !== null) return { text: archive, code: null };
  return { text, code: null };
}
