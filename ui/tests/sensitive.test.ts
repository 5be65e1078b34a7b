// Sensitive letters (level-4 login, sent encrypted): the editor's checkbox and its hints, the
// send panel's notice and row markers, and the badge in Utsending.
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

import Brev from "../src/pages/Brev.svelte";
import SendDialog from "../src/components/SendDialog.svelte";
import SentLetters from "../src/components/SentLetters.svelte";
import LetterTimeline from "../src/components/LetterTimeline.svelte";
import { emptyCase } from "../src/lib/archive";
import { matchesFilter, NO_FILTER } from "../src/lib/dispatch";
import type { CaseMetadata, DraftForm, OutboxRow, TemplateSummary } from "../src/lib/bindings";

afterEach(() => {
  cleanup();
  invoke.mockReset();
  vi.useRealTimers();
});

function template(over: Partial<TemplateSummary>): TemplateSummary {
  return {
    id: "t1",
    name: "Vanlig brev",
    updated_at: "",
    kind: "ordinary",
    title: "Til orientering",
    body: "Hei",
    sender: "Orkland kommune",
    case: emptyCase(),
    sensitive: false,
    language: "nb",
    ...over,
  } as TemplateSummary;
}

const ordinary = template({});
const barnevern = template({ id: "t2", name: "Barnevern", kind: "vedtak", title: "Vedtak om tiltak", sensitive: true });

/** A stored draft as the Rust side returns it; `sensitive` left out is a draft saved before it existed. */
function storedDraft(c: CaseMetadata, sensitive?: boolean): DraftForm {
  const letter = {
    template_id: null,
    address_lines: [],
    postcode: "",
    city: "",
    fields: [],
    recipients_csv_base64: null,
    recipients_file_name: null,
    column_map: [],
    attachments: [],
    attachment_mode: "separate" as const,
    case: c,
    ...(sensitive === undefined ? {} : { sensitive }),
  };
  return { id: "d1", title: "Vedtak", recipient_fnr: "", recipient_name: "", body: "Hei", letter: letter as DraftForm["letter"] };
}

/** Brev against a backend with the two templates (and `draft` stored as d1); returns the drafts saved. */
function backend(draft: DraftForm | null = null, settingsTitle = "") {
  const saved: DraftForm[] = [];
  invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
    switch (cmd) {
      case "list_drafts":
        return draft ? [{ id: "d1", kind: "letter", title: "Vedtak", recipient_masked: null, updated_at: "" }] : [];
      case "list_trash":
        return [];
      case "list_templates":
        return [ordinary, barnevern];
      case "get_draft":
        return JSON.parse(JSON.stringify(draft));
      case "draft_fields":
        return [];
      case "archive_settings":
        return { defaults: { ...emptyCase(), public_title: settingsTitle }, archive_part: "" };
      case "save_draft":
        saved.push(JSON.parse(JSON.stringify(args.draft)));
        return { id: "d1", kind: "letter", title: "", recipient_masked: null, updated_at: "" };
      default:
        throw new Error(`unexpected ${cmd}`);
    }
  });
  return saved;
}

const checkbox = () => screen.getByTestId("draft-sensitive") as HTMLInputElement;

