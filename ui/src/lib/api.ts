import type { CommandError, Result } from "./bindings";
import { t, type MessageKey } from "./i18n";
import { problemText } from "./problem";

/**
 * A failed command, carrying the `{code, message, detail}` from Rust. `message` is English for
 * the log and the CLI and is never shown; `detail` is said in the clerk's language.
 */
export class CommandFailure extends Error {
  constructor(readonly error: CommandError) {
    super(error.message);
  }
}

/** The data of a successful command; throws {@link CommandFailure} otherwise. */
export async function unwrap<T>(result: Promise<Result<T, CommandError>>): Promise<T> {
  const outcome = await result;
  if (outcome.status === "error") throw new CommandFailure(outcome.error);
  return outcome.data;
}

/** What to tell the user about a failure: the text for its code. */
export function errorText(error: unknown): string {
  if (error instanceof CommandFailure) return t(`error.${error.error.code}` as MessageKey);
  return t("error.internal");
}

/**
 * The detail, for a smaller line under the message: core's problem in the clerk's language,
 * or "" when it gave none. Never core's English message, nor a JavaScript error's.
 */
export function errorDetail(error: unknown): string {
  if (error instanceof CommandFailure) return problemText(error.error.detail);
  return "";
}

/** The message and its detail in one line: "Malfilen er ikke gyldig. Linje 3: …". */
export function failureText(error: unknown): string {
  return [errorText(error), errorDetail(error)].filter((part) => part !== "").join(" ");
}
