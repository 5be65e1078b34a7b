// The language the UI speaks: bokmål, nynorsk or English. It is a rune ($state), so every
// template, $derived and $effect that calls t() (or a date function in lib/norsk.ts) reads it
// and is run again when the clerk picks another language – no component has to subscribe.

export const LANGUAGES = ["nb", "nn", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

export const DEFAULT_LANGUAGE: Language = "nb";

/** Where the choice is remembered (per user profile on this machine). */
export const LANGUAGE_STORAGE_KEY = "kommunepost.language";

/** Each language's name written in that language, as a language picker shows it. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  nb: "Bokmål",
  nn: "Nynorsk",
  en: "English",
};

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    // Storage can be switched off; the UI then starts in bokmål every time.
    return null;
  }
}

function remembered(): Language {
  try {
    const value = storage()?.getItem(LANGUAGE_STORAGE_KEY);
    return isLanguage(value) ? value : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

/** The page's language for screen readers, spell checking and hyphenation: <html lang="…">. */
function markPage(language: Language): void {
  if (typeof document !== "undefined") document.documentElement.lang = language;
}

const current = $state<{ language: Language }>({ language: remembered() });
markPage(current.language);

/** The language in use. Reading it inside a template or $derived makes that part follow it. */
export function language(): Language {
  return current.language;
}

/** Switches the UI to `next` at once, remembers it, and marks the page with it. */
export function setLanguage(next: Language): void {
  if (!isLanguage(next)) return;
  current.language = next;
  markPage(next);
  try {
    storage()?.setItem(LANGUAGE_STORAGE_KEY, next);
  } catch {
    // Not remembered (storage full or off); the switch itself still holds for this session.
  }
}
