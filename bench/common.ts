/**
 * Shared helpers for the benchmark children (codec.ts, storage.ts): deterministic
 * payloads, a timed loop, medians and the result-file protocol with bench/run.mjs.
 */
import { writeFileSync } from 'node:fs';

/** A small seeded PRNG (mulberry32): the same payloads on every run and machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

export type Payload = {
  user: string;
  count: number;
  roles: string[];
  items?: { sku: string; qty: number; note: string }[];
  pad?: string;
};

/**
 * A JSON object whose `JSON.stringify` is exactly `targetBytes` long (ASCII, so bytes = characters),
 * built from a fixed seed.
 */
export function makePayload(targetBytes: number, seed = 42): Payload {
  const rand = prng(seed);
  const word = () => WORDS[Math.floor(rand() * WORDS.length)] as string;
  const base: Payload = { user: `u_${String(Math.floor(rand() * 1e6)).padStart(6, '0')}`, count: 7, roles: [word(), word()] };
  if (JSON.stringify(base).length >= targetBytes) return base;
  const items: NonNullable<Payload['items']> = [];
  const payload: Payload = { ...base, items };
  // Whole items while they fit (leaving room for the padding field), then pad to the exact size.
  for (;;) {
    const item = { sku: `SKU-${Math.floor(rand() * 1e8).toString(36)}`, qty: 1 + Math.floor(rand() * 9), note: `${word()} ${word()} ${word()}` };
    items.push(item);
    if (JSON.stringify(payload).length + 10 > targetBytes) {
      items.pop();
      break;
    }
  }
  payload.pad = '';
  payload.pad = 'x'.repeat(Math.max(0, targetBytes - JSON.stringify(payload).length));
  return payload;
}

export const PAYLOAD_SIZES = [
  { label: '100B', bytes: 100 },
  { label: '1KB', bytes: 1024 },
  // ~3 KB: 3,072 B of JSON encrypts to 4,264 B, over the 4,096-byte cookie limit the library
  // enforces (SessionTooLargeError); 2,900 B is about the largest that still fits.
  { label: '2.9KB', bytes: 2900 },
] as const;

/**
 * A full collection before each measurement (when run with --expose-gc), so no run pays for the
 * garbage of the one before it.
 */
function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Runs `fn` back to back (awaiting each call) for about `ms` milliseconds and returns calls per second.
 * Every variant goes through this same harness, so the await/microtask cost is the same for all.
 */
export async function opsPerSecond(fn: () => unknown, ms: number, batch = 16): Promise<number> {
  settle();
  let ops = 0;
  const start = performance.now();
  const end = start + ms;
  let now = start;
  do {
    for (let i = 0; i < batch; i++) await fn();
    ops += batch;
    now = performance.now();
  } while (now < end);
  return ops / ((now - start) / 1000);
}

/**
 * `concurrency` workers each awaiting `fn()` in a loop for about `ms` milliseconds: completed calls per second.
 */
export async function concurrentOpsPerSecond(fn: (worker: number, i: number) => Promise<unknown> | unknown, ms: number, concurrency: number): Promise<number> {
  settle();
  let ops = 0;
  const start = performance.now();
  const end = start + ms;
  const worker = async (w: number) => {
    let i = 0;
    while (performance.now() < end) {
      await fn(w, i++);
      ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return ops / ((performance.now() - start) / 1000);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Command-line flag value: `--name value`. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

/** Writes the child's results where bench/run.mjs expects them (or prints them). */
export function emit(result: unknown): void {
  const out = arg('out');
  const text = JSON.stringify(result, null, 2);
  if (out) writeFileSync(out, text);
  else console.log(text);
}

/** Deep equality for JSON-shaped data: a benchmark that round-trips the wrong data measures nothing. */
export function assertSameJson(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: the round trip returned different data.`);
  }
}

export const log = (...parts: unknown[]) => console.error('[bench]', ...parts);
