/**
 * Storage benchmark (child of bench/run.mjs; run with --expose-gc for the memory figure).
 *
 * Throughput: `CONCURRENCY` workers, each writing a ~200 B value (ttl) under a 43-character key,
 * then reading it back; one pair = one op. Since `SessionStorage` lost `write`, "write" is what the
 * tracker itself does: `create` for a key the storage does not hold yet, `compareAndSet` from the
 * value it holds to the next one after that (on Redis a Lua script, where it was a plain SET; the
 * floors are unchanged). Each storage has a floor doing the same job by hand in the same process,
 * measured in the same runs (interleaved):
 *   memoryStorage               vs a Map of { value, expiresAt }
 *   directoryStorage            vs temp file + fsync + rename + directory fsync, then readFile
 *   cachedStorage(directory)    vs that same hand-made write plus a Map, reads from the Map
 *   redisStorage                vs the raw node-redis client: SET key value EX ttl, GET key
 *
 * PostgreSQL (a throwaway cluster, one `pg` Pool of 10 for both sides): ours `read` of a new key,
 * then `create`, against the same two statements (captured from ours) sent by hand on the pool;
 * ours with `prepare: true` (the targets) and with default options (information).
 *
 * Atomic update on Redis and on PostgreSQL: each worker owns one by-id cookie session; one op is a
 * request through the public API (forRequest(Request with the cookie) -> update(fn) ->
 * applyTo(Response), the cookie carried to the next request), against the same plumbing by hand
 * around the raw client doing GET, then SET of the modified value (Postgres: SELECT, then UPDATE),
 * not atomic. Same ~200 B JSON, same change (count + 1).
 *
 * Per-user sessions: `sessions.forOwner(name, owner).list()` of an owner with 10 live sessions,
 * against reading those 10 records directly (their keys come from the sessions' ids), on memory
 * (`storage.read`) and Redis (raw GETs); and a login (`set` on a new session whose definition has
 * an `owner`: record + owner index) against the same `set` without an owner, on Redis, each
 * login by a new user.
 *
 * Memory: heap (and ArrayBuffer) growth per session with 100,000 sessions of ~100 B created in
 * memoryStorage, against a plain Map<string, string> holding the same ids and values.
 *
 *   node --expose-gc --import tsx bench/storage.ts --out result.json --tmp bench/.tmp
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { type SessionStorage, cachedStorage, cookie, defineSessions, memoryStorage } from '../lib/sessions-kit/src/index.ts';
import { directoryStorage } from '../lib/sessions-kit/src/directory.ts';
import { postgresStorage } from '../lib/sessions-kit/src/postgres.ts';
import { redisStorage } from '../lib/sessions-kit/src/redis.ts';
import { storageKey } from '../lib/sessions-kit/src/tracker/record.ts';
import { startPostgresServer } from '../lib/sessions-kit/test/postgres-server.ts';
import { startRedisServer } from '../lib/sessions-kit/test/redis-server.ts';
import { arg, concurrentOpsPerSecond, emit, log, median } from './common';
import { readCookie } from './fixture/lib/bench/by-hand.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 1000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 500);
const CONCURRENCY = 32;
const TTL_SECONDS = 3600;
const ID_POOL = 4096;
const MEMORY_SESSIONS = 100_000;
const PREFIX = 'sess:';

const tmpRoot = resolve(arg('tmp') ?? 'bench/.tmp');

/** 32 random bytes in base64url: 43 characters, like the library's session ids. */
const newId = () => randomBytes(32).toString('base64url');
const ids = Array.from({ length: ID_POOL }, newId);
/** About 200 B of JSON, different per slot. */
const valueFor = (i: number) => {
  const head = `{"user":"u_${String(i).padStart(6, '0')}","roles":["editor","viewer"],"cart":[`;
  const body = `{"sku":"SKU-${(i * 7919).toString(36)}","qty":${(i % 9) + 1}}`;
  const text = `${head}${body},${body},${body}],"pad":"`;
  return `${text}${'x'.repeat(Math.max(0, 198 - text.length))}"}`;
};
const values = ids.map((_, i) => valueFor(i));
/** The same length, one character different: what an overwrite changes each value to, and back. */
const others = values.map((v) => `${v.slice(0, -3)}y"}`);
/** Worker w, iteration i: a slot no other worker touches at the same moment. */
const slot = (w: number, i: number) => (w + i * CONCURRENCY) % ID_POOL;

