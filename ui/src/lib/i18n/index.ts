import { nb, type MessageKey } from "./nb";
import { plural } from "../norsk";

export type { MessageKey };

/** The active catalogue. Nynorsk and English will be chosen here. */
const catalogue: Record<MessageKey, string> = nb;

// `{name}`, or `{name|singular|plural}`. The forms hold no braces or bars.
const PLACEHOLDER = /\{(\w+)(?:\|([^{}|]*)\|([^{}|]*))?\}/g;

/**
 * A UI string with its placeholders filled in. Parameters are plain text, never markup, and
 * are never read as templates themselves.
 *
 * - `{name}` is replaced by the parameter `name`.
 * - `{count|side|sider}` is the singular form when `count` is 1 (or -1) and the plural form
 *   otherwise (0 included): "{pages} {pages|side|sider}" gives "1 side" and "3 sider". A `#`
 *   in a form stands for the number: "{count|# brev|# brev}".
 *
 * A placeholder without its parameter stays visible as written, so a missing one is seen.
 */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = catalogue[key] ?? key;
  return template.replace(PLACEHOLDER, (whole, name: string, one?: string, many?: string) => {
    if (!(name in params)) return whole;
    const value = params[name];
    if (one === undefined || many === undefined) return String(value);
    const n = typeof value === "number" ? value : Number(String(value).trim().replace(",", "."));
    const form = Number.isNaN(n) ? many : plural(n, one, many);
    return form.replace(/#/g, String(value));
  });
}
