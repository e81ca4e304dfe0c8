/**
 * Postgres failing under a running `next start` (DATABASE_URL set): the scenario of the Redis fault
 * test (redis-fault.ts) with `pg_ctl stop -m fast` / `pg_ctl start` as the outage and recovery, and
 * SIGSTOP / SIGCONT of every process of the cluster as the freeze (it keeps its sockets open and
 * answers nothing): by-id routes answer 503 within the bound, cookies are kept, and the same data
 * reads back after each.
 */
import type { PostgresServerHandle } from '../../lib/sessions-kit/test/postgres-server.ts';
import { type FaultReport, runRedisFault } from './redis-fault.ts';

/** A frozen database costs a read its query timeout, or connect + query when no connection is idle (2 s each), plus slack. */
const READ_BOUND_MS = 4_000 + 1_500;

export async function runPostgresFault({ base, postgres, recoverWithinMs = 10_000 }: { base: string; postgres: PostgresServerHandle; recoverWithinMs?: number }): Promise<FaultReport> {
  const store = { url: postgres.url, port: postgres.port, kill: () => postgres.stop(), restart: () => postgres.start(), stop: () => postgres.stop() };
  const freeze = { stop: () => postgres.freeze(), resume: () => postgres.thaw() };
  return runRedisFault({ base, redis: store, recoverWithinMs, freeze, readBoundMs: READ_BOUND_MS });
}
