/** The shared option checks: lifetimes, counts and storage TTLs. */
import { describe, expect, it } from 'vitest';
import { checkSeconds, checkTtl, positiveInteger } from './checks.ts';

const codeOf = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).name;
  }
  return undefined;
};

describe('checks', () => {
  it('lifetimes are positive whole seconds; null only where allowed', () => {
    for (const ok of [1, 60, 400 * 24 * 3600, undefined]) expect(codeOf(() => checkSeconds('x', ok))).toBeUndefined();
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, null]) {
      expect(codeOf(() => checkSeconds('x', bad)), String(bad)).toBe('ERR_SESSION_CONFIG');
    }
    expect(codeOf(() => checkSeconds('x', null, true))).toBeUndefined();
  });

  it('counts are positive safe integers, the fallback when undefined', () => {
    expect(positiveInteger('n', undefined, 12)).toBe(12);
    expect(positiveInteger('n', 3, 12)).toBe(3);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(codeOf(() => positiveInteger('n', bad, 12)), String(bad)).toBe('ERR_SESSION_CONFIG');
    }
  });

  it('storage TTLs are positive and finite', () => {
    expect(codeOf(() => checkTtl('s', 0.5))).toBeUndefined();
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(codeOf(() => checkTtl('s', bad))).toBe('RangeError');
  });
});
