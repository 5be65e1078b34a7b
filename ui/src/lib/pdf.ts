// pdf.js, loaded on first use: the viewer for letters and (later) documents to sign.
// Only the canvas is used (no text layer, no annotations, no scripting), eval is off, and the
// worker is the bundled file, so the strict CSP holds.
import type { PDFDocumentProxy, RenderTask } from "pdfjs-dist";

let loaded: Promise<typeof import("pdfjs-dist")> | undefined;

async function pdfjs() {
  loaded ??= (async () => {
    const lib = await import("pdfjs-dist");
    const worker = await import("pdfjs-dist/build/pdf.worker.min.mjs?url");
    lib.GlobalWorkerOptions.workerSrc = worker.default;
    return lib;
  })();
  return loaded;
}

/** Opens a PDF from bytes. */
export async function openPdf(bytes: Uint8Array): Promise<PDFDocumentProxy> {
  const lib = await pdfjs();
  return lib.getDocument({
    data: bytes,
    isEvalSupported: false,
    enableXfa: false,
    stopAtErrors: true,
  }).promise;
}

/** A page being drawn; `cancel` stops it (a newer drawing of the same canvas takes over). */
export interface Drawing {
  done: Promise<void>;
  cancel: () => void;
}

/** Draws page `number` (1-based) into `canvas` at `scale` (1 = 72 dpi), sharp on HiDPI.
 * `done` resolves when drawn, and also when cancelled (nothing to report then). */
export function drawPage(doc: PDFDocumentProxy, number: number, canvas: HTMLCanvasElement, scale: number): Drawing {
  let task: RenderTask | null = null;
  let cancelled = false;
  const done = (async () => {
    const page = await doc.getPage(number);
    if (cancelled) return;
    const ratio = globalThis.devicePixelRatio || 1;
    const viewport = page.getViewport({ scale: scale * ratio });
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
    canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
    task = page.render({ canvas, viewport });
    try {
      await task.promise;
    } catch (error) {
      if (!cancelled) throw error;
    }
  })();
  return {
    done,
    cancel: () => {
      cancelled = true;
      task?.cancel();
    },
  };
}
