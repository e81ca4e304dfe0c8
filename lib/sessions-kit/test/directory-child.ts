/**
 * A directoryStorage driven from a separate Node process, for the tests that need one: several
 * processes racing on one record, a writer killed with SIGKILL, a user without write access,
 * a full filesystem. The test bundles this file into one plain .mjs ({@link bundleChild}), so
 * a child runs with `node <bundle> <task> <json>`, needs nothing from the checkout, and can run
 * as another user however private the checkout is. It prints one JSON line per report.
 *
 * @example
 * ```ts
 * const bundle = await bundleChild();
 * spawn(process.execPath, [bundle.script, 'increment', JSON.stringify(args)]);
 * ```
 */
import { chmod, mkdtemp, open, readdir, realpath, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SessionError } from '../src/errors.ts';
import { directoryStorage } from '../src/storage/directory.ts';

/** This file, or the bundle it was built into. */
const SELF = fileURLToPath(import.meta.url);

/**
 * Bundles this file (with the storage it drives) into `<temp dir>/directory-child.mjs`, in a
 * directory every user may enter (0755, the file 0644). `dispose()` deletes it.
 *
 * @example
 * ```ts
 * const { script, dispose } = await bundleChild();
 * ```
 */
export async function bundleChild(): Promise<{ script: string; dispose(): Promise<void> }> {
  const { build } = await import('esbuild');
  // The real path: Node reports it as the entry's import.meta.url, which must match argv[1].
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'sessions-directory-child-')));
  const script = join(dir, 'directory-child.mjs');
  await build({ entryPoints: [SELF], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: script, external: ['esbuild'], logLevel: 'silent' });
  await chmod(dir, 0o755);
  await chmod(script, 0o644);
  return { script, dispose: () => rm(dir, { recursive: true, force: true }) };
}

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

async function attempt(op: string, call: () => Promise<unknown>): Promise<Outcome> {
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

/** A storage on `dir` as the tasks use it: no automatic sweep. */
const storageIn = (dir: unknown, lockTimeoutMs?: number) => directoryStorage(String(dir), { sweepIntervalMs: Number.POSITIVE_INFINITY, lockTimeoutMs });

/** Every kind of call on `key` (which holds `previous`) and on a new key; what each did. */
async function faults({ dir, key, big }: Record<string, unknown>): Promise<void> {
  const storage = storageIn(dir, 2_000);
  const value = wholeValue(Number(big));
  const k = String(key);
  const before = (await storage.read(k)) ?? '';
  // Changes that store something first, then a read (the previous record must still be
  // there), then the ones that only delete.
  const outcomes = [
    await attempt('compareAndSet', () => storage.compareAndSet(k, before, value)),
    await attempt('create (new key)', () => storage.create('new-key', value)),
    await attempt('read', () => storage.read(k)),
    await attempt('compareAndSet to undefined', () => storage.compareAndSet(k, before, undefined)),
    await attempt('invalidate', () => storage.invalidate(k)),
  ];
  report({ outcomes });
}

const tasks: Record<string, (args: Record<string, unknown>) => Promise<void>> = {
  /** Reports who runs it: proof that the bundle runs at all (as another user, say). */
  async probe() {
    report({ uid: process.getuid?.() });
  },

  /** `times` compare-and-set appends of `<tag>:<i>` to the JSON array under `key`. */
  async increment({ dir, key, times, tag }) {
    const storage = storageIn(dir);
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

  /** Creates, swaps and deletes on a few keys, without end; reports progress. */
  async churn({ dir, keys }) {
    const storage = storageIn(dir);
    for (let op = 0; ; op++) {
      const key = `key-${op % Number(keys)}`;
      const value = wholeValue(1 + ((op * 7919) % 48_000));
      const current = await storage.read(key);
      if (op % 11 === 0) await storage.invalidate(key);
      else if (current === undefined) await storage.create(key, value);
      else await storage.compareAndSet(key, current, value);
      if (op % 20 === 0) report({ ops: op });
    }
  },

  faults,

  /** Creates `previous` under `key`, fills the filesystem of `dir` but `leave` bytes, runs `faults`, frees it again. */
  async 'full-disk'(args) {
    const dir = String(args.dir);
    await storageIn(dir).create(String(args.key), 'previous');
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
    const leftovers = (await readdir(dir)).filter((name) => name.endsWith('.tmp') || name.endsWith('.lock'));
    await unlink(filler);
    const storage = storageIn(dir);
    const after = await attempt('create after space is back', () => storage.create(String(args.key), 'after'));
    report({ leftovers, after, readBack: await storage.read(String(args.key)) });
  },
};

// Only when run as a script (the bundle), not when a test imports the helpers above.
if (process.argv[1] === SELF) {
  const [task, json] = process.argv.slice(2);
  const run = task ? tasks[task] : undefined;
  if (!run) throw new Error(`Unknown task ${task}`);
  await run(JSON.parse(json ?? '{}') as Record<string, unknown>);
}
