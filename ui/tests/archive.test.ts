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

import { formatCaseNumber, isCaseNumber, parseCaseNumber } from "../src/lib/caseNumber";
import {
  archivedCaseNumber,
  caseProblems,
  documentTypeOptions,
  documentTypeText,
  emptyCase,
  inheritCase,
  journalPostNumber,
  packageCountsText,
  packageRecipient,
  packageStateText,
  receiptText,
  recentMonths,
  restrictionText,
  retryable,
} from "../src/lib/archive";
import type { ArchivePackage, CaseMetadata, DraftForm, TemplateSummary } from "../src/lib/bindings";
import { nb } from "../src/lib/i18n/nb";
import ArchiveView from "../src/components/ArchiveView.svelte";
import ArchiveSettings from "../src/components/ArchiveSettings.svelte";
import Brev from "../src/pages/Brev.svelte";
import Utsending from "../src/pages/Utsending.svelte";

afterEach(() => {
  cleanup();
  invoke.mockReset();
  listeners.clear();
});

function pkg(over: Partial<ArchivePackage>): ArchivePackage {
  return {
    id: "p1",
    letter_id: "l1",
    signing_order_id: null,
    mailing_id: null,
    environment: "sandbox",
    title: "Vedtak om skoleskyss",
    state: "waiting",
    error: null,
    problem: null,
    built_at: "2026-12-06T19:42:00Z",
    exported_at: null,
    archived_at: null,
    numbers: { journalaar: null, journalsekvensnummer: null, journalpostnummer: null, saksaar: null, sakssekvensnummer: null },
    recipient: "Kari Nordmann",
    ...over,
  };
}

const archivedNumbers = { journalaar: 2026, journalsekvensnummer: 4567, journalpostnummer: 3, saksaar: 2026, sakssekvensnummer: 418 };

describe("case numbers", () => {
  it("reads them as clerks write them", () => {
    expect(parseCaseNumber("2026/123")).toEqual({ year: 2026, sequence: 123 });
    expect(parseCaseNumber("26/123")).toEqual({ year: 2026, sequence: 123 });
    expect(parseCaseNumber(" 26 / 7 ")).toEqual({ year: 2026, sequence: 7 });
    expect(parseCaseNumber("2025-4567")).toEqual({ year: 2025, sequence: 4567 });
    expect(parseCaseNumber("2026 / 1 23")).toEqual({ year: 2026, sequence: 123 });
  });

  it("takes an empty field as a new case", () => {
    expect(parseCaseNumber("")).toBeNull();
    expect(parseCaseNumber("   ")).toBeNull();
    expect(parseCaseNumber(null)).toBeNull();
  });

  it("says in words what is wrong, and never gives half a number", () => {
    for (const text of ["sak 12", "2026", "2026/", "/123", "2026/12/3", "2026/12a", "2026--5", "2026/+5"]) {
      const parsed = parseCaseNumber(text);
      expect(isCaseNumber(parsed), text).toBe(false);
      expect((parsed as { error: string }).error, text).toContain("er ikke et saksnummer");
    }
    expect((parseCaseNumber("1066/1") as { error: string }).error).toBe("Saksåret 1066 må være mellom 1900 og 2999.");
    expect((parseCaseNumber("2026/0") as { error: string }).error).toContain("1 eller mer");
    expect((parseCaseNumber("sak 12") as { error: string }).error).toBe("«sak 12» er ikke et saksnummer. Skriv år/nummer, f.eks. 2026/123.");
  });

  it("writes a number only when both halves are there", () => {
    expect(formatCaseNumber(2026, 123)).toBe("2026/123");
    expect(formatCaseNumber(2026, null)).toBe("");
    expect(formatCaseNumber(null, 5)).toBe("");
  });
});

