#!/usr/bin/env node
// `npm run bench`: every figure is ours against a floor measured in the same process, same run,
// same payload. Runs the children one after the other (never two measurements at once):
//
//   1. bench/codec.ts    encrypted / signed round trips vs raw node:crypto, jose, iron-session; cookie sizes
//   2. bench/storage.ts  storage write+read pairs, update(), per-user list() and login vs hand-made floors
//                        (own redis-server); memory per session
//   3. CPU profile of the encrypted round trip (node --cpu-prof), summarised by self time
//   4. HTTP: a copy of the app with the routes of bench/fixture, next build, next start, autocannon
//      from a second process
//
// Between stages it samples idle CPU for a second (while it waits, so any CPU used is other work):
// a stage with less than BENCH_MIN_IDLE (0.8) idle next to it has its ratios marked busy, not judged.
//
// Writes bench/results.md and bench/results.json (a BENCH_ONLY run writes bench/.tmp/partial.{md,json}
// instead, so it never replaces the full results); its own bench/.tmp/run-<pid> is removed at the end,
// whatever happens.
// Environment: BENCH_RUNS, BENCH_RUN_MS, BENCH_WARMUP_MS (codec/storage), BENCH_PROFILE_MS, BENCH_HTTP_S,
// BENCH_HTTP_WARMUP_S, BENCH_HTTP_ROUNDS, BENCH_MIN_IDLE, BENCH_ONLY=codec,storage,profile,http (quick runs while
// editing the bench itself).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { forEachSample } from './cpu-profile.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// One folder per run: two runs at once (a quick BENCH_ONLY=codec next to a full run) never
// delete each other's build or result files.
const TMP = join(ROOT, 'bench', '.tmp', `run-${process.pid}`);
const NODE = process.execPath;
const NEXT_BIN = join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
// A loaded machine can take 3 to 4 minutes for the HTTP section's `next build` alone.
const BUDGET_MS = 14 * 60_000;
const HTTP = {
  connections: 10,
  durationS: Number(process.env.BENCH_HTTP_S ?? 8),
  // Next's server keeps getting faster for several seconds after start: warm up well.
  warmupS: Number(process.env.BENCH_HTTP_WARMUP_S ?? 6),
  rounds: Number(process.env.BENCH_HTTP_ROUNDS ?? 5),
};
const BENCH_SECRET = 'bench-only-session-secret-0123456789abcdefghijklmnop';
/** Below this share of idle CPU next to a stage, other work competed with it: its ratios are not judged. */
const MIN_IDLE = Number(process.env.BENCH_MIN_IDLE ?? 0.8);

const startedAt = Date.now();
// Other work on the machine shows in the load average: results.md reports it next to the figures.
const loadAtStart = loadavg();
const errors = [];
/** Every process we started (each leads its own process group), so nothing outlives the bench. */
const running = new Set();

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
  rmSync(TMP, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`\n[bench] ${signal}: stopping.`);
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  console.error(`[bench] Over the ${BUDGET_MS / 60_000}-minute budget: stopping.`);
  process.exit(1);
}, BUDGET_MS);

const log = (...parts) => console.error('[bench]', ...parts);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Runs a command in its own process group; resolves when it exits 0, rejects otherwise or
 * after `timeoutMs`. Output goes to the terminal, or to `logFile` when given.
 */
async function runChild(label, command, args, { timeoutMs, env = process.env, logFile, cwd = ROOT } = {}) {
  const t0 = Date.now();
  const output = logFile ? createWriteStream(logFile) : undefined;
  if (output) await once(output, 'open');
  const child = spawn(command, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', output ?? 'inherit', output ?? 'inherit'],
  });
  running.add(child);
  const timer = setTimeout(() => {
    log(`${label}: no result after ${seconds(timeoutMs)}, killing it.`);
    killGroup(child, 'SIGKILL');
  }, timeoutMs);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(timer);
  running.delete(child);
  output?.end();
  log(`${label}: ${code === 0 ? 'done' : 'FAILED'} in ${seconds(Date.now() - t0)}`);
  if (code !== 0) {
    const tail = logFile && existsSync(logFile) ? `\n${readFileSync(logFile, 'utf8').slice(-3000)}` : '';
    throw new Error(`${label} exited with ${signal ?? `code ${code}`}.${tail}`);
  }
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

