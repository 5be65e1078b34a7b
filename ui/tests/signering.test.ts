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
// pdf.js is not loaded in jsdom: the viewer opens nothing here.
vi.mock("../src/lib/pdf", () => ({
  openPdf: () => new Promise(() => {}),
  drawPage: () => ({ done: new Promise(() => {}), cancel: () => {} }),
}));

import Signering from "../src/pages/Signering.svelte";
import SigningForm from "../src/components/SigningForm.svelte";
import {
  JOB_STATUSES,
  SIGNER_STATUSES,
  jobStatusText,
  signerKind,
  signerStatusText,
  signingEventText,
  toSignerInput,
} from "../src/lib/signing";
import { dateTime } from "../src/lib/norsk";
import { nb } from "../src/lib/i18n/nb";

afterEach(() => {
  cleanup();
  invoke.mockReset();
});

const signer = (over: Record<string, unknown>) => ({
  position: 0,
  kind: "person",
  shown_id: "209146 *****",
  name: "Åse Ødegård",
  email: null,
  mobile: null,
  order_group: 0,
  signature_type: null,
  on_behalf_of: null,
  notifications: "lookup_sms",
  status: "WAITING",
  status_since: null,
  has_xades: false,
  redirect_url: null,
  ...over,
});

const order = (over: Record<string, unknown>) => ({
  id: "o1",
  environment: "sandbox",
  flow: "portal",
  title: "Avtale om bistand",
  nonsensitive_title: null,
  description: null,
  sender: "910753614",
  level: "4",
  deadline: new Date(Date.now() + 3600_000).toISOString(),
  reference: null,
  service_reference: "kp-1",
  polling_queue: "kommunepost",
  send_copy: true,
  state: "active",
  job_id: 1001,
  job_status: "IN_PROGRESS",
  cancellable: true,
  has_pades: false,
  copies_sent: false,
  last_error: null,
  created_at: new Date().toISOString(),
  updated_at: new Date().toISOString(),
  signers: [signer({}), signer({ position: 1, name: "Per Li", shown_id: "010101 *****", order_group: 1, status: "SIGNED" })],
  ...over,
});

describe("signing words", () => {
  it("has Norwegian words for every signer status, and no code for an unknown one", () => {
    for (const status of SIGNER_STATUSES) {
      expect(nb[`signering.signer.${status}` as keyof typeof nb], status).toBeTruthy();
      expect(signerStatusText(status)).not.toContain(status);
    }
    expect(signerStatusText("NEW_THING")).toBe("Ukjent status");
  });

  it("has Norwegian words for every job status", () => {
    for (const status of JOB_STATUSES) {
      expect(nb[`signering.job.${status}` as keyof typeof nb], status).toBeTruthy();
      expect(jobStatusText(status)).not.toMatch(/[A-Z_]{4,}/);
    }
    expect(jobStatusText("IN_PROGRESS")).toBe("pågår");
    expect(jobStatusText("COMPLETED_SUCCESSFULLY")).toBe("fullført");
    expect(jobStatusText("SOMETHING_NEW")).toBe("ukjent status");
  });

  it("puts a job status in a timeline entry in words and leaves other entries as written", () => {
    expect(signingEventText("Status: IN_PROGRESS")).toEqual({ text: "Status hos signeringstjenesten: pågår", code: "IN_PROGRESS" });
    expect(signingEventText("Status: NEW_THING")).toEqual({ text: "Status hos signeringstjenesten: ukjent status", code: "NEW_THING" });
    expect(signingEventText("Per Li har signert")).toEqual({ text: "Per Li: Signert", code: "SIGNED" });
    expect(signingEventText("Status: klar")).toEqual({ text: "Status: klar", code: null });
    expect(signingEventText("Noe annet fra tjenesten")).toEqual({ text: "Noe annet fra tjenesten", code: null });
  });

  it("reads a signer as a fødselsnummer, an e-mail or a mobile number, and masks the number as a name", () => {
    expect(signerKind("209146 95016")).toBe("person");
    expect(signerKind("kari@example.com")).toBe("email");
    expect(signerKind("+47 912 34 567")).toBe("mobile");
    expect(signerKind("Kari")).toBe("invalid");
    const input = toSignerInput({ id: "20914695016", name: "", group: 1, smsFromKrr: false }, true);
    expect(input).toMatchObject({ fnr: "20914695016", name: "209146 *****", order_group: 1, sms_from_krr: false });
    expect(toSignerInput({ id: "kari@example.com", name: "Kari", group: 0, smsFromKrr: true }, false)).toMatchObject({
      fnr: null,
      email: "kari@example.com",
      order_group: null,
    });
  });
});

