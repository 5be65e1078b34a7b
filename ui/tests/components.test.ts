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
import FilePicker from "../src/components/FilePicker.svelte";
import SvarUtSettings from "../src/components/SvarUtSettings.svelte";
import MaskinportenClient from "../src/components/MaskinportenClient.svelte";
import SigningSettings from "../src/components/SigningSettings.svelte";
import LetterTimeline from "../src/components/LetterTimeline.svelte";
import StoreGate from "../src/components/StoreGate.svelte";
import { createRawSnippet } from "svelte";

// jsdom's Blob has no text(); the web view's has.
if (!Blob.prototype.text) {
  Blob.prototype.text = function (this: Blob) {
    return new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result as string);
      reader.onerror = () => reject(reader.error);
      reader.readAsText(this);
    });
  };
}

/** Sets files on a file input the way the browser does, then says so. */
async function chooseFiles(input: HTMLElement, files: File[]) {
  Object.defineProperty(input, "files", { value: files, configurable: true });
  await fireEvent.change(input);
}

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
    // Core's English text is for the log: the banner says there is a problem, not the English.
    listeners.get("background-status")!({
      payload: "another Kommunepost on this machine is sending (kommunepost outbox run, pid 4242, since 13:30)",
    });
    const banner = await screen.findByTestId("background-banner");
    expect(banner.getAttribute("role")).toBe("alert");
    expect(banner.textContent).toContain("Bakgrunnsarbeidet (utsending og sporing) melder om et problem. Loggen viser hva.");
    expect(banner.textContent).not.toContain("pid 4242");
    // A problem (or an error carrying one) is said in the clerk's language.
    listeners.get("background-status")!({ payload: { key: "worker_busy", params: { holder: "?" } } });
    await vi.waitFor(() =>
      expect(screen.getByTestId("background-banner").textContent).toContain("En annen Kommunepost på denne maskinen sender allerede fra denne lagringen."),
    );
    listeners.get("background-status")!({
      payload: { code: "service_unavailable", message: "SvarUt: timed out", detail: { key: "svar_ut_timeout", params: { seconds: "30" } } },
    });
    await vi.waitFor(() => expect(screen.getByTestId("background-banner").textContent).toContain("SvarUt svarte ikke innen 30 sekunder."));
    expect(screen.getByTestId("background-banner").textContent).not.toContain("timed out");
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
          if (fail) {
            return Promise.reject({ code: "store_locked", message: "the store is locked; unlock it first", detail: { key: "store_locked", params: {} } });
          }
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
    await vi.waitFor(() => expect(screen.getByRole("alert").textContent).toContain("Lagringen er låst. Lås den opp først."));
    expect(screen.getByRole("alert").textContent).not.toContain("the store is locked");
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
    const checked = [
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
    ];
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "check_identifiers") return checked;
      if (cmd === "split_identifiers") return ["20914695016", "20914695017"];
      throw new Error(`unexpected ${cmd}`);
    });
    render(Oppslag);
    await fireEvent.input(screen.getByTestId("ident-input"), {
      target: { value: "20914695016\n20914695017" },
    });
    await fireEvent.click(screen.getByTestId("ident-check"));
    await vi.waitFor(() => expect(screen.getAllByTestId("ident-result")).toHaveLength(2));

    expect(invoke).toHaveBeenCalledWith("check_identifiers", { text: "20914695016\n20914695017" });
    const texts = screen.getAllByTestId("ident-result").map((cell) => cell.textContent);
    expect(texts).toEqual(["Gyldig syntetisk fødselsnummer (Tenor)", "Ugyldig: feil kontrollsiffer (siffer 11)"]);
    expect(screen.getByTestId("ident-summary").textContent).toBe("1 gyldig, 1 ugyldig");
    // The typo is shown as the clerk typed it; the valid number stays masked.
    const shown = screen.getAllByTestId("ident-input-shown").map((cell) => cell.textContent);
    expect(shown).toEqual(["209146 *****", "20914695017"]);
    expect(document.body.textContent).not.toContain("20914695016");
  });

  it("keeps a valid number refused by the gate masked, even though the row is not valid", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "check_identifiers")
        return [
          {
            input: "010180 *****", valid: false, kind: null, variant: null, rule: null, birth_date: null, description: "",
            problem: { code: "real_number_in_test", message: "", position: null, found_length: null },
          },
          {
            input: "12 *****", valid: false, kind: null, variant: null, rule: null, birth_date: null, description: "",
            problem: { code: "wrong_length", message: "", position: null, found_length: 7 },
          },
        ];
      if (cmd === "split_identifiers") return ["01018012345", "1234567"];
      throw new Error(`unexpected ${cmd}`);
    });
    render(Oppslag);
    await fireEvent.click(screen.getByTestId("ident-check"));
    await vi.waitFor(() => expect(screen.getAllByTestId("ident-input-shown")).toHaveLength(2));
    expect(screen.getAllByTestId("ident-input-shown").map((c) => c.textContent)).toEqual(["010180 *****", "1234567"]);
    expect(document.body.textContent).not.toContain("01018012345");
  });

  it("reads numbers from a file chosen with its own Norwegian button", async () => {
    render(Oppslag);
    const button = screen.getByRole("button", { name: /Hent numre fra fil.*Velg fil …/ });
    expect(button.getAttribute("aria-describedby")).toBe("ident-file-chosen");
    expect(screen.getByText("Ingen fil valgt")).toBeTruthy();
    const input = screen.getByTestId("ident-file") as HTMLInputElement;
    expect(input.type).toBe("file");
    expect(screen.getByLabelText("Hent numre fra fil (tekst eller CSV)", { selector: "input" })).toBe(input);
    await chooseFiles(input, [new File(["\uFEFF20914695016\n20914695017"], "numre.csv", { type: "text/csv" })]);
    await vi.waitFor(() =>
      expect((screen.getByTestId("ident-input") as HTMLTextAreaElement).value).toBe("20914695016\n20914695017"),
    );
    expect(screen.getByText("numre.csv")).toBeTruthy();
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
    // The invalid one is no identifier: the clerk sees the typo as typed.
    expect(document.body.textContent).toContain("20914695017");
    expect(document.body.textContent).toContain("1 ugyldig nummer ble ikke sendt til KRR.");
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

describe("FilePicker", () => {
  it("opens the hidden input from a keyboard-reachable button and names the chosen files", async () => {
    const onchange = vi.fn();
    render(FilePicker, { id: "pdf", label: "Importer PDF", accept: ".pdf", multiple: true, onchange, testid: "pdf-input" });
    const input = screen.getByTestId("pdf-input") as HTMLInputElement;
    expect(input.type).toBe("file");
    expect(input.id).toBe("pdf");
    expect(input.accept).toBe(".pdf");
    expect(input.multiple).toBe(true);
    expect(input.tabIndex).toBe(-1);
    expect(screen.getByLabelText("Importer PDF", { selector: "input" })).toBe(input);

    const button = screen.getByRole("button", { name: "Importer PDF Velg filer …" });
    expect(button.tabIndex).toBe(0);
    const click = vi.spyOn(input, "click").mockImplementation(() => {});
    await fireEvent.click(button);
    expect(click).toHaveBeenCalledOnce();

    expect(screen.getByText("Ingen fil valgt")).toBeTruthy();
    const files = [new File(["%PDF-1.7"], "a.pdf"), new File(["%PDF-1.7"], "b.pdf")];
    await chooseFiles(input, files);
    expect(onchange).toHaveBeenCalledWith(files);
    expect(document.getElementById("pdf-chosen")!.textContent).toBe("2 filer valgt: a.pdf, b.pdf");
  });

  it("shows one file's name, and says nothing was chosen when the dialog is cancelled", async () => {
    const onchange = vi.fn();
    render(FilePicker, { id: "cert", label: "Sertifikat", onchange });
    const input = document.getElementById("cert") as HTMLInputElement;
    expect(input.multiple).toBe(false);
    expect(input.hasAttribute("data-testid")).toBe(false);
    expect(screen.getByRole("button", { name: "Sertifikat Velg fil …" })).toBeTruthy();
    await chooseFiles(input, []);
    expect(onchange).not.toHaveBeenCalled();
    expect(document.getElementById("cert-chosen")!.textContent).toBe("Ingen fil valgt");
    await chooseFiles(input, [new File(["x"], "virksomhet.p12")]);
    expect(document.getElementById("cert-chosen")!.textContent).toBe("virksomhet.p12");
  });

  it("renders a file name as text, never as markup", async () => {
    render(FilePicker, { id: "f", label: "Fil", onchange: () => {} });
    await chooseFiles(document.getElementById("f")!, [new File(["x"], "<img src=x onerror=alert(1)>.pdf")]);
    expect(document.querySelector("img[src=x]")).toBeNull();
    expect(document.getElementById("f-chosen")!.textContent).toBe("<img src=x onerror=alert(1)>.pdf");
  });
});

describe("the recovery key", () => {
  const key = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567-ABCD-EFGH-IJKL-MNOP-QRST";

  function backend() {
    invoke.mockImplementation(async (cmd: string) => {
      switch (cmd) {
        case "app_info":
          return { version: "0.1.0", environment: "sandbox", identifier: "no.kommunepost.dev", data_dir: "/tmp", sandbox_url: null };
        case "store_state":
          return { state: "unlocked", key_source: "keyring" };
        case "recovery_key_to_show":
          return key;
        default:
          return null;
      }
    });
  }

  afterEach(() => {
    vi.restoreAllMocks();
    Reflect.deleteProperty(navigator, "clipboard");
  });

  it("is copied to the clipboard on request, with a Norwegian confirmation", async () => {
    backend();
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    render(App);
    expect((await screen.findByTestId("recovery-key")).textContent).toBe(key);
    expect(screen.getByTestId("recovery-ack")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Kopier" }));
    expect(writeText).toHaveBeenCalledWith(key);
    await vi.waitFor(() => expect(screen.getByTestId("recovery-copy-notice").textContent).toContain("Nøkkelen er kopiert"));
  });

  it("says what to do where the clipboard cannot be used, and selects the key", async () => {
    backend();
    render(App);
    await screen.findByTestId("recovery-key");
    await fireEvent.click(screen.getByRole("button", { name: "Kopier" }));
    await vi.waitFor(() => expect(screen.getByTestId("recovery-copy-notice").textContent).toContain("Kopieringen virket ikke"));
    expect(window.getSelection()?.toString()).toBe(key);

    const writeText = vi.fn().mockRejectedValue(new DOMException("denied", "NotAllowedError"));
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await fireEvent.click(screen.getByRole("button", { name: "Kopier" }));
    await vi.waitFor(() => expect(writeText).toHaveBeenCalled());
    expect(screen.getByTestId("recovery-copy-notice").textContent).toContain("Kopieringen virket ikke");
  });

  it("is printed on request", async () => {
    backend();
    const print = vi.spyOn(window, "print").mockImplementation(() => {});
    render(App);
    await screen.findByTestId("recovery-key");
    await fireEvent.click(screen.getByRole("button", { name: "Skriv ut" }));
    expect(print).toHaveBeenCalledOnce();
  });
});

describe("Innstillinger in Norwegian formats", () => {
  const dispatch = () => ({
    hold_minutes: 5,
    print_at_office: false,
    svarut_api: "v2",
    saving_per_letter: 10,
    prices: { digital_tiers: [], digital_transport: 0.285, altinn: 0, svarinn: 0.5, print_first_sheet: 30.9, print_extra_sheet: 1.5, postage: 1234.5 },
  });

  function backend(saved: unknown[]) {
    invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
      switch (cmd) {
        case "svarut_setup":
          return { konto_id: "", integrasjon_id: "", has_password: false };
        case "dispatch_settings":
          return dispatch();
        case "save_dispatch_settings":
          saved.push(args.settings);
          return null;
      }
      throw new Error(`unexpected ${cmd}`);
    });
  }

  it("shows prices with a decimal comma and saves what the clerk types with one", async () => {
    const saved: unknown[] = [];
    backend(saved);
    render(SvarUtSettings);
    const first = (await screen.findByLabelText("Papir: første ark (med porto)")) as HTMLInputElement;
    expect(first.type).toBe("text");
    expect(first.inputMode).toBe("decimal");
    expect(first.value).toBe("30,90");
    expect((screen.getByLabelText("Digital post: transport per brev") as HTMLInputElement).value).toBe("0,285");
    expect((screen.getByLabelText("Porto i tillegg") as HTMLInputElement).value).toBe("1\u00a0234,50");
    expect((screen.getByLabelText("Altinn per brev") as HTMLInputElement).value).toBe("0,00");

    await fireEvent.input(first, { target: { value: "31,50" } });
    await fireEvent.input(screen.getByLabelText("Altinn per brev"), { target: { value: "2.25" } });
    await fireEvent.click(screen.getByRole("button", { name: "Lagre utsending" }));
    await vi.waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toMatchObject({
      saving_per_letter: 10,
      prices: { print_first_sheet: 31.5, altinn: 2.25, svarinn: 0.5, digital_transport: 0.285, postage: 1234.5, print_extra_sheet: 1.5 },
    });
    await vi.waitFor(() => expect((screen.getByLabelText("Altinn per brev") as HTMLInputElement).value).toBe("2,25"));
  });

  it("says in Norwegian what is wrong with a price and saves nothing", async () => {
    const saved: unknown[] = [];
    backend(saved);
    render(SvarUtSettings);
    const first = (await screen.findByLabelText("Papir: første ark (med porto)")) as HTMLInputElement;
    await fireEvent.input(first, { target: { value: "tretti" } });
    await fireEvent.blur(first);
    const error = screen.getByTestId("p-first-error");
    expect(error.textContent).toBe("Papir: første ark (med porto): «tretti» er ikke et beløp. Skriv kroner med desimalkomma, for eksempel 30,90.");
    expect(first.getAttribute("aria-invalid")).toBe("true");
    expect(first.getAttribute("aria-describedby")).toBe("p-first-error");

    const postage = screen.getByLabelText("Porto i tillegg");
    await fireEvent.input(postage, { target: { value: "-1" } });
    await fireEvent.click(screen.getByRole("button", { name: "Lagre utsending" }));
    expect(screen.getByTestId("p-postage-error").textContent).toContain("kan ikke være negativt");
    expect(screen.getByRole("alert").textContent).toContain("Rett beløpene");
    expect(document.activeElement).toBe(first);
    expect(saved).toHaveLength(0);

    await fireEvent.input(first, { target: { value: "" } });
    expect(screen.getByTestId("p-first-error").textContent).toContain("skriv et beløp");
  });

  it("shows a certificate's last day in words, not as OpenSSL writes it", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "maskinporten_client")
        return {
          client_id: "abc-123",
          certificate: { kind: "pkcs12", subject: null, org_number: "910753614", valid_to: "Jan  5 20:40:04 2027 GMT", kid: null },
        };
      throw new Error(`unexpected ${cmd}`);
    });
    render(MaskinportenClient, { environment: "test" });
    const setup = await screen.findByTestId("mp-setup-test");
    expect(setup.textContent).toContain("gyldig til 5. januar 2027.");
    expect(setup.textContent).not.toContain("GMT");
    expect(screen.getByTestId("mp-file-test")).toBeTruthy();
    expect(screen.getByRole("button", { name: /Virksomhetssertifikat \(\.p12 eller \.pfx\) Velg fil …/ })).toBeTruthy();
  });

  it("counts CA certificates in the right form", async () => {
    invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
      if (cmd === "signing_setup")
        return {
          environment: args.environment,
          org: null,
          ca_pem: args.environment === "test" ? "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----" : null,
          server_orgnr: null,
          common: { polling_queue: "q", default_days: 14, reminder_hours: 48, send_copy: true },
        };
      throw new Error(`unexpected ${cmd}`);
    });
    render(SigningSettings);
    const test = await screen.findByTestId("signing-settings-test");
    expect(test.textContent).toContain("1 CA-sertifikat lagret.");
    const input = await screen.findByTestId("signing-ca-prod");
    const pem = "-----BEGIN CERTIFICATE-----\na\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nb\n-----END CERTIFICATE-----";
    await chooseFiles(input, [new File([pem], "ca.pem")]);
    await vi.waitFor(() => expect(screen.getByTestId("signing-settings-prod").textContent).toContain("2 CA-sertifikater lagret."));
  });
});

