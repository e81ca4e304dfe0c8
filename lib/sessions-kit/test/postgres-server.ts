import { type SpawnSyncReturns, execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.ts';

/**
 * A throwaway PostgreSQL cluster for tests: its own data directory in a temp folder, listening on
 * 127.0.0.1 only (its socket in that folder too), `trust` authentication, no fsync.
 *
 * @example
 * ```ts
 * const server: PostgresServerHandle | undefined = await startPostgresServer();
 * await server?.stop(); // an outage: pg_ctl stop -m fast
 * await server?.start(); // back, with the same data
 * await server?.destroy();
 * ```
 */
export interface PostgresServerHandle {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** `pg_ctl stop -m fast`: connections are cut, the data stays. Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory, and waits until it accepts connections. */
  start(): Promise<void>;
  /** SIGSTOP to every process of the cluster: it keeps its sockets but answers nothing. */
  freeze(): void;
  /** SIGCONT to the processes {@link freeze} stopped. */
  thaw(): void;
  /** Stops the cluster and deletes its folder. */
  destroy(): Promise<void>;
}

const run = promisify(execFile);

/**
 * The directory of `initdb`, `pg_ctl` and `postgres`: `POSTGRES_BIN_DIR`, else the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian keeps them off the PATH); undefined when none.
 *
 * @example
 * ```ts
 * const bin = postgresBinDir(); // '/usr/lib/postgresql/17/bin'
 * ```
 */
export function postgresBinDir(): string | undefined {
  if (process.env.POSTGRES_BIN_DIR) return process.env.POSTGRES_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

/**
 * Creates and starts a cluster on a free loopback port. As root it runs `initdb` and `pg_ctl`
 * as the `postgres` user (initdb refuses root), in a folder owned by that user. Resolves to
 * `undefined` when PostgreSQL is not installed, so the caller decides whether that skips or fails.
 *
 * @example
 * ```ts
 * const server = await startPostgresServer();
 * if (server) { const storage = postgresStorage({ url: server.url }); … await server.destroy(); }
 * ```
 */
export async function startPostgresServer(): Promise<PostgresServerHandle | undefined> {
  const bin = postgresBinDir();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sessions-kit-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout);
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout);
    if (!uid) throw new Error('Running as root needs the `postgres` user (created by the postgresql package).');
    chownSync(dir, uid, gid);
  }
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  const pgCtl = async (...args: string[]) => {
    const [file, argv] = command('pg_ctl', ['-D', data, ...args]);
    await run(file, argv, { timeout: 30_000 });
  };
  const port = await freePort();
  const [initFile, initArgs] = command('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']);
  await run(initFile, initArgs, { timeout: 60_000 });
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = () => pgCtl('-l', join(dir, 'log'), '-o', settings, '-w', '-t', '30', 'start');
  const stopNow = (): SpawnSyncReturns<Buffer> => spawnSync(...command('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']));
  // A crashed test run must not leave a cluster behind.
  process.once('exit', stopNow);
  await start();

  let frozen: number[] = [];
  /** The postmaster (first line of postmaster.pid) and its children (their parent in /proc/<pid>/stat). */
  const processes = (): number[] => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const parentOf = (pid: string) => {
      try {
        return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
      } catch {
        return undefined; // ended meanwhile
      }
    };
    const children = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && parentOf(pid) === postmaster);
    return [postmaster, ...children.map(Number)];
  };
  const stop = async () => {
    if (existsSync(join(data, 'postmaster.pid'))) await pgCtl('-m', 'fast', '-w', 'stop');
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    freeze() {
      frozen = processes();
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    thaw() {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      frozen = [];
    },
    async destroy() {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      await stop();
      process.removeListener('exit', stopNow);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