describe("case metadata", () => {
  const settings: CaseMetadata = { ...emptyCase(), document_type: "B", case_officer: "Kari Saksbehandler", unit: "Servicetorget" };
  const template: CaseMetadata = {
    ...emptyCase(),
    unit: "Eiendomsskatt",
    screening: { restriction: "13", authority: "Offl. § 13 jf. fvl. § 13", parts: ["recipient"] },
  };

  it("takes what a draft leaves empty from the template, then the settings", () => {
    const draft: CaseMetadata = { ...emptyCase(), case_year: 2026, case_sequence: 123, case_officer: "  Ola  " };
    const c = inheritCase(draft, inheritCase(template, settings));
    expect([c.case_year, c.case_sequence]).toEqual([2026, 123]);
    expect(c.case_officer).toBe("Ola");
    expect(c.unit).toBe("Eiendomsskatt");
    expect(c.document_type).toBe("B");
    expect(c.screening).toEqual(template.screening);
    expect(caseProblems(c)).toEqual([]);
    // The screening is taken as a whole: the draft's own, authority and all.
    const own = inheritCase({ ...emptyCase(), screening: { restriction: "25", authority: "", parts: ["documents"] } }, template);
    expect(own.screening).toEqual({ restriction: "25", authority: "", parts: ["documents"] });
    // Nothing given at all is fine.
    expect(inheritCase(undefined, null)).toEqual(emptyCase());
  });

  it("names what stops a case from being archived, as core does", () => {
    expect(caseProblems({ ...emptyCase(), case_year: 2026 })).toEqual(["Saksnummeret mangler år eller nummer."]);
    const screened = { ...emptyCase(), screening: { restriction: "13", authority: "", parts: [] } };
    expect(caseProblems(screened)).toHaveLength(2);
    const title: CaseMetadata = { ...emptyCase(), screening: { restriction: "13", authority: "x", parts: ["title"] } };
    expect(caseProblems(title)).toEqual(["Når tittelen skjermes, trengs en offentlig tittel uten personopplysninger."]);
    expect(caseProblems({ ...title, public_title: "Vedtak om tjenester" })).toEqual([]);
  });

  it("names document types and restrictions in words, and keeps an unknown code", () => {
    expect(documentTypeText("KORR")).toBe("Brev (korrespondanse)");
    expect(documentTypeText("B")).toBe("Brev (korrespondanse)");
    expect(documentTypeText("VEDTAK")).toBe("Vedtak");
    expect(documentTypeText("XYZ")).toBe("XYZ");
    expect(documentTypeText("")).toBe("");
    expect(documentTypeOptions("")).toEqual(["KORR", "VEDTAK"]);
    // "B" stays "B" (a signing order's default depends on it), shown as the letter choice.
    expect(documentTypeOptions("B")).toEqual(["B", "VEDTAK"]);
    expect(documentTypeOptions("AVTALE")).toEqual(["KORR", "VEDTAK", "AVTALE"]);
    expect(restrictionText("13")).toBe("13 – Taushetsplikt");
    expect(restrictionText("")).toBe("Ikke skjermet");
    expect(restrictionText("99")).toBe("Tilgangskode 99");
  });
});

