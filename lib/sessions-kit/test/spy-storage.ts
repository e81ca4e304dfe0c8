/**
 * Test storages for the by-id tracker: a spy that records every key it is
 * handed (so tests can prove no id ever reaches storage), over a Map or over
 * any real storage; and the storage key of an id, derived independently of
 * the code under test.
 */
import { createHash } from 'node:crypto';
import type { SessionStorage } from '../src/types.ts';

/** base64url(SHA-256('sessions-kit/id/v1:' + id)), straight from the documented derivation. */
export function keyOf(id: string): string {
  return createHash('sha256').update(`sessions-kit/id/v1:${id}`, 'utf8').digest('base64url');
}

export interface StoreCall {
  op: 'create' | 'compareAndSet';
  key: string;
  value: string | undefined;
  ttlSeconds: number | undefined;
}

type Op = 'read' | 'invalidate' | 'create' | 'compareAndSet';
/** What can be broken: one operation, or `write` for both storing calls (create and compareAndSet). */
type Fault = Op | 'write';

export interface SpyOptions {
  /** Wrap this storage instead of a plain Map. */
  inner?: SessionStorage;
}

/**
 * An asynchronous storage that ignores TTLs when over its own Map (so only the record's own
 * deadlines can end a session), records every key and call, and can be told to fail.
 */
export function spyStorage(options: SpyOptions = {}) {
  const { inner } = options;
  const map = new Map<string, string>();
  const calls: Record<Op, number> = { read: 0, invalidate: 0, create: 0, compareAndSet: 0 };
  /** Every key any call was handed, in order. */
  const keys: string[] = [];
  /** Every value any call was handed (stored or expected). */
  const values: string[] = [];
  const reads: string[] = [];
  /** Every successful store: a create that created, a compare-and-set that matched with a next value. */
  const stores: StoreCall[] = [];
  const invalidated: string[] = [];
  const faults: Partial<Record<Fault, boolean>> = {};
  let faultError: () => unknown = () => new Error('ECONNREFUSED 127.0.0.1:6379');

  const enter = (op: Op, key: string) => {
    calls[op]++;
    keys.push(key);
    // A broken `write` breaks every storing call, as a full disk or a dead connection would.
    if (faults[op] || (faults.write && (op === 'create' || op === 'compareAndSet'))) throw faultError();
  };

  const storage: SessionStorage = {
    async read(key) {
      enter('read', key);
      reads.push(key);
      return inner ? inner.read(key) : map.get(key);
    },
    async create(key, value, ttlSeconds) {
      enter('create', key);
      values.push(value);
      let created: boolean;
      if (inner) created = await inner.create(key, value, ttlSeconds);
      else {
        created = !map.has(key);
        if (created) map.set(key, value);
      }
      if (created) stores.push({ op: 'create', key, value, ttlSeconds });
      return created;
    },
    async compareAndSet(key, expected, next, ttlSeconds) {
      enter('compareAndSet', key);
      values.push(expected);
      if (next !== undefined) values.push(next);
      let swapped: boolean;
      if (inner) swapped = await inner.compareAndSet(key, expected, next, ttlSeconds);
      else {
        swapped = map.get(key) === expected;
        if (swapped) {
          if (next === undefined) map.delete(key);
          else map.set(key, next);
        }
      }
      if (swapped && next !== undefined) stores.push({ op: 'compareAndSet', key, value: next, ttlSeconds });
      if (swapped && next === undefined) invalidated.push(key);
      return swapped;
    },
    async invalidate(key) {
      enter('invalidate', key);
      if (inner) await inner.invalidate(key);
      else map.delete(key);
      invalidated.push(key);
    },
  };

  return {
    storage,
    map,
    calls,
    keys,
    values,
    reads,
    stores,
    invalidated,
    /** The stored record of `id` (over the Map), parsed. */
    recordOf(id: string): Record<string, unknown> | undefined {
      const text = map.get(keyOf(id));
      return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
    },
    /** Every call fails (as an unreachable store would) until `recover()`. */
    breakDown(which: Partial<Record<Fault, boolean>> = { read: true, write: true, invalidate: true }, error?: () => unknown) {
      Object.assign(faults, which);
      if (error) faultError = error;
    },
    recover() {
      for (const fault of Object.keys(faults) as Fault[]) faults[fault] = false;
    },
  };
}

export type SpyStorage = ReturnType<typeof spyStorage>;
