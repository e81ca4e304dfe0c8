/**
 * What `defineSessions(defs, { onEvent })` is told: typed, one object per event, never an id, a
 * value or a key. Without `onEvent`, storage errors are logged with `console.error`, one line per
 * outage (errors less than 30 s apart are one outage), so an outage is seen without flooding logs.
 *
 * @example
 * defineSessions(defs, {
 *   onEvent: (event) => {
 *     if (event.type === 'storage-error') metrics.increment('sessions.storage_error', { session: event.session });
 *   },
 * });
 */
import { SessionConflictError, SessionCrossSiteError, SessionStorageError, SessionTooLargeError } from './errors.ts';

export type SessionEvent =
  /** A storage call failed (the request answers 503 through `handler`). `operation`: read, write or invalidate. */
  | { type: 'storage-error'; session: string; operation: string; error: SessionStorageError }
  /** A write lost to other requests (retries ran out, or the session was ended meanwhile): 409. */
  | { type: 'conflict'; session: string; error: SessionConflictError }
  /** A value did not fit on the wire (`set` rejected with SessionTooLargeError). */
  | { type: 'too-large'; session: string; size: number; limit: number }
  /** A cross-site state-changing request was refused (403), or tried to write `session`. */
  | { type: 'cross-site'; session?: string }
  /** Sessions of one owner were ended: one (`revoke`), all but the current (`revokeOthers`), or all (`revokeAll`). */
  | { type: 'revoked'; session: string; scope: 'one' | 'others' | 'all'; count: number };

/** What it returns is ignored; a Promise it returns is awaited by nobody, and its rejection dropped. */
export type SessionEventListener = (event: SessionEvent) => unknown;

/** Errors this turns into events; anything else passes unreported. */
export function eventOf(session: string, error: unknown): SessionEvent | undefined {
  if (error instanceof SessionStorageError) return { type: 'storage-error', session, operation: error.operation ?? 'call', error };
  if (error instanceof SessionConflictError) return { type: 'conflict', session, error };
  if (error instanceof SessionTooLargeError) return { type: 'too-large', session, size: error.size, limit: error.limit };
  if (error instanceof SessionCrossSiteError) return { type: 'cross-site', session };
  return undefined;
}

const OUTAGE_GAP_MS = 30_000;

/** The listener to use: the app's (never allowed to break a request), or the default outage log. */
export function listenerFor(onEvent: SessionEventListener | undefined): SessionEventListener {
  if (onEvent) {
    return (event) => {
      try {
        // An async listener's rejection is dropped too (never an unhandled rejection).
        const result = onEvent(event);
        if (result instanceof Promise) result.catch(() => undefined);
      } catch {
        // A broken listener must not turn a session answer into a 500.
      }
    };
  }
  const lastError = new Map<string, number>();
  return (event) => {
    if (event.type !== 'storage-error') return;
    const now = Date.now();
    const last = lastError.get(event.session);
    lastError.set(event.session, now);
    if (last !== undefined && now - last < OUTAGE_GAP_MS) return;
    const cause = codeOf(event.error.cause);
    console.error(
      `[sessions-kit] storage of session "${event.session}" is unavailable (${event.operation} failed${cause ? `: ${cause}` : ''}); ` +
        'requests that need it answer 503 until it is back. Pass onEvent to defineSessions to handle this yourself.',
    );
  };
}

/** A stable, id-free label for the cause: a system error code (ECONNREFUSED…) or the error's class. */
function codeOf(cause: unknown): string | undefined {
  for (let current = cause, depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause: next } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && !code.startsWith('ERR_SESSION')) return code;
    if (next === undefined) return current instanceof Error ? current.name : undefined;
    current = next;
  }
  return undefined;
}
