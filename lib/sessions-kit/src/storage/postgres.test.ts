/**
 * postgresStorage against a real PostgreSQL server (a throwaway cluster per run), and through
 * PGlite in process as a `pool`. Under CI=true a missing PostgreSQL fails; elsewhere it skips.
 */
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import { cookie, defineSessions } from '../index.ts';
import { exchange, wireValue } from '../../test/helpers.ts';
import { freePort } from '../../test/redis-server.ts';
import { type PostgresServerHandle, startPostgresServer } from '../../test/postgres-server.ts';
import { describeRequestRaces } from '../../test/request-races.ts';
import { keyOf } from '../../test/spy-storage.ts';
import { describeStorageContract } from '../../test/storage-contract.ts';
import { describeTrackerRaces } from '../../test/tracker-races.ts';
import { type PostgresStorage, type PostgresStorageOptions, postgresStorage } from './postgres.ts';

const server = await startPostgresServer();

if (!server) {
  const message = 'PostgreSQL not found: install it (apt-get install -y postgresql)';
  if (process.env.CI === 'true') {
    describe('postgresStorage', () => {
      it('needs PostgreSQL', () => {
        throw new Error(message);
      });
    });
  } else {
    console.warn(`Skipping the postgresStorage tests: ${message}, or set POSTGRES_BIN_DIR.`);
    describe.skip('postgresStorage', () => {
      it('needs PostgreSQL', () => undefined);
    });
  }
} else {
  definePostgresTests(server);
}

/** A table of its own per test: every test sees an empty store on the shared server. */
const freshTable = () => `t_${randomUUID().replaceAll('-', '')}`;

/** How long `promise` takes to reject, and with what. */
async function timeRejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('Expected a rejection, got a result.');
}

/** The DDL the docs print for teams that migrate by hand. */
const ddl = (table: string) => `CREATE TABLE ${table} (key text PRIMARY KEY, value text NOT NULL, expires_at timestamptz);
  CREATE INDEX ${table}_expires_at ON ${table} (expires_at);`;