const round2 = (n) => Math.round(n * 100) / 100;
/** The machine between stages: { at, idle (share of all cores), load (1, 5, 15 min) }. */
const samples = [];
/** Stage name -> whether a sample next to it found the machine busy. */
const busy = {};

/**
 * Idle share of all cores over about a second while the bench waits (so any CPU used is other work;
 * the load average cannot tell, as the bench's own stages push it up), and the load average.
 */
async function machine(at) {
  const times = () => cpus().reduce(([idle, all], { times: t }) => [idle + t.idle, all + t.user + t.nice + t.sys + t.idle + t.irq], [0, 0]);
  const [idle0, all0] = times();
  await new Promise((r) => setTimeout(r, 1000));
  const [idle1, all1] = times();
  const sample = { at, idle: round2((idle1 - idle0) / (all1 - all0)), load: loadavg().map(round2) };
  samples.push(sample);
  log(`machine ${at}: ${Math.round(sample.idle * 100)} % idle, load average ${sample.load.join(', ')}`);
  return sample;
}

/**
 * Runs one section; a failure is recorded and the other sections still run. The section is judged
 * busy when the sample before it, any it takes itself, or the one after it is under MIN_IDLE.
 */
async function section(name, fn) {
  const first = samples.length - 1;
  try {
    return await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    errors.push({ section: name, message });
    log(`${name} failed: ${message}`);
    return undefined;
  } finally {
    await machine(`after ${name}`);
    busy[name] = samples.slice(first).some((s) => s.idle < MIN_IDLE);
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// ---- 1-3: codec, storage, profile --------------------------------------------------------------

async function codec() {
  const out = join(TMP, 'codec.json');
  await runChild('codec', NODE, ['--expose-gc', '--import', 'tsx', 'bench/codec.ts', '--out', out], { timeoutMs: 240_000 });
  return readJson(out);
}

async function storage() {
  const out = join(TMP, 'storage.json');
  await runChild('storage', NODE, ['--expose-gc', '--import', 'tsx', 'bench/storage.ts', '--out', out, '--tmp', TMP], {
    timeoutMs: 180_000,
  });
  return readJson(out);
}

async function profile() {
  const dir = join(TMP, 'prof');
  const out = join(TMP, 'profile-run.json');
  await runChild('cpu profile', NODE, ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', 'bench/codec.ts', '--profile', '--out', out], {
    timeoutMs: 60_000,
  });
  // Main thread only (CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile): the tsx loader thread is not ours to judge.
  const files = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  if (files.length === 0) throw new Error('node --cpu-prof wrote no main-thread profile.');
  const run = readJson(out);
  const window = { startUs: run.windowStartUs, endUs: run.windowEndUs };
  return { ...summarizeProfiles(files.map((f) => readJson(join(dir, f))), window), opsPerSecond: run.profiledOpsPerSecond };
}

/**
 * Self time per function (name + file), from the samples and their time deltas, counting only
 * samples inside `window` (the measured loop; profile timestamps and process.hrtime share a clock).
 */
function summarizeProfiles(profiles, window) {
  const byFunction = new Map();
  const byFile = new Map();
  let total = 0;
  const rootUrl = pathToFileURL(ROOT).href;
  const shortUrl = (url) => {
    if (!url) return '';
    if (url.startsWith(`${rootUrl}/`)) return url.slice(rootUrl.length + 1);
    if (url.startsWith('/')) return relative(ROOT, url);
    return url;
  };
  forEachSample(profiles, window, ({ functionName, url, lineNumber }, micros) => {
    const file = shortUrl(url);
    const name = functionName || '(anonymous)';
    const key = `${name}\u0000${file}`;
    const entry = byFunction.get(key) ?? { name, file, line: lineNumber + 1, micros: 0 };
    entry.micros += micros;
    byFunction.set(key, entry);
    const fileKey = file || '(native / VM)';
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + micros);
    total += micros;
  });
  const pct = (micros) => Math.round((micros / total) * 1000) / 10;
  // Coarse buckets, so the share of the library itself is one number.
  const groups = { 'lib/sessions-kit/src/** (the library)': 0, 'node:crypto (JS side)': 0, 'Request/Response/Headers (undici, AbortSignal)': 0, 'garbage collector': 0 };
  for (const [file, micros] of byFile) {
    if (file.startsWith('lib/sessions-kit/src/')) groups['lib/sessions-kit/src/** (the library)'] += micros;
    else if (file.startsWith('node:internal/crypto')) groups['node:crypto (JS side)'] += micros;
    else if (file.includes('undici') || file === 'node:internal/abort_controller') groups['Request/Response/Headers (undici, AbortSignal)'] += micros;
  }
  for (const e of byFunction.values()) if (e.name === '(garbage collector)') groups['garbage collector'] += e.micros;
  return {
    totalMs: Math.round(total / 1000),
    groups: Object.entries(groups).map(([group, micros]) => ({ group, selfPercent: pct(micros) })),
    topFunctions: [...byFunction.values()]
      .sort((a, b) => b.micros - a.micros)
      .slice(0, 20)
      // tsx-compiled files report line 1 for everything: a line only where it means something.
      .map((e) => ({ function: e.name, where: e.file ? (e.line > 1 ? `${e.file}:${e.line}` : e.file) : '(native / VM)', selfPercent: pct(e.micros), selfMs: Math.round(e.micros / 1000) })),
    topFiles: [...byFile.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([file, micros]) => ({ file, selfPercent: pct(micros) })),
  };
}

