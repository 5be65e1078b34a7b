import type { ConnectionStep, Environment } from "./bindings";
import type { MessageKey } from "./i18n";

export const environments: Environment[] = ["sandbox", "test", "prod"];

export function environmentLabel(env: Environment): MessageKey {
  return `env.${env}`;
}

export function environmentHint(env: Environment): MessageKey {
  return `env.${env}.hint`;
}

/** Switching to a real environment first tests the connection; back to the sandbox needs none. */
export function needsChecklist(env: Environment): boolean {
  return env !== "sandbox";
}

const CHECK_STEPS = ["credentials", "token", "lookup", "svarut", "signing"];

/** The checklist's name for a connection-test step, or null for one this UI does not know. */
export function checkLabel(step: string): MessageKey | null {
  return CHECK_STEPS.includes(step) ? (`env.switch.step.${step}` as MessageKey) : null;
}

/** Every step of a finished connection test went well (an empty test proves nothing). */
export function allStepsOk(steps: ConnectionStep[] | null): boolean {
  return steps !== null && steps.length > 0 && steps.every((step) => step.ok);
}

/**
 * Whether the clerk may confirm a switch: Produksjon only when the connection test passed
 * in full; Test and Sandkasse always (Test warns about what failed).
 */
export function mayConfirm(target: Environment, steps: ConnectionStep[] | null): boolean {
  return target !== "prod" || allStepsOk(steps);
}

// The shell (App.svelte) owns the guarded switch; a selector anywhere asks it to switch
// instead of calling `setEnvironment` itself.
let guard: ((target: Environment) => void) | null = null;

/** Installs the guarded switch (the shell does); returns the function that removes it. */
export function onEnvironmentRequest(handler: (target: Environment) => void): () => void {
  guard = handler;
  return () => {
    if (guard === handler) guard = null;
  };
}

/**
 * Asks the shell to switch to `target`: it asks the clerk first (with a connection check for
 * Test and Produksjon). False when no shell is listening (nothing happens then).
 */
export function requestEnvironment(target: Environment): boolean {
  if (!guard) return false;
  guard(target);
  return true;
}
