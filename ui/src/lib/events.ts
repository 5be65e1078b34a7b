// Events the app pushes to its pages (see `events` in src-tauri/src/lib.rs): pages refresh
// when something changed instead of polling on timers.
import { listen } from "@tauri-apps/api/event";

/** The outbox changed: letters sent, failed, retried, statuses, signed copies queued. */
export const OUTBOX_CHANGED = "outbox-changed";
/** Signing orders changed. */
export const SIGNING_CHANGED = "signing-changed";
/** The background work's problem for the banner, or `null` when all is well. */
export const BACKGROUND_STATUS = "background-status";

/** The app's facts changed (the sandbox services started or stopped): the new `AppInfo`. */
export const APP_INFO_CHANGED = "app-info-changed";

export type AppEvent =
  | typeof OUTBOX_CHANGED
  | typeof SIGNING_CHANGED
  | typeof BACKGROUND_STATUS
  | typeof APP_INFO_CHANGED;

/** Calls `handler` with each event's payload until the returned function is called. */
export function onAppEvent<T = unknown>(name: AppEvent, handler: (payload: T) => void): () => void {
  let stop: (() => void) | undefined;
  let stopped = false;
  try {
    listen<T>(name, (event) => handler(event.payload))
      .then((unlisten) => {
        if (stopped) unlisten();
        else stop = unlisten;
      })
      .catch(() => {});
  } catch {
    // Outside the app window (no event bridge): nothing to listen to.
  }
  return () => {
    stopped = true;
    stop?.();
  };
}
