import { describe, expect, it } from "vitest";
import { clampZoom, envelopeMask, fromBase64, pageForKey, percentBox, toBase64 } from "../src/lib/envelope";

const geometry = {
  page_width: 210,
  page_height: 297,
  window: { left: 15, top: 44, width: 100, height: 30 },
  address: { left: 25, top: 47, width: 85, height: 23 },
};

describe("envelope overlay", () => {
  it("places the window in percent of the page", () => {
    const box = percentBox(geometry.window, geometry);
    expect(box.left).toBeCloseTo(7.142, 2);
    expect(box.top).toBeCloseTo(14.815, 2);
    expect(box.width).toBeCloseTo(47.619, 2);
    expect(box.height).toBeCloseTo(10.101, 2);
  });

  it("pages with the keyboard within the document", () => {
    expect(pageForKey("ArrowRight", 1, 3)).toBe(2);
    expect(pageForKey("PageDown", 3, 3)).toBe(3);
    expect(pageForKey("ArrowLeft", 1, 3)).toBe(1);
    expect(pageForKey("End", 1, 3)).toBe(3);
    expect(pageForKey("Home", 3, 3)).toBe(1);
    expect(pageForKey("a", 1, 3)).toBeNull();
  });

  it("keeps zoom between 50 and 300 percent", () => {
    expect(clampZoom(0.25)).toBe(0.5);
    expect(clampZoom(3.5)).toBe(3);
    expect(clampZoom(1.25)).toBe(1.25);
  });

  it("round-trips bytes through base64, also large ones", () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) % 256);
    expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    expect(toBase64(new TextEncoder().encode("æøå"))).toBe("w6bDuMOl");
  });
});

describe("envelope mask", () => {
  it("covers the whole page except the window", () => {
    const window = { left: 10, top: 20, width: 50, height: 10 };
    const boxes = envelopeMask(window);
    const area = boxes.reduce((sum, b) => sum + b.width * b.height, 0);
    expect(area + window.width * window.height).toBeCloseTo(100 * 100);
    for (const b of boxes) {
      const overlaps =
        b.left < window.left + window.width && b.left + b.width > window.left && b.top < window.top + window.height && b.top + b.height > window.top;
      expect(overlaps).toBe(false);
    }
  });
});
