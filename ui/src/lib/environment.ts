import type { Environment } from "./bindings";
import type { MessageKey } from "./i18n";

export const environments: Environment[] = ["sandbox", "test", "prod"];

export function environmentLabel(env: Environment): MessageKey {
  return `env.${env}`;
}

export function environmentHint(env: Environment): MessageKey {
  return `env.${env}.hint`;
}
