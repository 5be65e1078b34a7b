// Core's messages for the clerk (a `Problem`: a key and its parameters, see
// src-tauri/core/src/problem.rs) in each language. Each language's file is a
// `Record<ProblemKey, string>`, so the TypeScript check fails when core gains a key that has no
// text, or a text names a key core does not have. They join the catalogues as `problem.<key>`,
// where the tests check them like every other text (same keys and placeholders in all three).
import type { ProblemKey } from "../../bindings";

/** A problem's key in the catalogues. */
export type ProblemMessageKey = `problem.${ProblemKey}`;

/** One language's problem texts as catalogue entries (`problem.<key>`). */
export function problemMessages(texts: Record<ProblemKey, string>): Record<ProblemMessageKey, string> {
  const entries: Record<string, string> = {};
  for (const [key, text] of Object.entries(texts)) entries[`problem.${key}`] = text;
  return entries as Record<ProblemMessageKey, string>;
}