describe("SigningForm", () => {
  it("shows the summary before anything is sent, and sends only on confirm", async () => {
    const calls: Array<[string, Record<string, unknown>]> = [];
    invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
      calls.push([cmd, args]);
      switch (cmd) {
        case "list_drafts":
          return [{ id: "d1", kind: "letter", title: "Avtale om bistand", recipient: null, updated_at: "", deleted_at: null }];
        case "signing_summary":
          return {
            title: "Avtale om bistand",
            flow: "portal",
            level: "4",
            deadline: "2026-12-20T22:59:00+00:00",
            documents: [{ title: "Avtale om bistand", pages: 2, size_bytes: 20480, warnings: ["fonts not embedded (print may substitute them): Arial"] }],
            signers: [{ name: "Åse Ødegård", shown_id: "209146 *****", notified_by: "krr_sms", order_group: 0 }],
            sequential: false,
            environment: "sandbox",
            sender: "910753614",
          };
        case "create_signing_order":
          return order({});
        case "signing_setup":
          return { environment: "sandbox", org: null, ca_pem: null, server_orgnr: null, common: { polling_queue: "kommunepost", default_days: 10, reminder_hours: 48, send_copy: true } };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const onsent = vi.fn();
    render(SigningForm, { onsent });
    const select = (await screen.findByTestId("signing-letter")) as HTMLSelectElement;
    await vi.waitFor(() => expect(select.options.length).toBe(2));
    await fireEvent.change(select, { target: { value: "d1" } });
    await fireEvent.click(screen.getByTestId("signing-add-letter"));
    expect((screen.getByTestId("signing-title") as HTMLInputElement).value).toBe("Avtale om bistand");
    await fireEvent.input(screen.getByTestId("signer-id"), { target: { value: "20914695016" } });
    await fireEvent.click(screen.getByTestId("signing-review"));

    const table = await screen.findByTestId("summary-signers");
    expect(table.textContent).toContain("209146 *****");
    expect(table.textContent).toContain("Varsles på e-post og SMS fra KRR");
    expect(screen.getByTestId("summary-environment").textContent).toContain("Sandkasse");
    // Core's English warning is said in the clerk's language.
    expect(screen.getByText(/Skriftene er ikke bygd inn i PDF-en/)).toBeTruthy();
    expect(screen.queryByText(/fonts not embedded/)).toBeNull();
    expect(screen.getByText("Frist: 20. desember 2026 kl. 23.59")).toBeTruthy();
    expect(screen.getByText(/Avtale om bistand – 2 sider, 20 kB/)).toBeTruthy();
    expect(calls.map(([c]) => c)).toEqual(["list_drafts", "signing_setup", "signing_summary"]);
    const form = calls.find(([c]) => c === "signing_summary")![1].form as {
      documents: unknown[];
      signers: Array<{ fnr: string }>;
      deadline: unknown;
      activation_date: unknown;
    };
    expect(form.documents).toEqual([{ kind: "draft", id: "d1" }]);
    expect(form.signers[0].fnr).toBe("20914695016");
    expect(form.deadline).toEqual({ kind: "days", value: 10 });
    expect(form.activation_date).toBeNull();

    await fireEvent.click(screen.getByTestId("signing-send"));
    await vi.waitFor(() => expect(onsent).toHaveBeenCalled());
    expect(calls.map(([c]) => c)).toEqual(["list_drafts", "signing_setup", "signing_summary", "create_signing_order"]);
  });

  it("takes the start date as dd.mm.åååå and says in Norwegian when it is not a date", async () => {
    const forms: Array<Record<string, unknown>> = [];
    invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
      if (cmd === "list_drafts") return [{ id: "d1", kind: "letter", title: "Brev", recipient: null, updated_at: "", deleted_at: null }];
      if (cmd === "signing_setup") return { environment: "sandbox", org: null, ca_pem: null, server_orgnr: null, common: { polling_queue: "q", default_days: 14, reminder_hours: 48, send_copy: true } };
      if (cmd === "signing_summary") {
        forms.push(args.form as Record<string, unknown>);
        throw { code: "invalid_signing_order", message: "stop here" };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(SigningForm, { onsent: () => {} });
    const select = (await screen.findByTestId("signing-letter")) as HTMLSelectElement;
    await vi.waitFor(() => expect(select.options.length).toBe(2));
    await fireEvent.change(select, { target: { value: "d1" } });
    await fireEvent.click(screen.getByTestId("signing-add-letter"));

    const start = screen.getByLabelText(/Startdato/) as HTMLInputElement;
    expect(start).toBe(screen.getByTestId("signing-activation"));
    expect(start.type).toBe("text");
    expect(start.placeholder).toBe("dd.mm.åååå");

    await fireEvent.input(start, { target: { value: "31.02.2099" } });
    expect(screen.queryByTestId("signing-activation-error")).toBeNull();
    await fireEvent.blur(start);
    expect(screen.getByTestId("signing-activation-error").textContent).toBe(
      "«31.02.2099» er ikke en gyldig dato. Skriv datoen som dd.mm.åååå, for eksempel 06.12.2026.",
    );
    expect(start.getAttribute("aria-invalid")).toBe("true");
    await fireEvent.click(screen.getByTestId("signing-review"));
    expect(forms).toHaveLength(0);

    await fireEvent.input(start, { target: { value: "01.01.2000" } });
    expect(screen.getByTestId("signing-activation-error").textContent).toBe("Startdatoen kan ikke være før i dag.");
    await fireEvent.click(screen.getByTestId("signing-review"));
    expect(forms).toHaveLength(0);

    await fireEvent.input(start, { target: { value: "6.12.2099" } });
    expect(screen.queryByTestId("signing-activation-error")).toBeNull();
    await fireEvent.click(screen.getByTestId("signing-review"));
    await vi.waitFor(() => expect(forms).toHaveLength(1));
    expect(forms[0].activation_date).toBe("2099-12-06");
  });

  it("imports PDFs with its own Norwegian file button", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "list_drafts") return [];
      if (cmd === "signing_setup") return { environment: "sandbox", org: null, ca_pem: null, server_orgnr: null, common: { polling_queue: "q", default_days: 14, reminder_hours: 48, send_copy: true } };
      if (cmd === "check_attachment") return { pages: 1, size_bytes: 2048 };
      throw new Error(`unexpected ${cmd}`);
    });
    render(SigningForm, { onsent: () => {} });
    expect(await screen.findByRole("button", { name: "Importer PDF Velg filer …" })).toBeTruthy();
    const input = screen.getByTestId("signing-pdf") as HTMLInputElement;
    expect(input.multiple).toBe(true);
    const file = new File(["%PDF-1.7"], "Skjema.pdf", { type: "application/pdf" });
    if (!file.arrayBuffer) Object.defineProperty(file, "arrayBuffer", { value: async () => new TextEncoder().encode("%PDF-1.7").buffer });
    Object.defineProperty(input, "files", { value: [file], configurable: true });
    await fireEvent.change(input);
    await vi.waitFor(() => expect(screen.getByTestId("signing-documents").textContent).toContain("Skjema"));
    expect((screen.getByTestId("signing-title") as HTMLInputElement).value).toBe("Skjema");
  });

  it("says what is wrong with the order and sends nothing", async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === "list_drafts") return [{ id: "d1", kind: "letter", title: "Brev", recipient: null, updated_at: "", deleted_at: null }];
      if (cmd === "signing_summary") {
        throw {
          code: "invalid_signing_order",
          message: "documents[0]: «Skjema»: the file is damaged",
          detail: { key: "signing_order_invalid", params: { field: "documents[0]" } },
        };
      }
      if (cmd === "signing_setup") return { environment: "sandbox", org: null, ca_pem: null, server_orgnr: null, common: { polling_queue: "q", default_days: 14, reminder_hours: 48, send_copy: true } };
      throw new Error(`unexpected ${cmd}`);
    });
    render(SigningForm, { onsent: () => {} });
    const select = (await screen.findByTestId("signing-letter")) as HTMLSelectElement;
    await vi.waitFor(() => expect(select.options.length).toBe(2));
    await fireEvent.change(select, { target: { value: "d1" } });
    await fireEvent.click(screen.getByTestId("signing-add-letter"));
    await fireEvent.click(screen.getByTestId("signing-review"));
    const error = await screen.findByTestId("signing-error");
    expect(error.textContent).toContain("Signeringsoppdraget kan ikke sendes slik det er.");
    expect(error.textContent).toContain("Signeringsoppdraget bryter en regel hos signeringstjenesten: documents[0]");
    expect(error.textContent).not.toContain("the file is damaged");
    expect(screen.queryByTestId("signing-send")).toBeNull();
  });
});

