import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, launch } from './redis-server.ts';

const run = promisify(execFile);

/**
 * A throwaway three-master Redis Cluster on loopback ports, no replicas, no persistence.
 *
 * @example
 * ```ts
 * const cluster: RedisClusterHandle | undefined = await startRedisCluster();
 * const client = createCluster({ rootNodes: cluster.rootNodes });
 * ```
 */
export interface RedisClusterHandle {
  /** One `{ url }` per master, for `createCluster({ rootNodes })`. */
  rootNodes: Array<{ url: string }>;
  ports: number[];
  /** Stops every node and deletes their cluster files. Idempotent. */
  stop(): Promise<void>;
}

const MASTERS = 3;
const READY_TIMEOUT_MS = 20_000;

/**
 * Starts three `redis-server --cluster-enabled yes` nodes, joins them with
 * `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`, and waits until every
 * node reports `cluster_state:ok`. Resolves to `undefined` when redis-server or redis-cli is
 * not installed, so the caller decides whether that skips or fails the suite.
 *
 * @example
 * ```ts
 * const cluster = await startRedisCluster();
 * if (cluster) { … await cluster.stop(); }
 * ```
 */
export async function startRedisCluster(): Promise<RedisClusterHandle | undefined> {
  const server = process.env.REDIS_SERVER_PATH || 'redis-server';
  const cli = process.env.REDIS_CLI_PATH || 'redis-cli';
  if (!(await installed(cli))) return undefined;

  const dir = await mkdtemp(join(tmpdir(), 'sessions-redis-cluster-'));
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  // A crashed test run must not leave nodes behind.
  process.once('exit', killAll);

  const stop = async () => {
    process.removeListener('exit', killAll);
    await Promise.all(children.splice(0).map(halt));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const ports: number[] = [];
    for (let i = 0; i < MASTERS; i++) {
      const port = await distinctFreePort(ports);
      // The cluster bus port defaults to port + 10000, which may be taken or out of range.
      const busPort = await distinctFreePort([...ports, port]);
      ports.push(port, busPort);
      const child = await launch(server, port, [
        '--cluster-enabled', 'yes',
        '--cluster-port', String(busPort),
        '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '2000',
        '--dir', dir,
      ]);
      if (!child) {
        await stop();
        return undefined;
      }
      children.push(child);
    }
    const masters = ports.filter((_, i) => i % 2 === 0);
    await run(cli, ['--cluster', 'create', ...masters.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: READY_TIMEOUT_MS,
    });
    await waitForClusterOk(cli, masters);
    return { rootNodes: masters.map((port) => ({ url: `redis://127.0.0.1:${port}` })), ports: masters, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Every node has all 16384 slots covered and agrees the cluster is up. */
async function waitForClusterOk(cli: string, ports: number[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const infos = await Promise.all(
      ports.map((port) => run(cli, ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info']).then(({ stdout }) => stdout, () => '')),
    );
    if (infos.every((info) => info.includes('cluster_state:ok'))) return;
    if (Date.now() > deadline) throw new Error(`The test cluster did not reach cluster_state:ok within ${READY_TIMEOUT_MS} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function installed(binary: string): Promise<boolean> {
  try {
    await run(binary, ['--version']);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function distinctFreePort(taken: readonly number[]): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!taken.includes(port)) return port;
  }
}

async function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
