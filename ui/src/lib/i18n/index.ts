import { nb, type MessageKey } from "./nb";

export type { MessageKey };

/** The active catalogue. Nynorsk and English will be chosen here. */
const catalogue: Record<MessageKey, string> = nb;

/** A UI string with `{name}` placeholders filled in. Parameters are plain text, never markup. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = catalogue[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
