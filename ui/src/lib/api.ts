import type { CommandError, Result } from "./bindings";
import { t, type MessageKey } from "./i18n";

/** A failed command, carrying the `{code, message}` from Rust. */
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

/** The technical detail, for a smaller line under the message. */
export function errorDetail(error: unknown): string {
  if (error instanceof CommandFailure) return error.error.message;
  return error instanceof Error ? error.message : String(error);
}
