import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { tick } from "svelte";

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
import EnvironmentBadge from "../src/components/EnvironmentBadge.svelte";
import LanguageSettings from "../src/components/LanguageSettings.svelte";
import { LANGUAGE_STORAGE_KEY, language, setLanguage, t } from "../src/lib/i18n";
import { date, dateTime, month, time } from "../src/lib/norsk";

const info = { version: "0.1.0", environment: "sandbox" as const, identifier: "no.kommunepost.dev", data_dir: "/tmp", sandbox_url: null };

afterEach(() => {
  cleanup();
  invoke.mockReset();
  setLanguage("nb");
  localStorage.clear();
});

describe("the language", () => {
  it("is bokmål until the clerk picks another", () => {
    expect(language()).toBe("nb");
    expect(document.documentElement.lang).toBe("nb");
    expect(t("nav.innstillinger")).toBe("Innstillinger");
  });

  it("switches t(), marks the page and is remembered", () => {
    setLanguage("nn");
    expect(t("nav.innstillinger")).toBe("Innstillingar");
    expect(document.documentElement.lang).toBe("nn");
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe("nn");
    setLanguage("en");
    expect(t("nav.innstillinger")).toBe("Settings");
    expect(t("signering.summary.pages", { pages: 1, size: 20 })).toBe("1 page, 20 kB");
    expect(t("signering.summary.pages", { pages: 3, size: 20 })).toBe("3 pages, 20 kB");
    expect(document.documentElement.lang).toBe("en");
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe("en");
  });

  it("starts in the remembered language, and in bokmål when what is remembered is no language", async () => {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, "nn");
    vi.resetModules();
    const fresh = await import("../src/lib/i18n");
    expect(fresh.language()).toBe("nn");
    expect(fresh.t("nav.innstillinger")).toBe("Innstillingar");
    expect(document.documentElement.lang).toBe("nn");

    localStorage.setItem(LANGUAGE_STORAGE_KEY, "sv");
    vi.resetModules();
    const again = await import("../src/lib/i18n");
    expect(again.language()).toBe("nb");
    expect(document.documentElement.lang).toBe("nb");
  });

  it("writes dates and times the way the language does", () => {
    expect(dateTime("2026-12-07T09:15:00Z")).toBe("7. desember 2026 kl. 10.15");
    setLanguage("nn");
    expect(dateTime("2026-12-07T09:15:00Z")).toBe("7. desember 2026 kl. 10.15");
    setLanguage("en");
    expect(dateTime("2026-12-07T09:15:00Z")).toBe("7 December 2026, 10:15");
    expect(date("2026-12-07")).toBe("7 December 2026");
    expect(month("2026-05")).toBe("May 2026");
    expect(time("2026-07-01T10:05:00Z")).toBe("12:05");
    // What is not a date is still shown as it is.
    expect(dateTime("i morgen")).toBe("i morgen");
  });
});

describe("LanguageSettings", () => {
  it("switches a rendered component's text and the page language at once", async () => {
    render(EnvironmentBadge, { environment: "sandbox" });
    render(LanguageSettings);
    const badge = screen.getByTestId("environment-badge");
    expect(badge.textContent).toBe("Miljø: Sandkasse");
    expect((screen.getByTestId("language-nb") as HTMLInputElement).checked).toBe(true);

    await fireEvent.click(screen.getByTestId("language-en"));
    await tick();
    expect(badge.textContent).toBe("Environment: Sandbox");
    expect(screen.getByRole("group", { name: "Language" })).toBeTruthy();
    expect((screen.getByTestId("language-en") as HTMLInputElement).checked).toBe(true);
    expect(document.documentElement.lang).toBe("en");
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe("en");

    await fireEvent.click(screen.getByTestId("language-nn"));
    await tick();
    expect(badge.textContent).toBe("Miljø: Sandkasse");
    expect(screen.getByRole("group", { name: "Språk" })).toBeTruthy();
    expect(document.documentElement.lang).toBe("nn");
  });

  it("names each language in that language, marked with its lang", () => {
    setLanguage("en");
    render(LanguageSettings);
    for (const [code, name] of [
      ["nb", "Bokmål"],
      ["nn", "Nynorsk"],
      ["en", "English"],
    ]) {
      const input = screen.getByTestId(`language-${code}`);
      expect(input.closest("label")?.textContent?.trim()).toBe(name);
      expect(input.closest("label")?.getAttribute("lang")).toBe(code);
    }
  });

  it("turns the whole app to English from Innstillinger, and back", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      switch (cmd) {
        case "app_info":
          return info;
        case "start_sandbox":
          return { ...info, sandbox_url: "http://127.0.0.1:4000" };
        case "store_state":
          return { state: "unlocked", key_source: "keyring" };
        default:
          return null;
      }
    });
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Innstillinger" }));
    const english = await screen.findByTestId("language-en");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Innstillinger");

    await fireEvent.click(english);
    await tick();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Settings");
    expect(screen.getByRole("button", { name: "Settings" }).getAttribute("aria-current")).toBe("page");
    expect(screen.getByRole("button", { name: "Lookup" })).toBeTruthy();
    expect(screen.getByRole("navigation", { name: "Main menu" })).toBeTruthy();
    expect(screen.getByTestId("environment-badge").textContent).toBe("Environment: Sandbox");
    expect(screen.getByText("Skip to content")).toBeTruthy();

    await fireEvent.click(screen.getByTestId("language-nb"));
    await tick();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Innstillinger");
    expect(screen.getByTestId("environment-badge").textContent).toBe("Miljø: Sandkasse");
    expect(document.documentElement.lang).toBe("nb");
  });
});