type Pair = (w: number, i: number) => Promise<unknown> | unknown;

/**
 * A write+read pair through the SessionStorage interface, checking both: the first write of a
 * key creates it, later ones compare-and-set what it holds (each worker owns its slots, so they
 * never race).
 */
function pairOn(storage: SessionStorage): Pair {
  const held: (string | undefined)[] = [];
  return async (w, i) => {
    const k = slot(w, i);
    const id = ids[k] as string;
    const before = held[k];
    const next = (before === values[k] ? others[k] : values[k]) as string;
    const written = before === undefined ? await storage.create(id, next, TTL_SECONDS) : await storage.compareAndSet(id, before, next, TTL_SECONDS);
    held[k] = next;
    if (!written || (await storage.read(id)) !== next) throw new Error('The storage did not write or read back the value.');
  };
}

// ---- floors -----------------------------------------------------------------------------

function mapFloor(): Pair {
  const map = new Map<string, { value: string; expiresAt: number }>();
  return (w, i) => {
    const k = slot(w, i);
    const id = ids[k] as string;
    map.set(id, { value: values[k] as string, expiresAt: Date.now() + TTL_SECONDS * 1000 });
    const entry = map.get(id);
    const got = entry && entry.expiresAt > Date.now() ? entry.value : undefined;
    if (got !== values[k]) throw new Error('The floor read back something else.');
  };
}

/**
 * The same durable write as directoryStorage, without hashing or hardening: sharded by the id's
 * first character (64 directories, created once up front) so directory fsyncs spread out as ours do.
 */
