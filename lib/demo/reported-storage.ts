/**
 * A storage wrapper that reports outages: each failure of the inner store is logged as one line
 * (which store, which operation, the system error code; never a key, an id or a URL) and rethrown
 * as a `StorageOutageError`. That is still a `SessionStorageError`, so `sessions.handler` answers
 * 503 and keeps the client's cookie, and it carries a digest so app/error.tsx can tell an outage
 * from a bug in production, where Next hides error messages.
 */
import 'server-only';
import { SessionStorageError, type SessionStorage } from 'sessions-kit';
import { STORAGE_UNAVAILABLE_DIGEST } from './outage';

export class StorageOutageError extends SessionStorageError {
  declare readonly digest: typeof STORAGE_UNAVAILABLE_DIGEST;

  constructor(store: string) {
    super(`Session storage "${store}" is unavailable.`);
    // Spelled out: minified builds rename classes, and the log should still say what this is.
    this.name = 'StorageOutageError';
    // One line wherever it is printed (Next logs page errors itself; non-enumerable fields keep
    // util.inspect on one line); the cause is in our own log line.
    Object.defineProperty(this, 'digest', { value: STORAGE_UNAVAILABLE_DIGEST, enumerable: false });
    Object.defineProperty(this, 'code', { value: this.code, enumerable: false });
    this.stack = `${this.name}: ${this.message}`;
  }
}

export type OutageLog = (line: string) => void;

/** At most one line per this many milliseconds per store; the lines in between are counted. */
const LOG_INTERVAL_MS = 5_000;

export function reportedStorage<S extends SessionStorage>(store: string, inner: S, log: OutageLog = (line) => console.error(line)): S {
  let lastLogged = Number.NEGATIVE_INFINITY;
  let suppressed = 0;

  const report = (operation: string, error: unknown) => {
    const now = Date.now();
    if (now - lastLogged < LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    const more = suppressed > 0 ? ` (+${suppressed} more since the last line)` : '';
    log(`[sessions] storage "${store}" unavailable: ${operation} failed (${errorCode(error)})${more}`);
    lastLogged = now;
    suppressed = 0;
  };

  // A Proxy keeps whatever the inner store offers (conditional writes, close, sweep) and nothing more,
  // so the library sees the same capabilities as without the wrapper.
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const failed = (error: unknown): never => {
          report(property, error);
          throw new StorageOutageError(store);
        };
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          return failed(error);
        }
        return result instanceof Promise ? result.catch(failed) : result;
      };
    },
  });
}

/** A stable, id-free label: the system error code (ECONNREFUSED, EACCES…) or the error class. */
function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && !code.startsWith('ERR_SESSION')) return code;
    if (cause === undefined) break;
    current = cause;
  }
  return error instanceof Error ? error.name : typeof error;
}
