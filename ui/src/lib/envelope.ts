import type { EnvelopeGeometry, Rect } from "./bindings";

/** A box in percent of the page, for absolutely positioned overlays. */
export interface PercentBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where a rectangle given in millimetres lies on the page, in percent of its width and height. */
export function percentBox(rect: Rect, geometry: EnvelopeGeometry): PercentBox {
  return {
    left: (rect.left / geometry.page_width) * 100,
    top: (rect.top / geometry.page_height) * 100,
    width: (rect.width / geometry.page_width) * 100,
    height: (rect.height / geometry.page_height) * 100,
  };
}

/** Clamps a zoom factor to what the viewer offers. */
export function clampZoom(zoom: number): number {
  return Math.min(3, Math.max(0.5, Math.round(zoom * 100) / 100));
}

/** The page a key press leads to, or `null` when the key is not for paging. */
export function pageForKey(key: string, page: number, pages: number): number | null {
  switch (key) {
    case "ArrowRight":
    case "ArrowDown":
    case "PageDown":
      return Math.min(pages, page + 1);
    case "ArrowLeft":
    case "ArrowUp":
    case "PageUp":
      return Math.max(1, page - 1);
    case "Home":
      return 1;
    case "End":
      return pages;
    default:
      return null;
  }
}

/** Bytes from base64 (the PDF from Rust). */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Base64 of bytes (files kept in a draft). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** The envelope around its window: four boxes covering everything else on the page. */
export function envelopeMask(window: PercentBox): PercentBox[] {
  const right = window.left + window.width;
  const bottom = window.top + window.height;
  return [
    { left: 0, top: 0, width: 100, height: window.top },
    { left: 0, top: bottom, width: 100, height: 100 - bottom },
    { left: 0, top: window.top, width: window.left, height: window.height },
    { left: right, top: window.top, width: 100 - right, height: window.height },
  ];
}
