import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {},
}));
vi.mock("@tauri-apps/api/event", () => ({}));

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
