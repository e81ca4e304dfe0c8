/** The shared limits: lifetimes, storage TTLs and the 4096-byte wire bound. */
import { describe, expect, it } from 'vitest';
import { MAX_WIRE_BYTES, assertFitsWire, checkSeconds, checkTtl } from './limits.ts';

const codeOf = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).name;
  }
  return undefined;
};

describe('limits', () => {
  it('lifetimes are positive whole seconds; null only where allowed', () => {
    for (const ok of [1, 60, 400 * 24 * 3600, undefined]) expect(codeOf(() => checkSeconds('x', ok))).toBeUndefined();
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, null]) {
      expect(codeOf(() => checkSeconds('x', bad)), String(bad)).toBe('ERR_SESSION_CONFIG');
    }
    expect(codeOf(() => checkSeconds('x', null, true))).toBeUndefined();
  });

  it('storage TTLs are positive and finite', () => {
    expect(codeOf(() => checkTtl('s', 0.5))).toBeUndefined();
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(codeOf(() => checkTtl('s', bad))).toBe('RangeError');
  });

  it('4096 bytes fit, 4097 are SessionTooLargeError with size and limit', () => {
    expect(codeOf(() => assertFitsWire('s', MAX_WIRE_BYTES))).toBeUndefined();
    expect(() => assertFitsWire('s', 4097)).toThrow(expect.objectContaining({ code: 'ERR_SESSION_TOO_LARGE', size: 4097, limit: 4096 }));
  });
});
