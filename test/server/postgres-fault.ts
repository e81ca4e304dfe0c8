/**
 * Postgres stopped under a running `next start` (DATABASE_URL set), then started again: the same
 * scenario as the Redis fault test (redis-fault.ts), with `pg_ctl stop -m fast` as the failure and
 * `pg_ctl start` as the recovery:
 *
 * 1. sessions are made through the demo API (basket items, a header cart, a login);
 * 2. Postgres stops: every by-id route answers 503 with Retry-After, and no answer drops the
 *    client's cookies or header (the by-value cookie session keeps working);
 * 3. Postgres starts on the same port and data directory: within `recoverWithinMs` the same
 *    cookies read the same data, with every acknowledged write there and none of the refused ones.
 *
 * `frozen: true` runs it with SIGSTOP / SIGCONT of every process of the cluster instead: the server
 * keeps its sockets open but answers nothing, and the routes must still answer 503 within the bound.
 */
import type { PostgresServerHandle } from '../../lib/sessions-kit/test/postgres-server.ts';
import { type FaultReport, runRedisFault } from './redis-fault.ts';

export async function runPostgresFault({
  base,
  postgres,
  frozen = false,
  recoverWithinMs = 10_000,
}: {
  base: string;
  postgres: PostgresServerHandle;
  frozen?: boolean;
  recoverWithinMs?: number;
}): Promise<FaultReport> {
  const fail = frozen ? async () => postgres.freeze() : () => postgres.stop();
  const recover = frozen ? async () => postgres.thaw() : () => postgres.start();
  // The scenario only fails the store and brings it back: it needs nothing else of Redis.
  const store = { url: postgres.url, port: postgres.port, kill: fail, restart: recover, stop: () => postgres.stop() };
  return runRedisFault({ base, redis: store, recoverWithinMs });
}