// ---- 4: HTTP ----------------------------------------------------------------------------------------

/** Top-level entries the app build does not need (or must not share). */
const NOT_COPIED = /^(\.git|\.next.*|\.sessions|node_modules|bench|e2e|scripts|test-results|playwright-report|blob-report|tsconfig\.tsbuildinfo|package-lock\.json)$/;

/**
 * A private copy of the app under bench/.tmp/run-<pid>/app with the routes of bench/fixture added
 * (they are never part of the starter), built and served from there: `next build` in the project
 * itself would overwrite the .next of anyone else's `next start` (the e2e tests) mid-run. The copy
 * uses the project's own next.config.mjs with the Turbopack root moved up to the project, so its
 * node_modules resolve, and without the type check (`npm run build` does it; this build measures).
 */
function copyApp() {
  const app = join(TMP, 'app');
  mkdirSync(app, { recursive: true });
  for (const entry of readdirSync(ROOT)) {
    if (!NOT_COPIED.test(entry)) cpSync(join(ROOT, entry), join(app, entry), { recursive: true });
  }
  cpSync(join(ROOT, 'bench', 'fixture'), app, { recursive: true });
  const config = pathToFileURL(join(ROOT, 'next.config.mjs')).href;
  writeFileSync(
    join(app, 'next.config.mjs'),
    `import base from ${JSON.stringify(config)};\nexport default { ...base, turbopack: { root: ${JSON.stringify(ROOT)} }, typescript: { ignoreBuildErrors: true } };\n`,
  );
  return app;
}

/** `name=value` of the first Set-Cookie whose name ends with `name` (the demo may add `__Host-`). */
function cookieFrom(response, name) {
  const line = response.headers.getSetCookie().find((c) => c.slice(0, c.indexOf('=')).replace(/^__Host-/, '') === name);
  return line?.slice(0, line.indexOf(';'));
}

/**
 * The routes to load, each with a valid cookie, after checking that each one really does its
 * work (a floor that skipped it would flatter us):
 *   session   GET /api/bench/session     decrypt, increment, re-encrypt, Set-Cookie (ours)
 *   constant  GET /api/bench/constant    the same answer with a constant Set-Cookie (Next's own cost)
 *   iron      GET /api/bench/iron        the same route on iron-session (the peer)
 *   raw       GET /api/bench/raw         the same route written by hand: raw AES-256-GCM + JSON, no library
 *   plain     GET /api/bench             the same handler wrapper without session work (information)
 */
