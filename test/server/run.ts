/**
 * Server tests against `next start` of the demo (production build):
 *
 *   load         N clients × M operations across the cookie, header, basket and auth flows,
 *                with bursts of 10 concurrent basket updates: no lost update, no cross-talk, no 5xx
 *   redis-fault  redis-server SIGKILLed under the running server, then restarted; then frozen
 *                (SIGSTOP) and thawed: 503 with Retry-After meanwhile, within the storage's
 *                timeout when frozen, cookies kept, same data after (needs redis-server)
 *
 *   node --import tsx test/server/run.ts [load] [redis-fault] [options]
 *     --clients N --ops N   load size (default 20 × 10; `npm run test:load` runs 200 × 25)
 *     --redis, --postgres   the load test on Redis (its own redis-server) or Postgres (its own
 *                           throwaway cluster) instead of a directory
 *     --dist DIR            build folder (default .next-server-tests)
 *     --reuse-build         use the build already in --dist instead of building (e.g. --dist .next
 *                           right after the e2e tests built it)
 *     --port-base N         next start on N, redis-server on N+1, N+2 (default: free ports)
 *     --keep-logs           keep the work folder (server logs, session files) and print where it is
 *     --cpu-prof DIR        next start under `node --cpu-prof`: its profiles go to DIR with the load's
 *                           window (windows.json); `node bench/cpu-profile.mjs DIR` prints where
 *                           the server's CPU went, per request
 *
 * Everything it starts runs on 127.0.0.1 and is stopped at the end, whatever happens; the run is
 * capped at 12 minutes. Under CI=true a missing redis-server is a failure, elsewhere a skip.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadFailures, runLoad } from './load.ts';
import { type AppServer, type RedisProcess, buildApp, freePort, startApp, startRedis, stopAll } from './processes.ts';
import { type PostgresServerHandle, startPostgresServer } from '../../lib/sessions-kit/test/postgres-server.ts';
import { runPostgresFault } from './postgres-fault.ts';
import { runRedisFault } from './redis-fault.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const positiveInt = (name: string, fallback: number) => {
  const value = Number(option(name) ?? fallback);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer.`);
  return value;
};

const wantLoad = args.includes('load') || !args.includes('redis-fault');
const wantFault = args.includes('redis-fault') || !args.includes('load');
const distDir = option('dist') ?? '.next-server-tests';
const portBase = option('port-base') === undefined ? undefined : positiveInt('port-base', 1);
const port = async (offset: number) => (portBase === undefined ? freePort() : portBase + offset);
const clients = positiveInt('clients', 20);
const ops = positiveInt('ops', 10);
const redisRequired = process.env.CI === 'true';
const cpuProfileArg = option('cpu-prof');
const cpuProfileDir = cpuProfileArg === undefined ? undefined : resolve(cpuProfileArg);
/** process.hrtime in µs: the clock of V8 profile timestamps, shared with the server's process. */
const micros = () => Number(process.hrtime.bigint() / 1000n);

const log = (...parts: unknown[]) => console.log('[server-tests]', ...parts);
const work = mkdtempSync(join(tmpdir(), 'sessions-kit-server-tests-'));

const cleanUp = () => {
  if (flag('keep-logs')) console.log(`[server-tests] logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`[server-tests] ${signal}: stopping.`);
    cleanUp();
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  console.error('[server-tests] Over the 12-minute cap: stopping.');
  cleanUp();
  process.exit(1);
}, 12 * 60_000);

const results: { name: string; outcome: 'passed' | 'failed' | 'skipped'; detail: string }[] = [];

async function test(name: string, fn: () => Promise<string>): Promise<void> {
  const t0 = Date.now();
  try {
    const detail = await fn();
    results.push({ name, outcome: detail.startsWith('skipped') ? 'skipped' : 'passed', detail });
  } catch (error) {
    results.push({ name, outcome: 'failed', detail: error instanceof Error ? error.message : String(error) });
  }
  const last = results.at(-1);
  log(`${last?.outcome.toUpperCase()} ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s): ${last?.detail}`);
}

/** Starts the app (and a redis-server or a Postgres cluster when asked), runs `fn`, stops them. */
async function withServer<T>(
  label: string,
  store: 'directory' | 'redis' | 'postgres',
  fn: (app: AppServer, redis: RedisProcess | undefined, postgres: PostgresServerHandle | undefined) => Promise<T>,
): Promise<T | 'no-redis' | 'no-postgres'> {
  let redis: RedisProcess | undefined;
  let postgres: PostgresServerHandle | undefined;
  if (store === 'postgres') {
    postgres = await startPostgresServer();
    if (!postgres) return 'no-postgres';
  }
  if (store === 'redis') {
    redis = await startRedis({
      port: await port(label === 'load' ? 1 : 2),
      dir: join(work, `${label}-redis`),
      logFile: join(work, `${label}-redis.log`),
      // Only the fault test needs every write on disk before it is acknowledged.
      durable: label === 'fault',
    });
    if (!redis) return 'no-redis';
  }
  try {
    const app = await startApp({
      distDir,
      port: await port(0),
      logFile: join(work, `${label}-next.log`),
      redisUrl: redis?.url,
      databaseUrl: postgres?.url,
      sessionsDir: join(work, `${label}-sessions`),
      nodeArgs: cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [],
    });
    try {
      return await fn(app, redis, postgres);
    } catch (error) {
      // The server's own account of what went wrong (its log is deleted with the work folder).
      const serverLog = join(work, `${label}-next.log`);
      const tail = existsSync(serverLog) ? readFileSync(serverLog, 'utf8').slice(-2_000) : '';
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- next start log (tail) ---\n${tail}`);
    } finally {
      await app.stop();
    }
  } finally {
    await redis?.stop();
    await postgres?.destroy();
  }
}

