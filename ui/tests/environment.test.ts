import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/svelte";

// The generated bindings call Tauri's invoke; here it answers like the Rust side would.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    onmessage: (message: unknown) => void = () => {};
  },
}));
vi.mock("@tauri-apps/api/event", () => ({
  listen: () => Promise.resolve(() => {}),
}));

import App from "../src/App.svelte";
import { allStepsOk, checkLabel, mayConfirm, needsChecklist, requestEnvironment } from "../src/lib/environment";
import { t } from "../src/lib/i18n";
import type { ConnectionStep } from "../src/lib/bindings";

afterEach(() => {
  cleanup();
  invoke.mockReset();
});

// A step as core reports it: an English message for the log, and the detail the UI says.
const step = (name: string, ok: boolean): ConnectionStep => ({
  step: name,
  ok,
  message: ok ? "answered" : "no client saved for this environment",
  detail: ok ? { key: "step_svar_ut_ok", params: {} } : { key: "missing_svar_ut_account", params: { environment: "prod" } },
});
const allOk = ["credentials", "token", "lookup", "svarut", "signing"].map((name) => step(name, true));

/** A backend in `environment` whose connection test answers `steps`; records the calls. */
function backend(steps: unknown[], environment = "sandbox") {
  const calls: Array<[string, unknown]> = [];
  let current = environment;
  invoke.mockImplementation(async (cmd: string, args: { environment?: string }) => {
    calls.push([cmd, args]);
    switch (cmd) {
      case "app_info":
        return { version: "0.1.0", environment: current, identifier: "no.kommunepost.dev", data_dir: "/tmp", sandbox_url: null };
      case "start_sandbox":
        return { version: "0.1.0", environment: current, identifier: "no.kommunepost.dev", data_dir: "/tmp", sandbox_url: "http://127.0.0.1:4000" };
      case "store_state":
        return { state: "unlocked", key_source: "keyring" };
      case "test_connection":
        return steps;
      case "set_environment":
        current = args.environment!;
        return { version: "0.1.0", environment: current, identifier: "no.kommunepost.dev", data_dir: "/tmp", sandbox_url: null };
      default:
        return null;
    }
  });
  return calls;
}

async function openSettings() {
  render(App);
  await fireEvent.click(await screen.findByRole("button", { name: "Innstillinger" }));
  return screen.findByRole("radio", { name: /Produksjon/ });
}

const radio = (name: RegExp) => screen.getByRole("radio", { name }) as HTMLInputElement;
const switched = (calls: Array<[string, unknown]>) => calls.filter(([cmd]) => cmd === "set_environment");