describe("LetterTimeline", () => {
  it("shows each event's time in words in Oslo time, and the service's codes only as tooltips", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "letter_detail")
        return {
          letter: {
            id: "l1", mailing_id: null, title: "Vedtak", recipient: "Kari", kind: "vedtak", state: "final", route: "papir",
            seen_route: "papir", status: "PRINTET", status_at: "2026-12-06T19:42:00Z", created_at: "2026-12-06T19:40:00Z",
            release_at: "2026-12-06T19:40:00Z", last_error: null, local_print: false, handled_note: null, pages: 1,
          },
          events: [{ at: "2026-12-06T19:40:00+00:00", text: "Lagt i utboksen" }],
          svarut_events: [{ at: "2026-07-01T10:05:00Z", text: "Printet" }, { at: "ikke en tid", text: "Ukjent" }],
          svarut_error: null,
          svarut_id: null,
          krr_evidence: null,
          krr_check: null,
          advice: null,
        };
      throw new Error(`unexpected ${cmd}`);
    });
    render(LetterTimeline, { id: "l1", tick: 0, onclose: () => {} });
    const timeline = await screen.findByTestId("letter-timeline");
    await vi.waitFor(() => expect(timeline.textContent).toContain("6. desember 2026 kl. 20.40 – Lagt i utboksen"));
    const svarut = screen.getByTestId("svarut-events").textContent ?? "";
    expect(svarut).toContain("1. juli 2026 kl. 12.05 – Printet");
    expect(svarut).toContain("ikke en tid – Ukjent");
    expect(screen.getByTestId("timeline-status").textContent).toBe("Skrevet ut og postlagt");
    expect(screen.getByTestId("timeline-status").getAttribute("title")).toBe("PRINTET");
    expect(screen.getByTestId("timeline-state").getAttribute("title")).toBe("final");
    expect(timeline.querySelector("time")?.getAttribute("datetime")).toBe("2026-12-06T19:40:00+00:00");
  });

  it("says what went wrong in the clerk's language, never core's English", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "letter_detail")
        return {
          letter: {
            id: "l1", mailing_id: null, title: "Vedtak", recipient: "Kari", kind: "vedtak", state: "failed", route: "papir",
            seen_route: null, status: null, status_at: null, created_at: "2026-12-06T19:40:00Z",
            release_at: "2026-12-06T19:40:00Z", local_print: false, handled_note: null, pages: 1,
            last_error: "SvarUt rejected the letter: Postnummer mangler",
            last_problem: { key: "svar_ut_rejected", params: { message: "Postnummer mangler" } },
          },
          events: [
            { at: "2026-12-06T19:40:00+00:00", text: "Lagt i utboksen", problem: null },
            { at: "2026-12-06T19:41:00+00:00", text: "Prøves igjen: SvarUt did not answer within 30 s", problem: { key: "svar_ut_timeout", params: { seconds: "30" } } },
            { at: "2026-12-06T19:42:00+00:00", text: "Feilet: SvarUt rejected the letter: Postnummer mangler", problem: { key: "svar_ut_rejected", params: { message: "Postnummer mangler" } } },
            { at: "2026-12-06T19:43:00+00:00", text: "Håndtert: Sendt på papir", problem: null },
          ],
          svarut_events: [],
          svarut_error: { key: "svar_ut_unreachable", params: {} },
          svarut_id: null,
          krr_evidence: null,
          krr_check: null,
          advice: "fix_letter",
        };
      throw new Error(`unexpected ${cmd}`);
    });
    render(LetterTimeline, { id: "l1", tick: 0, onclose: () => {} });
    const timeline = await screen.findByTestId("letter-timeline");
    await vi.waitFor(() => expect(timeline.textContent).toContain("Lagt i utboksen"));
    const text = timeline.textContent ?? "";
    expect(text).toContain("Prøves igjen: SvarUt svarte ikke innen 30 sekunder.");
    expect(text).toContain("Feilet: SvarUt avviste brevet: Postnummer mangler");
    expect(text).toContain("Håndtert: Sendt på papir");
    expect(text).toContain("Hendelsene fra SvarUt kunne ikke hentes: SvarUt kan ikke nås.");
    expect(timeline.querySelector("p.error")?.textContent).toBe("SvarUt avviste brevet: Postnummer mangler");
    expect(text).not.toContain("rejected");
    expect(text).not.toContain("did not answer");
  });
});


