import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";

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

afterEach(() => {
  cleanup();
  invoke.mockReset();
  vi.useRealTimers();
});

describe("Brev", () => {
  it("lists drafts with masked recipients and autosaves a new draft once, then updates it", async () => {
    const saved: unknown[] = [];
    type Summary = { id: string; kind: string; title: string; recipient_masked: string | null; updated_at: string };
    let drafts: Summary[] = [{ id: "d1", kind: "letter", title: "Gammelt", recipient_masked: "209146 *****", updated_at: "" }];
    invoke.mockImplementation(async (cmd: string, args: { draft?: { id: string | null } }) => {
      switch (cmd) {
        case "list_drafts":
          return drafts;
        case "list_trash":
        case "list_templates":
          return [];
        case "save_draft": {
          saved.push(JSON.parse(JSON.stringify(args.draft)));
          const summary: Summary = { id: "d2", kind: "letter", title: "Nytt", recipient_masked: null, updated_at: "" };
          drafts = [summary, ...drafts.filter((d) => d.id !== "d2")];
          return summary;
        }
        default:
          throw new Error(`unexpected ${cmd}`);
      }
    });
    render(Brev);
    await vi.waitFor(() => expect(screen.getByTestId("draft-list").textContent).toContain("209146 *****"));
    vi.useFakeTimers();

    await fireEvent.click(screen.getByTestId("new-draft"));
    await fireEvent.input(screen.getByTestId("draft-title"), { target: { value: "Nytt" } });
    await vi.advanceTimersByTimeAsync(1000);
    await fireEvent.input(screen.getByTestId("draft-title"), { target: { value: "Nytt brev" } });
    await vi.advanceTimersByTimeAsync(1000);

    expect(saved).toHaveLength(2);
    expect((saved[0] as { id: string | null }).id).toBeNull();
    expect((saved[1] as { id: string | null }).id).toBe("d2");
    expect(screen.getByTestId("draft-status").textContent).toContain("Lagret");
  });

  it("shows why a draft was not saved", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "save_draft") throw { code: "invalid_identifier", message: "wrong check digit" };
      return [];
    });
    vi.useFakeTimers();
    render(Brev);
    await fireEvent.click(screen.getByTestId("new-draft"));
    await fireEvent.input(screen.getByTestId("draft-title"), { target: { value: "X" } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(screen.getByTestId("brev-error").textContent).toContain("Nummeret er ikke gyldig.");
  });
});

vi.mock("../src/lib/pdf", () => ({
  openPdf: async () => ({ numPages: 2, destroy: () => {} }),
  drawPage: () => ({ done: Promise.resolve(), cancel: () => {} }),
}));

describe("Brev editor", () => {
  it("reads a pasted list, previews the chosen row with the envelope window, and pages with the keyboard", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    invoke.mockImplementation(async (cmd: string, args: unknown) => {
      calls.push({ cmd, args: JSON.parse(JSON.stringify(args ?? null)) });
      switch (cmd) {
        case "list_drafts":
        case "list_trash":
        case "list_templates":
          return [];
        case "save_draft":
          return { id: "d1", kind: "mass_mailing", title: "", recipient_masked: null, updated_at: "" };
        case "import_recipients":
          return {
            encoding: "utf8",
            separator: "tab",
            columns: ["fodselsnummer", "navn"],
            data_rows: 3,
            valid: 3,
            problems: [],
            preview: [
              { row: 2, identifier: "209146 *****", name: "Åse", place: "7300 ORKANGER" },
              { row: 3, identifier: "309100 *****", name: "Liv", place: "7300 ORKANGER" },
              { row: 4, identifier: "018130 *****", name: "Per", place: "7300 ORKANGER" },
            ],
          };
        case "letter_geometry":
          return {
            page_width: 210,
            page_height: 297,
            window: { left: 15, top: 44, width: 100, height: 30 },
            address: { left: 25, top: 47, width: 85, height: 23 },
          };
        case "preview_letter":
          return {
            pdf_base64: btoa("%PDF-1.7"),
            pages: 2,
            title: "Innkalling",
            file_name: "Innkalling.pdf",
            window_lines: ["Liv", "Storgata 2", "7300 ORKANGER"],
            recipient: "Liv (309100 *****)",
            problems: [
              {
                code: "margin_too_small",
                document: "vedlegg.pdf",
                message: "page 1: content starts 10 mm from the left edge",
                problem: { key: "margin_too_small", params: { page: "1", found: "10", min: "15" } },
                blocking: true,
              },
            ],
            pdf_a: true,
          };
        default:
          throw new Error(`unexpected ${cmd}`);
      }
    });
    render(Brev);
    await fireEvent.click(screen.getByTestId("new-draft"));
    await fireEvent.input(screen.getByTestId("recipients-paste"), {
      target: { value: "fodselsnummer\tnavn\n20914695016\tÅse\n30910099686\tLiv\n01813048589\tPer\n" },
    });
    await fireEvent.click(screen.getByTestId("recipients-use"));
    await vi.waitFor(() => expect(screen.getByTestId("recipient-report").textContent).toContain("3 av 3 rader"));
    const imported = calls.find((c) => c.cmd === "import_recipients")!.args as { file: number[] };
    expect(new TextDecoder().decode(new Uint8Array(imported.file))).toContain("Åse");
    // The pasted identifiers do not stay on screen.
    await vi.waitFor(() => expect((screen.getByTestId("recipients-paste") as HTMLTextAreaElement).value).toBe(""));

    await fireEvent.change(screen.getByTestId("preview-row"), { target: { value: "3" } });
    await fireEvent.click(screen.getByTestId("preview"));
    await vi.waitFor(() => expect(screen.getByTestId("viewer-page").textContent).toBe("Side 1 av 2"));
    const asked = calls.find((c) => c.cmd === "preview_letter")!.args as { row: number; draft: { letter: { recipients_csv_base64: string } } };
    expect(asked.row).toBe(3);
    expect(asked.draft.letter.recipients_csv_base64).toBeTruthy();
    expect(screen.getByTestId("preview-summary").textContent).toContain("Liv (309100 *****)");
    expect(screen.getByTestId("preflight-problems").textContent).toContain(
      "vedlegg.pdf: Side 1: innholdet begynner 10 mm fra venstre kant. Utskrift krever minst 15 mm.",
    );
    expect(screen.getByTestId("preflight-problems").textContent).not.toContain("left edge");
    expect(screen.getByTestId("envelope-window")).toBeTruthy();

    await fireEvent.keyDown(screen.getByTestId("pdf-page"), { key: "ArrowRight" });
    expect(screen.getByTestId("viewer-page").textContent).toBe("Side 2 av 2");
    expect(screen.queryByTestId("envelope-window")).toBeNull();
  });

  it("says why a preview cannot be made", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "preview_letter") {
        throw { code: "letter_not_ready", message: "unknown merge field(s): frist", detail: { key: "merge_unknown", params: { fields: "frist" } } };
      }
      if (cmd === "letter_geometry") return { page_width: 210, page_height: 297, window: { left: 15, top: 44, width: 100, height: 30 }, address: { left: 25, top: 47, width: 85, height: 23 } };
      return [];
    });
    render(Brev);
    await fireEvent.click(screen.getByTestId("new-draft"));
    await fireEvent.click(screen.getByTestId("preview"));
    await vi.waitFor(() =>
      expect(screen.getByTestId("preview-error").textContent).toContain("Brevet kan ikke lages ennå. Flettefelt uten kolonne eller verdi: frist"),
    );
    expect(screen.getByTestId("preview-error").textContent).not.toContain("unknown merge field");
  });
});

