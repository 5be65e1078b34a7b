import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";

// The generated bindings call Tauri's invoke; here it answers like the Rust side would.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    onmessage: (message: unknown) => void = () => {};
  },
}));
const listeners = new Map<string, (event: { payload: unknown }) => void>();
vi.mock("@tauri-apps/api/event", () => ({
  listen: (name: string, handler: (event: { payload: unknown }) => void) => {
    listeners.set(name, handler);
    return Promise.resolve(() => listeners.delete(name));
  },
}));

import App from "../src/App.svelte";
import EnvironmentBadge from "../src/components/EnvironmentBadge.svelte";
import Innstillinger from "../src/pages/Innstillinger.svelte";
import Oppslag from "../src/pages/Oppslag.svelte";

afterEach(() => {
  cleanup();
  invoke.mockReset();
});

describe("the background banner", () => {
  it("shows what the background work reports, and goes away when a round goes well", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      switch (cmd) {
        case "app_info":
          return { version: "0.1.0", environment: "sandbox", identifier: "no.kommunepost.dev", data_dir: "/tmp", sandbox_url: null };
        case "store_state":
          return { state: "unlocked", key_source: "keyring" };
        default:
          return null;
      }
    });
    render(App);
    await vi.waitFor(() => expect(listeners.has("background-status")).toBe(true));
    expect(screen.queryByTestId("background-banner")).toBeNull();
    listeners.get("background-status")!({
      payload: "another Kommunepost on this machine is sending (kommunepost outbox run, pid 4242, since 13:30)",
    });
    const banner = await screen.findByTestId("background-banner");
    expect(banner.getAttribute("role")).toBe("alert");
    expect(banner.textContent).toContain("Bakgrunnsarbeidet");
    expect(banner.textContent).toContain("pid 4242, since 13:30");
    listeners.get("background-status")!({ payload: null });
    await vi.waitFor(() => expect(screen.queryByTestId("background-banner")).toBeNull());
  });
});

describe("Innstillinger: Ta sikkerhetskopi", () => {
  const info = { version: "0.1.0", environment: "sandbox" as const, identifier: "no.kommunepost.dev", data_dir: "/tmp", sandbox_url: null };

  it("writes a backup and says where, or says why not", async () => {
    let fail = false;
    invoke.mockImplementation(async (cmd: string) => {
      switch (cmd) {
        case "store_state":
          return { state: "unlocked", key_source: "keyring" };
        case "backup_store":
          if (fail) return Promise.reject({ code: "store_locked", message: "the store is locked; unlock it first" });
          return "/home/saksbehandler/Nedlastinger/kommunepost-sikkerhetskopi-2026-12-06-1330.kpdb";
        default:
          return null;
      }
    });
    render(Innstillinger, { info, onchange: () => {} });
    const button = await screen.findByRole("button", { name: "Ta sikkerhetskopi" });
    await vi.waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(button);
    await vi.waitFor(() =>
      expect(screen.getByTestId("backup-notice").textContent).toContain("kommunepost-sikkerhetskopi-2026-12-06-1330.kpdb"),
    );
    expect(invoke).toHaveBeenCalledWith("backup_store");
    fail = true;
    await fireEvent.click(button);
    await vi.waitFor(() => expect(screen.getByRole("alert").textContent).toContain("the store is locked"));
  });
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

describe("Oppslag lookup", () => {
  const check = (valid: boolean) => ({
    input: "209146 *****",
    valid,
    kind: valid ? "fodselsnummer" : null,
    variant: null,
    rule: null,
    birth_date: null,
    description: "",
    problem: valid ? null : { code: "wrong_check_digit", message: "", position: 11, found_length: null },
  });

  it("shows a badge per row from Rust's answer and reveals a number only on request", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "check_identifiers") return [check(true), check(false)];
      if (cmd === "split_identifiers") return ["20914695016", "20914695017"];
      if (cmd === "lookup_identifiers")
        return [
          {
            identifier: "209146 *****", valid: true, kind: "fodselsnummer", problem: null, status: "AKTIV",
            reservasjon: "JA", varslingsstatus: "KAN_IKKE_VARSLES", postkasseleverandoer: null, route: "papir",
            reason: "reserved", notification: { email: false, sms: false }, spraak: "nn", error: null,
          },
          {
            identifier: "209146 *****", valid: false, kind: null, status: null, reservasjon: null, varslingsstatus: null,
            problem: { code: "wrong_check_digit", message: "", position: 11, found_length: null },
            postkasseleverandoer: null, route: null, reason: null, notification: null, spraak: null, error: null,
          },
        ];
      throw new Error(`unexpected ${cmd}`);
    });
    render(Oppslag);
    await fireEvent.input(screen.getByTestId("ident-input"), { target: { value: "20914695016 20914695017" } });
    await fireEvent.click(screen.getByTestId("lookup"));
    await vi.waitFor(() => expect(screen.getAllByTestId("lookup-badge")).toHaveLength(2));

    const badges = screen.getAllByTestId("lookup-badge").map((b) => b.textContent);
    expect(badges).toEqual(["Reservert – sendes på papir", "Ugyldig: feil kontrollsiffer (siffer 11)"]);
    expect(document.body.textContent).not.toContain("20914695016");
    await fireEvent.click(screen.getAllByRole("button", { name: "Vis hele nummeret" })[0]);
    expect(document.body.textContent).toContain("20914695016");
  });

  it("asks for a purpose before looking up more than ten persons", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "check_identifiers") return Array.from({ length: 11 }, () => check(true));
      throw new Error(`unexpected ${cmd}`);
    });
    render(Oppslag);
    await fireEvent.click(screen.getByTestId("lookup"));
    await vi.waitFor(() => expect(screen.getByTestId("lookup-error").textContent).toContain("Skriv formålet"));
    expect(invoke).not.toHaveBeenCalledWith("lookup_identifiers", expect.anything());
  });
});