describe("StoreGate", () => {
  const children = createRawSnippet(() => ({ render: () => "<p>innhold</p>" }));

  it("says why the recovery key is needed in the clerk's language, and leaves out a detail core did not give", async () => {
    let detail: unknown = null;
    invoke.mockImplementation(async (cmd: string) => {
      switch (cmd) {
        case "store_state":
          return {
            state: "needs_recovery_key",
            reason: "the store's key is not in the credential store",
            detail: { key: "key_not_in_credential_store", params: {} },
          };
        case "unlock_store_with_recovery_key":
          throw { code: "wrong_key", message: "the passphrase or recovery key does not open the store", detail };
        default:
          return null;
      }
    });
    render(StoreGate, { children });
    await screen.findByText("Detaljer: Nøkkelen til lagringen finnes ikke i nøkkelringen. Lås opp med gjenopprettingsnøkkelen.");
    expect(document.body.textContent).not.toContain("credential store");

    await fireEvent.input(screen.getByLabelText("Gjenopprettingsnøkkel"), { target: { value: "ABCD" } });
    await fireEvent.click(screen.getByRole("button", { name: "Lås opp" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("Feil passordfrase eller nøkkel. Ingenting er endret – prøv igjen.");

    detail = { key: "wrong_key", params: {} };
    await fireEvent.click(screen.getByRole("button", { name: "Lås opp" }));
    await vi.waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe(
        "Feil passordfrase eller nøkkel. Ingenting er endret – prøv igjen. Detaljer: Passordfrasen eller gjenopprettingsnøkkelen åpner ikke lagringen.",
      ),
    );
    expect(screen.getByRole("alert").textContent).not.toContain("does not open");
  });
});