describe("Signering", () => {
  function backend(detail: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const calls: string[] = [];
    invoke.mockImplementation(async (cmd: string) => {
      calls.push(cmd);
      if (cmd in extra) return extra[cmd];
      switch (cmd) {
        case "signing_orders":
          return [detail.order];
        case "signing_detail":
          return detail;
        case "signing_setup":
          return { environment: "sandbox", org: null, ca_pem: null, server_orgnr: null, common: { polling_queue: "q", default_days: 14, reminder_hours: 48, send_copy: true } };
        case "app_info":
          return { version: "0.1.0", environment: "test", identifier: "no.kommunepost.dev", data_dir: "/tmp", sandbox_url: null };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    return calls;
  }

  it("lists orders, opens one with each signer's status, the timeline and the deadline reminder, and cancels after asking", async () => {
    const listed = order({});
    const calls = backend(
      {
        order: listed,
        events: [
          { at: "2026-12-06T19:42:00+00:00", text: "Per Li har signert" },
          { at: "2026-12-06T19:43:00+00:00", text: "Status: IN_PROGRESS" },
        ],
        documents: ["Avtale om bistand"],
        deadline_near: true,
        signing_page: "http://127.0.0.1:5555",
      },
      { cancel_signing_order: order({ state: "failed", cancellable: false }) },
    );
    render(Signering);
    const table = await screen.findByTestId("signing-orders");
    // The list says which environment's orders it holds.
    expect((await screen.findByTestId("signering-environment")).textContent).toContain("Viser signeringsoppdrag i Test");
    expect(within(table).getByTestId("order-state").textContent).toBe("Til signering");
    expect(within(table).getByTestId("order-state").getAttribute("title")).toBe("IN_PROGRESS");
    // Dates in words, Oslo time; no ISO timestamps.
    expect(table.textContent).not.toMatch(/\d{4}-\d{2}-\d{2}T|\d{2}:\d{2}/);
    expect(table.textContent).toMatch(/\d{1,2}\. (januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember) \d{4} kl\. \d{2}\.\d{2}/);
    // The deadline is an hour away: the list says so.
    expect(within(table).getByTestId("order-due").textContent).toBe("Fristen nærmer seg");
    await fireEvent.click(screen.getByTestId("order-open"));
    const statuses = await screen.findAllByTestId("signer-status");
    expect(statuses.map((s) => s.textContent)).toEqual(["Venter", "Signert"]);
    // The service's codes only as tooltips.
    expect(statuses.map((s) => s.getAttribute("title"))).toEqual(["WAITING", "SIGNED"]);
    const job = screen.getByTestId("signing-job-status");
    expect(job.textContent).toBe("(hos signeringstjenesten: pågår)");
    expect(job.getAttribute("title")).toBe("IN_PROGRESS");
    expect(screen.getByTestId("signing-detail").textContent).not.toContain("IN_PROGRESS");
    expect(screen.getByTestId("signing-detail").textContent).not.toContain("WAITING");
    const timeline = screen.getByTestId("signing-timeline").textContent ?? "";
    expect(timeline).toContain("6. desember 2026 kl. 20.42 Per Li: Signert");
    expect(timeline).toContain("6. desember 2026 kl. 20.43 Status hos signeringstjenesten: pågår");
    expect(screen.getByTestId("signing-detail-state").textContent).toContain(`Frist: ${dateTime(listed.deadline as string)}`);
    expect(screen.getByTestId("signing-deadline-near").textContent).toContain(`Fristen går ut ${dateTime(listed.deadline as string)}.`);
    expect(screen.getByTestId("signing-deadline-near").textContent).toContain("Åse Ødegård har ikke signert");
    expect(screen.getByTestId("signing-timeline").textContent).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(screen.getByTestId("signing-page").textContent).toContain("http://127.0.0.1:5555");
    // A signer has signed but the PDF is not stored yet: it can be fetched now.
    expect(screen.getByTestId("signing-fetch")).toBeTruthy();

    await fireEvent.click(screen.getByTestId("signing-cancel"));
    expect(calls).not.toContain("cancel_signing_order");
    await fireEvent.click(screen.getByText("Ja, trekk det"));
    await vi.waitFor(() => expect(calls).toContain("cancel_signing_order"));
  });

  it("opens the signed PDF in the viewer, read-only, once it is stored", async () => {
    backend(
      {
        order: order({ state: "completed", job_status: "COMPLETED_SUCCESSFULLY", cancellable: false, has_pades: true }),
        events: [],
        documents: ["Avtale om bistand"],
        deadline_near: false,
        signing_page: null,
      },
      { signed_document: { title: "Avtale om bistand", pdf_base64: "JVBERi0xLjcK" } },
    );
    render(Signering);
    await fireEvent.click(await screen.findByTestId("order-open"));
    await fireEvent.click(await screen.findByTestId("signing-open-signed"));
    expect(await screen.findByTestId("pdf-viewer")).toBeTruthy();
    expect(screen.getByText(/kan ikke endres/)).toBeTruthy();
    expect(screen.queryByText("papir i konvolutt", { exact: false })).toBeNull();
    expect(screen.queryByTestId("signing-cancel")).toBeNull();
  });
});

describe("a direct order", () => {
  it("makes a fresh one-time signing link for a waiting signer on request", async () => {
    const calls: string[] = [];
    invoke.mockImplementation(async (cmd: string) => {
      calls.push(cmd);
      switch (cmd) {
        case "signing_orders":
          return [order({ flow: "direct", cancellable: false })];
        case "signing_detail":
          return { order: order({ flow: "direct", cancellable: false }), events: [], documents: ["Avtale"], deadline_near: false, signing_page: null };
        case "signing_setup":
          return { environment: "sandbox", org: null, ca_pem: null, server_orgnr: null, common: { polling_queue: "", default_days: 14, reminder_hours: 48, send_copy: false } };
        case "signer_link":
          return "https://signering.posten.no#/redirect/abc";
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(Signering);
    await fireEvent.click(await screen.findByTestId("order-open"));
    const buttons = await screen.findAllByTestId("signer-link");
    expect(buttons.length).toBe(1);
    expect(calls).not.toContain("signer_link");
    await fireEvent.click(buttons[0]);
    expect((await screen.findByTestId("signer-redirect")).textContent).toContain("https://signering.posten.no#/redirect/abc");
  });
});
