import { nb, type MessageKey } from "./nb";
import { nn } from "./nn";
import { en } from "./en";
import { plural } from "../norsk";
import { language, type Language } from "./language.svelte.js";

export type { MessageKey };
export {
  DEFAULT_LANGUAGE,
  LANGUAGES,
  LANGUAGE_NAMES,
  LANGUAGE_STORAGE_KEY,
  isLanguage,
  language,
  setLanguage,
  type Language,
} from "./language.svelte.js";

/** Every language's catalogue. They have the same keys (tests/i18n.test.ts checks). */
export const catalogues: Record<Language, Record<MessageKey, string>> = { nb, nn, en };

// `{name}`, or `{name|singular|plural}`. The forms hold no braces or bars.
const PLACEHOLDER = /\{(\w+)(?:\|([^{}|]*)\|([^{}|]*))?\}/g;

/**
 * A UI string in the language in use, with its placeholders filled in. Parameters are plain
 * text, never markup, and are never read as templates themselves.
 *
 * - `{name}` is replaced by the parameter `name`.
 * - `{count|side|sider}` is the singular form when `count` is 1 (or -1) and the plural form
 *   otherwise (0 included): "{pages} {pages|side|sider}" gives "1 side" and "3 sider". A `#`
 *   in a form stands for the number: "{count|# brev|# brev}".
 *
 * A placeholder without its parameter stays visible as written, so a missing one is seen.
 * The language is a rune: a template or $derived that calls t() is run again when it changes.
 * A key missing from a catalogue would fall back to bokmål (and an unknown key is returned as
 * it is); the tests allow no missing keys.
 */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = catalogues[language()][key] ?? nb[key] ?? key;
  return template.replace(PLACEHOLDER, (whole, name: string, one?: string, many?: string) => {
    if (!(name in params)) return whole;
    const value = params[name];
    if (one === undefined || many === undefined) return String(value);
    const n = typeof value === "number" ? value : Number(String(value).trim().replace(",", "."));
    const form = Number.isNaN(n) ? many : plural(n, one, many);
    return form.replace(/#/g, String(value));
  });
}