async function httpTargets(base) {
  const get = (path, cookie) => fetch(`${base}${path}`, cookie ? { headers: { cookie } } : {});
  const checkCounts = async (path, name) => {
    const first = await get(path);
    const cookie = cookieFrom(first, name);
    if (!cookie) throw new Error(`GET ${path} set no ${name} cookie.`);
    const second = await get(path, cookie);
    const body = await second.json();
    if (body.count !== 2 || !cookieFrom(second, name)) {
      throw new Error(`GET ${path} did not read and re-set its cookie: ${JSON.stringify(body)}`);
    }
    return cookie;
  };
  const cookie = await checkCounts('/api/bench/session', 'user_session');
  const ironCookie = await checkCounts('/api/bench/iron', 'iron_session');
  const rawCookie = await checkCounts('/api/bench/raw', 'raw_session');

  const constant = await get('/api/bench/constant', cookie);
  const constantCookie = cookieFrom(constant, 'user_session');
  const ours = await get('/api/bench/session', cookie);
  const oursCookie = cookieFrom(ours, 'user_session');
  if (!constantCookie || constantCookie.length !== oursCookie?.length || (await constant.json()).count !== 1) {
    throw new Error('The constant-cookie route does not send a Set-Cookie of the same size as ours.');
  }
  const plain = await get('/api/bench', cookie);
  if ((await plain.json()).count !== 1 || plain.headers.getSetCookie().length > 0) throw new Error('The plain route is not what it should be.');

  return {
    // The same request bytes for ours, constant and plain: a browser sends its cookie whether the route reads it or not.
    targets: {
      session: { url: `${base}/api/bench/session`, cookie },
      constant: { url: `${base}/api/bench/constant`, cookie },
      iron: { url: `${base}/api/bench/iron`, cookie: ironCookie },
      raw: { url: `${base}/api/bench/raw`, cookie: rawCookie },
      plain: { url: `${base}/api/bench`, cookie },
    },
    cookieBytes: { ours: cookie.length, iron: ironCookie.length },
  };
}

async function http() {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  const app = copyApp();
  await runChild('next build', NODE, [NEXT_BIN, 'build'], { cwd: app, timeoutMs: 360_000, env, logFile: join(TMP, 'next-build.log') });

  // The route table lines, e.g. "├ ƒ /api/bench": ƒ (dynamic) means every request really runs the handler.
  const routeLines = readFileSync(join(TMP, 'next-build.log'), 'utf8')
    .split('\n')
    .filter((line) => line.includes('/api/bench'))
    .map((line) => line.trim());

  const port = Number(process.env.BENCH_PORT) || (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const serverEnv = {
    ...env,
    NODE_ENV: 'production',
    SESSION_SECRET: BENCH_SECRET,
    SESSIONS_DIR: join(TMP, 'sessions-store'),
  };
  delete serverEnv.REDIS_URL;
  const serverLog = join(TMP, 'next-start.log');
  const output = createWriteStream(serverLog);
  await once(output, 'open');
  const server = spawn(NODE, [NEXT_BIN, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: app,
    env: serverEnv,
    detached: true,
    stdio: ['ignore', output, output],
  });
  running.add(server);
  let exited = false;
  server.once('exit', () => {
    exited = true;
  });
  try {
    // Ready when the bench route answers.
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited) throw new Error(`next start exited:\n${readFileSync(serverLog, 'utf8').slice(-3000)}`);
      const ok = await fetch(`${base}/api/bench`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error('next start did not answer /api/bench within 30 s.');
      await new Promise((r) => setTimeout(r, 200));
    }
    log(`http: next start on ${base}`);

    const { targets, cookieBytes } = await httpTargets(base);
    // The build just ended: is the machine quiet again before the load starts?
    await machine('http: before load');
    const out = join(TMP, 'http.json');
    const config = { targets, ...HTTP, out };
    const routes = Object.keys(targets).length;
    const budget = (HTTP.warmupS * routes + HTTP.durationS * HTTP.rounds * routes + 30) * 1000;
    await runChild('http load (autocannon)', NODE, ['bench/load.mjs', JSON.stringify(config)], { timeoutMs: budget });
    return { ...HTTP, buildRouteLines: routeLines, cookieBytes, runs: readJson(out) };
  } finally {
    if (!exited) {
      killGroup(server, 'SIGTERM');
      const timer = setTimeout(() => killGroup(server, 'SIGKILL'), 5_000);
      if (!exited) await once(server, 'exit');
      clearTimeout(timer);
    }
    running.delete(server);
    output.end();
  }
}

