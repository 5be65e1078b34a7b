import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/svelte";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));
const listeners = new Map<string, (event: { payload: unknown }) => void>();
vi.mock("@tauri-apps/api/event", () => ({
  listen: (name: string, handler: (event: { payload: unknown }) => void) => {
    listeners.set(name, handler);
    return Promise.resolve(() => listeners.delete(name));
  },
}));

import SendDialog from "../src/components/SendDialog.svelte";
import Utsending from "../src/pages/Utsending.svelte";
import {
  age,
  channelText,
  groupLetters,
  matchesFilter,
  NO_FILTER,
  outboxEventText,
  releaseText,
  routeText,
  statusText,
} from "../src/lib/dispatch";
import type { MailingProgress, OutboxRow } from "../src/lib/bindings";

afterEach(() => {
  cleanup();
  invoke.mockReset();
});

const draft = {
  id: "d1",
  title: "Vedtak",
  recipient_fnr: "",
  recipient_name: "",
  body: "Hei",
  letter: {
    template_id: null,
    address_lines: [],
    postcode: "",
    city: "",
    fields: [],
    recipients_csv_base64: "eA==",
    recipients_file_name: "liste.csv",
    column_map: [],
    attachments: [],
    attachment_mode: "separate",
  },
};

const none = { email: false, sms: false };
const plan = {
  preview: {
    rows: [
      { recipient: "Åse Ødegård (209146 *****)", route: "digital_postkasse", reason: "has_mailbox", provider: "digipost", notification: { email: true, sms: true }, alternative: null, warnings: [], cost: 0.767, if_printed: 0 },
      { recipient: "Liv Li (309100 *****)", route: "papir", reason: "reserved", provider: null, notification: none, alternative: null, warnings: ["page 1: content starts 10 mm from the left edge; print needs at least 15 mm", "something new"], cost: 30.9, if_printed: 0 },
      { recipient: "Sandkasse AS (910753614)", route: "altinn", reason: "organisation", provider: null, notification: none, alternative: null, warnings: [], cost: 0, if_printed: 30.9 },
      { recipient: "Mottak AS (910753622)", route: "svarinn", reason: "receiving_system", provider: null, notification: none, alternative: null, warnings: [], cost: 0, if_printed: 0 },
      { recipient: "Per Utgått (010180 *****)", route: "altinn", reason: "contact_expired", provider: null, notification: none, alternative: "papir", warnings: [], cost: 0, if_printed: 30.9 },
    ],
    digital: { letters: 1, cost: 0.767 },
    altinn: { letters: 2, cost: 0 },
    svarinn: { letters: 1, cost: 0 },
    paper: { letters: 1, cost: 30.9 },
    total_cost: 31.667,
    if_unread: 61.8,
    saving: 154.5 - 31.667,
  },
  failed: [
    {
      row: 5,
      error: "row 5: the fødselsnummer is not valid",
      problem: { key: "ident_wrong_check_digit", params: { position: "11" } },
    },
  ],
  hold_minutes: 5,
  print_at_office: false,
  environment: "sandbox",
  key: "preview-1",
  earlier: null,
};

