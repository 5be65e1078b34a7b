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
import { age, routeText, statusText } from "../src/lib/dispatch";

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
      { recipient: "Liv Li (309100 *****)", route: "papir", reason: "reserved", provider: null, notification: none, alternative: null, warnings: ["Tittelen er lang."], cost: 30.9, if_printed: 0 },
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
  failed: [{ row: 5, error: "row 5: the fødselsnummer is not valid" }],
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
    expect(rows[1].textContent).toContain("Tittelen er lang.");
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
    expect(screen.getByText(/Rad 5 sendes ikke/)).toBeTruthy();
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
      if (cmd === "dispatch_preview") throw { code: "service_unavailable", message: "KRR: timed out" };
      throw new Error(`unexpected ${cmd}`);
    });
    render(SendDialog, { form: draft as never, onclose: () => {} });
    const error = await screen.findByTestId("send-error");
    expect(error.textContent).toContain("Tjenesten svarte ikke");
    expect(error.textContent).toContain("KRR: timed out");
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
  status: "LEVERT_SDP",
  status_at: null,
  created_at: new Date(Date.now() - 3 * 3600_000).toISOString(),
  release_at: new Date().toISOString(),
  last_error: null,
  local_print: false,
  handled_note: null,
  pages: 1,
  ...over,
});

describe("Utsending", () => {
  function backend(overrides: Record<string, unknown> = {}) {
    const calls: Array<[string, unknown]> = [];
    invoke.mockImplementation(async (cmd: string, args: unknown) => {
      calls.push([cmd, args]);
      if (cmd in overrides) return overrides[cmd];
      switch (cmd) {
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
          return null;
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
    const list = await screen.findByTestId("sent-list");
    const rows = within(list).getAllByRole("row").slice(1);
    expect(rows[0].textContent).toContain("Levert i digital postkasse");
    expect(rows[0].textContent).toContain("3 t");
    expect(rows[1].textContent).toContain("Venter (kan trekkes tilbake)");
    expect(rows[2].textContent).toContain("Ukjent status: NY_STATUS_I_V4");
    expect(within(rows[0]).queryByText("Trekk tilbake")).toBeNull();
    await fireEvent.click(within(rows[1]).getByText("Trekk tilbake"));
    await vi.waitFor(() => expect(calls.some(([cmd, args]) => cmd === "recall_letter" && (args as { id: string }).id === "l2")).toBe(true));
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
        { letter: letter({ id: "x2", state: "failed", status: null, last_error: "SvarUt refused: Postnummer og poststed mangler" }), advice: "fix_letter" },
      ],
    });
    render(Utsending);
    await fireEvent.click(await screen.findByText("Avvik (2)"));
    const inbox = screen.getByTestId("exceptions");
    expect(inbox.textContent).toContain("Send det på papir.");
    expect(inbox.textContent).toContain("Postnummer og poststed mangler");
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
});