describe("switching environment", () => {
  it("asks before Produksjon, shows the readiness checklist, and will not switch while a step fails", async () => {
    const calls = backend([step("credentials", true), step("token", true), step("lookup", true), step("svarut", false), step("signing", true)]);
    const prod = await openSettings();
    await fireEvent.click(prod);

    const dialog = await screen.findByTestId("env-confirm");
    expect(dialog.getAttribute("role")).toBe("dialog");
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(dialog.textContent).toContain("Bytte til Produksjon?");
    // The page's own switch was stopped: the old choice stands and nothing was switched.
    expect(radio(/Produksjon/).checked).toBe(false);
    expect(radio(/Sandkasse/).checked).toBe(true);
    expect(calls).toContainEqual(["test_connection", { environment: "prod" }]);

    const list = await within(dialog).findByTestId("env-checklist");
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(5);
    expect(items[0].textContent).toContain("Maskinporten og KRR");
    expect(items[0].textContent).toContain("OK");
    expect(items[3].textContent).toContain("SvarUt");
    expect(items[3].textContent).toContain("Feil");
    expect(items[3].textContent).toContain("Det er ikke satt opp SvarUt-konto og Fiks-integrasjon i miljøet Produksjon.");
    expect(items[3].textContent).not.toContain("no client saved");
    expect(items[2].textContent).toContain("SvarUt svarte.");
    expect(items[4].textContent).toContain("Signering");

    const yes = within(dialog).getByTestId("env-confirm-yes") as HTMLButtonElement;
    expect(yes.textContent).toBe("Bytt til Produksjon");
    expect(yes.disabled).toBe(true);
    expect(within(dialog).getByTestId("env-blocked")).toBeTruthy();
    await fireEvent.click(yes);
    await fireEvent.click(within(dialog).getByTestId("env-confirm-no"));
    expect(screen.queryByTestId("env-confirm")).toBeNull();
    expect(switched(calls)).toEqual([]);
    expect(screen.getByTestId("environment-badge").textContent).toContain("Sandkasse");
  });

  it("switches to Produksjon only on confirmation when every step is ok, and the pages follow", async () => {
    const calls = backend(allOk);
    await fireEvent.click(await openSettings());
    const dialog = await screen.findByTestId("env-confirm");
    await within(dialog).findByTestId("env-checklist");
    expect(switched(calls)).toEqual([]);
    const yes = within(dialog).getByTestId("env-confirm-yes") as HTMLButtonElement;
    await vi.waitFor(() => expect(yes.disabled).toBe(false));
    await fireEvent.click(yes);
    await vi.waitFor(() => expect(switched(calls)).toEqual([["set_environment", { environment: "prod" }]]));
    await vi.waitFor(() => expect(screen.queryByTestId("env-confirm")).toBeNull());
    expect(screen.getByTestId("environment-badge").textContent).toContain("Produksjon");
    expect(screen.getByTestId("env-switched").textContent).toBe("Miljøet er endret til Produksjon.");
    await vi.waitFor(() => expect(radio(/Produksjon/).checked).toBe(true));
  });

  it("lets the clerk choose Test with a warning when steps fail", async () => {
    const calls = backend([step("credentials", false), step("svarut", true), step("signing", true)]);
    await openSettings();
    await fireEvent.click(radio(/Test/));
    const dialog = await screen.findByTestId("env-confirm");
    await within(dialog).findByTestId("env-checklist");
    expect(calls).toContainEqual(["test_connection", { environment: "test" }]);
    expect(within(dialog).getByTestId("env-warning").textContent).toContain("Noen kontroller feilet");
    const yes = within(dialog).getByTestId("env-confirm-yes") as HTMLButtonElement;
    expect(yes.disabled).toBe(false);
    await fireEvent.click(yes);
    await vi.waitFor(() => expect(switched(calls)).toEqual([["set_environment", { environment: "test" }]]));
  });

  it("asks before going back to Sandkasse, without a checklist", async () => {
    const calls = backend(allOk, "prod");
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Innstillinger" }));
    await vi.waitFor(() => expect(radio(/Produksjon/).checked).toBe(true));
    await fireEvent.click(radio(/Sandkasse/));
    const dialog = await screen.findByTestId("env-confirm");
    expect(dialog.textContent).toContain("Bytte til Sandkasse?");
    expect(within(dialog).queryByTestId("env-checklist")).toBeNull();
    expect(calls.some(([cmd]) => cmd === "test_connection")).toBe(false);
    expect(radio(/Produksjon/).checked).toBe(true);
    // Escape says no.
    await fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByTestId("env-confirm")).toBeNull();
    expect(switched(calls)).toEqual([]);

    await fireEvent.click(radio(/Sandkasse/));
    await fireEvent.click(await screen.findByTestId("env-confirm-yes"));
    await vi.waitFor(() => expect(switched(calls)).toEqual([["set_environment", { environment: "sandbox" }]]));
  });

  it("stops a change that comes without a click (keyboard) the same way", async () => {
    const calls = backend(allOk);
    await openSettings();
    const prod = radio(/Produksjon/);
    prod.checked = true;
    await fireEvent.change(prod);
    expect(await screen.findByTestId("env-confirm")).toBeTruthy();
    expect(prod.checked).toBe(false);
    expect(radio(/Sandkasse/).checked).toBe(true);
    expect(switched(calls)).toEqual([]);
  });

  it("is what any selector asks for via requestEnvironment", async () => {
    const calls = backend(allOk);
    render(App);
    await screen.findByTestId("environment-badge");
    expect(requestEnvironment("test")).toBe(true);
    expect(await screen.findByTestId("env-confirm")).toBeTruthy();
    expect(switched(calls)).toEqual([]);
    cleanup();
    expect(requestEnvironment("test")).toBe(false);
  });
});

