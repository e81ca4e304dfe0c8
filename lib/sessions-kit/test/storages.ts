/**
 * The built-in storages the concurrency tests run on. Each case can hand out
 * several handles on the same data, as several app instances would hold
 * (memory has one instance by nature), so the store itself must arbitrate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directoryStorage } from '../src/directory.ts';
import { cachedStorage, memoryStorage } from '../src/index.ts';
import type { SessionStorage } from '../src/types.ts';

export interface OpenedStorage {
  handle(i: number): SessionStorage;
  /** Reads the store itself, past any instance's cache: what the tests check the outcome with. */
  truth: SessionStorage;
  cleanup(): Promise<void>;
}

export interface StorageCase {
  name: string;
  /** A fresh, empty store; `handle(i)` is the i-th app instance's storage on it. */
  open(): Promise<OpenedStorage>;
}

const INSTANCES = 3;

function perInstance(make: () => SessionStorage): (i: number) => SessionStorage {
  const handles = Array.from({ length: INSTANCES }, make);
  return (i) => handles[i % INSTANCES] as SessionStorage;
}

export const STORAGE_CASES: StorageCase[] = [
  {
    name: 'memoryStorage',
    async open() {
      const storage = memoryStorage();
      return { handle: () => storage, truth: storage, cleanup: async () => undefined };
    },
  },
  {
    name: 'directoryStorage',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'sk-races-dir-'));
      const open = () => directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
      return { handle: perInstance(open), truth: open(), cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'cachedStorage(directoryStorage)',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'sk-races-cached-'));
      const open = () => directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
      return {
        handle: perInstance(() => cachedStorage(open())),
        truth: open(),
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
];