describe("Brev column mapping", () => {
  it("lets the clerk say which column is which field when the headers differ", async () => {
    const imports: unknown[] = [];
    const saved: { letter: { column_map: unknown } }[] = [];
    invoke.mockImplementation(async (cmd: string, args: { mapping?: unknown; draft?: unknown }) => {
      switch (cmd) {
        case "import_recipients":
          imports.push(args.mapping);
          if (!Array.isArray(args.mapping) || args.mapping.length === 0)
            throw { code: "invalid_recipient_list", message: "the header lacks the column(s) navn" };
          return { encoding: "utf8", separator: "semicolon", columns: ["fodselsnummer", "navn"], data_rows: 1, valid: 1, problems: [], preview: [] };
        case "recipient_headers":
          return [
            { header: "fodselsnummer", sample: "209146 *****", suggested: null },
            { header: "Mottaker", sample: "Åse", suggested: null },
          ];
        case "save_draft":
          saved.push(JSON.parse(JSON.stringify(args.draft)));
          return { id: "d1", kind: "mass_mailing", title: "", recipient_masked: null, updated_at: "" };
        default:
          return [];
      }
    });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    render(Brev);
    await fireEvent.click(screen.getByTestId("new-draft"));
    await fireEvent.input(screen.getByTestId("recipients-paste"), { target: { value: "fodselsnummer;Mottaker\n20914695016;Åse\n" } });
    await fireEvent.click(screen.getByTestId("recipients-use"));
    await vi.waitFor(() => expect(screen.getByTestId("column-map")).toBeTruthy());
    expect(screen.getByTestId("list-error").textContent).toContain("Mottakerlisten kan ikke leses.");
    // Each column shows its first row's value, so the clerk sees what is in it.
    expect(screen.getByTestId("column-map").textContent).toContain("(første rad: «Åse»)");
    const select = screen.getByLabelText(/^\s*Mottaker\s+\(første rad/) as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: "navn" } });
    await fireEvent.click(screen.getByTestId("column-map-apply"));
    await vi.waitFor(() => expect(screen.getByTestId("recipient-report").textContent).toContain("1 av 1 rader"));
    expect(imports.at(-1)).toEqual([{ name: "Mottaker", value: "navn" }]);
    await vi.waitFor(() => expect(screen.queryByTestId("column-map")).toBeNull());
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(saved.length).toBeGreaterThan(0));
    expect(saved.at(-1)!.letter.column_map).toEqual([{ name: "Mottaker", value: "navn" }]);
  });
});

describe("Brev merge values", () => {
  it("asks for the values of fields a single letter's recipient does not provide", async () => {
    const saved: { letter: { fields: unknown } }[] = [];
    invoke.mockImplementation(async (cmd: string, args: { draft?: unknown }) => {
      switch (cmd) {
        case "draft_fields":
          return [
            { name: "navn", from_recipient: true },
            { name: "frist", from_recipient: false },
          ];
        case "save_draft":
          saved.push(JSON.parse(JSON.stringify(args.draft)));
          return { id: "d1", kind: "letter", title: "", recipient_masked: null, updated_at: "" };
        default:
          return [];
      }
    });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    render(Brev);
    await fireEvent.click(screen.getByTestId("new-draft"));
    await vi.waitFor(() => expect(screen.getByTestId("merge-values")).toBeTruthy());
    expect(screen.queryByLabelText("navn", { selector: "#field-navn" })).toBeNull();
    await fireEvent.input(screen.getByLabelText("frist"), { target: { value: "1. mars" } });
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(saved.length).toBeGreaterThan(0));
    expect(saved.at(-1)!.letter.fields).toEqual([{ name: "frist", value: "1. mars" }]);
  });
});
