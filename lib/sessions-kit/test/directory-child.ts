/**
 * A directoryStorage driven from a separate Node process, for the tests that need one: several
 * processes racing on one record, a writer killed with SIGKILL, a user without write access,
 * a full filesystem. Run it as `node --import tsx directory-child.testutil.ts <task> <json>`;
 * it prints one JSON line per report on stdout.
 *
 * @example
 * ```ts
 * const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, 'increment', JSON.stringify(args)]);
 * ```
 */
import { open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SessionError } from '../src/errors.ts';
import { directoryStorage } from '../src/storage/directory.ts';

/** This file, to spawn. */
export const CHILD_SCRIPT = fileURLToPath(import.meta.url);

/** A value whose every byte can be checked: `<n>:<n × "x">:<n>`. A torn record cannot pass. */
export function wholeValue(size: number): string {
  return `${size}:${'x'.repeat(size)}:${size}`;
}

export function isWholeValue(value: string): boolean {
  const match = /^(\d+):(x*):(\d+)$/.exec(value);
  return match !== null && match[1] === match[3] && match[2]?.length === Number(match[1]);
}

/** The outcome of one storage call, as the parent test sees it. */
export interface Outcome {
  op: string;
  ok: boolean;
  result?: unknown;
  code?: string;
  cause?: string;
}

async function attempt(op: string, call: () => unknown): Promise<Outcome> {
  try {
    return { op, ok: true, result: await call() };
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    return {
      op,
      ok: false,
      code: err instanceof SessionError ? err.code : String((err as Error).name),
      cause: typeof cause === 'string' ? cause : undefined,
    };
  }
}

function report(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Every kind of call on `key` (which holds `previous`) and on a new key; what each did. */
async function faults({ dir, key, big }: Record<string, unknown>): Promise<void> {
  const storage = directoryStorage(String(dir), { sweepIntervalMs: Number.POSITIVE_INFINITY, lockTimeoutMs: 2_000 });
  const value = wholeValue(Number(big));
  const k = String(key);
  const before = await storage.read(k);
  // Changes that store something first, then a read (the previous record must still be
  // there), then the ones that only delete.
  const outcomes = [
    await attempt('write', () => storage.write(k, value)),
    await attempt('compareAndSet', () => storage.compareAndSet(k, before ?? '', value)),
    await attempt('create (new key)', () => storage.create('new-key', value)),
    await attempt('write (new key)', () => storage.write('new-key', value)),
    await attempt('read', () => storage.read(k)),
    await attempt('compareAndSet to undefined', () => storage.compareAndSet(k, before ?? '', undefined)),
    await attempt('invalidate', () => storage.invalidate(k)),
  ];
  report({ outcomes });
}

const tasks: Record<string, (args: Record<string, unknown>) => Promise<void>> = {
  /** `times` compare-and-set appends of `<tag>:<i>` to the JSON array under `key`. */
  async increment({ dir, key, times, tag }) {
    const storage = directoryStorage(String(dir), { sweepIntervalMs: Number.POSITIVE_INFINITY });
    let attempts = 0;
    for (let i = 0; i < Number(times); i++) {
      for (;;) {
        attempts++;
        const current = await storage.read(String(key));
        if (current === undefined) throw new Error('the record vanished');
        const next = JSON.stringify([...(JSON.parse(current) as string[]), `${tag}:${i}`]);
        if (await storage.compareAndSet(String(key), current, next)) break;
      }
    }
    report({ attempts });
  },

  /** Writes, swaps, creates and deletes on a few keys, without end; reports progress. */
  async churn({ dir, keys }) {
    const storage = directoryStorage(String(dir), { sweepIntervalMs: Number.POSITIVE_INFINITY });
    for (let op = 0; ; op++) {
      const key = `key-${op % Number(keys)}`;
      const value = wholeValue(1 + ((op * 7919) % 48_000));
      const current = await storage.read(key);
      if (op % 11 === 0) await storage.invalidate(key);
      else if (current === undefined) await storage.create(key, value);
      else if (op % 3 === 0) await storage.write(key, value);
      else await storage.compareAndSet(key, current, value);
      if (op % 20 === 0) report({ ops: op });
    }
  },

  faults,

  /** Writes `previous` under `key`, fills the filesystem of `dir` but `leave` bytes, runs `faults`, frees it again. */
  async 'full-disk'(args) {
    const dir = String(args.dir);
    await directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY }).write(String(args.key), 'previous');
    const filler = join(dir, 'filler');
    const handle = await open(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    let size = 0;
    try {
      for (;;) {
        const { bytesWritten } = await handle.write(chunk, 0, chunk.length, size);
        size += bytesWritten;
        if (bytesWritten < chunk.length) break;
      }
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOSPC' && (err as { code?: unknown }).code !== 'EFBIG') throw err;
    }
    await handle.truncate(Math.max(0, size - Number(args.leave)));
    await handle.close();
    await faults(args);
    // Leftovers (temp files, locks) anywhere under the store, before the space comes back.
    const leftovers = (await readdir(dir, { recursive: true }))
      .map(String)
      .filter((path) => path.endsWith('.tmp') || path.endsWith('.lock'));
    await unlink(filler);
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    const after = await attempt('write after space is back', () => storage.write(String(args.key), 'after'));
    report({ leftovers, after, readBack: await storage.read(String(args.key)) });
  },
};

// Only when run as a script, not when a test imports the helpers above.
if (process.argv[1] === CHILD_SCRIPT) {
  const [task, json] = process.argv.slice(2);
  const run = task ? tasks[task] : undefined;
  if (!run) throw new Error(`Unknown task ${task}`);
  await run(JSON.parse(json ?? '{}') as Record<string, unknown>);
}
