#!/usr/bin/env node
// Where the session route spends its time over HTTP (issue 19): one `next start` of the bench's
// app copy under `node --cpu-prof`, autocannon on each route in turn (same connections as the
// bench), then the server's profile cut into one window per route and attributed through the
// build's source maps. Prints a Markdown table of CPU µs per request by group, and the
// difference between the session route and the same handler without session work.
//
//   node bench/profile-http.mjs <built app dir> [seconds per route, default 12]
//
// The app dir is one that bench/run.mjs builds (a copy of the app plus bench/fixture), e.g.
// any copy built the same way as copyApp in run.mjs does (the app plus bench/fixture, `next build`).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { cpuPerRequest } from './cpu-profile.mjs';

const app = resolve(process.argv[2] ?? '');
const seconds = Number(process.argv[3] ?? 12);
if (!existsSync(join(app, '.next', 'BUILD_ID'))) throw new Error(`${app} has no next build: build the bench app copy first.`);
const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const NEXT_BIN = join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
const PORT = Number(process.env.BENCH_PORT ?? 3555);
const base = `http://127.0.0.1:${PORT}`;
const profileDir = join(app, '.profile');
rmSync(profileDir, { recursive: true, force: true });

const server = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profileDir, NEXT_BIN, 'start', '-H', '127.0.0.1', '-p', String(PORT)], {
  cwd: app,
  env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', SESSION_SECRET: 'bench-only-session-secret-0123456789abcdefghijklmnop', SESSIONS_DIR: join(app, '.sessions-store'), REDIS_URL: '', DATABASE_URL: '' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
for (let tries = 0; !(await fetch(`${base}/api/bench`).then((r) => r.ok, () => false)); tries++) {
  if (tries > 150) throw new Error('next start did not answer within 30 s.');
  await new Promise((r) => setTimeout(r, 200));
}

const cookieOf = (response) => response.headers.getSetCookie().find((c) => c.includes('user_session='))?.split(';')[0];
const cookie = cookieOf(await fetch(`${base}/api/bench/session`));
if (!cookie) throw new Error('The session route set no cookie.');
const routes = { plain: '/api/bench', constant: '/api/bench/constant', session: '/api/bench/session' };
const load = (path, duration) =>
  new Promise((done, fail) =>
    autocannon({ url: base + path, headers: { cookie }, connections: 10, duration }, (err, result) => (err ? fail(err) : done(result))),
  );
const micros = () => Number(process.hrtime.bigint() / 1000n);
const windows = {};
// Next's server keeps getting faster for several seconds after start: warm every route up first.
for (const path of Object.values(routes)) await load(path, 6);
for (const [name, path] of Object.entries(routes)) {
  const startUs = micros();
  const result = await load(path, seconds);
  windows[name] = { startUs, endUs: micros(), requests: result.requests.total };
  if (result.non2xx || result.errors) throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors.`);
  console.error(`[profile-http] ${name}: ${Math.round(result.requests.average)} req/s`);
}
server.kill('SIGTERM');
await once(server, 'exit');
writeFileSync(join(profileDir, 'windows.json'), JSON.stringify(windows));

// ---- attribution -----------------------------------------------------------------------------

const perRoute = cpuPerRequest(profileDir, windows);

const groups = [...new Set(Object.values(perRoute).flatMap((r) => Object.keys(r)))];
const sum = (r) => Object.values(r).reduce((a, b) => a + b, 0);
const cell = (n) => (n === undefined ? '0' : n.toFixed(1));
const rows = groups
  .map((g) => [g, perRoute.plain[g] ?? 0, perRoute.constant[g] ?? 0, perRoute.session[g] ?? 0])
  .sort((a, b) => b[3] - b[1] - (a[3] - a[1]));
const lines = [
  `CPU µs per request (main thread, busy time; ${seconds} s per route, 10 connections):`,
  '',
  '| where | handler without session work | constant Set-Cookie | session route | session − no session |',
  '|---|---:|---:|---:|---:|',
  ...rows.map(([g, plain, constant, session]) => `| ${g} | ${cell(plain)} | ${cell(constant)} | ${cell(session)} | ${cell(session - plain)} |`),
  `| **total** | ${cell(sum(perRoute.plain))} | ${cell(sum(perRoute.constant))} | ${cell(sum(perRoute.session))} | ${cell(sum(perRoute.session) - sum(perRoute.plain))} |`,
  '',
  `Requests profiled: ${Object.entries(windows).map(([n, w]) => `${n} ${w.requests}`).join(', ')}.`,
];
console.log(lines.join('\n'));