describe("Brev: sensitive letters", () => {
  it("starts a letter from a sensitive template as sensitive, and says the notification shows its title until a public title is given", async () => {
    const saved = backend();
    vi.useFakeTimers({ shouldAdvanceTime: true });
    render(Brev);
    const buttons = await screen.findAllByTestId("new-from-template");
    await fireEvent.click(buttons[1]);
    expect(checkbox().checked).toBe(true);
    expect(screen.getByLabelText("Sensitivt brev (krever innlogging på nivå 4)")).toBe(checkbox());
    const help = document.getElementById(checkbox().getAttribute("aria-describedby")!)!;
    expect(help.textContent).toContain("BankID, Buypass eller Commfides");
    expect(help.textContent).toContain("krypteres");
    expect(help.textContent).toContain("SvarUt skriver det ut");
    expect(help.textContent).toContain("offentlig tittel under «Sak og arkiv»");
    await vi.waitFor(() => expect(screen.getByTestId("sensitive-title-note").textContent).toContain("brevets egen tittel"));
    expect(screen.queryByTestId("sensitive-hint")).toBeNull();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(saved.length).toBeGreaterThan(0));
    expect(saved.at(-1)!.letter!.sensitive).toBe(true);
    expect(saved.at(-1)!.letter!.template_id).toBe("t2");

    await fireEvent.input(screen.getByTestId("case-public-title"), { target: { value: "Vedtak etter barnevernsloven" } });
    expect(screen.queryByTestId("sensitive-title-note")).toBeNull();
  });

  it("starts a letter from an ordinary template, and a blank one, as not sensitive", async () => {
    backend();
    render(Brev);
    const buttons = await screen.findAllByTestId("new-from-template");
    await fireEvent.click(buttons[0]);
    expect(checkbox().checked).toBe(false);
    await fireEvent.click(screen.getByTestId("new-draft"));
    expect(checkbox().checked).toBe(false);
    expect(screen.queryByTestId("sensitive-title-note")).toBeNull();
  });

  it("suggests sending a letter in a screened case as sensitive, and saves the choice with the draft", async () => {
    const saved = backend(storedDraft(emptyCase(), false));
    vi.useFakeTimers({ shouldAdvanceTime: true });
    render(Brev);
    await fireEvent.click(await screen.findByRole("button", { name: "Vedtak" }));
    await screen.findByTestId("case-fields");
    expect(checkbox().checked).toBe(false);
    expect(screen.queryByTestId("sensitive-hint")).toBeNull();

    await fireEvent.change(screen.getByTestId("case-restriction"), { target: { value: "13" } });
    expect(screen.getByTestId("sensitive-hint").textContent).toBe("Brevet er i en skjermet sak. Vurder å sende det som sensitivt.");

    await fireEvent.click(checkbox());
    expect(checkbox().checked).toBe(true);
    expect(screen.queryByTestId("sensitive-hint")).toBeNull();
    expect(screen.getByTestId("sensitive-title-note")).toBeTruthy();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(saved.length).toBeGreaterThan(0));
    expect(saved.at(-1)!.letter!.sensitive).toBe(true);
    expect(saved.at(-1)!.letter!.case.screening.restriction).toBe("13");

    await fireEvent.click(checkbox());
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(saved.at(-1)!.letter!.sensitive).toBe(false));
    expect(screen.getByTestId("sensitive-hint")).toBeTruthy();
  });

  it("reads a draft saved without the field as not sensitive, and takes the public title from the settings too", async () => {
    const saved = backend(storedDraft(emptyCase()), "Sak etter barnevernsloven");
    vi.useFakeTimers({ shouldAdvanceTime: true });
    render(Brev);
    await fireEvent.click(await screen.findByRole("button", { name: "Vedtak" }));
    await screen.findByTestId("case-fields");
    expect(checkbox().checked).toBe(false);
    await fireEvent.click(checkbox());
    // The settings give a public title: the notification shows it, so there is nothing to say.
    await vi.waitFor(() => expect((screen.getByTestId("case-public-title") as HTMLInputElement).placeholder).toBe("Sak etter barnevernsloven"));
    expect(screen.queryByTestId("sensitive-title-note")).toBeNull();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(saved.length).toBeGreaterThan(0));
    expect(saved.at(-1)!.letter!.sensitive).toBe(true);
  });

  it("makes the letter sensitive when a sensitive template is chosen", async () => {
    backend();
    render(Brev);
    await fireEvent.click(await screen.findByTestId("new-draft"));
    expect(checkbox().checked).toBe(false);
    await vi.waitFor(() => expect(screen.getByTestId("draft-template").querySelectorAll("option")).toHaveLength(3));
    await fireEvent.change(screen.getByTestId("draft-template"), { target: { value: "t2" } });
    expect(checkbox().checked).toBe(true);
    expect((screen.getByTestId("draft-title") as HTMLInputElement).value).toBe("Vedtak om tiltak");
  });

  it("shows a sent sensitive draft's choice read-only", async () => {
    const draft = storedDraft(emptyCase(), true);
    invoke.mockImplementation(async (cmd: string) => {
      switch (cmd) {
        case "list_drafts":
          return [{ id: "d1", kind: "letter", title: "Vedtak", recipient_masked: null, updated_at: "", sent_at: "2026-12-06T19:40:00Z", sent_letters: 1 }];
        case "get_draft":
          return draft;
        case "archive_settings":
          return null;
        default:
          return [];
      }
    });
    render(Brev);
    await fireEvent.click(await screen.findByRole("button", { name: "Vedtak" }));
    await screen.findByTestId("sent-banner");
    expect(checkbox().checked).toBe(true);
    expect(checkbox().matches(":disabled")).toBe(true);
  });
});

const none = { email: false, sms: false };
const plan = {
  preview: {
    rows: [
      { recipient: "Åse Ødegård (209146 *****)", route: "digital_postkasse", reason: "has_mailbox", provider: "digipost", notification: { email: true, sms: false }, alternative: null, warnings: [], cost: 0.767, if_printed: 0 },
      { recipient: "Liv Li (309100 *****)", route: "papir", reason: "reserved", provider: null, notification: none, alternative: null, warnings: [], cost: 30.9, if_printed: 0 },
    ],
    digital: { letters: 1, cost: 0.767 },
    altinn: { letters: 0, cost: 0 },
    svarinn: { letters: 0, cost: 0 },
    paper: { letters: 1, cost: 30.9 },
    total_cost: 31.667,
    if_unread: 0,
    saving: 30,
  },
  failed: [],
  hold_minutes: 5,
  print_at_office: false,
  environment: "sandbox",
  key: "preview-1",
  earlier: null,
  sensitive: true,
  notification_title: "Vedtak etter barnevernsloven",
};