// ---- report -------------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const perSecond = (n) => `${int(n)}/s`;
const ratioText = (r) => (Number.isFinite(r) ? r.toFixed(2) : 'n/a');

/**
 * higherIsBetter: target is a minimum ratio; otherwise a maximum. With `runs` ([ours[], floor[]],
 * run i of each measured back to back), the ratio is the median of the per-run ratios, which
 * cancels the machine's drift between runs; `ours` and `floor` are the medians either way.
 */
function row(figure, ours, floor, { format = perSecond, target, higherIsBetter = true, times = false, runs } = {}) {
  const ratioOfMedians = ours / floor;
  const ratio = runs ? median(runs[0].map((x, i) => x / runs[1][i])) : ratioOfMedians;
  let status = 'info';
  if (target !== undefined && Number.isFinite(ratio)) status = (higherIsBetter ? ratio >= target : ratio <= target) ? 'pass' : 'miss';
  return {
    figure,
    ours: format(ours),
    floor: format(floor),
    ratio: times ? `×${ratioText(ratio)}` : ratioText(ratio),
    target: target === undefined ? '—' : `${higherIsBetter ? '≥' : '≤'} ${target.toFixed(2)}`,
    status,
    // Timed over several runs (not bytes): what a busy machine distorts.
    timed: runs !== undefined,
    values: { ours, floor, ratio, ratioOfMedians },
  };
}

const BUSY = 'busy: not judged';