describe("archive package words", () => {
  it("says where a package is in words", () => {
    expect(packageStateText(pkg({}))).toBe("Venter på arkivet");
    expect(packageStateText(pkg({ exported_at: "2026-12-06T19:42:00Z" }))).toBe("Venter på arkivet – eksportert 6. desember 2026 kl. 20.42");
    expect(packageStateText(pkg({ state: "archived", numbers: archivedNumbers }))).toBe("Arkivert – journalpost 2026/4567 i sak 2026/418");
    // The English error is for the log: the problem is said, in the clerk's language.
    expect(
      packageStateText(pkg({ state: "failed", error: "the signed document is not stored yet", problem: { key: "archive_build_failed", params: {} } })),
    ).toBe("Feilet: Arkivpakken kunne ikke lages. Loggen viser hvorfor. Prøv igjen fra Arkiv.");
    expect(packageStateText(pkg({ state: "failed", error: "the signed document is not stored yet", problem: null }))).toBe("Feilet: ukjent årsak");
    expect(packageStateText(pkg({ state: "failed", error: null }))).toBe("Feilet: ukjent årsak");
  });

  it("leaves out the numbers the receipt did not give", () => {
    const none = pkg({}).numbers;
    expect(packageStateText(pkg({ state: "archived" }))).toBe("Arkivert");
    expect(packageStateText(pkg({ state: "archived", numbers: { ...none, journalaar: 2026, journalsekvensnummer: 4567 } }))).toBe(
      "Arkivert – journalpost 2026/4567",
    );
    expect(packageStateText(pkg({ state: "archived", numbers: { ...none, saksaar: 2026, sakssekvensnummer: 418 } }))).toBe(
      "Arkivert – i sak 2026/418",
    );
    expect(journalPostNumber({ ...none, journalsekvensnummer: 12 })).toBe("12");
    expect(archivedCaseNumber(none)).toBeNull();
  });

  it("names a signing order, counts the states and says which can be retried", () => {
    expect(packageRecipient(pkg({ signing_order_id: "o1", letter_id: null, recipient: "" }))).toBe("Signeringsoppdrag");
    expect(packageRecipient(pkg({}))).toBe("Kari Nordmann");
    const list = [pkg({ id: "a" }), pkg({ id: "b" }), pkg({ id: "c" }), pkg({ id: "d", state: "archived" })];
    expect(packageCountsText(list)).toBe("3 venter, 1 arkivert");
    expect(packageCountsText([...list, pkg({ id: "e", state: "failed" })])).toBe("3 venter, 1 arkivert, 1 feilet");
    expect(packageCountsText([])).toBe("Ingen pakker ennå.");
    expect(retryable(pkg({ state: "failed" }))).toBe(true);
    expect(retryable(pkg({ state: "waiting" }))).toBe(true);
    expect(retryable(pkg({ state: "archived" }))).toBe(false);
  });

  it("says what a receipt did", () => {
    expect(receiptText(pkg({ state: "archived", numbers: archivedNumbers }))).toBe(
      "Kvittering lest: «Vedtak om skoleskyss» er arkivert som journalpost 2026/4567 i sak 2026/418.",
    );
    expect(receiptText(pkg({ state: "archived" }))).toBe("Kvittering lest: «Vedtak om skoleskyss» er arkivert.");
  });

  it("offers the last twelve months in Oslo, this one first", () => {
    // 00:30 on 1 January 2027 in Oslo.
    const months = recentMonths(12, new Date("2026-12-31T23:30:00Z"));
    expect(months).toHaveLength(12);
    expect(months[0]).toBe("2027-01");
    expect(months[1]).toBe("2026-12");
    expect(months[11]).toBe("2026-02");
  });

  it("has a text for the new error codes", () => {
    for (const code of ["invalid_case", "invalid_archive_receipt", "nothing_to_archive"]) {
      expect(Object.keys(nb)).toContain(`error.${code}`);
    }
  });
});

