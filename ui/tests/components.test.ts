import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";

// The generated bindings call Tauri's invoke; here it answers like the Rust side would.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args), Channel: class {} }));
vi.mock("@tauri-apps/api/event", () => ({}));

import EnvironmentBadge from "../src/components/EnvironmentBadge.svelte";
import Oppslag from "../src/pages/Oppslag.svelte";

afterEach(() => {
  cleanup();
  invoke.mockReset();
});

describe("EnvironmentBadge", () => {
  it("shows the environment in bokmål", () => {
    render(EnvironmentBadge, { environment: "sandbox" });
    expect(screen.getByTestId("environment-badge").textContent).toContain("Sandkasse");
  });

  it("marks production so it cannot be mistaken", () => {
    render(EnvironmentBadge, { environment: "prod" });
    const badge = screen.getByTestId("environment-badge");
    expect(badge.textContent).toContain("Produksjon");
    expect(badge.className).toContain("env-prod");
  });
});

describe("Oppslag", () => {
  it("sends the pasted text to Rust and shows each result in plain words", async () => {
    invoke.mockResolvedValue([
      {
        input: "209146 *****",
        valid: true,
        kind: "fodselsnummer",
        variant: "tenor_synthetic",
        rule: "current",
        birth_date: "1946-11-20",
        description: "",
        problem: null,
      },
      {
        input: "209146 *****",
        valid: false,
        kind: null,
        variant: null,
        rule: null,
        birth_date: null,
        description: "",
        problem: { code: "wrong_check_digit", message: "", position: 11, found_length: null },
      },
    ]);
    render(Oppslag);
    await fireEvent.input(screen.getByTestId("ident-input"), {
      target: { value: "20914695016\n20914695017" },
    });
    await fireEvent.click(screen.getByTestId("ident-check"));
    await vi.waitFor(() => expect(screen.getAllByTestId("ident-result")).toHaveLength(2));

    expect(invoke).toHaveBeenCalledWith("check_identifiers", { text: "20914695016\n20914695017" });
    const texts = screen.getAllByTestId("ident-result").map((cell) => cell.textContent);
    expect(texts).toEqual(["Gyldig syntetisk fødselsnummer (Tenor)", "Ugyldig: feil kontrollsiffer (siffer 11)"]);
    expect(screen.getByTestId("ident-summary").textContent).toBe("1 gyldige, 1 ugyldige");
  });

  it("never renders service text as markup", async () => {
    invoke.mockResolvedValue([
      {
        input: "<img src=x onerror=alert(1)>",
        valid: false,
        kind: null,
        variant: null,
        rule: null,
        birth_date: null,
        description: "",
        problem: { code: "not_digits", message: "", position: 1, found_length: null },
      },
    ]);
    render(Oppslag);
    await fireEvent.click(screen.getByTestId("ident-check"));
    await vi.waitFor(() => expect(screen.getAllByTestId("ident-result")).toHaveLength(1));
    expect(document.querySelector("img[src=x]")).toBeNull();
    expect(document.body.textContent).toContain("<img src=x onerror=alert(1)>");
  });
});