function buildRows({ codecResult, storageResult, httpResult }) {
  const rows = [];
  /** The timed rows added since `from` were measured by `stage`: not judged if the machine was busy then. */
  const judge = (stage, from) => {
    if (busy[stage]) for (const r of rows.slice(from)) if (r.timed) r.status = BUSY;
  };
  if (codecResult) {
    const t = codecResult.throughput;
    for (const { label } of codecResult.payloads) {
      const m = (key) => t[key][label].median;
      const runs = (a, b) => [t[a][label].runs, t[b][label].runs];
      rows.push(
        row(`codec encrypted ${label}: ours vs raw AES-256-GCM (round trips/s)`, m('oursEncrypted'), m('floorAesGcm'), {
          target: 0.85,
          runs: runs('oursEncrypted', 'floorAesGcm'),
        }),
      );
      rows.push(
        row(`codec signed ${label}: ours vs raw HMAC-SHA256 (round trips/s)`, m('oursSigned'), m('floorHmac'), {
          target: 0.8,
          runs: runs('oursSigned', 'floorHmac'),
        }),
      );
      rows.push(row(`codec encrypted ${label}: ours vs jose (round trips/s)`, m('oursEncrypted'), m('jose'), { times: true, runs: runs('oursEncrypted', 'jose') }));
      rows.push(row(`codec encrypted ${label}: ours vs iron-session (round trips/s)`, m('oursEncrypted'), m('iron'), { times: true, runs: runs('oursEncrypted', 'iron') }));
    }
    const bytes = (n) => `${int(n)} B`;
    for (const { label } of codecResult.payloads) {
      const s = codecResult.sizes[label];
      rows.push(row(`cookie bytes ${label}: ours encrypted vs iron-session`, s.ours, s.iron, { format: bytes, target: 1, higherIsBetter: false }));
      rows.push(row(`cookie bytes ${label}: ours encrypted vs raw AES-GCM`, s.ours, s.floorAesGcm, { format: bytes, higherIsBetter: false }));
    }
    judge('codec', 0);
  }
  const storageFrom = rows.length;
  if (storageResult?.throughput) {
    const targets = { redis: 0.8, redisUpdate: 0.7, memoryList: 0.5, redisList: 0.5, redisLogin: 0.7, postgres: 0.8, postgresUpdate: 0.7 };
    for (const [key, s] of Object.entries(storageResult.throughput)) {
      rows.push(row(s.figure, s.ours.median, s.floor.median, { target: targets[key], runs: [s.ours.runs, s.floor.runs] }));
    }
  }
  if (storageResult?.memory) {
    const { ours, floor } = storageResult.memory;
    const bytes = (n) => `${int(n)} B`;
    rows.push(
      row('memory per session, 100,000 in memoryStorage vs Map<string,string> (heap + ArrayBuffers)', ours.heap + ours.arrayBuffers, floor.heap + floor.arrayBuffers, {
        format: bytes,
        higherIsBetter: false,
      }),
    );
  }
  judge('storage', storageFrom);
  if (httpResult) {
    const httpFrom = rows.length;
    const rps = (name) => httpResult.runs[name].map((r) => r.requestsPerSecond);
    const p99 = (name) => httpResult.runs[name].map((r) => r.latencyP99Ms);
    const vs = (floor, figure, options) =>
      row(figure, median(rps('session')), median(rps(floor)), { ...options, runs: [rps('session'), rps(floor)] });
    rows.push(vs('constant', 'HTTP throughput: session route vs the same answer with a constant Set-Cookie (req/s)', { target: 0.9 }));
    rows.push(
      vs('raw', 'HTTP throughput: session route vs the same route written by hand, no library (raw AES-256-GCM + JSON) (req/s)', { target: 0.9 }),
    );
    rows.push(vs('iron', 'HTTP throughput: session route vs the same route on iron-session (req/s)', { target: 2, times: true }));
    rows.push(vs('plain', 'HTTP throughput: session route vs the handler without session work (req/s)', {}));
    rows.push(
      row('HTTP p99 latency: session route vs constant Set-Cookie route', median(p99('session')), median(p99('constant')), {
        format: (n) => `${n} ms`,
        higherIsBetter: false,
        runs: [p99('session'), p99('constant')],
      }),
    );
    judge('http', httpFrom);
  }
  return rows;
}

function table(rows) {
  const head = ['figure', 'ours', 'floor', 'ratio', 'target', 'pass/miss'];
  const cells = rows.map((r) => [r.figure, r.ours, r.floor, r.ratio, r.target, r.status]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...cells.map((c) => `| ${c.join(' | ')} |`)].join('\n');
}

function profileMarkdown(p) {
  if (!p) return '_No profile (see errors)._';
  const lines = [
    `Encrypted 1 KB round trip through the public API, ${int(p.opsPerSecond)} round trips/s under the profiler, ${int(p.totalMs)} ms sampled.`,
    '',
    p.groups.map((g) => `${g.group}: ${g.selfPercent} %`).join(' · '),
    '',
    '| self % | self ms | function | where |',
    '|---:|---:|---|---|',
    ...p.topFunctions.map((f) => `| ${f.selfPercent} | ${f.selfMs} | ${f.function} | ${f.where} |`),
    '',
    '| self % | file |',
    '|---:|---|',
    ...p.topFiles.map((f) => `| ${f.selfPercent} | ${f.file} |`),
  ];
  return lines.join('\n');
}

/** Which stages ran on a busy machine, or that none did. */
function busyNote(meta) {
  const stages = Object.keys(meta.busy).filter((stage) => meta.busy[stage]);
  if (stages.length === 0) return `- Every stage had at least ${Math.round(MIN_IDLE * 100)} % idle CPU next to it: all ratios are judged.`;
  return `- **Busy machine: the ${stages.join(', ')} stage(s) had less than ${Math.round(MIN_IDLE * 100)} % idle CPU next to them (other work competed); their timed rows say "${BUSY}". Do not quote them.**`;
}