describe("Arkiv tab", () => {
  const journalEntry = {
    letter_id: "l1",
    date: "2026-12-06",
    title: "Vedtak om skoleskyss",
    recipient: "Skjermet",
    kind: "U",
    case_number: "2026/418",
    journal_post: "2026/4567",
    screening: "Offl. § 13 jf. fvl. § 13",
  };

  function backend(overrides: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
    const calls: Array<[string, Record<string, unknown>]> = [];
    invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
      calls.push([cmd, args]);
      if (cmd in overrides) return overrides[cmd](args);
      switch (cmd) {
        case "archive_packages":
          return [
            pkg({ id: "w", exported_at: "2026-12-06T19:42:00Z" }),
            pkg({ id: "a", state: "archived", numbers: archivedNumbers }),
            pkg({ id: "f", state: "failed", error: "no PDF", problem: { key: "archive_build_failed", params: {} }, signing_order_id: "o1", letter_id: null, recipient: "", title: "Avtale" }),
          ];
        case "archive_export_folder":
          return "/home/kari/Kommunepost/arkiv";
        case "public_journal":
          return [journalEntry];
        case "retry_archive_package":
          return pkg({ id: args.id as string });
        default:
          throw new Error(`unexpected ${cmd}`);
      }
    });
    return calls;
  }

  it("lists packages with their state in words, counts them and retries failed and waiting ones", async () => {
    const calls = backend();
    render(ArchiveView);
    await vi.waitFor(() => expect(screen.getAllByTestId("archive-row")).toHaveLength(3));
    expect(screen.getByTestId("archive-counts").textContent).toBe("1 venter, 1 arkivert, 1 feilet");
    const [waiting, archived, failed] = screen.getAllByTestId("archive-row");
    expect(waiting.dataset.state).toBe("waiting");
    expect(waiting.textContent).toContain("Venter på arkivet – eksportert 6. desember 2026 kl. 20.42");
    expect(archived.textContent).toContain("Arkivert – journalpost 2026/4567 i sak 2026/418");
    expect(within(archived).queryByRole("button")).toBeNull();
    expect(failed.dataset.state).toBe("failed");
    expect(failed.textContent).toContain("Signeringsoppdrag");
    expect(failed.textContent).toContain("Feilet: Arkivpakken kunne ikke lages.");
    expect(failed.textContent).not.toContain("no PDF");
    await fireEvent.click(within(failed).getByRole("button", { name: "Prøv igjen: Avtale" }));
    await vi.waitFor(() => expect(calls.some(([cmd, args]) => cmd === "retry_archive_package" && args.id === "f")).toBe(true));
    await vi.waitFor(() => expect(calls.filter(([cmd]) => cmd === "archive_packages")).toHaveLength(2));
    // No ISO dates or codes on screen.
    expect(document.body.textContent).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it("exports to the folder chosen, in the form chosen, and shows the paths or why not", async () => {
    let fail = false;
    const calls = backend({
      export_archive: () => {
        if (fail) throw { code: "nothing_to_archive", message: "no package is waiting" };
        return ["/tmp/arkiv/a.zip", "/tmp/arkiv/b.zip"];
      },
    });
    render(ArchiveView);
    const folder = (await screen.findByTestId("archive-folder")) as HTMLInputElement;
    await vi.waitFor(() => expect(folder.value).toBe("/home/kari/Kommunepost/arkiv"));
    await fireEvent.input(folder, { target: { value: "/tmp/arkiv" } });
    await fireEvent.click(screen.getByLabelText("Én ZIP per utsending"));
    await fireEvent.click(screen.getByLabelText("Også pakker som er eksportert før"));
    await fireEvent.click(screen.getByTestId("archive-export"));
    await vi.waitFor(() => expect(screen.getByTestId("archive-written").textContent).toContain("/tmp/arkiv/b.zip"));
    expect(calls.find(([cmd]) => cmd === "export_archive")![1]).toEqual({ mailingId: null, form: "zip", folder: "/tmp/arkiv", again: true });

    fail = true;
    await fireEvent.click(screen.getByTestId("archive-export"));
    await vi.waitFor(() => expect(screen.getByTestId("archive-export-error").textContent).toContain("Ingen pakker venter på å bli eksportert."));
    expect(screen.getByTestId("archive-written").textContent).toBe("");
  });

  it("reads the archive's receipt as bytes and says where the letter was archived, or why the file was not used", async () => {
    let refuse = false;
    const calls = backend({
      import_archive_receipt: () => {
        if (refuse) {
          throw {
            code: "invalid_archive_receipt",
            message: "the archive refused the journal post: Ukjent sak",
            detail: { key: "archive_refused", params: { reason: "Ukjent sak" } },
          };
        }
        return pkg({ state: "archived", numbers: archivedNumbers });
      },
    });
    render(ArchiveView);
    const input = await screen.findByTestId("archive-receipt");
    expect(input.getAttribute("accept")).toContain(".xml");
    const file = new File(["<kvittering/>"], "arkivmelding-kvittering.xml", { type: "text/xml" });
    Object.defineProperty(file, "arrayBuffer", { value: async () => new TextEncoder().encode("<kvittering/>").buffer });
    Object.defineProperty(input, "files", { value: [file], configurable: true });
    await fireEvent.change(input);
    await vi.waitFor(() =>
      expect(screen.getByTestId("archive-receipt-notice").textContent).toBe(
        "Kvittering lest: «Vedtak om skoleskyss» er arkivert som journalpost 2026/4567 i sak 2026/418.",
      ),
    );
    const bytes = calls.find(([cmd]) => cmd === "import_archive_receipt")![1].bytes as number[];
    expect(new TextDecoder().decode(new Uint8Array(bytes))).toBe("<kvittering/>");

    refuse = true;
    Object.defineProperty(input, "files", { value: [file], configurable: true });
    await fireEvent.change(input);
    await vi.waitFor(() => {
      const error = screen.getByTestId("archive-receipt-error").textContent ?? "";
      expect(error).toContain("Filen er ikke en kvittering fra arkivet");
      expect(error).toContain("Arkivet avviste journalposten: Ukjent sak");
      expect(error).not.toContain("the archive refused");
    });
  });

  it("shows the public journal of the month chosen in Norwegian, and exports it as CSV", async () => {
    const calls = backend({ export_public_journal: (args) => `/tmp/offentlig-journal-${args.month}.csv` });
    render(ArchiveView);
    await vi.waitFor(() => expect(screen.getAllByTestId("journal-row")).toHaveLength(1));
    const row = screen.getByTestId("journal-row");
    expect(row.textContent).toContain("6. desember 2026");
    expect(row.textContent).toContain("2026/418");
    expect(row.textContent).toContain("Skjermet");
    const month = screen.getByTestId("journal-month") as HTMLSelectElement;
    expect(month.options).toHaveLength(12);
    expect(month.options[0].textContent).toMatch(/^[a-zæøå]+ \d{4}$/);
    const chosen = month.options[2].value;
    await fireEvent.change(month, { target: { value: chosen } });
    await vi.waitFor(() => expect(calls.some(([cmd, args]) => cmd === "public_journal" && args.month === chosen)).toBe(true));
    await fireEvent.click(screen.getByTestId("journal-export"));
    await vi.waitFor(() => expect(screen.getByTestId("journal-notice").textContent).toContain(`offentlig-journal-${chosen}.csv`));
  });

  it("refreshes when the app says the outbox changed", async () => {
    const calls = backend();
    render(ArchiveView);
    await vi.waitFor(() => expect(listeners.has("outbox-changed")).toBe(true));
    await vi.waitFor(() => expect(calls.filter(([cmd]) => cmd === "archive_packages")).toHaveLength(1));
    listeners.get("outbox-changed")!({ payload: null });
    await vi.waitFor(() => expect(calls.filter(([cmd]) => cmd === "archive_packages")).toHaveLength(2));
  });

  it("is a tab of Utsending", async () => {
    backend({
      app_info: () => ({ version: "0.1.0", environment: "sandbox", identifier: "x", data_dir: "/tmp", sandbox_url: null }),
      dispatch_dashboard: () => ({ month: "2026-12", letters: 0, channels: [], statuses: [], saving: 0, cost: 0, exceptions: 0, reminders: 0, to_print: 0 }),
      outbox_letters: () => [],
      unread_reminders: () => [],
      mailings: () => [],
      exceptions: () => [],
      office_print_batch: () => [],
    });
    render(Utsending);
    const tab = screen.getByTestId("tab-archive");
    expect(tab.textContent).toBe("Arkiv");
    await fireEvent.click(tab);
    expect(tab.getAttribute("aria-selected")).toBe("true");
    await vi.waitFor(() => expect(screen.getAllByTestId("archive-row")).toHaveLength(3));
  });
});

