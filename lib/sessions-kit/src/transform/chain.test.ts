/** transformChain: order of stages, which stage carries expiry, stale keys, rejection. */
import { describe, expect, it } from 'vitest';
import type { ExpiryCarryingTransformer, OpenedValue, SessionTimes, SessionTransformer } from '../types.ts';
import { transformChain } from './chain.ts';

/** A plain transformer that wraps the value in `tag(...)`. */
function wrapper(tag: string): SessionTransformer {
  const open = `${tag}(`;
  return {
    write: async (value) => `${open}${value})`,
    read: async (value) => (value.startsWith(open) && value.endsWith(')') ? value.slice(open.length, -1) : undefined),
  };
}

/** A carrier that writes `tag[iat,exp](value)` and can report a stale key. */
function carrier(tag: string, stale = false): ExpiryCarryingTransformer & { written: Array<SessionTimes | undefined> } {
  const written: Array<SessionTimes | undefined> = [];
  const open = (value: string): OpenedValue | undefined => {
    const match = new RegExp(`^${tag}\\[(\\d*),(\\d*)\\]\\((.*)\\)$`).exec(value);
    if (!match) return undefined;
    const times: SessionTimes = {};
    if (match[1]) times.createdAt = Number(match[1]);
    if (match[2]) times.expiresAt = Number(match[2]);
    return stale ? { value: match[3] as string, times, stale } : { value: match[3] as string, times };
  };
  return {
    written,
    writeWithTimes: async (value, times) => {
      written.push(times);
      return `${tag}[${times?.createdAt ?? ''},${times?.expiresAt ?? ''}](${value})`;
    },
    readWithTimes: async (value) => open(value),
    write: async (value) => `${tag}[,](${value})`,
    read: async (value) => open(value)?.value,
  };
}

const TIMES = { createdAt: 10, expiresAt: 20 };

describe('transformChain', () => {
  it('without transformers passes values through and protects no expiry', async () => {
    const chain = transformChain(undefined, 's');
    expect(chain.protectsExpiry).toBe(false);
    expect(await chain.write('v', TIMES)).toBe('v');
    expect(await chain.read('v')).toEqual({ value: 'v' });
  });

  it('writes in order and reads in reverse, sync and async stages alike', async () => {
    const chain = transformChain([wrapper('a'), wrapper('b'), wrapper('c')], 's');
    const wire = await chain.write('v', TIMES);
    expect(wire).toBe('c(b(a(v)))');
    expect(await chain.read(wire)).toEqual({ value: 'v' });
    expect(await chain.read('c(a(b(v)))')).toBeUndefined();
  });

  it('the carrier closest to the wire gets the times; an inner one writes without them', async () => {
    const inner = carrier('in');
    const outer = carrier('out');
    const chain = transformChain([inner, wrapper('w'), outer], 's');
    expect(chain.protectsExpiry).toBe(true);
    const wire = await chain.write('v', TIMES);
    expect(wire).toBe('out[10,20](w(in[,](v)))');
    expect(outer.written).toEqual([TIMES]);
    expect(inner.written).toEqual([]);
    expect(await chain.read(wire)).toEqual({ value: 'v', times: TIMES });
  });

  it('a custom transformer outside the carrier still sees the carrier times on read', async () => {
    const chain = transformChain([carrier('jwe'), wrapper('custom')], 's');
    const wire = await chain.write('v', TIMES);
    expect(wire).toBe('custom(jwe[10,20](v))');
    expect(await chain.read(wire)).toEqual({ value: 'v', times: TIMES });
  });

  it('a stale key at any stage marks the result stale', async () => {
    const chain = transformChain([carrier('in', true), carrier('out')], 's');
    const wire = await chain.write('v', TIMES);
    expect(await chain.read(wire)).toEqual({ value: 'v', times: TIMES, stale: true });
  });

  it('binds a factory to the wire name', async () => {
    const names: string[] = [];
    const factory = {
      forSession(wireName: string) {
        names.push(wireName);
        return carrier(wireName);
      },
    };
    const chain = transformChain(factory, '__Host-s');
    expect(names).toEqual(['__Host-s']);
    expect(await chain.write('v', undefined)).toBe('__Host-s[,](v)');
  });
});
