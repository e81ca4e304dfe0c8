/** Limits shared by every transport and option: one place for each check. */
import { SessionConfigError, SessionTooLargeError } from './errors.ts';

/** Browsers and servers reject larger cookies; session headers keep to the same bound. */
export const MAX_WIRE_BYTES = 4096;

/** Throws `SessionTooLargeError` when a cookie or header line of `size` bytes cannot travel. */
export function assertFitsWire(sessionName: string, size: number): void {
  if (size > MAX_WIRE_BYTES) throw new SessionTooLargeError(sessionName, size, MAX_WIRE_BYTES);
}

/** A lifetime option: a positive whole number of seconds (or null where the option allows "none"). */
export function checkSeconds(label: string, value: number | null | undefined, allowNull = false): void {
  if (value === undefined || (value === null && allowNull)) return;
  if (value === null || !(Number.isInteger(value) && value > 0)) {
    throw new SessionConfigError(
      `${label} must be a positive whole number of seconds${allowNull ? ' or null' : ''}, not ${String(value)}.`,
    );
  }
}

/** A storage TTL: positive and finite (fractions allowed). Throws a RangeError naming the storage. */
export function checkTtl(storage: string, ttlSeconds: number): void {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`${storage}: \`ttlSeconds\` must be a positive finite number.`);
  }
}