describe("Innstillinger: Arkiv", () => {
  it("edits the defaults and the archive part, prefills the legal basis for 13, and shows why saving failed", async () => {
    const saved: unknown[] = [];
    let refuse = false;
    invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
      switch (cmd) {
        case "archive_settings":
          return { defaults: { ...emptyCase(), document_type: "B" }, archive_part: "" };
        case "save_archive_settings":
          if (refuse) {
            throw { code: "invalid_case", message: "a screened letter needs its legal basis (hjemmel)", detail: { key: "case_no_authority", params: {} } };
          }
          saved.push(JSON.parse(JSON.stringify(args.settings)));
          return null;
        default:
          throw new Error(`unexpected ${cmd}`);
      }
    });
    render(ArchiveSettings);
    const type = (await screen.findByTestId("archive-document-type")) as HTMLSelectElement;
    expect(type.value).toBe("B");
    expect(type.selectedOptions[0].textContent).toBe("Brev (korrespondanse)");
    await fireEvent.input(screen.getByLabelText("Saksbehandler"), { target: { value: "Kari Saksbehandler" } });
    await fireEvent.input(screen.getByLabelText("Administrativ enhet"), { target: { value: "Servicetorget" } });
    await fireEvent.change(screen.getByTestId("archive-restriction"), { target: { value: "13" } });
    expect((screen.getByTestId("archive-authority") as HTMLInputElement).value).toBe("Offl. § 13 jf. fvl. § 13");
    expect(screen.getByTestId("archive-settings-problems").textContent).toContain("Kryss av");
    await fireEvent.click(screen.getByTestId("archive-screen-recipient"));
    expect(screen.queryByTestId("archive-settings-problems")).toBeNull();
    await fireEvent.input(screen.getByLabelText("Arkivdel for nye saker"), { target: { value: "SAK" } });
    await fireEvent.click(screen.getByTestId("archive-settings-save"));
    await vi.waitFor(() => expect(screen.getByTestId("archive-settings-status").textContent).toBe("Arkivinnstillingene er lagret."));
    expect(saved[0]).toEqual({
      archive_part: "SAK",
      defaults: {
        ...emptyCase(),
        document_type: "B",
        case_officer: "Kari Saksbehandler",
        unit: "Servicetorget",
        screening: { restriction: "13", authority: "Offl. § 13 jf. fvl. § 13", parts: ["recipient"] },
      },
    });

    refuse = true;
    await fireEvent.click(screen.getByTestId("archive-settings-save"));
    await vi.waitFor(() => {
      const error = screen.getByTestId("archive-settings-error").textContent ?? "";
      expect(error).toContain("Saksopplysningene kan ikke brukes.");
      expect(error).toContain("Et skjermet brev må ha hjemmel.");
      expect(error).not.toContain("needs its legal basis");
    });
  });
});

