import type { MessageKey } from "./i18n";

/** The app's sections, in menu order. */
export const sections = ["oppslag", "brev", "utsending", "signering", "innstillinger"] as const;
export type Section = (typeof sections)[number];

export function sectionLabel(section: Section): MessageKey {
  return `nav.${section}`;
}