function definePostgresTests(server: PostgresServerHandle): void {
  const raw = new pg.Pool({ connectionString: server.url, max: 4 });
  afterAll(async () => {
    await raw.end();
    await server.destroy();
  });

  /** Storages on a fresh table, closed together: each `url` storage holds a pool of up to 10 connections. */
  const group = () => {
    const table = freshTable();
    const opened: PostgresStorage[] = [];
    const open = (options: Partial<PostgresStorageOptions> = {}) => {
      const storage = postgresStorage({ url: server.url, table, ...options });
      opened.push(storage);
      return storage;
    };
    return { table, open, close: async () => void (await Promise.all(opened.splice(0).map((storage) => storage.close()))) };
  };

  for (const prepare of [false, true]) {
    const name = prepare ? 'postgresStorage (prepare: true)' : 'postgresStorage';
    describeStorageContract(name, async () => {
      const { open, close } = group();
      const another = () => open({ prepare });
      return { storage: another(), another, cleanup: close };
    });

    for (const describeRaces of [describeTrackerRaces, describeRequestRaces]) {
      describeRaces(name, async () => {
        const { open, close } = group();
        const handles = [open({ prepare }), open({ prepare }), open({ prepare })];
        return { handle: (i: number) => handles[i % 3] as PostgresStorage, truth: open({ prepare }), cleanup: close };
      });
    }
  }

  describe('postgresStorage', () => {
    const storages: PostgresStorage[] = [];
    const make = (options: PostgresStorageOptions) => {
      const storage = postgresStorage(options);
      storages.push(storage);
      return storage;
    };
    afterEach(async () => {
      await Promise.all(storages.splice(0).map((storage) => storage.close()));
    });

    it.each([
      ['neither url nor pool', {}],
      ['both url and pool', { url: server.url, pool: raw }],
      ['a url of another scheme', { url: 'mysql://127.0.0.1/db' }],
      ['a pool without query()', { pool: {} as pg.Pool }],
      ['an injected table name', { url: server.url, table: 'sessions; DROP TABLE users' }],
      ['a quoted table name', { url: server.url, table: '"sessions"' }],
      ['three-part table name', { url: server.url, table: 'a.b.c' }],
      ['a table name starting with a digit', { url: server.url, table: '1sessions' }],
      ['an empty table name', { url: server.url, table: '' }],
      ['a table name over 63 characters', { url: server.url, table: 'a'.repeat(64) }],
      ['a zero timeout', { url: server.url, connectTimeoutMs: 0 }],
      ['a fractional timeout', { url: server.url, queryTimeoutMs: 1.5 }],
      ['prepare that is not a boolean', { url: server.url, prepare: 'yes' as unknown as boolean }],
    ] as [string, PostgresStorageOptions][])('refuses %s with a SessionConfigError that says what to pass', (_, options) => {
      expect(() => postgresStorage(options)).toThrow(SessionConfigError);
      expect(() => postgresStorage(options)).toThrow(/postgresStorage: `(url|pool|table|connectTimeoutMs|queryTimeoutMs|prepare)`|exactly one/);
    });

    it('takes `url: process.env.DATABASE_URL` unset at build time, and names the variable at first use', async () => {
      const storage = make({ url: undefined, table: freshTable() });
      const { error } = await timeRejection(storage.read('key'));
      expect(error).toBeInstanceOf(SessionConfigError);
      expect((error as Error).message).toMatch(/Set DATABASE_URL/);
    });

    it('calls a url function on first use, not before; a missing value there names the option', async () => {
      let value: string | undefined;
      const url = vi.fn(() => value);
      const storage = make({ url, table: freshTable() });
      expect(url).not.toHaveBeenCalled();
      const { error } = await timeRejection(storage.read('key'));
      expect(error).toBeInstanceOf(SessionConfigError);
      expect((error as Error).message).toMatch(/`url` gave no connection string at run time. Set DATABASE_URL/);
      value = server.url; // set later, as DATABASE_URL at run time after a build without it
      expect(await storage.create('key', 'value')).toBe(true);
      expect(await storage.read('key')).toBe('value');
    });

    it('creates the table and its expiry index once for concurrent first calls, also as schema.table', async () => {
      await raw.query('CREATE SCHEMA IF NOT EXISTS app_sessions');
      const name = freshTable();
      const instances = [0, 1, 2].map(() => make({ url: server.url, table: `app_sessions.${name}` }));
      const created = await Promise.all(Array.from({ length: 30 }, (_, i) => (instances[i % 3] as PostgresStorage).create(`key-${i}`, 'v')));
      expect(created.every(Boolean)).toBe(true);
      const columns = await raw.query(
        'SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
        ['app_sessions', name],
      );
      expect(columns.rows).toEqual([
        { column_name: 'key', data_type: 'text', is_nullable: 'NO' },
        { column_name: 'value', data_type: 'text', is_nullable: 'NO' },
        { column_name: 'expires_at', data_type: 'timestamp with time zone', is_nullable: 'YES' },
      ]);
      const index = await raw.query('SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', ['app_sessions', `${name}_expires_at`]);
      expect(index.rows[0]?.indexdef).toMatch(/\(expires_at\)/);
    });

    it('retries the table set-up after it failed', async () => {
      const schema = `s_${randomUUID().replaceAll('-', '')}`;
      const storage = make({ url: server.url, table: `${schema}.sessions` });
      const { error } = await timeRejection(storage.read('key')); // no such schema yet
      expect(error).toBeInstanceOf(SessionStorageError);
      await raw.query(`CREATE SCHEMA ${schema}`);
      expect(await storage.create('key', 'value')).toBe(true);
    });

    it('createTable: false never creates the table, and works on one made with the documented DDL', async () => {
      const table = freshTable();
      const storage = make({ url: server.url, table, createTable: false });
      await expect(storage.read('key')).rejects.toBeInstanceOf(SessionStorageError);
      await raw.query(ddl(table));
      expect(await storage.create('key', 'value', 60)).toBe(true);
      expect(await storage.read('key')).toBe('value');
    });

    it('keeps SQL-looking keys and values as plain text (bound parameters)', async () => {
      const table = freshTable();
      const storage = make({ url: server.url, table });
      const evil = `'); DROP TABLE ${table}; --`;
      expect(await storage.create(evil, evil)).toBe(true);
      expect(await storage.compareAndSet(evil, evil, `${evil}"`)).toBe(true);
      expect((await raw.query(`SELECT key, value FROM ${table}`)).rows).toEqual([{ key: evil, value: `${evil}"` }]);
    });

    it('refuses keys Postgres text cannot hold exactly (NUL, lone surrogates): no row for them', async () => {
      const storage = make({ url: server.url, table: freshTable() });
      for (const key of ['a\u0000b', 'a\ud800', '\udfffz']) {
        await expect(storage.create(key, 'value')).rejects.toBeInstanceOf(SessionStorageError);
        expect(await storage.read(key)).toBeUndefined();
        expect(await storage.compareAndSet(key, 'value', 'next')).toBe(false);
        await expect(storage.invalidate(key)).resolves.toBeUndefined();
      }
      // U+FFFD, what UTF-8 would have turned a lone surrogate into, is a key like any other.
      expect(await storage.create('a\ufffd', 'replacement')).toBe(true);
      expect(await storage.read('a\ud800')).toBeUndefined();
    });

    it('sets expires_at by the database clock: now() + ttl, fractions kept, NULL without a ttl', async () => {
      const table = freshTable();
      const storage = make({ url: server.url, table });
      const left = async (key: string) =>
        (await raw.query(`SELECT extract(epoch FROM expires_at - now())::float8 AS s FROM ${table} WHERE key = $1`, [key])).rows[0]?.s as number | null;
      expect(await storage.create('hour', 'v', 3600)).toBe(true);
      expect(await left('hour')).toBeGreaterThan(3590);
      expect(await left('hour')).toBeLessThanOrEqual(3600);
      expect(await storage.create('half', 'v', 0.5)).toBe(true);
      expect(await left('half')).toBeLessThanOrEqual(0.5);
      expect(await storage.compareAndSet('hour', 'v', 'w')).toBe(true);
      expect(await left('hour')).toBeNull();
      await expect(storage.create('bad', 'v', 0)).rejects.toBeInstanceOf(RangeError);
      await expect(storage.compareAndSet('hour', 'w', 'x', Number.NaN)).rejects.toBeInstanceOf(RangeError);
    });

    it('an expired row is no row: read skips it, compareAndSet misses it, create takes its place', async () => {
      const table = freshTable();
      const storage = make({ url: server.url, table });
      await storage.read('warm-up'); // creates the table
      await raw.query(`INSERT INTO ${table} VALUES ('old', 'stale', now() - interval '1 second')`);
      expect(await storage.read('old')).toBeUndefined();
      expect(await storage.compareAndSet('old', 'stale', 'revived')).toBe(false);
      expect(await storage.compareAndSet('old', 'stale', undefined)).toBe(false);
      expect(await storage.create('old', 'fresh', 60)).toBe(true);
      expect(await storage.read('old')).toBe('fresh');
    });

    it('sweep() deletes expired rows in batches and returns how many; live rows stay; one sweep at a time', async () => {
      const table = freshTable();
      const storage = make({ url: server.url, table, sweep: false });
      await storage.create('live', 'v', 600);
      await storage.create('forever', 'v');
      await raw.query(`INSERT INTO ${table} SELECT 'expired-' || i, 'v', now() - interval '1 minute' FROM generate_series(1, 2500) i`);
      const [first, second] = await Promise.all([storage.sweep(), storage.sweep()]);
      expect(first).toBe(2500); // three batches of at most 1 000
      expect(second).toBe(2500); // the same sweep
      expect((await raw.query(`SELECT key FROM ${table} ORDER BY key`)).rows).toEqual([{ key: 'forever' }, { key: 'live' }]);
      expect(await storage.sweep()).toBe(0);
    });

    it('sweeps by itself 5 to 15 minutes (jitter) after the last sweep once used, swallowing failures; never with sweep: false', async () => {
      vi.useFakeTimers();
      // The jitter factor: 0.5 + random(), so 5 minutes, then 15 minutes (less a second), then 10.
      vi.spyOn(Math, 'random').mockReturnValueOnce(0).mockReturnValueOnce(0.998).mockReturnValue(0.5);
      try {
        let failing = false;
        const sweeps = { on: 0, off: 0 };
        const pool = (which: keyof typeof sweeps) => ({
          async query(text: string) {
            if (!text.includes('count(*)')) return { rows: [] };
            sweeps[which]++;
            if (failing) throw new Error('database down');
            return { rows: [{ n: 0 }] };
          },
        });
        const storage = make({ pool: pool('on'), createTable: false });
        await make({ pool: pool('off'), createTable: false, sweep: false }).read('key');
        await vi.advanceTimersByTimeAsync(20 * 60_000);
        expect(sweeps.on).toBe(0); // not before first use: `next build` never sweeps
        await storage.read('key');
        await vi.advanceTimersByTimeAsync(5 * 60_000 - 1);
        expect(sweeps.on).toBe(0);
        failing = true;
        await vi.advanceTimersByTimeAsync(1);
        expect(sweeps.on).toBe(1);
        failing = false;
        await vi.advanceTimersByTimeAsync(14 * 60_000);
        expect(sweeps.on).toBe(1); // the failure was swallowed, the next one scheduled
        await vi.advanceTimersByTimeAsync(60_000);
        expect(sweeps.on).toBe(2);
        await vi.advanceTimersByTimeAsync(10 * 60_000);
        expect(sweeps.on).toBe(3);
        expect(sweeps.off).toBe(0);
      } finally {
        vi.useRealTimers();
        vi.restoreAllMocks();
      }
    });

    describe('under contention, across five instances (five pools)', () => {
      const open = () => {
        const table = freshTable();
        return Array.from({ length: 5 }, () => make({ url: server.url, table }));
      };
      const pick = (all: PostgresStorage[], i: number) => all[i % all.length] as PostgresStorage;

      it('50 parallel creates of one key: exactly one stores', async () => {
        const all = open();
        const won = await Promise.all(Array.from({ length: 50 }, (_, i) => pick(all, i).create('key', `writer-${i}`, 60)));
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await pick(all, 0).read('key')).toBe(`writer-${won.indexOf(true)}`);
      });

      it('50 parallel compareAndSet from one expected value: exactly one swaps', async () => {
        const all = open();
        await pick(all, 0).create('key', 'loaded');
        const won = await Promise.all(Array.from({ length: 50 }, (_, i) => pick(all, i).compareAndSet('key', 'loaded', `writer-${i}`, 60)));
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await pick(all, 1).read('key')).toBe(`writer-${won.indexOf(true)}`);
      });

      it('50 parallel read-compareAndSet-retry increments end at 50', async () => {
        const all = open();
        await pick(all, 0).create('counter', '0');
        await Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            const storage = pick(all, i);
            for (;;) {
              const current = await storage.read('counter');
              if (await storage.compareAndSet('counter', current as string, String(Number(current) + 1))) return;
            }
          }),
        );
        expect(await pick(all, 2).read('counter')).toBe('50');
      });
    });

    it('keeps no session id in the database: rows are keyed by its hash', async () => {
      const table = freshTable();
      const sessions = defineSessions({ s: cookie<{ user: string }>({ storage: make({ url: server.url, table }), idleTimeout: 600 }) });
      const id = wireValue((await exchange(sessions, {}, (s) => s.set('s', { user: 'ada' }))).response, 's');
      const rows = (await raw.query(`SELECT key, value FROM ${table}`)).rows as { key: string; value: string }[];
      expect(rows.map((row) => row.key)).toEqual([keyOf(id)]);
      expect(JSON.stringify(rows)).not.toContain(id);
      expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ user: 'ada' });
    });

    it('counts a reply that arrived while the event loop was busy past the timeout', async () => {
      const table = freshTable();
      await raw.query(ddl(table));
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        // The statement is on the wire, then this process is busy for longer than the whole bound.
        const busy = {
          query(text: string, values: unknown[]) {
            const reply = client.query(text, values);
            const until = Date.now() + 400;
            while (Date.now() < until);
            return reply;
          },
        };
        const storage = make({ pool: busy, table, createTable: false, sweep: false, connectTimeoutMs: 100, queryTimeoutMs: 100 });
        expect(await storage.create('key', 'value')).toBe(true);
        expect(await storage.read('key')).toBe('value');
      } finally {
        await client.end();
      }
    });

    it('a call queued behind others waits while the database keeps answering; silence fails it within the bound', async () => {
      // One statement at a time, each answered after 20 ms: the 30th waits ~600 ms, three times the bound.
      let queue: Promise<unknown> = Promise.resolve();
      const serial = {
        query() {
          const reply = queue.then(() => new Promise((answered) => setTimeout(() => answered({ rows: [{ value: 'v' }] }), 20)));
          queue = reply;
          return reply as Promise<{ rows: Array<Record<string, unknown>> }>;
        },
      };
      const options = { createTable: false, sweep: false, connectTimeoutMs: 100, queryTimeoutMs: 100 } as const;
      const busy = make({ pool: serial, ...options });
      expect(await Promise.all(Array.from({ length: 30 }, () => busy.read('key')))).toEqual(Array(30).fill('v'));
      const silent = make({ pool: { query: () => new Promise(() => undefined) }, ...options });
      const { error, ms } = await timeRejection(silent.read('key'));
      expect(error).toBeInstanceOf(SessionStorageError);
      expect(ms).toBeLessThan(200 + 1_500);
    });

    it('prepare: true prepares each statement once per connection, by default none; two tables share a client', async () => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        const prepared = async () => (await client.query('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((row) => row.name as string);
        const plain = make({ pool: client, table: freshTable() });
        await plain.create('key', 'value');
        expect(await plain.read('key')).toBe('value');
        expect(await prepared()).toEqual([]);

        const [first, second] = [make({ pool: client, table: freshTable(), prepare: true }), make({ pool: client, table: freshTable(), prepare: true })];
        for (const storage of [first, second]) {
          expect(await storage.create('key', 'v1')).toBe(true);
          expect(await storage.compareAndSet('key', 'v1', 'v2')).toBe(true);
          expect(await storage.read('key')).toBe('v2');
        }
        const names = await prepared();
        // read, create and replace of each table: six statements, each prepared once.
        expect(names).toHaveLength(6);
        expect(names.every((n) => n.startsWith('sessions_kit_'))).toBe(true);
        expect(await first.compareAndSet('key', 'v2', 'v3')).toBe(true);
        expect(await prepared()).toEqual(names);
      } finally {
        await client.end();
      }
    });

    it('close() ends the pool it opened; a pool passed in stays open', async () => {
      const table = freshTable();
      const owned = make({ url: server.url, table });
      await owned.create('key', 'value');
      await owned.close();
      await owned.close(); // idempotent
      await expect(owned.read('key')).rejects.toBeInstanceOf(SessionStorageError);
      const pool = new pg.Pool({ connectionString: server.url, max: 2 });
      const borrowed = make({ pool, table });
      expect(await borrowed.read('key')).toBe('value');
      await borrowed.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await pool.end();
    });

    it('fails fast with a SessionStorageError when nothing listens, naming no url, key or value', async () => {
      const url = `postgres://app:s3cret-password@127.0.0.1:${await freePort()}/db`;
      const storage = make({ url, connectTimeoutMs: 500, queryTimeoutMs: 500 });
      for (const call of [storage.read('the-key'), storage.create('the-key', 'the-value'), storage.compareAndSet('the-key', 'the-value', 'next')]) {
        const { error, ms } = await timeRejection(call);
        expect(error).toBeInstanceOf(SessionStorageError);
        expect(ms).toBeLessThan(1_000 + 1_500);
        for (const secret of ['s3cret', 'postgres://', 'the-key', 'the-value']) expect((error as Error).message).not.toContain(secret);
      }
    });
  });

  describe('postgresStorage when the database goes away and comes back', () => {
    // A cluster of its own, so stopping or freezing it cannot disturb the other tests.
    let flaky: PostgresServerHandle;
    let storage: PostgresStorage;
    const BOUND_MS = 1_000; // connect 500 + query 500
    const SLACK_MS = 1_500;

    beforeAll(async () => {
      flaky = (await startPostgresServer()) as PostgresServerHandle;
      storage = postgresStorage({ url: flaky.url, connectTimeoutMs: 500, queryTimeoutMs: 500 });
      expect(await storage.create('kept', 'data', 600)).toBe(true);
    }, 60_000);
    afterAll(async () => {
      await storage?.close();
      await flaky?.destroy();
    });

    it('stopped (pg_ctl stop -m fast): every call fails with a SessionStorageError within the bound; started: same data', async () => {
      await flaky.stop();
      for (const call of [storage.read('kept'), storage.create('new', 'x'), storage.compareAndSet('kept', 'data', 'lost'), storage.invalidate('kept')]) {
        const { error, ms } = await timeRejection(call);
        expect(error).toBeInstanceOf(SessionStorageError);
        expect(ms).toBeLessThan(BOUND_MS + SLACK_MS);
      }
      await flaky.start();
      expect(await storage.read('kept')).toBe('data');
      expect(await storage.read('new')).toBeUndefined();
    });

    it('frozen (SIGSTOP): calls fail within the bound instead of hanging; thawed (SIGCONT): works again', async () => {
      expect(await storage.read('kept')).toBe('data'); // a warm connection, now held by a frozen server
      flaky.freeze();
      try {
        const results = await Promise.all([storage.read('kept'), storage.create('during', 'x'), storage.read('kept')].map(timeRejection));
        for (const { error, ms } of results) {
          expect(error).toBeInstanceOf(SessionStorageError);
          expect(ms).toBeLessThan(BOUND_MS + SLACK_MS);
        }
        // The first call had the idle connection: our own timer gave the verdict (others may meet pg's connect timeout).
        expect(results[0]?.error).toMatchObject({ cause: { code: 'ETIMEDOUT' } }); // for the outage log line
      } finally {
        flaky.thaw();
      }
      await vi.waitFor(async () => expect(await storage.read('kept')).toBe('data'), { timeout: 5_000, interval: 100 });
      expect(await storage.compareAndSet('kept', 'data', 'after')).toBe(true);
    });
  });
}

describe('postgresStorage on PGlite (in process) as `pool`', () => {
  // Started here, not at import: its start-up keeps this process busy for seconds.
  let db: PGlite;
  beforeAll(async () => {
    db = new PGlite();
    await db.waitReady;
  }, 60_000);
  afterAll(() => db?.close());

  describeStorageContract('postgresStorage on PGlite', async () => {
    const storage = postgresStorage({ pool: db, table: freshTable(), sweep: false });
    return { storage };
  });

  it('expires and sweeps by the database clock', async () => {
    const table = freshTable();
    const storage = postgresStorage({ pool: db, table, sweep: false });
    expect(await storage.create('short', 'v', 0.2)).toBe(true);
    expect(await storage.create('long', 'v', 600)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await storage.read('short')).toBeUndefined();
    expect(await storage.sweep()).toBe(1);
    expect((await db.query(`SELECT key FROM ${table}`)).rows).toEqual([{ key: 'long' }]);
    await storage.close();
    expect(await storage.read('long').catch((error: unknown) => error)).toBeInstanceOf(SessionStorageError);
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]); // still the app's
  });
});
