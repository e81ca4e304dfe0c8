/**
 * postgresStorage against raw `pg` on the same pool and table, same run, same payload, alternating:
 *
 *   read + write   ours: read (a new key) + create          raw: the same SELECT and INSERT       target ≥ 0.80
 *                                                                statements, sent by hand
 *   update         ours: read + compareAndSet (atomic)      raw: plain SELECT then plain UPDATE   target ≥ 0.70
 *                                                                (not atomic)
 *   (for scale)    ours: read + create                      raw: plain SELECT + plain INSERT
 *                                                                (no expiry filter, no conflict check)
 *
 * Each figure is ours ÷ raw in operations per second, the median of the pairs.
 *
 *   node --import tsx lib/sessions-kit/test/postgres-bench.ts [--pairs 15] [--ops 800] [--concurrency 8]
 *
 * It starts its own throwaway cluster (test/postgres-server.ts) and stops it at the end.
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { postgresStorage } from '../src/postgres.ts';
import { startPostgresServer } from './postgres-server.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const PAIRS = arg('pairs', 15);
const OPS = arg('ops', 800);
const CONCURRENCY = arg('concurrency', 8);
const TTL = 3_600;
const VALUE = JSON.stringify({ v: 2, d: JSON.stringify({ user: 'ada', items: ['tea', 'milk', 'bread'], theme: 'dark' }), c: 1_700_000_000, e: 1_700_003_600 });
/** An update writes the other of two values of the same size. */
const other = (value: string) => (value === VALUE ? VALUE.replace('1700000000', '1700000001') : VALUE);

/** Runs `op(i)` OPS times, CONCURRENCY at once; operations per second. */
async function measure(op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPS) await op(next++);
    }),
  );
  return OPS / ((performance.now() - started) / 1_000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const server = await startPostgresServer();
if (!server) throw new Error('PostgreSQL not found: apt-get install -y postgresql (or set POSTGRES_BIN_DIR).');
const pool = new pg.Pool({ connectionString: server.url, max: 10 });
try {
  const storage = postgresStorage({ pool, table: 'bench', sweep: false });
  // The statements ours sends, captured once, for the raw side to send by hand.
  const sent: string[] = [];
  const recording = {
    query(text: string, values: unknown[]) {
      sent.push(text);
      return pool.query(text, values);
    },
  };
  const capture = postgresStorage({ pool: recording, table: 'bench', sweep: false });
  await capture.read('capture');
  await capture.create('capture', VALUE, TTL);
  const [, select, insert] = sent as [string, string, string]; // the first is the table set-up
  const expiry = `now() + $3::float8 * interval '1 second'`;

  let round = 0;
  const figures: Record<string, { ours: number[]; raw: number[] }> = {};
  const pairs = async (name: string, ours: (key: string) => Promise<unknown>, raw: (key: string) => Promise<unknown>) => {
    const f = { ours: [] as number[], raw: [] as number[] };
    figures[name] = f;
    for (let pair = -1; pair < PAIRS; pair++) {
      // Alternate which side goes first; pair -1 is a warm-up, not counted.
      const r = round++;
      const sides = [
        async () => f.ours.push(await measure((i) => ours(`o${r}-${i}`))),
        async () => f.raw.push(await measure((i) => raw(`r${r}-${i}`))),
      ];
      for (const side of r % 2 ? sides.reverse() : sides) await side();
      if (pair === -1) {
        f.ours.pop();
        f.raw.pop();
      }
    }
  };
  const ourReadWrite = async (key: string) => (await storage.read(key)) ?? storage.create(key, VALUE, TTL);

  await pairs('read + write', ourReadWrite, async (key) => {
    const { rows } = await pool.query(select, [key]);
    if (rows.length === 0) await pool.query(insert, [key, VALUE, TTL]);
  });

  // One record per operation, so no two operations contend (contention is the races' job).
  await pool.query(`INSERT INTO bench SELECT s || '-' || i, $1, now() + interval '1 hour' FROM generate_series(0, $2::int - 1) i, unnest(ARRAY['uo', 'ur']) s`, [VALUE, OPS]);
  let unit = 0;
  await pairs(
    'update (read-modify-write)',
    async () => {
      const key = `uo-${unit++ % OPS}`;
      const current = (await storage.read(key)) as string;
      return storage.compareAndSet(key, current, other(current), TTL);
    },
    async () => {
      const key = `ur-${unit++ % OPS}`;
      const { rows } = await pool.query('SELECT value FROM bench WHERE key = $1', [key]);
      await pool.query(`UPDATE bench SET value = $2, expires_at = ${expiry} WHERE key = $1`, [key, other(rows[0].value as string), TTL]);
    },
  );

  await pairs('(scale) read + write vs plain SQL', ourReadWrite, async (key) => {
    const { rows } = await pool.query('SELECT value FROM bench WHERE key = $1', [key]);
    if (rows.length === 0) await pool.query(`INSERT INTO bench (key, value, expires_at) VALUES ($1, $2, ${expiry})`, [key, VALUE, TTL]);
  });

  console.log(`postgresStorage vs raw pg: ${PAIRS} alternating pairs of ${OPS} operations, ${CONCURRENCY} at once, one pool of 10`);
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const [name, { ours, raw }] of Object.entries(figures)) {
    const ratios = ours.map((o, i) => o / (raw[i] as number));
    console.log(
      `${name.padEnd(34)} ours ${median(ours).toFixed(0).padStart(6)} op/s   raw ${median(raw).toFixed(0).padStart(6)} op/s   ` +
        `ratio ${median(ratios).toFixed(2)} (pairs ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
    );
  }
} finally {
  await pool.end();
  await server.destroy();
}