describe("SendDialog: sensitive letters", () => {
  const form = storedDraft(emptyCase(), true);

  it("says the letter needs level-4 login and goes encrypted, what the notification shows, and marks every row", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "dispatch_preview") return plan;
      throw new Error(`unexpected ${cmd}`);
    });
    render(SendDialog, { form, onclose: () => {} });
    const block = await screen.findByTestId("send-sensitive");
    expect(block.textContent).toContain("Krever innlogging på nivå 4 – sendes kryptert");
    expect(block.textContent).toContain("Mottakere som får brevet på papir, får det skrevet ut av SvarUt.");
    expect(block.textContent).toContain("Varselet viser tittelen «Vedtak etter barnevernsloven».");
    const rows = within(screen.getByTestId("send-preview")).getAllByRole("row").slice(1);
    for (const row of rows) expect(within(row).getByTestId("send-row-level4").textContent).toBe("Nivå 4");
    expect(within(rows[0]).getByTestId("send-row-level4").getAttribute("aria-label")).toBe("Krever innlogging på nivå 4");
    expect(within(rows[1]).getByTestId("send-row-level4").getAttribute("title")).toContain("skriver SvarUt det ut");
  });

  it("says the notification shows the letter's own title when there is no public title", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "dispatch_preview") return { ...plan, notification_title: null };
      throw new Error(`unexpected ${cmd}`);
    });
    render(SendDialog, { form, onclose: () => {} });
    const block = await screen.findByTestId("send-sensitive");
    expect(block.textContent).not.toContain("Varselet viser tittelen");
    expect(block.textContent).toContain("brevets egen tittel");
  });

  it("takes the keyboard to its heading when it opens, and Escape closes it", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "dispatch_preview") return plan;
      throw new Error(`unexpected ${cmd}`);
    });
    let closed = 0;
    render(SendDialog, { form, onclose: () => (closed += 1) });
    await screen.findByTestId("send-preview");
    const heading = screen.getByRole("heading", { level: 2 });
    expect(document.activeElement).toBe(heading);
    screen.getByTestId("send-kind").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(closed).toBe(1);
  });

  it("says nothing of level 4 for an ordinary letter", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "dispatch_preview") return { ...plan, sensitive: false, notification_title: null };
      throw new Error(`unexpected ${cmd}`);
    });
    render(SendDialog, { form, onclose: () => {} });
    await screen.findByTestId("send-preview");
    expect(screen.queryByTestId("send-sensitive")).toBeNull();
    expect(screen.queryByTestId("send-row-level4")).toBeNull();
  });
});

function row(over: Partial<OutboxRow>): OutboxRow {
  return {
    id: "l1",
    mailing_id: null,
    title: "Vedtak",
    recipient: "Åse Ødegård (209146 *****)",
    kind: "vedtak",
    state: "sent",
    route: "digital_postkasse",
    seen_route: null,
    status: "LEVERT_SDP",
    status_at: null,
    created_at: "2026-12-06T19:40:00Z",
    release_at: "2026-12-06T19:45:00Z",
    last_error: null,
    local_print: false,
    handled_note: null,
    pages: 1,
    sensitive: false,
    ...over,
  } as OutboxRow;
}

describe("Utsending: sensitive letters", () => {
  it("marks a sensitive letter with a level-4 badge that says what it means", () => {
    render(SentLetters, {
      letters: [row({ id: "s1", sensitive: true }), row({ id: "o1" })],
      mailings: [],
      now: new Date("2026-12-06T20:00:00Z"),
      act: async () => {},
      notify: () => {},
      onopen: () => {},
    });
    const rows = [...screen.getByTestId("sent-list").querySelectorAll<HTMLElement>("tr[data-letter]")];
    const badge = within(rows[0]).getByTestId("letter-level4");
    expect(badge.textContent).toBe("Nivå 4");
    expect(badge.getAttribute("title")).toBe("Krever innlogging på nivå 4");
    expect(screen.getByLabelText("Krever innlogging på nivå 4")).toBe(badge);
    expect(within(rows[1]).queryByTestId("letter-level4")).toBeNull();
  });

  it("finds sensitive letters by searching for nivå 4", () => {
    expect(matchesFilter(row({ sensitive: true }), { ...NO_FILTER, text: "nivå 4" })).toBe(true);
    expect(matchesFilter(row({ sensitive: true }), { ...NO_FILTER, text: "sensitiv" })).toBe(true);
    expect(matchesFilter(row({}), { ...NO_FILTER, text: "sensitiv" })).toBe(false);
  });

  it("says in the timeline that the letter needs level-4 login and went encrypted", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "letter_detail")
        return {
          letter: row({ sensitive: true, state: "final" }),
          events: [],
          svarut_events: [],
          svarut_error: null,
          svarut_id: null,
          krr_evidence: null,
          krr_check: null,
          advice: null,
        };
      throw new Error(`unexpected ${cmd}`);
    });
    render(LetterTimeline, { id: "l1", tick: 0, onclose: () => {} });
    const line = await screen.findByTestId("timeline-sensitive");
    expect(line.textContent?.trim()).toBe("Krever innlogging på nivå 4, sendt kryptert");
    expect(screen.getByTestId("letter-timeline").textContent).toContain("Sensitivt");
  });
});