const missing = (report: unknown) => {
  const what = report === 'no-redis' ? 'redis-server' : 'PostgreSQL (/usr/lib/postgresql/<version>/bin)';
  if (redisRequired) throw new Error(`${what} is not installed (CI=true requires it).`);
  return `skipped: ${what} is not installed`;
};

try {
  const t0 = Date.now();
  const reuse = flag('reuse-build');
  log(reuse ? `using the build in ${distDir}` : `next build into ${distDir}`);
  await buildApp(distDir, { reuse, logFile: join(work, 'next-build.log') });
  if (!reuse) log(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  if (wantLoad) {
    const storage = flag('redis') ? 'redis' : flag('postgres') ? 'postgres' : 'directory';
    await test(`load: ${clients} clients × ${ops} operations, bursts of 10 updates (${storage} storage)`, async () => {
      const report = await withServer('load', storage, async (app) => {
        const startUs = micros();
        const loaded = await runLoad({ base: app.base, clients, ops });
        if (cpuProfileDir) {
          mkdirSync(cpuProfileDir, { recursive: true });
          writeFileSync(join(cpuProfileDir, 'windows.json'), JSON.stringify({ [`load (${storage})`]: { startUs, endUs: micros(), requests: loaded.requests } }));
          log(`server CPU profile in ${cpuProfileDir} once it stops: node bench/cpu-profile.mjs ${cpuProfileDir}`);
        }
        log('load report', JSON.stringify(loaded));
        const failures = loadFailures(loaded);
        if (failures.length > 0) throw new Error(failures.join('; '));
        return loaded;
      });
      if (report === 'no-redis' || report === 'no-postgres') return missing(report);
      return (
        `${report.requests} requests in ${report.seconds} s: ${report.requestsPerSecond} req/s, p50 ${report.p50Ms} ms, p99 ${report.p99Ms} ms ` +
        `(${report.slowest[0]?.route} ${report.slowest[0]?.p99Ms} ms; ${report.listenOverflows ?? 'unknown'} connections refused for a full accept queue); ` +
        `${report.acknowledgedBasketItems} basket items acknowledged, lost 0, cross-talk 0, 5xx 0, 409 ${report.conflicts}`
      );
    });
  }

  if (wantFault) {
    await test('redis-fault: SIGKILL redis-server under next start, restart (appendfsync always), then SIGSTOP and SIGCONT', async () => {
      const report = await withServer('fault', 'redis', (app, redis) => runRedisFault({ base: app.base, redis: redis as RedisProcess }));
      if (report === 'no-redis' || report === 'no-postgres') return missing(report);
      log('fault report', JSON.stringify(report));
      const slowest = (answers: { ms: number }[]) => Math.max(...answers.map((a) => a.ms));
      const frozen = report.freezeAnswers.map((a) => `${a.route} ${a.status} in ${a.ms} ms`).join(', ');
      return (
        `killed: ${report.outageAnswers.length} routes answered 503 + Retry-After (slowest ${slowest(report.outageAnswers)} ms), cookies kept; ` +
        `same data ${report.recoveredAfterMs} ms after the restart. Frozen: ${frozen}; same data ${report.thawedAfterMs} ms after SIGCONT`
      );
    });
  }

  if (wantFault) {
    await test('postgres-fault: pg_ctl stop -m fast under next start, start again; then SIGSTOP and SIGCONT of the cluster', async () => {
      const report = await withServer('pg-fault', 'postgres', (app, _redis, postgres) =>
        runPostgresFault({ base: app.base, postgres: postgres as PostgresServerHandle }),
      );
      if (report === 'no-redis' || report === 'no-postgres') return missing(report);
      log('postgres fault report', JSON.stringify(report));
      const slowest = (answers: { ms: number }[]) => Math.max(...answers.map((a) => a.ms));
      return (
        `stopped: ${report.outageAnswers.length} routes answered 503 (slowest ${slowest(report.outageAnswers)} ms), cookies kept, ` +
        `same data ${report.recoveredAfterMs} ms after the start; frozen: slowest answer ${slowest(report.freezeAnswers)} ms, ` +
        `same data ${report.thawedAfterMs} ms after SIGCONT`
      );
    });
  }
} catch (error) {
  results.push({ name: 'set-up', outcome: 'failed', detail: error instanceof Error ? error.message : String(error) });
  log(`FAILED set-up: ${results.at(-1)?.detail}`);
} finally {
  await stopAll();
  cleanUp();
  clearTimeout(watchdog);
}

const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
console.log(`${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`);
process.exitCode = count('failed') > 0 ? 1 : 0;
