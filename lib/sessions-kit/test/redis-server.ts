import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/**
 * A throwaway redis-server for tests: loopback only, no persistence.
 *
 * @example
 * ```ts
 * const server: RedisServerHandle | undefined = await startRedisServer();
 * await server?.kill(); // simulate a crash
 * await server?.restart();
 * server?.freeze(); // alive but not answering
 * server?.thaw();
 * ```
 */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL), as a crash would, and waits for it to exit. Idempotent. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing was persisted) and waits until it answers. */
  restart(): Promise<void>;
  /** SIGSTOP: the server keeps its connections and its data but answers nothing (a partition without RST, a swapped-out host). */
  freeze(): void;
  /** SIGCONT: it answers again, with the same data. */
  thaw(): void;
}

const READY_TIMEOUT_MS = 5_000;
const EXIT_TIMEOUT_MS = 5_000;

/**
 * Starts `redis-server` (from `REDIS_SERVER_PATH`, else the PATH) on a free loopback port and
 * waits until it answers PING. Resolves to `undefined` when the binary is not installed,
 * so the caller decides whether that skips or fails the suite.
 *
 * @example
 * ```ts
 * const server = await startRedisServer();
 * if (server) { const storage = redisStorage({ url: server.url }); … await server.stop(); }
 * ```
 */
export async function startRedisServer(): Promise<RedisServerHandle | undefined> {
  const binary = process.env.REDIS_SERVER_PATH || 'redis-server';
  const port = await freePort();
  let child = await launch(binary, port);
  if (!child) return undefined;

  // A crashed test run must not leave a redis-server behind.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGCONT'); // a frozen server would not act on SIGTERM
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await halt('SIGTERM');
      process.removeListener('exit', killOnExit);
    },
    async kill() {
      await halt('SIGKILL');
      process.removeListener('exit', killOnExit);
    },
    async restart() {
      await halt('SIGTERM');
      const restarted = await launch(binary, port);
      if (!restarted) throw new Error(`${binary} disappeared between two starts.`);
      child = restarted;
      process.removeListener('exit', killOnExit);
      process.once('exit', killOnExit);
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
  };
}

/**
 * Spawns `redis-server` on a loopback port, without persistence, and waits until it answers
 * PING; `undefined` if the binary does not exist. `extraArgs` are appended (cluster options…).
 *
 * @example
 * ```ts
 * const child = await launch('redis-server', port, ['--cluster-enabled', 'yes']);
 * ```
 */
export async function launch(binary: string, port: number, extraArgs: readonly string[] = []): Promise<ChildProcess | undefined> {
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2_000);
  });
  const spawned = await new Promise<boolean>((resolve, reject) => {
    child.once('spawn', () => resolve(true));
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') resolve(false);
      else reject(err);
    });
  });
  if (!spawned) return undefined;

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited during start-up (code ${child.exitCode}): ${stderr}`);
    }
    if (await ping(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port} within ${READY_TIMEOUT_MS} ms: ${stderr}`);
}

/** A raw RESP PING, so readiness does not depend on the client under test. */
export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * A port nothing listens on right now: bind to port 0, read what the OS picked, release it.
 *
 * @example
 * ```ts
 * const unreachable = `redis://127.0.0.1:${await freePort()}`;
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('No port was assigned.'))));
    });
  });
}
