/**
 * The processes the server tests run: a production build of the demo (in a copy of the project), `next start` and
 * `redis-server`. Every process is started in its own process group and registered, so
 * `stopAll()` (and a hard exit) ends each of them, by pid, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ping } from '../../lib/sessions-kit/test/redis-server.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NEXT_BIN = join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
export const TEST_SECRET = 'server-tests-only-secret-0123456789abcdefghijklmnop';

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

// A crashed or interrupted run must not leave a server behind.
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

/** Sends `signal` to the process group and waits (bounded) for the exit; SIGKILL after `graceMs`. */
async function stopProcess(child: ChildProcess, signal: NodeJS.Signals, graceMs = 5_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    killGroup(child, signal);
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  running.delete(child);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopProcess(child, 'SIGTERM')));
}

function startProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; logFile: string; cwd?: string }): ChildProcess {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const output = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(output);
  child.stderr?.pipe(output);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

const tail = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').slice(-3_000) : '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nothing listens on right now (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('No port was assigned.'))));
    });
  });
}

// ---- Next.js ------------------------------------------------------------------------------------

/**
 * The folder the demo is built in and served from: the project itself for `.next` (the build the
 * e2e tests just made), else a copy of the project in `dist` (a `.next-*` folder, ignored by git,
 * tsc and biome), so this build never replaces the `.next` another `next start` is serving. Next 16
 * has no flag for the build folder, and `distDir` may not leave the project.
 */
function appDir(dist: string): string {
  if (dist === '.next') return ROOT;
  if (!/^\.next-[\w-]+$/.test(dist)) throw new Error(`--dist: .next or a .next-<name> folder, not ${dist}.`);
  return join(ROOT, dist);
}

/**
 * A fresh copy of the project's sources in `dir`, with a config whose Turbopack root is the
 * project, so its node_modules resolve (Next would otherwise stop at the copy's package.json,
 * which has `workspaces`). No type check in the copy: `npm run build` and `tsc` do that.
 */
function copyProject(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const entry of readdirSync(ROOT)) {
    if (!/^(\.git|\.next.*|\.sessions|node_modules|bench|e2e|test-results|playwright-report|blob-report)$/.test(entry)) {
      cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    }
  }
  const base = JSON.stringify(pathToFileURL(join(ROOT, 'next.config.mjs')).href);
  const config = `import base from ${base};\nexport default { ...base, turbopack: { root: ${JSON.stringify(ROOT)} }, typescript: { ignoreBuildErrors: true } };\n`;
  writeFileSync(join(dir, 'next.config.mjs'), config);
}

/** `next build` of the demo in `dist` (see appDir), unless `reuse` and a build is already there. Bounded to 6 minutes. */
export async function buildApp(dist: string, { reuse, logFile }: { reuse: boolean; logFile: string }): Promise<void> {
  const cwd = appDir(dist);
  if (reuse) {
    if (!existsSync(join(cwd, '.next', 'BUILD_ID'))) throw new Error(`--reuse-build: no production build in ${dist}.`);
    return;
  }
  if (cwd !== ROOT) copyProject(cwd);
  const child = startProcess(process.execPath, [NEXT_BIN, 'build'], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }, logFile, cwd });
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 6 * 60_000);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  if (code !== 0) throw new Error(`next build failed (${code}):\n${tail(logFile)}`);
}

export interface AppServer {
  base: string;
  stop(): Promise<void>;
}

/**
 * Idle connections stay open this long (Node's default is 5 s), as in a deployment behind a load
 * balancer (longer than its 60 s idle timeout) or facing browsers directly: otherwise a browser's
 * idle connections close between its bursts of requests, and 200 of them reconnecting at once
 * overflow the accept queue (511 connections; `npm run test:load` on Redis: p99 10 s, with 2,487
 * connections refused and retried after 1, 3 and 7 s).
 */
const KEEP_ALIVE_MS = '65000';

/**
 * `next start` of the build in `distDir` (see appDir) on 127.0.0.1:`port`, ready once `GET /api/cookie`
 * answers (within 30 s). Server-side sessions go to Redis when `redisUrl` is given, to Postgres
 * when `databaseUrl` is, else to `sessionsDir`.
 */
export async function startApp(options: {
  distDir: string;
  port: number;
  logFile: string;
  redisUrl?: string;
  databaseUrl?: string;
  sessionsDir: string;
  /** Node options before Next's own (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}): Promise<AppServer> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    SESSION_SECRET: TEST_SECRET,
    SESSIONS_DIR: options.sessionsDir,
  };
  if (options.redisUrl) env.REDIS_URL = options.redisUrl;
  else delete env.REDIS_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  const child = startProcess(process.execPath, [...(options.nodeArgs ?? []), NEXT_BIN, 'start', '-H', '127.0.0.1', '-p', String(options.port), '--keepAliveTimeout', KEEP_ALIVE_MS], { env, logFile: options.logFile, cwd: appDir(options.distDir) });
  const base = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`next start exited:\n${tail(options.logFile)}`);
    const ok = await fetch(`${base}/api/cookie`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stopProcess(child, 'SIGKILL');
      throw new Error(`next start did not answer within 30 s:\n${tail(options.logFile)}`);
    }
    await sleep(200);
  }
  return { base, stop: () => stopProcess(child, 'SIGTERM') };
}

// ---- Redis ------------------------------------------------------------------------------------

export interface RedisProcess {
  url: string;
  port: number;
  /** SIGKILL, as a crash would; waits for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (it reloads its append-only file) and waits for PING. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A redis-server on 127.0.0.1:`port` with its files in `dir`. `durable`: it persists every
 * write before answering (`appendonly yes`, `appendfsync always`), so a SIGKILL loses nothing
 * acknowledged; otherwise it keeps nothing on disk (the load test measures the app, not fsync).
 * `undefined` when the binary is missing.
 */
export async function startRedis(options: { port: number; dir: string; logFile: string; durable: boolean }): Promise<RedisProcess | undefined> {
  const binary = process.env.REDIS_SERVER_PATH || 'redis-server';
  mkdirSync(options.dir, { recursive: true });
  const args = [
    '--port', String(options.port),
    '--bind', '127.0.0.1',
    '--dir', options.dir,
    '--save', '',
    ...(options.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ];
  const launch = async (): Promise<ChildProcess | undefined> => {
    const child = startProcess(binary, args, { logFile: options.logFile });
    const started = await Promise.race([
      once(child, 'spawn').then(() => true),
      once(child, 'error').then(([err]) => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }),
    ]);
    if (!started) return undefined;
    const deadline = Date.now() + 10_000;
    while (!(await ping(options.port))) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited at start:\n${tail(options.logFile)}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer within 10 s:\n${tail(options.logFile)}`);
      await sleep(25);
    }
    return child;
  };
  let child = await launch();
  if (!child) return undefined;
  return {
    url: `redis://127.0.0.1:${options.port}`,
    port: options.port,
    async kill() {
      if (child) await stopProcess(child, 'SIGKILL');
    },
    async restart() {
      if (child) await stopProcess(child, 'SIGTERM');
      child = await launch();
      if (!child) throw new Error('redis-server disappeared between two starts.');
    },
    async stop() {
      if (child) await stopProcess(child, 'SIGTERM');
    },
  };
}