describe("Brev: Sak og arkiv", () => {
  function draftForm(c: CaseMetadata | undefined): DraftForm {
    return {
      id: "d1",
      title: "Vedtak om skoleskyss",
      recipient_fnr: "",
      recipient_name: "",
      body: "Hei",
      letter: {
        template_id: "t1",
        address_lines: [],
        postcode: "",
        city: "",
        fields: [],
        recipients_csv_base64: null,
        recipients_file_name: null,
        column_map: [],
        attachments: [],
        attachment_mode: "separate",
        case: c as CaseMetadata,
        sensitive: false,
      },
    };
  }
  const template: TemplateSummary = {
    id: "t1",
    name: "Skoleskyss",
    updated_at: "",
    kind: "vedtak",
    title: "Vedtak",
    body: "",
    sender: "Orkland kommune",
    case: { ...emptyCase(), unit: "Oppvekst", document_type: "VEDTAK" },
    sensitive: false,
    language: "nb",
  };

  /** Brev with one draft (whose case is `c`), opened; returns the drafts saved. */
  async function openDraft(c: CaseMetadata | undefined) {
    const saved: DraftForm[] = [];
    invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
      switch (cmd) {
        case "list_drafts":
          return [{ id: "d1", kind: "letter", title: "Vedtak om skoleskyss", recipient_masked: null, updated_at: "" }];
        case "list_trash":
          return [];
        case "list_templates":
          return [template];
        case "get_draft":
          return draftForm(c);
        case "draft_fields":
          return [];
        case "save_draft":
          saved.push(JSON.parse(JSON.stringify(args.draft)));
          return { id: "d1", kind: "letter", title: "Vedtak om skoleskyss", recipient_masked: null, updated_at: "" };
        case "archive_settings":
          return { defaults: { ...emptyCase(), document_type: "B", case_officer: "Kari Saksbehandler" }, archive_part: "" };
        default:
          throw new Error(`unexpected ${cmd}`);
      }
    });
    render(Brev);
    await fireEvent.click(await screen.findByRole("button", { name: "Vedtak om skoleskyss" }));
    await screen.findByTestId("case-fields");
    return saved;
  }

  it("keeps a case number only once it can be read, saves it with the draft, and shows what empty fields will be", async () => {
    const saved = await openDraft(emptyCase());
    const number = screen.getByTestId("case-number") as HTMLInputElement;
    expect(screen.getByTestId("case-summary").textContent).toBe("Ny sak");
    expect((screen.getByTestId("case-title") as HTMLInputElement).placeholder).toBe("Vedtak om skoleskyss");
    expect(screen.getByText("Tomme felt hentes fra malen og innstillingene.")).toBeTruthy();
    // The settings' case officer, the template's unit and document type.
    await vi.waitFor(() => expect((screen.getByTestId("case-officer") as HTMLInputElement).placeholder).toBe("Kari Saksbehandler"));
    expect((screen.getByTestId("case-unit") as HTMLInputElement).placeholder).toBe("Oppvekst");
    const type = screen.getByTestId("case-document-type") as HTMLSelectElement;
    expect(type.options[0].textContent).toBe("Standard: Vedtak");
    expect([...type.options].map((o) => o.value)).toEqual(["", "KORR", "VEDTAK"]);
    expect(screen.getByLabelText("Saksnummer")).toBe(number);

    await fireEvent.input(number, { target: { value: "2026/12x" } });
    expect(screen.getByTestId("case-number-error").textContent).toContain("er ikke et saksnummer");
    expect(number.getAttribute("aria-invalid")).toBe("true");
    await vi.waitFor(() => expect(saved).toHaveLength(1), { timeout: 3000 });
    expect([saved[0].letter!.case.case_year, saved[0].letter!.case.case_sequence]).toEqual([null, null]);

    await fireEvent.input(number, { target: { value: "26/123" } });
    expect(screen.queryByTestId("case-number-error")).toBeNull();
    expect(screen.getByTestId("case-summary").textContent).toBe("sak 2026/123");
    expect(screen.queryByTestId("case-title")).toBeNull();
    await fireEvent.input(screen.getByTestId("case-officer"), { target: { value: "Ola" } });
    await fireEvent.change(type, { target: { value: "KORR" } });
    await vi.waitFor(() => expect(saved).toHaveLength(2), { timeout: 3000 });
    expect(saved[1].letter!.case).toEqual({ ...emptyCase(), case_year: 2026, case_sequence: 123, case_officer: "Ola", document_type: "KORR" });
  });

  it("offers screening with its legal basis and parts only when a restriction is chosen", async () => {
    // A draft saved before letters had case metadata.
    await openDraft(undefined);
    expect(screen.queryByTestId("case-authority")).toBeNull();
    const restriction = screen.getByTestId("case-restriction") as HTMLSelectElement;
    expect(restriction.options[0].textContent).toBe("Ikke skjermet");
    await fireEvent.change(restriction, { target: { value: "13" } });
    expect((screen.getByTestId("case-authority") as HTMLInputElement).value).toBe("Offl. § 13 jf. fvl. § 13");
    expect(screen.getByTestId("case-problems").textContent).toContain("Kryss av");
    await fireEvent.click(screen.getByTestId("case-screen-title"));
    expect(screen.getByTestId("case-problems").textContent).toContain("offentlig tittel");
    await fireEvent.input(screen.getByTestId("case-public-title"), { target: { value: "Vedtak om skoleskyss" } });
    expect(screen.queryByTestId("case-problems")).toBeNull();
    expect(screen.getByTestId("case-screen-recipient")).toBeTruthy();
    expect(screen.getByTestId("case-screen-documents")).toBeTruthy();
    expect(screen.getByLabelText("Offentlig tittel").getAttribute("aria-describedby")).toBe("case-public-title-help");
  });
});