function markdown(meta, rows, profileSummary) {
  return `# Sessions Kit benchmark results

Generated by \`npm run bench\` (bench/run.mjs); see bench/README.md for what each figure means.

- Date: ${meta.date}
- Node ${meta.node}, ${meta.platform}
- CPU: ${meta.cpu} (${meta.cores} cores)
- Total run time: ${seconds(meta.totalMs)}
- Load average (1, 5, 15 min) at start: ${meta.loadAverage.start.join(', ')}; at the end: ${meta.loadAverage.end.join(', ')} (${meta.cores} cores; the bench's own stages push it up too)
- Idle CPU while the bench waited, between stages (load average): ${meta.machine.map((m) => `${m.at} ${Math.round(m.idle * 100)} % (${m.load[0]})`).join(' · ')}
${busyNote(meta)}
- Codec/storage: median of ${meta.codecRuns ?? '?'} runs of ${meta.runMs ?? '?'} ms after warm-up; HTTP: median of ${HTTP.rounds} runs of ${HTTP.durationS} s per route (${HTTP.connections} connections, after a ${HTTP.warmupS} s warm-up per route)

Ratios are ours ÷ floor. For throughput, higher is better; for bytes and latency, lower is better.
"ours" and "floor" are medians; for throughput and latency the ratio is the median of the per-run
ratios (run i of ours and of its floor are measured back to back), which cancels drift between runs;
results.json also has the plain ratio of the medians (\`ratioOfMedians\`).
"×" rows compare with another library (information, except where a target is given). Absolute numbers depend on the machine; the ratios are the point.

${table(rows)}
${meta.errors.length ? `\n## Errors\n\n${meta.errors.map((e) => `- **${e.section}**: ${e.message.split('\n')[0]}`).join('\n')}\n` : ''}
## CPU profile (self time)

${profileMarkdown(profileSummary)}
`;
}

// ---- main --------------------------------------------------------------------------------------------

rmSync(TMP, { recursive: true, force: true });
mkdirSync(TMP, { recursive: true });

// BENCH_ONLY=codec,storage,profile,http runs a subset (while working on the bench itself).
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const wanted = (name) => !only || only.includes(name);
await machine('start');
const codecResult = wanted('codec') ? await section('codec', codec) : undefined;
const storageResult = wanted('storage') ? await section('storage', storage) : undefined;
const profileSummary = wanted('profile') ? await section('cpu profile', profile) : undefined;
const httpResult = wanted('http') ? await section('http', http) : undefined;

const rows = buildRows({ codecResult, storageResult, httpResult });
const cpu = cpus();
const meta = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: cpu[0]?.model ?? 'unknown',
  cores: cpu.length,
  totalMs: Date.now() - startedAt,
  loadAverage: { start: loadAtStart.map(round2), end: loadavg().map(round2) },
  machine: samples,
  busy,
  codecRuns: codecResult?.config.runs,
  runMs: codecResult?.config.runMs,
  errors,
};

// A partial run must not replace the full results that the README quotes.
const resultBase = only ? join(ROOT, 'bench', '.tmp', 'partial') : join(ROOT, 'bench', 'results');
writeFileSync(`${resultBase}.md`, markdown(meta, rows, profileSummary));
writeFileSync(
  `${resultBase}.json`,
  `${JSON.stringify(
    {
      meta,
      rows: rows.map(({ values, ...r }) => ({ ...r, ...values })),
      raw: { codec: codecResult, storage: storageResult, http: httpResult, profile: profileSummary },
    },
    null,
    2,
  )}\n`,
);

console.log(`\n${table(rows)}\n`);
console.log(`Node ${meta.node} · ${meta.cpu} × ${meta.cores} · ${meta.date} · total ${seconds(meta.totalMs)}`);
console.log(busyNote(meta).slice(2));
console.log(`Wrote ${relative(ROOT, resultBase)}.md and .json.`);
if (errors.length) console.log(`${errors.length} section(s) failed: ${errors.map((e) => e.section).join(', ')}.`);
clearTimeout(watchdog);
process.exitCode = errors.length ? 1 : 0;