describe("SendDialog", () => {
  it("shows channel, reason, notices, warnings and cost per recipient, and queues only on confirm with the kind chosen", async () => {
    const calls: string[] = [];
    invoke.mockImplementation(async (cmd: string, args: { kind?: string }) => {
      calls.push(cmd);
      if (cmd === "dispatch_preview") return plan;
      if (cmd === "send_draft") {
        expect(args.kind).toBe("vedtak");
        expect(args).toMatchObject({ key: "preview-1", again: false });
        return { mailing_id: "m1", letters: ["a", "b", "c"], failed: [] };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(SendDialog, { form: draft as never, onclose: () => {} });
    const table = await screen.findByTestId("send-preview");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows[0].textContent).toContain("Digital postkasse – Digipost");
    expect(rows[0].textContent).toContain("E-post, SMS");
    expect(rows[0].textContent).toContain("0,77 kr");
    expect(rows[1].textContent).toContain("Reservert – sendes på papir");
    // Core's English warnings are said in the clerk's language; one it does not know, in general words.
    expect(rows[1].textContent).toContain("Side 1: innholdet begynner 10 mm fra venstre kant. Utskrift krever minst 15 mm.");
    expect(rows[1].textContent).toContain("Noe i dokumentet kan gi problemer ved utskrift.");
    expect(rows[1].textContent).not.toContain("left edge");
    expect(rows[1].textContent).not.toContain("something new");
    expect(rows[1].textContent).toContain("30,90 kr");
    expect(rows[2].textContent).toContain("Organisasjon – Altinn");
    expect(rows[2].textContent).toContain("+ 30,90 kr om det skrives ut");
    expect(rows[3].textContent).toContain("eget mottakssystem (SvarInn)");
    // Where the sources do not settle SvarUt's choice, both outcomes are shown.
    expect(rows[4].textContent).toContain("Altinn uten varsel");
    expect(rows[4].textContent).toContain("papir med en gang");
    const totals = screen.getByTestId("send-totals").textContent;
    expect(totals).toContain("Papir: 1 brev, 30,90 kr");
    expect(totals).toContain("Altinn: 2 brev");
    expect(totals).toContain("Mottakssystem (SvarInn): 1 brev");
    expect(screen.getByText(/inntil 61,80 kr i tillegg/)).toBeTruthy();
    expect(screen.getByText("Rad 5 sendes ikke: Kontrollsifferet (siffer 11) stemmer ikke. Er det en skrivefeil?")).toBeTruthy();
    expect(screen.queryByText(/is not valid/)).toBeNull();
    expect(screen.getByText(/venter 5 minutter/)).toBeTruthy();
    expect(calls).toEqual(["dispatch_preview"]);

    await fireEvent.change(screen.getByTestId("send-kind"), { target: { value: "vedtak" } });
    await fireEvent.click(screen.getByTestId("send-confirm"));
    await vi.waitFor(() => expect(screen.getByTestId("send-done").textContent).toContain("3 brev er lagt i utboksen"));
    expect(calls).toEqual(["dispatch_preview", "send_draft"]);
  });

  it("names an earlier send of the same letter and sends again only when the clerk says so", async () => {
    const sent: unknown[] = [];
    invoke.mockImplementation(async (cmd: string, args: unknown) => {
      if (cmd === "dispatch_preview")
        return { ...plan, earlier: { at: "2026-12-06T19:37:00Z", letters: 12, title: "Vedtak", environment: "sandbox" } };
      if (cmd === "send_draft") {
        sent.push(args);
        return { mailing_id: "m1", letters: ["a"], failed: [] };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(SendDialog, { form: draft as never, initialKind: "vedtak", onclose: () => {} });
    const earlier = await screen.findByTestId("send-earlier");
    expect(earlier.textContent).toContain("6. desember 2026 kl. 20.37 (12 brev, «Vedtak»)");
    expect((screen.getByTestId("send-kind") as HTMLSelectElement).value).toBe("vedtak");
    const confirm = screen.getByTestId("send-confirm") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("send-again"));
    expect(confirm.disabled).toBe(false);
    await fireEvent.click(confirm);
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ key: "preview-1", again: true, kind: "vedtak" });
  });

  it("says why when KRR cannot be reached, and queues nothing", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "dispatch_preview") {
        throw { code: "service_unavailable", message: "KRR: timed out", detail: { key: "krr_timeout", params: { seconds: "30" } } };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(SendDialog, { form: draft as never, onclose: () => {} });
    const error = await screen.findByTestId("send-error");
    expect(error.textContent).toContain("Tjenesten svarte ikke");
    expect(error.textContent).toContain("Tjenesten svarte ikke. Prøv igjen om litt. KRR svarte ikke innen 30 sekunder.");
    expect(error.textContent).not.toContain("timed out");
    expect(screen.queryByTestId("send-confirm")).toBeNull();
  });
});

const letter = (over: Record<string, unknown>) => ({
  id: "l1",
  mailing_id: "m1",
  title: "Vedtak",
  recipient: "Åse Ødegård (209146 *****)",
  kind: "vedtak",
  state: "sent",
  route: "digital_postkasse",
  seen_route: null,
  status: "LEVERT_SDP",
  status_at: null,
  created_at: new Date(Date.now() - 3 * 3600_000).toISOString(),
  release_at: new Date().toISOString(),
  last_error: null,
  last_problem: null,
  local_print: false,
  handled_note: null,
  pages: 1,
  ...over,
});

const mailing = (over: Record<string, unknown>) => ({
  id: "m1",
  title: "Eiendomsskatt 2027",
  paused: false,
  cancelled: false,
  total: 3,
  waiting: 0,
  sending: 0,
  sent: 0,
  done: 3,
  failed: 0,
  recalled: 0,
  ...over,
});

const info = { version: "0.1.0", environment: "sandbox", identifier: "no.kommunepost.dev", data_dir: "/tmp", sandbox_url: null };

/** The letter rows of the list (not the group headings). */
function letterRows(): HTMLTableRowElement[] {
  return [...screen.getByTestId("sent-list").querySelectorAll<HTMLTableRowElement>("tr[data-letter]")];
}

function group(key: string): HTMLElement {
  return screen.getByTestId("sent-list").querySelector<HTMLElement>(`tbody[data-group="${key}"]`)!;
}

describe("Utsending", () => {
  function backend(overrides: Record<string, unknown> = {}) {
    const calls: Array<[string, unknown]> = [];
    invoke.mockImplementation(async (cmd: string, args: unknown) => {
      calls.push([cmd, args]);
      if (cmd in overrides) return overrides[cmd];
      switch (cmd) {
        case "app_info":
          return info;
        case "dispatch_dashboard":
          return { month: "2026-12", letters: 0, channels: [], statuses: [], saving: 0, cost: 0, exceptions: 0, reminders: 0, to_print: 0 };
        case "outbox_letters":
        case "unread_reminders":
        case "mailings":
        case "exceptions":
        case "office_print_batch":
          return [];
        case "recall_letter":
        case "mark_letter_handled":
        case "retry_letter":
        case "send_letter_now":
          return null;
        case "send_mailing_now":
          return 2;
        case "cancel_mailing":
        case "pause_mailing":
          return mailing({});
        default:
          throw new Error(`unexpected ${cmd}`);
      }
    });
    return calls;
  }

  it("lists letters with channel, status in words (an unknown one as written) and age, and recalls a held one", async () => {
    const calls = backend({
      outbox_letters: [
        letter({}),
        letter({ id: "l2", state: "held", route: null, status: null }),
        letter({ id: "l3", route: "papir", status: "NY_STATUS_I_V4" }),
      ],
    });
    render(Utsending);
    await screen.findByTestId("sent-list");
    const rows = letterRows();
    expect(rows[0].textContent).toContain("Levert i digital postkasse");
    expect(rows[0].textContent).toContain("3 t");
    expect(rows[1].textContent).toContain("Venter (kan trekkes tilbake)");
    expect(rows[2].textContent).toContain("Ukjent status: NY_STATUS_I_V4");
    expect(within(rows[0]).queryByText("Trekk tilbake")).toBeNull();
    // The first button of each row opens the letter (the end-to-end test clicks it).
    for (const row of rows) expect(row.querySelector("button")!.textContent).toBe("Vis");
    await fireEvent.click(within(rows[1]).getByText("Trekk tilbake"));
    await vi.waitFor(() => expect(calls.some(([cmd, args]) => cmd === "recall_letter" && (args as { id: string }).id === "l2")).toBe(true));
  });

  it("says which environment the lists show", async () => {
    backend({ app_info: { ...info, environment: "prod" } });
    render(Utsending);
    expect((await screen.findByTestId("utsending-environment")).textContent).toContain("Viser brev i Produksjon");
  });

  it("groups letters by mass mailing, single letters as Enkeltbrev, and folds a group away", async () => {
    backend({
      outbox_letters: [
        letter({ id: "a1", mailing_id: "m2", title: "Varsel om vannavbrudd", recipient: "Kari Nordmann (010101 *****)" }),
        letter({ id: "s1", mailing_id: null, title: "Svar på søknad", recipient: "Per Hansen (020202 *****)" }),
        letter({ id: "a2", mailing_id: "m2", title: "Varsel om vannavbrudd", recipient: "Ola Nordmann (030303 *****)" }),
        letter({ id: "b1", mailing_id: "m1" }),
      ],
      mailings: [mailing({ id: "m2", title: "Vannavbrudd Storgata", total: 2, done: 2 }), mailing({ id: "m1", total: 1, done: 1 })],
    });
    render(Utsending);
    await screen.findByTestId("sent-list");
    const titles = screen.getAllByTestId("group-title").map((e) => e.textContent);
    expect(titles).toEqual(["Vannavbrudd Storgata", "Enkeltbrev", "Eiendomsskatt 2027"]);
    expect(group("mailing:m2").querySelectorAll("tr[data-letter]")).toHaveLength(2);
    expect(group("single").querySelectorAll("tr[data-letter]")).toHaveLength(1);
    expect(within(group("mailing:m2")).getByTestId("group-count").textContent).toBe("2 brev");

    const toggle = within(group("mailing:m2")).getByTestId("group-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    await fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(group("mailing:m2").querySelectorAll("tr[data-letter]")).toHaveLength(0);
    expect(letterRows().map((r) => r.dataset.letter)).toEqual(["s1", "b1"]);
    await fireEvent.click(toggle);
    expect(letterRows()).toHaveLength(4);
  });

  it("searches by name, title or status in words, and filters by channel, state and date", async () => {
    backend({
      outbox_letters: [
        letter({ id: "d1", created_at: "2026-12-06T10:00:00Z" }),
        letter({ id: "p1", route: "papir", status: "PRINTET", state: "final", recipient: "Liv Li (309100 *****)", created_at: "2026-12-03T10:00:00Z" }),
        letter({ id: "x1", mailing_id: null, route: "altinn", status: "IKKE_LEVERT", state: "failed", title: "Purring", recipient: "Sandkasse AS (910753614)", created_at: "2026-11-30T23:30:00Z" }),
      ],
      mailings: [mailing({})],
    });
    render(Utsending);
    await screen.findByTestId("sent-list");
    const ids = () => letterRows().map((r) => r.dataset.letter);
    expect(ids()).toEqual(["d1", "p1", "x1"]);

    const search = screen.getByTestId("sent-search");
    await fireEvent.input(search, { target: { value: "ØDEGÅRD" } });
    expect(ids()).toEqual(["d1"]);
    await fireEvent.input(search, { target: { value: "skrevet ut" } });
    expect(ids()).toEqual(["p1"]);
    await fireEvent.input(search, { target: { value: "purring sandkasse" } });
    expect(ids()).toEqual(["x1"]);
    // A group with nothing left to show is not shown.
    expect(screen.getAllByTestId("group-title").map((e) => e.textContent)).toEqual(["Enkeltbrev"]);
    expect(screen.getByTestId("sent-count").textContent).toContain("Viser 1 av 3 brev");
    await fireEvent.input(search, { target: { value: "finnes ikke" } });
    expect(ids()).toEqual([]);
    expect(screen.getByTestId("sent-none")).toBeTruthy();
    await fireEvent.input(search, { target: { value: "" } });

    await fireEvent.change(screen.getByTestId("sent-channel"), { target: { value: "papir" } });
    expect(ids()).toEqual(["p1"]);
    await fireEvent.change(screen.getByTestId("sent-channel"), { target: { value: "" } });
    await fireEvent.change(screen.getByTestId("sent-stage"), { target: { value: "failed" } });
    expect(ids()).toEqual(["x1"]);
    await fireEvent.change(screen.getByTestId("sent-stage"), { target: { value: "" } });

    // Dates are typed dd.mm.åååå and read as Oslo days (23.30 UTC on 30 November is 1 December).
    await fireEvent.input(screen.getByTestId("sent-from"), { target: { value: "01.12.2026" } });
    expect(ids()).toEqual(["d1", "p1", "x1"]);
    await fireEvent.input(screen.getByTestId("sent-from"), { target: { value: "2.12.2026" } });
    expect(ids()).toEqual(["d1", "p1"]);
    await fireEvent.input(screen.getByTestId("sent-to"), { target: { value: "05.12.2026" } });
    expect(ids()).toEqual(["p1"]);
    await fireEvent.input(screen.getByTestId("sent-to"), { target: { value: "31.02.2026" } });
    expect(screen.getByTestId("sent-to-error").textContent).toContain("dd.mm.åååå");
    expect(ids()).toEqual(["d1", "p1"]);
    await fireEvent.click(screen.getByTestId("sent-clear"));
    expect(ids()).toEqual(["d1", "p1", "x1"]);
  });

  it("names the channel SvarUt's statuses show when it is not the planned one, and keeps SvarUt's code in a tooltip", async () => {
    backend({
      outbox_letters: [
        letter({ id: "a1", route: "altinn", seen_route: "altinn", status: "PRINTET", state: "final" }),
        letter({ id: "d1", route: "digital_postkasse", seen_route: "papir", status: "SENDT_PRINT" }),
        letter({ id: "d2", route: "digital_postkasse", seen_route: "digital_postkasse" }),
      ],
    });
    render(Utsending);
    await screen.findByTestId("sent-list");
    const [a1, d1, d2] = letterRows();
    expect(within(a1).getByTestId("letter-channel").textContent).toBe("Altinn → papir etter lesefristen");
    expect(within(d1).getByTestId("letter-channel").textContent).toBe("Planlagt: Digital postkasse. SvarUt viser: Papir.");
    expect(within(d2).getByTestId("letter-channel").textContent).toBe("Digital postkasse");
    expect(d1.dataset.seenRoute).toBe("papir");
    expect(d1.dataset.route).toBe("digital_postkasse");
    expect(d1.dataset.status).toBe("SENDT_PRINT");
    const status = within(a1).getByTestId("letter-status");
    expect(status.textContent!.trim()).toBe("Skrevet ut og postlagt");
    expect(status.getAttribute("title")).toBe("PRINTET");
    // No ISO timestamps on screen.
    expect(screen.getByTestId("sent-list").textContent).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it("shows when a held letter leaves, and Send nå sends it (or the mailing's held letters) at once", async () => {
    const release = new Date(Date.now() + 60_000).toISOString();
    const calls = backend({
      outbox_letters: [
        letter({ id: "h1", state: "held", route: null, status: null, release_at: release }),
        letter({ id: "h2", state: "held", route: "papir", status: null, release_at: release }),
        letter({ id: "s1", state: "sent" }),
      ],
      mailings: [mailing({ total: 3, waiting: 2, sent: 1, done: 0 })],
    });
    render(Utsending);
    await screen.findByTestId("sent-list");
    const [h1, h2, s1] = letterRows();
    expect(within(h1).getByTestId("letter-release").textContent).toMatch(/^Sendes (kl\. \d{2}\.\d{2}|\d+\. \w+ \d{4} kl\. \d{2}\.\d{2})$/);
    expect(within(h1).getByTestId("letter-channel").textContent).toBe("Velges når brevet sendes");
    expect(within(h2).getByTestId("letter-channel").textContent).toBe("Papir");
    expect(within(s1).queryByTestId("send-now")).toBeNull();

    await fireEvent.click(within(h2).getByTestId("send-now"));
    await vi.waitFor(() => expect(calls).toContainEqual(["send_letter_now", { id: "h2" }]));
    await vi.waitFor(() => expect(screen.getByTestId("utsending-notice").textContent).toBe("Brevet sendes nå."));

    await fireEvent.click(within(group("mailing:m1")).getByTestId("mailing-send-now"));
    await vi.waitFor(() => expect(calls).toContainEqual(["send_mailing_now", { id: "m1" }]));
    await vi.waitFor(() => expect(screen.getByTestId("utsending-notice").textContent).toBe("2 brev sendes nå."));
  });

  it("offers no Send nå for a paused mailing's letters", async () => {
    backend({
      outbox_letters: [letter({ id: "h1", state: "held", route: null, status: null })],
      mailings: [mailing({ total: 1, waiting: 1, done: 0, paused: true })],
    });
    render(Utsending);
    await screen.findByTestId("sent-list");
    const [h1] = letterRows();
    expect(within(h1).queryByTestId("send-now")).toBeNull();
    expect(within(h1).getByTestId("letter-release").textContent).toBe("Venter til utsendingen fortsetter");
    expect(within(group("mailing:m1")).queryByTestId("mailing-send-now")).toBeNull();
    expect(within(group("mailing:m1")).getByTestId("mailing-pause").textContent).toBe("Fortsett");
  });

  it("asks before it cancels a mailing, and cancels only on Ja, avbryt", async () => {
    const calls = backend({ mailings: [mailing({ total: 10, waiting: 6, sending: 1, sent: 3, done: 0 })] });
    render(Utsending);
    await fireEvent.click(await screen.findByText("Oversikt"));
    const mailings = await screen.findByTestId("mailings");
    await fireEvent.click(within(mailings).getByTestId("mailing-cancel"));
    const confirm = within(mailings).getByTestId("cancel-confirm");
    expect(confirm.textContent).toContain("Avbryte «Eiendomsskatt 2027»?");
    expect(confirm.textContent).toContain("6 brev som ikke er sendt ennå");
    expect(calls.some(([cmd]) => cmd === "cancel_mailing")).toBe(false);
    await fireEvent.click(within(confirm).getByText("Nei"));
    expect(within(mailings).queryByTestId("cancel-confirm")).toBeNull();
    expect(calls.some(([cmd]) => cmd === "cancel_mailing")).toBe(false);

    await fireEvent.click(within(mailings).getByTestId("mailing-cancel"));
    await fireEvent.click(within(mailings).getByText("Ja, avbryt"));
    await vi.waitFor(() => expect(calls).toContainEqual(["cancel_mailing", { id: "m1" }]));
    expect(screen.queryByTestId("cancel-confirm")).toBeNull();
  });

  it("counts only final letters as done in a mailing's progress, failed apart, and hides Pause and Avbryt when nothing is left to send", async () => {
    backend({
      mailings: [
        mailing({ id: "m1", total: 10, waiting: 1, sending: 1, sent: 4, done: 3, failed: 1 }),
        mailing({ id: "m2", title: "Ferdig utsending", total: 5, waiting: 0, sending: 0, sent: 2, done: 2, failed: 1 }),
      ],
    });
    render(Utsending);
    await fireEvent.click(await screen.findByText("Oversikt"));
    const [m1, m2] = await screen.findAllByTestId("mailing");
    const bar = within(m1).getByTestId("mailing-bar") as HTMLProgressElement;
    expect(bar.value).toBe(3);
    expect(bar.max).toBe(10);
    expect(within(m1).getByTestId("mailing-done").textContent).toBe("3 av 10 ferdig");
    expect(within(m1).getByTestId("mailing-underway").textContent).toBe("5 underveis");
    expect(within(m1).getByTestId("mailing-failed").textContent).toBe("1 feilet");
    expect(within(m1).getByTestId("mailing-pause")).toBeTruthy();
    expect(within(m1).getByTestId("mailing-cancel")).toBeTruthy();

    expect((within(m2).getByTestId("mailing-bar") as HTMLProgressElement).value).toBe(2);
    expect(within(m2).getByTestId("mailing-underway").textContent).toBe("2 underveis");
    expect(within(m2).queryByTestId("mailing-pause")).toBeNull();
    expect(within(m2).queryByTestId("mailing-cancel")).toBeNull();
  });

  it("shows the month in words, statuses only when there are any, and the cost and saving", async () => {
    backend({
      dispatch_dashboard: {
        month: "2026-12",
        letters: 3,
        channels: [{ route: "papir", total: 1, waiting: 0, underway: 0, done: 1, failed: 0 }],
        statuses: [],
        cost: 30.9,
        saving: 1234.5,
        exceptions: 0,
        reminders: 0,
        to_print: 0,
      },
    });
    render(Utsending);
    await fireEvent.click(await screen.findByText("Oversikt"));
    const dashboard = await screen.findByTestId("dashboard");
    expect(within(dashboard).getByTestId("dashboard-month").textContent).toBe("Denne måneden (desember 2026)");
    expect(dashboard.textContent).not.toContain("2026-12");
    expect(within(dashboard).queryByText("Etter status")).toBeNull();
    const saving = within(dashboard).getByTestId("saving").textContent!;
    expect(saving).toContain("30,90 kr");
    expect(saving).toContain("1\u00a0234,50 kr");
    cleanup();

    backend({
      dispatch_dashboard: {
        month: "2026-12",
        letters: 1,
        channels: [],
        statuses: [{ status: "LEST", count: 1 }],
        cost: 0,
        saving: 0,
        exceptions: 0,
        reminders: 0,
        to_print: 0,
      },
    });
    render(Utsending);
    await fireEvent.click(await screen.findByText("Oversikt"));
    expect(await screen.findByText("Etter status")).toBeTruthy();
    expect(screen.getByTestId("dashboard-statuses").textContent).toContain("Lest: 1");
  });

  it("refreshes when the app says the outbox changed, and does not poll", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "setTimeout", "Date"] });
    try {
      const calls = backend();
      render(Utsending);
      await vi.waitFor(() => expect(listeners.has("outbox-changed")).toBe(true));
      const lists = () => calls.filter(([cmd]) => cmd === "outbox_letters").length;
      await vi.waitFor(() => expect(lists()).toBe(1));
      vi.advanceTimersByTime(60_000);
      expect(lists()).toBe(1);
      listeners.get("outbox-changed")!({ payload: null });
      await vi.waitFor(() => expect(lists()).toBe(2));
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows each exception with what happened and what to do, and a handled note is required text", async () => {
    const calls = backend({
      exceptions: [
        { letter: letter({ id: "x1", state: "failed", status: "IKKE_LEVERT" }), advice: "send_on_paper" },
        {
          letter: letter({
            id: "x2",
            state: "failed",
            status: null,
            last_error: "SvarUt refused: Postnummer og poststed mangler",
            last_problem: { key: "svar_ut_rejected", params: { message: "Postnummer og poststed mangler" } },
          }),
          advice: "fix_letter",
        },
      ],
    });
    render(Utsending);
    await fireEvent.click(await screen.findByText("Avvik (2)"));
    const inbox = screen.getByTestId("exceptions");
    expect(inbox.textContent).toContain("Send det på papir.");
    expect(inbox.textContent).toContain("SvarUt avviste brevet: Postnummer og poststed mangler");
    expect(inbox.textContent).not.toContain("SvarUt refused");
    expect(within(inbox).getAllByText("Prøv igjen")).toHaveLength(1);
    await fireEvent.click(within(inbox).getAllByText("Merk som håndtert")[0]);
    await fireEvent.input(screen.getByLabelText("Hva ble gjort?"), { target: { value: "Sendt på papir" } });
    await fireEvent.click(screen.getByText("Lagre"));
    await vi.waitFor(() =>
      expect(calls).toContainEqual(["mark_letter_handled", { id: "x1", note: "Sendt på papir" }]),
    );
  });
});

describe("dispatch words", () => {
  it("names channels, statuses and ages", () => {
    expect(routeText("papir", true)).toBe("Papir (skrives ut på kontoret)");
    expect(routeText(null)).toBe("Ikke sendt ennå");
    expect(statusText("PRINTET")).toBe("Skrevet ut og postlagt");
    expect(statusText("FEILET_UNDER_MOTTAK")).toBe("Feilet under mottak");
    expect(statusText("X")).toBe("Ukjent status: X");
    const now = new Date("2026-12-10T12:00:00Z");
    expect(age("2026-12-10T11:30:00Z", now)).toBe("30 min");
    expect(age("2026-12-01T12:00:00Z", now)).toBe("9 d");
  });

  it("says when a held letter leaves, in Oslo time", () => {
    const now = new Date("2026-12-06T19:30:00Z");
    expect(releaseText("2026-12-06T19:42:00Z", now)).toBe("Sendes kl. 20.42");
    expect(releaseText("2026-12-07T19:42:00Z", now)).toBe("Sendes 7. desember 2026 kl. 20.42");
    expect(releaseText("2026-12-06T19:00:00Z", now)).toBe("Sendes straks");
  });

  it("names an Altinn letter printed after the deadline even when SvarUt's first channel was Altinn", () => {
    const row = (over: Record<string, unknown>) => letter(over) as unknown as OutboxRow;
    expect(channelText(row({ route: "altinn", seen_route: "altinn", status: "SENDT_PRINT" }))).toBe("Altinn → papir etter lesefristen");
    expect(channelText(row({ route: "altinn", seen_route: "altinn", status: "LEST" }))).toBe("Altinn");
    expect(channelText(row({ route: "svarinn", seen_route: "altinn", status: "VARSLET" }))).toBe(
      "Planlagt: Mottakssystem (SvarInn). SvarUt viser: Altinn.",
    );
  });

  it("groups in the order of the newest letter and matches every word searched", () => {
    const rows = [
      letter({ id: "1", mailing_id: "gone" }),
      letter({ id: "2", mailing_id: null }),
      letter({ id: "3", mailing_id: "gone" }),
    ] as unknown as OutboxRow[];
    const groups = groupLetters(rows, [] as MailingProgress[]);
    expect(groups.map((g) => [g.key, g.title, g.letters.length])).toEqual([
      ["mailing:gone", "Vedtak", 2],
      ["single", "Enkeltbrev", 1],
    ]);
    expect(matchesFilter(rows[0], { ...NO_FILTER, text: "åse levert" })).toBe(true);
    expect(matchesFilter(rows[0], { ...NO_FILTER, text: "åse papir" })).toBe(false);
  });
});

describe("outboxEventText", () => {
  it("puts a SvarUt status in an outbox event in words, the code kept for a tooltip", () => {
    expect(outboxEventText("Status i SvarUt: SENDT_PRINT")).toEqual({
      text: "Status i SvarUt: Sendt til utskrift",
      code: "SENDT_PRINT",
    });
    expect(outboxEventText("Sendes til SvarUt")).toEqual({ text: "Sendes til SvarUt", code: null });
  });
});