async function rawFileWrite(root: string, id: string, value: string): Promise<void> {
  const dir = join(root, id.charAt(0));
  const file = join(dir, `${id}.json`);
  const temp = join(dir, `.${id}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify({ v: 1, exp: Date.now() + TTL_SECONDS * 1000, value }), 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

async function rawFileRead(root: string, id: string): Promise<string | undefined> {
  const record = JSON.parse(await readFile(join(root, id.charAt(0), `${id}.json`), 'utf8')) as { exp: number; value: string };
  return record.exp > Date.now() ? record.value : undefined;
}

function makeShards(root: string): void {
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') mkdirSync(join(root, c), { recursive: true });
}

function fileFloor(dir: string): Pair {
  makeShards(dir);
  return async (w, i) => {
    const k = slot(w, i);
    const id = ids[k] as string;
    await rawFileWrite(dir, id, values[k] as string);
    if ((await rawFileRead(dir, id)) !== values[k]) throw new Error('The floor read back something else.');
  };
}

function cachedFileFloor(dir: string): Pair {
  makeShards(dir);
  const map = new Map<string, string>();
  return async (w, i) => {
    const k = slot(w, i);
    const id = ids[k] as string;
    await rawFileWrite(dir, id, values[k] as string);
    map.set(id, values[k] as string);
    if (map.get(id) !== values[k]) throw new Error('The floor read back something else.');
  };
}

// ---- atomic update on Redis -------------------------------------------------------------------

type Counter = { count: number; owner: string; pad: string };
const UPDATE_URL = 'http://127.0.0.1:3000/api/basket';
const UPDATE_COOKIE = 'basket';
/** About 200 B of JSON, like the write+read figure. */
const counterFor = (w: number): Counter => ({ count: 0, owner: `worker_${w}`, pad: 'x'.repeat(160) });
const bump = (current: Counter | undefined, w: number): Counter => {
  const base = current ?? counterFor(w);
  return { ...base, count: base.count + 1 };
};

/** `name=value` of a response's Set-Cookie for `name`, if it sent one. */
function cookiePairFrom(response: Response, name: string): string | undefined {
  const line = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return line?.slice(0, line.indexOf(';'));
}

/**
 * Ours: one session per worker through `defineSessions` + `redisStorage`; `check()` proves every
 * update landed (the stored count is the number of updates made).
 */
async function updateThroughApi(storage: SessionStorage) {
  const sessions = defineSessions({ [UPDATE_COOKIE]: cookie<Counter>({ storage }) });
  const cookies: string[] = [];
  const made: number[] = [];
  for (let w = 0; w < CONCURRENCY; w++) {
    const session = sessions.forRequest(new Request(UPDATE_URL));
    await session.set(UPDATE_COOKIE, counterFor(w));
    const pair = cookiePairFrom(session.applyTo(new Response(null)), UPDATE_COOKIE);
    if (!pair) throw new Error('The session got no cookie.');
    cookies.push(pair);
    made.push(0);
  }
  const op: Pair = async (w) => {
    const session = sessions.forRequest(new Request(UPDATE_URL, { headers: { cookie: cookies[w] as string } }));
    await session.update(UPDATE_COOKIE, (current) => bump(current, w));
    // A new cookie (if the library sent one) goes with the next request, as a browser's would.
    const pair = cookiePairFrom(session.applyTo(new Response(null)), UPDATE_COOKIE);
    if (pair) cookies[w] = pair;
    made[w] = (made[w] as number) + 1;
  };
  const check = async () => {
    for (let w = 0; w < CONCURRENCY; w++) {
      const got = await sessions.forRequest(new Request(UPDATE_URL, { headers: { cookie: cookies[w] as string } })).get(UPDATE_COOKIE);
      if (got?.count !== made[w]) throw new Error(`update(): worker ${w} made ${made[w]} updates, the session holds ${got?.count}.`);
    }
  };
  return { op, check };
}

/** The two raw commands the floor uses (the `redis` client's own signatures). */
type RawGetSet = {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: { expiration: { type: 'EX'; value: number } }): Promise<unknown>;
};

/** The floor: the same Request/Response plumbing by hand, raw GET then SET (not atomic). */
function updateFloor(client: RawGetSet): Pair {
  const cookies = Array.from({ length: CONCURRENCY }, (_, w) => `${UPDATE_COOKIE}=${ids[w]}`);
  return async (w) => {
    const request = new Request(UPDATE_URL, { headers: { cookie: cookies[w] as string } });
    const key = `${PREFIX}raw-update:${readCookie(request, UPDATE_COOKIE)}`;
    const text = await client.get(key);
    const next = bump(text === null ? undefined : (JSON.parse(text) as Counter), w);
    await client.set(key, JSON.stringify(next), { expiration: { type: 'EX', value: TTL_SECONDS } });
    new Response(null);
  };
}

// ---- PostgreSQL ------------------------------------------------------------------------------

/** Read + create fills one table; the updates go to another, which stays small. */
const PG_TABLE = 'bench_create';
const PG_UPDATE_TABLE = 'bench_update';
const PG_EXPIRY = `now() + $3::float8 * interval '1 second'`;

/**
 * Read + write (ours: `read` of a new key, then `create`) against the same SELECT and INSERT,
 * captured from ours and sent by hand; and the atomic update's floor: SELECT, then UPDATE.
 */
async function postgresCases(pool: pg.Pool, prepare: boolean) {
  const storage = postgresStorage({ pool, table: PG_TABLE, sweep: false, prepare });
  const updates = postgresStorage({ pool, table: PG_UPDATE_TABLE, sweep: false, prepare });
  await updates.read('set-up'); // creates its table
  const sent: string[] = [];
  const recording = postgresStorage({
    pool: {
      query(text: string, params: unknown[]) {
        sent.push(text);
        return pool.query(text, params);
      },
    },
    table: PG_TABLE,
    sweep: false,
  });
  await recording.read('capture');
  await recording.create('capture', values[0] as string, TTL_SECONDS);
  const [select, insert] = sent.slice(-2) as [string, string];
  let keys = 0;
  const ours: Pair = async (_w, i) => {
    const key = `ours-${prepare}-${keys++}`;
    if ((await storage.read(key)) !== undefined || !(await storage.create(key, values[i % ID_POOL] as string, TTL_SECONDS))) {
      throw new Error('postgresStorage did not create a new key.');
    }
  };
  const floor: Pair = async (_w, i) => {
    const key = `raw-${prepare}-${keys++}`;
    if ((await pool.query(select, [key])).rows.length === 0) await pool.query(insert, [key, values[i % ID_POOL], TTL_SECONDS]);
  };
  // The floor's update rows exist, as the sessions' records do: its UPDATE changes a row.
  for (let w = 0; w < CONCURRENCY; w++) {
    await pool.query(`INSERT INTO ${PG_UPDATE_TABLE} (key, value, expires_at) VALUES ($1, $2, ${PG_EXPIRY}) ON CONFLICT DO NOTHING`, [
      `${PREFIX}raw-update:${ids[w]}`,
      JSON.stringify(counterFor(w)),
      TTL_SECONDS,
    ]);
  }
  const raw: RawGetSet = {
    get: async (key) => ((await pool.query(`SELECT value FROM ${PG_UPDATE_TABLE} WHERE key = $1`, [key])).rows[0]?.value as string | undefined) ?? null,
    set: (key, value, { expiration }) => pool.query(`UPDATE ${PG_UPDATE_TABLE} SET value = $2, expires_at = ${PG_EXPIRY} WHERE key = $1`, [key, value, expiration.value]),
  };
  return { updates, readWrite: { ours, floor }, updateFloor: updateFloor(raw) };
}

// ---- per-user sessions ------------------------------------------------------------------------

type Login = { userId: string; device: string };
const ownedSessions = (storage: SessionStorage, owned: boolean) =>
  defineSessions({ auth: cookie<Login>(owned ? { storage, owner: (data) => data.userId } : { storage }) });

/** A login as a Route Handler does it (new request, `set`, Set-Cookie); the new session's id. */
async function logIn(sessions: ReturnType<typeof ownedSessions>, userId: string): Promise<string> {
  const session = sessions.forRequest(new Request(UPDATE_URL));
  await session.set('auth', { userId, device: 'Firefox 140 on Linux' });
  session.applyTo(new Response(null));
  return (await session.id('auth')) as string;
}

/** `list()` of an owner with 10 sessions, against `readRaw` of those 10 records (checked: all there). */
async function listCase(storage: SessionStorage, readRaw: (key: string) => Promise<string | null | undefined>) {
  const sessions = ownedSessions(storage, true);
  const keys: string[] = [];
  for (let n = 0; n < 10; n++) keys.push(await storageKey(await logIn(sessions, 'user-with-10')));
  const ours: Pair = async () => {
    if ((await sessions.forOwner('auth', 'user-with-10').list()).length !== 10) throw new Error('list() did not list 10 sessions.');
  };
  const floor: Pair = async () => {
    if ((await Promise.all(keys.map(readRaw))).some((record) => record == null)) throw new Error('A raw read missed a record.');
  };
  return { ours, floor };
}

/** Logins of new users with the owner index (ours) and without an owner (floor). */
function loginCase(storage: SessionStorage) {
  let users = 0;
  const login = (sessions: ReturnType<typeof ownedSessions>): Pair => () => logIn(sessions, `user-${users++}`);
  return { ours: login(ownedSessions(storage, true)), floor: login(ownedSessions(storage, false)) };
}

// ---- throughput -------------------------------------------------------------------------------

/** `figure`: the row of bench/results.md (run.mjs holds the targets, by `key`). */
type Case = { key: string; figure: string; ours: Pair; floor: Pair };

async function throughput(cases: Case[]) {
  log(`storage: warming up ${cases.length} storages`);
  for (const c of cases) {
    await concurrentOpsPerSecond(c.ours, WARMUP_MS, CONCURRENCY);
    await concurrentOpsPerSecond(c.floor, WARMUP_MS, CONCURRENCY);
  }
  const runs = new Map<string, { ours: number[]; floor: number[] }>(cases.map((c) => [c.key, { ours: [], floor: [] }]));
  for (let r = 0; r < RUNS; r++) {
    for (const c of cases) {
      const slotRuns = runs.get(c.key) as { ours: number[]; floor: number[] };
      // Alternate which goes first, so neither always follows the other.
      if (r % 2 === 0) {
        slotRuns.ours.push(await concurrentOpsPerSecond(c.ours, RUN_MS, CONCURRENCY));
        slotRuns.floor.push(await concurrentOpsPerSecond(c.floor, RUN_MS, CONCURRENCY));
      } else {
        slotRuns.floor.push(await concurrentOpsPerSecond(c.floor, RUN_MS, CONCURRENCY));
        slotRuns.ours.push(await concurrentOpsPerSecond(c.ours, RUN_MS, CONCURRENCY));
      }
    }
    log(`storage: run ${r + 1}/${RUNS} done`);
  }
  return Object.fromEntries(
    cases.map((c) => {
      const { ours, floor } = runs.get(c.key) as { ours: number[]; floor: number[] };
      return [
        c.key,
        {
          figure: c.figure,
          ours: { runs: ours.map(Math.round), median: median(ours) },
          floor: { runs: floor.map(Math.round), median: median(floor) },
        },
      ];
    }),
  );
}

// ---- memory -------------------------------------------------------------------------------------

function collect(): { heapUsed: number; arrayBuffers: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('Run with --expose-gc for the memory figure.');
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

/** Bytes per session (heap, ArrayBuffers) after storing MEMORY_SESSIONS fresh ids and ~100 B values. */
function memoryPerSession(create: () => { put: (id: string, value: string) => void; keep: object }): { heap: number; arrayBuffers: number } {
  const before = collect();
  const { put, keep } = create();
  for (let i = 0; i < MEMORY_SESSIONS; i++) {
    // 100 characters of JSON, different for every session; JSON.stringify gives flat strings,
    // as a serializer would (a concatenated rope would weigh more and blur the figure).
    put(newId(), JSON.stringify({ user: `u_${String(i).padStart(6, '0')}`, roles: ['editor'], theme: 'dark', count: i % 97, pad: PAD.slice(0, i % 97 < 10 ? 28 : 27) }));
  }
  const after = collect();
  // `keep` (the store) stays reachable until after the measurement.
  if (typeof keep !== 'object') throw new Error('unreachable');
  return { heap: (after.heapUsed - before.heapUsed) / MEMORY_SESSIONS, arrayBuffers: (after.arrayBuffers - before.arrayBuffers) / MEMORY_SESSIONS };
}

const PAD = 'x'.repeat(28);

function memory() {
  const ours: { heap: number; arrayBuffers: number }[] = [];
  const floor: { heap: number; arrayBuffers: number }[] = [];
  for (let r = 0; r < 3; r++) {
    ours.push(
      memoryPerSession(() => {
        const storage = memoryStorage({ maxEntries: MEMORY_SESSIONS });
        return { put: (id, value) => void storage.create(id, value, TTL_SECONDS), keep: storage };
      }),
    );
    floor.push(
      memoryPerSession(() => {
        const map = new Map<string, string>();
        return { put: (id, value) => void map.set(id, value), keep: map };
      }),
    );
  }
  const pick = (xs: { heap: number; arrayBuffers: number }[]) => ({
    heap: median(xs.map((x) => x.heap)),
    arrayBuffers: median(xs.map((x) => x.arrayBuffers)),
    runs: xs.map((x) => ({ heap: Math.round(x.heap), arrayBuffers: Math.round(x.arrayBuffers) })),
  });
  return { sessions: MEMORY_SESSIONS, valueBytes: 100, ours: pick(ours), floor: pick(floor) };
}

// ---- main ----------------------------------------------------------------------------------------

const dirOurs = join(tmpRoot, 'storage-directory');
const dirCached = join(tmpRoot, 'storage-cached');
const dirFloor = join(tmpRoot, 'storage-floor');
const dirCachedFloor = join(tmpRoot, 'storage-cached-floor');
const result: Record<string, unknown> = {
  config: { runs: RUNS, runMs: RUN_MS, warmupMs: WARMUP_MS, concurrency: CONCURRENCY, idLength: ids[0]?.length, valueBytes: values[0]?.length },
};

const redisServer = await startRedisServer();
const postgresServer = await startPostgresServer();
let rawClient: { close(): Promise<unknown> } | undefined;
let ourRedis: ReturnType<typeof redisStorage> | undefined;
let pgPool: pg.Pool | undefined;
/** Each update figure's own check that every update landed, run after the measurements. */
const updateChecks: (() => Promise<void>)[] = [];
try {
  const pairs = '(write+read pairs/s, 32 in flight)';
  const listed = memoryStorage();
  const cases: Case[] = [
    { key: 'memory', figure: `storage memoryStorage vs Map ${pairs}`, ours: pairOn(memoryStorage()), floor: mapFloor() },
    {
      key: 'directory',
      figure: `storage directoryStorage vs raw fs (tmp+fsync+rename+dir fsync; readFile) ${pairs}`,
      ours: pairOn(directoryStorage(dirOurs)),
      floor: fileFloor(dirFloor),
    },
    {
      key: 'cached',
      figure: `storage cachedStorage(directoryStorage) vs raw fs write + Map read ${pairs}`,
      ours: pairOn(cachedStorage(directoryStorage(dirCached))),
      floor: cachedFileFloor(dirCachedFloor),
    },
    {
      key: 'memoryList',
      figure: 'per-user list() on memoryStorage, an owner with 10 sessions, vs reading those 10 records (lists/s, 32 in flight)',
      ...(await listCase(listed, (key) => listed.read(key))),
    },
  ];
  if (redisServer) {
    log(`storage: redis-server on port ${redisServer.port}`);
    ourRedis = redisStorage({ url: redisServer.url, prefix: PREFIX });
    const client = createClient({ url: redisServer.url });
    client.on('error', (err: unknown) => log('raw redis client error', err));
    await client.connect();
    rawClient = client;
    const rawPair: Pair = async (w, i) => {
      const k = slot(w, i);
      const key = `${PREFIX}raw:${ids[k]}`;
      await client.set(key, values[k] as string, { expiration: { type: 'EX', value: TTL_SECONDS } });
      if ((await client.get(key)) !== values[k]) throw new Error('The floor read back something else.');
    };
    cases.push({ key: 'redis', figure: `storage redisStorage vs raw node-redis SET EX + GET ${pairs}`, ours: pairOn(ourRedis), floor: rawPair });
    const update = await updateThroughApi(ourRedis);
    updateChecks.push(update.check);
    cases.push(
      {
        key: 'redisUpdate',
        figure:
          'Redis update() on redisStorage through the API (forRequest, update, applyTo) vs raw node-redis GET then SET (not atomic), same plumbing (updates/s, 32 sessions in flight)',
        ours: update.op,
        floor: updateFloor(client),
      },
      {
        key: 'redisList',
        figure: 'per-user list() on redisStorage, an owner with 10 sessions, vs 10 raw node-redis GETs of those records (lists/s, 32 in flight)',
        ...(await listCase(ourRedis, (key) => client.get(PREFIX + key))),
      },
      {
        key: 'redisLogin',
        figure: 'Redis login (set on a new session, with an owner: record + owner index) vs the same set without an owner (logins/s, 32 in flight)',
        ...loginCase(ourRedis),
      },
    );
  } else {
    result.redisError = 'redis-server not found: Redis figures skipped.';
    log(result.redisError);
  }
  if (postgresServer) {
    log(`storage: PostgreSQL on ${postgresServer.url}`);
    pgPool = new pg.Pool({ connectionString: postgresServer.url, max: 10 });
    // With prepared statements (the option that pays on `pg`, the targets' rows), then as by default.
    for (const prepare of [true, false]) {
      const postgres = await postgresCases(pgPool, prepare);
      const update = await updateThroughApi(postgres.updates);
      updateChecks.push(update.check);
      const option = prepare ? 'prepare: true' : 'default options';
      cases.push(
        {
          key: prepare ? 'postgres' : 'postgresDefault',
          figure: `storage postgresStorage (${option}) read + create of a new key vs raw pg sending the same SELECT and INSERT on the same pool (pairs/s, 32 in flight, pool of 10)`,
          ...postgres.readWrite,
        },
        {
          key: prepare ? 'postgresUpdate' : 'postgresUpdateDefault',
          figure: `Postgres update() on postgresStorage (${option}) through the API (forRequest, update, applyTo) vs raw pg SELECT then UPDATE (not atomic), same plumbing (updates/s, 32 sessions in flight)`,
          ours: update.op,
          floor: postgres.updateFloor,
        },
      );
    }
  } else {
    result.postgresError = 'PostgreSQL not found (apt-get install -y postgresql): Postgres figures skipped.';
    log(result.postgresError);
  }
  // Memory and Redis first, then Postgres (its updates before the inserts of read + create), then
  // the fsync-bound ones: the database's background work after the inserts and the directory runs'
  // disk writeback would otherwise leak into the figures measured after them.
  const groups = [/^(memory|redis)/, /^postgresUpdate/, /^postgres/, /./].map((pattern) => cases.filter((c) => pattern.test(c.key)));
  const measured = new Set<Case>();
  const figures = {};
  for (const group of groups) {
    const rest = group.filter((c) => !measured.has(c));
    for (const c of rest) measured.add(c);
    Object.assign(figures, await throughput(rest));
  }
  result.throughput = figures;
  for (const check of updateChecks) await check();
  log('storage: memory per session (100,000 sessions)');
  result.memory = memory();
} finally {
  await ourRedis?.close();
  await rawClient?.close().catch(() => undefined);
  await redisServer?.stop();
  await pgPool?.end();
  await postgresServer?.destroy();
  for (const dir of [dirOurs, dirCached, dirFloor, dirCachedFloor]) rmSync(dir, { recursive: true, force: true });
}
emit(result);