describe("environment readiness", () => {
  it("lets Produksjon be chosen only when every step is ok; Test and Sandkasse always", () => {
    const failing = [...allOk.slice(0, 4), step("signing", false)];
    expect(allStepsOk(allOk)).toBe(true);
    expect(allStepsOk([])).toBe(false);
    expect(allStepsOk(null)).toBe(false);
    expect(mayConfirm("prod", allOk)).toBe(true);
    expect(mayConfirm("prod", failing)).toBe(false);
    expect(mayConfirm("prod", null)).toBe(false);
    expect(mayConfirm("test", failing)).toBe(true);
    expect(mayConfirm("sandbox", null)).toBe(true);
    expect(needsChecklist("sandbox")).toBe(false);
    expect(needsChecklist("test")).toBe(true);
  });

  it("names every step in Norwegian", () => {
    for (const name of ["credentials", "token", "lookup"]) expect(t(checkLabel(name)!)).toContain("Maskinporten og KRR");
    expect(t(checkLabel("svarut")!)).toBe("SvarUt");
    expect(t(checkLabel("signing")!)).toBe("Signering");
    expect(checkLabel("something_new")).toBeNull();
  });
});

/** The list `inside` is in holds only `dt` and `dd` elements, none with a role of its own (a
 * `dd` with a role is no longer a value to a screen reader; axe: definition-list). */
function definitionListIntact(inside: Element) {
  const list = inside.closest("dl")!;
  expect(list).not.toBeNull();
  for (const child of Array.from(list.children)) {
    expect(["DT", "DD"]).toContain(child.tagName);
    expect(child.getAttribute("role")).toBeNull();
  }
}

describe("the sandbox services", () => {
  it("start when Innstillinger needs their address, which shows once they run", async () => {
    const calls = backend(allOk);
    await openSettings();
    expect(await screen.findByTestId("sandbox-url")).toHaveProperty("textContent", "http://127.0.0.1:4000");
    expect(calls.filter(([cmd]) => cmd === "start_sandbox")).toHaveLength(1);
  });

  it("say why when they cannot start", async () => {
    backend(allOk);
    const answer = invoke.getMockImplementation()!;
    invoke.mockImplementation(async (cmd: string, args: unknown) => {
      if (cmd === "start_sandbox") throw { code: "service_unavailable", message: "port in use", detail: null };
      return answer(cmd, args);
    });
    await openSettings();
    const failed = await screen.findByTestId("sandbox-failed");
    expect(failed.getAttribute("role")).toBe("alert");
    expect(failed.textContent).not.toContain("port in use");
    expect(screen.queryByTestId("sandbox-url")).toBeNull();
    definitionListIntact(failed);
  });

  it("say they are starting inside the list, which stays a list of terms and values", async () => {
    backend(allOk);
    const answer = invoke.getMockImplementation()!;
    invoke.mockImplementation(async (cmd: string, args: unknown) => {
      // Still starting: the answer does not come during the test.
      if (cmd === "start_sandbox") return new Promise(() => {});
      return answer(cmd, args);
    });
    await openSettings();
    const starting = await screen.findByTestId("sandbox-starting");
    expect(starting.getAttribute("role")).toBe("status");
    definitionListIntact(starting);
  });

  it("are not asked for outside the Sandbox", async () => {
    const calls = backend(allOk, "test");
    await openSettings();
    expect(screen.queryByTestId("sandbox-starting")).toBeNull();
    expect(calls.some(([cmd]) => cmd === "start_sandbox")).toBe(false);
  });
});
