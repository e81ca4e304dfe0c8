/** Option checks shared by every definition and storage: one place for each rule. */
import { SessionConfigError } from './errors.ts';

/** A lifetime option: a positive whole number of seconds (or null where the option allows "none"). */
export function checkSeconds(label: string, value: number | null | undefined, allowNull = false): void {
  if (value === undefined || (value === null && allowNull)) return;
  if (value === null || !(Number.isInteger(value) && value > 0)) {
    throw new SessionConfigError(
      `${label} must be a positive whole number of seconds${allowNull ? ' or null' : ''}, not ${String(value)}.`,
    );
  }
}

/** A count or duration option: a positive safe integer, or the default when undefined. */
export function positiveInteger(label: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result <= 0) {
    throw new SessionConfigError(`${label} must be a positive integer, not ${String(value)}.`);
  }
  return result;
}

/** A storage TTL: positive and finite (fractions allowed). Throws a RangeError naming the storage. */
export function checkTtl(storage: string, ttlSeconds: number): void {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`${storage}: \`ttlSeconds\` must be a positive finite number.`);
  }
}
