import { SessionConfigError, SessionStorageError } from '../errors.ts';
import { checkTtl, positiveInteger } from '../checks.ts';
import { type ConnectionUrl, type UrlRule, checkConnectionUrl, checkExactlyOne, connectionUrl } from './connection-url.ts';
import type { SessionStorage } from '../types.ts';

/**
 * What the storage needs of a database client: one parameterised statement at a time. A `pg`
 * Pool or Client, `@neondatabase/serverless`'s Pool, and PGlite all fit as they are.
 *
 * @example
 * ```ts
 * import { Pool } from 'pg';
 * const pool: PostgresQueryable = new Pool({ connectionString: process.env.DATABASE_URL });
 * ```
 */
export interface PostgresQueryable {
  query(text: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  /** Idle connections (a `pg` Pool has it): with one idle, a statement gets `queryTimeoutMs` only. */
  readonly idleCount?: number;
}

/**
 * Options of {@link postgresStorage}: exactly one of `url` or `pool`.
 *
 * @example
 * ```ts
 * const options: PostgresStorageOptions = { url: () => process.env.DATABASE_URL, table: 'app.sessions' };
 * ```
 */
export interface PostgresStorageOptions {
  /**
   * `postgres://…` or `postgresql://…`, or a function returning it, called on first use (so
   * `next build` needs no DATABASE_URL). The storage owns a `pg` Pool (needs the `pg` package).
   */
  url?: ConnectionUrl;
  /** A client you create and close yourself (see {@link PostgresQueryable}); `pg` is then not needed. */
  pool?: PostgresQueryable;
  /** The table, optionally `schema.table`: letters, digits and `_`. Default `sessions_kit`. */
  table?: string;
  /** Create the table (and its index) on first use if it does not exist. Default true. */
  createTable?: boolean;
  /** Delete expired rows by itself about every 10 minutes. Default true; false: call `sweep()` yourself. */
  sweep?: boolean;
  /** Longest wait for a connection. Default 2 000 ms. */
  connectTimeoutMs?: number;
  /** Longest wait for a statement's answer. Default 2 000 ms. */
  queryTimeoutMs?: number;
  /**
   * Send each statement as a named prepared statement, parsed and planned once per connection
   * (`npm run bench` on `pg`: read + create 0.98 → 1.38 of raw `pg`, `update()` through the API
   * 0.48 → 0.89). Needs a client that takes `query({ name, text, values })` (a `pg` Pool or
   * Client: the `url` pool is one) and connections that keep their prepared statements: not a
   * pooler in transaction mode (PgBouncer, Supavisor) unless it supports them. Default false.
   */
  prepare?: boolean;
}

/**
 * A Postgres storage, plus `sweep()` and `close()`.
 *
 * @example
 * ```ts
 * const storage: PostgresStorage = postgresStorage({ url: () => process.env.DATABASE_URL });
 * const removed = await storage.sweep(); // expired rows deleted
 * await storage.close(); // on shutdown
 * ```
 */
export type PostgresStorage = SessionStorage & {
  /** Deletes expired rows in batches of 1 000; resolves to how many. One sweep at a time. */
  sweep(): Promise<number>;
  /** Ends the pool the storage opened from `url` (bounded). A `pool` passed in stays open. */
  close(): Promise<void>;
};

const URL_RULE: UrlRule = {
  storage: 'postgresStorage',
  variable: 'DATABASE_URL',
  schemes: ['postgres', 'postgresql'],
  client: { option: 'pool', is: 'a client with query(text, values), such as a pg Pool' },
};
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** Postgres text cannot hold NUL, and UTF-8 turns a lone surrogate into U+FFFD (two keys, one row). */
const UNSTORABLE = /\0|\p{Cs}/u;
const SWEEP_BATCH = 1_000;
const SWEEP_EVERY_MS = 10 * 60_000;
const LIVE = '(expires_at IS NULL OR expires_at > now())';
const EXPIRY = `now() + $3::float8 * interval '1 second'`;

/** A `pg` client's other signature, used with `prepare`. */
interface PreparingClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** A short name per statement text (FNV-1a): the same text always gets the same name, another text another. */
function statementName(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return `sessions_kit_${(hash >>> 0).toString(36)}`;
}

const defer: (fn: () => void) => unknown = globalThis.setImmediate ?? ((fn) => setTimeout(fn, 0));

/**
 * Sessions in one PostgreSQL table (`key text primary key, value text not null, expires_at
 * timestamptz`), shared by every instance of the app. Each operation is one statement, so no
 * transaction is held open: `create` is `INSERT … ON CONFLICT DO UPDATE … WHERE expired`,
 * `compareAndSet` an `UPDATE`/`DELETE … WHERE key = $1 AND value = $2 AND live … RETURNING`.
 * Expiry follows the database clock (`now()`), so instances with skewed clocks agree.
 *
 * Every statement is bounded by the storage's own timer: when the database has answered nothing
 * for `queryTimeoutMs` (plus `connectTimeoutMs` when no connection is idle), the call fails with
 * a `SessionStorageError` (database down, refusing or frozen): it never hangs and never reads
 * as "no session", and when the database is back, so is the data. While answers keep coming, a
 * call queued behind many others waits its turn instead of failing; with the `url` pool, a
 * statement stuck on its own is cut after twice the bound (give a `pool` you pass its own
 * statement timeout). The first call also creates the table: one more statement.
 *
 * @example
 * ```ts
 * import { postgresStorage } from 'sessions-kit/postgres';
 * const storage = postgresStorage({ url: () => process.env.DATABASE_URL });
 * await storage.create(key, '{"user":1}', 3600); // true
 * await storage.read(key); // '{"user":1}'
 * ```
 */
export function postgresStorage(options: PostgresStorageOptions): PostgresStorage {
  const { url, pool: given, createTable = true } = options;
  checkExactlyOne(URL_RULE, options);
  if (given !== undefined && typeof given.query !== 'function') throw config('`pool` must have a query(text, values) method.');
  checkConnectionUrl(URL_RULE, url);
  const parts = (options.table ?? 'sessions_kit').split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw config('`table` must be an identifier or schema.table: letters, digits and _, not starting with a digit.');
  }
  const table = parts.map((part) => `"${part}"`).join('.');
  const connectTimeoutMs = positiveInteger('postgresStorage: `connectTimeoutMs`', options.connectTimeoutMs, 2_000);
  const queryTimeoutMs = positiveInteger('postgresStorage: `queryTimeoutMs`', options.queryTimeoutMs, 2_000);
  const boundMs = connectTimeoutMs + queryTimeoutMs;
  if (options.prepare !== undefined && typeof options.prepare !== 'boolean') throw config('`prepare` must be true or false.');
  const sql = {
    read: `SELECT value FROM ${table} WHERE key = $1 AND ${LIVE}`,
    create: `INSERT INTO ${table} AS s (key, value, expires_at) VALUES ($1, $2, ${EXPIRY}) ON CONFLICT (key)
      DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at WHERE s.expires_at <= now() RETURNING 1`,
    replace: `UPDATE ${table} SET value = $4, expires_at = ${EXPIRY} WHERE key = $1 AND value = $2 AND ${LIVE} RETURNING 1`,
    remove: `DELETE FROM ${table} WHERE key = $1 AND value = $2 AND ${LIVE} RETURNING 1`,
    invalidate: `DELETE FROM ${table} WHERE key = $1`,
    sweep: `WITH gone AS (DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} WHERE expires_at <= now()
      LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED) RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    // One statement, serialised by an advisory lock: concurrent CREATE TABLE IF NOT EXISTS can collide.
    setup: `DO $$ BEGIN PERFORM pg_advisory_xact_lock(hashtext('sessions-kit ${table}'));
      CREATE TABLE IF NOT EXISTS ${table} (key text PRIMARY KEY, value text NOT NULL, expires_at timestamptz);
      CREATE INDEX IF NOT EXISTS "${parts.at(-1)}_expires_at" ON ${table} (expires_at); END $$`,
  };

  // Named statements: parsed and planned once per connection, where an unnamed one is each time
  // (bench/results.md 2026-12-06 05:06: update() through the API 0.48 → 0.89 of raw pg).
  const names = options.prepare ? new Map(Object.values(sql).map((text) => [text, statementName(text)])) : undefined;

  /** The client: the `pool` given, or our own pool from `url` once opened. */
  let db: PostgresQueryable | undefined = given;
  let owned: { end(): Promise<void> } | undefined;
  /** The table exists (or is not ours to create). */
  let ready = !createTable;
  /** When a statement of this storage last got its answer (performance.now()). */
  let answeredAt = 0;
  let sweeping: Promise<number> | undefined;
  let sweepTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  /** Our own pool from `url`, made on first use; a failure (no url yet, no `pg`) is retried next time. */
  const open = shared(async (): Promise<PostgresQueryable> => {
    const resolved = connectionUrl(URL_RULE, url);
    // Loaded here only, at run time: the `pool` path needs no `pg`, and bundlers leave it to Node.
    const pg = await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ 'pg').catch((cause: unknown) => {
      throw new SessionConfigError('postgresStorage: `url` needs the `pg` package (npm install pg), or pass a `pool`.', { cause });
    });
    // pg's own timeouts only reap what a frozen server never answers (a connection, a statement):
    // our timer gives the verdict. Its connection timeout also covers the wait for a free connection.
    const pool = new pg.default.Pool({ connectionString: resolved, max: 10, connectionTimeoutMillis: 10 * boundMs, query_timeout: 2 * boundMs, keepAlive: true, allowExitOnIdle: true });
    pool.on('error', () => undefined); // an idle connection dropped (server restart): the next call reconnects
    owned = pool;
    db = pool;
    return pool;
  });
  const setUp = shared(async () => {
    const client = db ?? (await open());
    await bounded('create the table', async () => client.query(sql.setup, []));
    ready = true;
  });

  /** One statement after the first-use set-up; any failure but a configuration error is a SessionStorageError. */
  async function query(action: string, text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    if (closed) throw new SessionStorageError('postgresStorage is closed.');
    const client = db ?? (await open());
    if (!ready) await setUp();
    if (options.sweep !== false && sweepTimer === undefined) scheduleSweep();
    const ms = (client.idleCount ?? 0) > 0 ? queryTimeoutMs : boundMs;
    const name = names?.get(text);
    const run = name ? () => (client as unknown as PreparingClient).query({ name, text, values }) : () => client.query(text, values);
    return (await bounded(action, run, ms)).rows;
  }

  /**
   * Bounds one round trip (a connection if none is idle, then the statement) by our own timer,
   * whatever the client does, and measures the database, not this process: the verdict waits for
   * setImmediate, so a reply that arrived while the event loop was busy is read first, and the
   * call fails only once the database has answered nothing (no statement of this storage) for
   * `ms`. Waiting in the pool's queue behind our own busy requests is not an outage.
   */
  function bounded<R>(action: string, run: () => Promise<R>, ms = boundMs): Promise<R> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      let settled = false;
      const judge = () =>
        defer(() => {
          if (settled) return;
          const silent = performance.now() - Math.max(started, answeredAt);
          if (silent < ms) timer = setTimeout(judge, ms - silent);
          else reject(failure(action, Object.assign(new Error(`The database answered nothing for ${ms} ms.`), { code: 'ETIMEDOUT' })));
        });
      let timer = setTimeout(judge, ms);
      run()
        .then((result) => {
          answeredAt = performance.now();
          resolve(result);
        }, (err: unknown) => reject(failure(action, err)))
        .then(() => {
          settled = true;
          clearTimeout(timer);
        });
    });
  }

  function scheduleSweep(): void {
    if (closed) return;
    sweepTimer = setTimeout(
      () => void sweep().then(scheduleSweep, scheduleSweep), // errors swallowed: a request will meet them
      SWEEP_EVERY_MS * (0.5 + Math.random()), // jitter: instances do not sweep together
    );
    sweepTimer.unref?.();
  }

  /** Batch after batch until one comes back short; one sweep at a time. */
  function sweep(): Promise<number> {
    sweeping ??= (async () => {
      let total = 0;
      for (let batch = SWEEP_BATCH; batch === SWEEP_BATCH; total += batch) batch = Number((await query('sweep', sql.sweep, []))[0]?.n);
      return total;
    })().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  }

  return {
    async read(key) {
      if (UNSTORABLE.test(key)) return undefined;
      const [row] = await query('read', sql.read, [key]);
      return row === undefined ? undefined : String(row.value);
    },
    async create(key, value, ttlSeconds) {
      if (UNSTORABLE.test(key)) throw new SessionStorageError('postgresStorage cannot store a key with NUL or a lone surrogate.');
      return (await query('create', sql.create, [key, value, seconds(ttlSeconds)])).length === 1;
    },
    async compareAndSet(key, expected, next, ttlSeconds) {
      const ttl = seconds(ttlSeconds);
      if (UNSTORABLE.test(key)) return false;
      const rows = next === undefined ? await query('delete', sql.remove, [key, expected]) : await query('update', sql.replace, [key, expected, ttl, next]);
      return rows.length === 1;
    },
    async invalidate(key) {
      if (!UNSTORABLE.test(key)) await query('delete', sql.invalidate, [key]);
    },
    sweep,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(sweepTimer);
      if (owned) await Promise.race([owned.end(), new Promise((done) => setTimeout(done, boundMs).unref())]);
    },
  };
}

/** `make` run once and shared by concurrent callers; after a failure, the next caller runs it again. */
function shared<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

function seconds(ttlSeconds: number | undefined): number | null {
  if (ttlSeconds === undefined) return null;
  checkTtl('postgresStorage', ttlSeconds);
  return ttlSeconds;
}

function config(message: string): SessionConfigError {
  return new SessionConfigError(`postgresStorage: ${message}`);
}

/** Names the operation only: never the key, the value or the URL (which may hold a password). */
function failure(action: string, cause: unknown): SessionStorageError {
  return new SessionStorageError(`postgresStorage could not ${action}: the database did not answer or refused.`, { cause });
}
