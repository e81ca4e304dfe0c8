#!/usr/bin/env node
// Proof that the packed `sessions-kit` works as a new user gets it (issue 8):
//  1. `npm pack` (prepack builds): only dist JS + .d.ts, README, LICENSE, package.json; every export target present.
//  2. The core entry bundles for the browser with no Node built-in.
//  3. A fresh Next 16 app (test/package/fixture, cacheComponents + partialPrefetching) in a temporary folder,
//     with the tarball and only next, react, react-dom, typescript, @types/* (no redis, no swr):
//     types of every entry resolve under nodenext (and bundler, in `next build`); `next build` succeeds
//     WITHOUT SESSION_SECRET; `next start` without a secret, or with a short one, exits at start-up with
//     the message; with the secret, set → get → clear through a Route Handler with real cookies, and a
//     Server Component reads the session inside <Suspense>; the server log has no error line.
// Ends with one line: `check-package: PASS …` or `check-package: FAIL …` (exit code 1).
// Env: PACKAGE_DIR (default lib/sessions-kit), KEEP_FIXTURE=1 keeps the temporary folder.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const PACKAGE_DIR = path.resolve(ROOT, process.env.PACKAGE_DIR ?? 'lib/sessions-kit');
const FIXTURE = path.join(ROOT, 'test/package/fixture');
const SECRET = 'check-package-secret-0123456789abcdefghij';
const PORTS = [3300, 3399];
// A hard stop. A run takes about 3 minutes on an idle 2-core machine; the step limits below leave
// room for a loaded one (shared CI runners), so only a hang fails on time.
const TOTAL_BUDGET_MS = 25 * 60_000;
const STEP_TIMEOUT_MS = 10 * 60_000;
const PEERS_NOT_INSTALLED = ['redis', 'swr'];
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));

const started = Date.now();
const failures = [];
const figures = {};
const children = new Set();
let workDir;

function step(message) {
  console.log(`\n[check-package] ${message} (${Math.round((Date.now() - started) / 1000)}s)`);
}

function check(ok, message) {
  if (!ok) failures.push(message);
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${message}`);
  return ok;
}

/** Runs a command to completion; resolves with its exit code and output (also echoed when `echo`). */
function run(command, args, { cwd, env = envWithout(), timeoutMs = STEP_TIMEOUT_MS, echo = true } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      if (echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      collect(`\n[check-package] timed out after ${timeoutMs / 1000}s: ${command} ${args.join(' ')}\n`);
      stop(child);
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** Stops a child and everything it started (its process group). */
function stop(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 3000).unref();
}

/**
 * The environment for children, without `names`. `npm run` exports npm_config_* (local_prefix among
 * them): left in, `npm install` in the temporary app would install into this repository instead.
 */
const envWithout = (...names) => {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  for (const name of Object.keys(env)) if (/^npm_/i.test(name) || names.includes(name)) delete env[name];
  return env;
};

// ---------------------------------------------------------------------------------------------
// 1. The tarball

async function pack() {
  step(`npm pack in ${path.relative(ROOT, PACKAGE_DIR) || '.'}`);
  const result = await run('npm', ['pack', '--json', '--pack-destination', workDir], {
    cwd: PACKAGE_DIR,
    env: envWithout(),
    echo: false,
  });
  // Lifecycle output (prepack → build) precedes the JSON report on stdout.
  const start = result.output.search(/^\[/m);
  if (!check(result.code === 0 && start >= 0, 'npm pack succeeds (prepack builds dist)')) {
    console.log(result.output);
    return undefined;
  }
  const [report] = JSON.parse(result.output.slice(start, result.output.lastIndexOf(']') + 1));
  const files = report.files.map((f) => f.path);
  figures.tarball = `${(report.size / 1024).toFixed(1)} kB packed, ${(report.unpackedSize / 1024).toFixed(1)} kB unpacked, ${report.entryCount} files`;
  console.log(`  ${report.filename}: ${figures.tarball}`);

  const manifest = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'));
  const unexpected = files.filter(
    (f) => !['package.json', 'README.md', 'LICENSE'].includes(f) && !/^dist\/.+\.(js|d\.ts)$/.test(f),
  );
  check(unexpected.length === 0, `only dist JS/.d.ts, README, LICENSE, package.json${unexpected.length ? `: ${unexpected.join(', ')}` : ''}`);
  const tests = files.filter((f) => /\.test\.|\.testutil\.|(^|\/)src\//.test(f));
  check(tests.length === 0, `no tests, test utilities or sources${tests.length ? `: ${tests.join(', ')}` : ''}`);
  for (const required of ['README.md', 'LICENSE', 'package.json']) check(files.includes(required), `${required} is packed`);
  const targets = Object.values(manifest.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)));
  const missing = targets.map((t) => t.replace(/^\.\//, '')).filter((t) => !files.includes(t));
  check(missing.length === 0, `every "exports" target is packed${missing.length ? `: missing ${missing.join(', ')}` : ''}`);
  const dts = files.filter((f) => f.endsWith('.d.ts'));
  const tsSpecifiers = dts.filter((f) =>
    /(from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]+\.tsx?['"]/.test(readFileSync(path.join(PACKAGE_DIR, f), 'utf8')),
  );
  const swr = readFileSync(path.join(PACKAGE_DIR, 'dist/swr.js'), 'utf8');
  check(/^['"]use client['"];/.test(swr), "dist/swr.js starts with 'use client' (a client boundary for Next)");
  check(tsSpecifiers.length === 0, `.d.ts files import .js, not .ts${tsSpecifiers.length ? `: ${tsSpecifiers.join(', ')}` : ''}`);
  return path.join(workDir, report.filename);
}

// ---------------------------------------------------------------------------------------------
// 2. The core entry in a browser bundle

async function bundleCore(appDir) {
  step('esbuild: the core entry for platform=browser');
  const esbuild = requireFromRoot('esbuild');
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const nodeImports = new Set();
  // Peers are the host's: `next/headers` is reached lazily by sessions.current(), which only runs in Next.
  const peers = /^(next|react|react-dom|swr|redis)(\/|$)/;
  const result = await esbuild.build({
    entryPoints: [path.join(appDir, 'node_modules/sessions-kit/dist/index.js')],
    absWorkingDir: appDir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'find-node-builtins',
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (builtins.has(args.path) || args.path.startsWith('node:')) {
              nodeImports.add(`${args.path} (from ${path.relative(appDir, args.importer)})`);
              return { path: args.path, external: true };
            }
            if (peers.test(args.path)) return { path: args.path, external: true };
            return undefined;
          });
        },
      },
    ],
  });
  const bytes = result.outputFiles.reduce((n, f) => n + f.contents.length, 0);
  figures.browserBundle = `${(bytes / 1024).toFixed(1)} kB`;
  check(
    nodeImports.size === 0,
    `core bundles for the browser without Node built-ins (${figures.browserBundle} unminified)${nodeImports.size ? `: ${[...nodeImports].join(', ')}` : ''}`,
  );
}

// ---------------------------------------------------------------------------------------------
// 3. A fresh Next app

function version(name) {
  return JSON.parse(readFileSync(requireFromRoot.resolve(`${name}/package.json`), 'utf8')).version;
}

async function installApp(tarball) {
  const appDir = path.join(workDir, 'app');
  cpSync(FIXTURE, appDir, { recursive: true });
  writeFileSync(
    path.join(appDir, 'package.json'),
    `${JSON.stringify({ name: 'sessions-kit-fixture', private: true, type: 'module' }, null, 2)}\n`,
  );
  const deps = ['next', 'react', 'react-dom', 'typescript', '@types/react', '@types/react-dom', '@types/node'].map(
    (name) => `${name}@${version(name)}`,
  );
  step(`npm install the tarball + ${deps.join(' ')}`);
  const result = await run(
    'npm',
    ['install', tarball, ...deps, '--save-exact', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: appDir, env: envWithout() },
  );
  if (!check(result.code === 0, 'npm install in a fresh app')) return undefined;
  for (const peer of PEERS_NOT_INSTALLED) {
    check(!existsSync(path.join(appDir, 'node_modules', peer)), `optional peer "${peer}" is not installed`);
  }
  return appDir;
}

async function typecheckNodeNext(appDir) {
  step('tsc: every entry under moduleResolution nodenext');
  const result = await run('npx', ['tsc', '-p', 'tsconfig.nodenext.json'], { cwd: appDir });
  check(result.code === 0, 'entry types resolve under nodenext (bundler: checked by next build)');
}

async function build(appDir) {
  step('next build WITHOUT SESSION_SECRET');
  const t = Date.now();
  const result = await run('npx', ['next', 'build'], { cwd: appDir, env: envWithout('SESSION_SECRET') });
  figures.build = `${Math.round((Date.now() - t) / 1000)}s`;
  return check(result.code === 0, `next build succeeds without SESSION_SECRET (${figures.build})`);
}

function freePort() {
  const [low, high] = PORTS;
  const first = low + Math.floor(Math.random() * (high - low + 1));
  const tryPort = (port, left) =>
    new Promise((resolve, reject) => {
      if (left === 0) return reject(new Error(`no free port in ${low}-${high}`));
      const server = createServer();
      server.once('error', () => resolve(tryPort(port === high ? low : port + 1, left - 1)));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
    });
  return tryPort(first, high - low + 1);
}

/** `next start` with a bad secret must stop at start-up, before serving, with the message. */
async function refusesToStart(appDir, secret, label) {
  const port = await freePort();
  const env = secret === undefined ? envWithout('SESSION_SECRET') : { ...envWithout(), SESSION_SECRET: secret };
  const result = await run('npx', ['next', 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: appDir,
    env,
    timeoutMs: 90_000,
    echo: false,
  });
  const timedOut = result.output.includes('[check-package] timed out');
  const ok = check(
    !timedOut && result.code !== 0 && result.output.includes('openssl rand -base64 32'),
    `next start ${label} exits non-zero at start-up with the message (exit ${timedOut ? 'none: still running' : result.code})`,
  );
  if (!ok) console.log(result.output.split('\n').slice(-20).join('\n'));
}

async function waitUntilUp(base, server) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) return false;
    try {
      const response = await fetch(`${base}/api/session`);
      await response.arrayBuffer();
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return false;
}

/** The cookie pair `name=value` from a response's Set-Cookie for `name`, and its attributes. */
function setCookie(response, name) {
  const line = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!line) return undefined;
  const [pair, ...attributes] = line.split(';').map((s) => s.trim());
  return { pair, value: pair.slice(name.length + 1), attributes: attributes.map((a) => a.toLowerCase()) };
}

async function serve(appDir) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  step(`next start WITH the secret on ${base}`);
  const server = spawn('npx', ['next', 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: appDir,
    env: { ...envWithout(), SESSION_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(server);
  let log = '';
  server.stdout.on('data', (c) => {
    log += c;
  });
  server.stderr.on('data', (c) => {
    log += c;
  });
  try {
    if (!check(await waitUntilUp(base, server), 'the server answers')) return;
    const json = { 'content-type': 'application/json', origin: base };
    const page = async (cookie) => {
      const response = await fetch(base, { headers: cookie ? { cookie } : {} });
      return { status: response.status, html: await response.text() };
    };

    let response = await fetch(`${base}/api/session`);
    check((await response.json()).user === null && !setCookie(response, 'user'), 'GET without a cookie: no session, no Set-Cookie');

    const ada = { name: 'Ada', visits: 3 };
    response = await fetch(`${base}/api/session`, { method: 'POST', headers: json, body: JSON.stringify(ada) });
    const issued = setCookie(response, 'user');
    check(response.status === 200 && issued !== undefined, 'POST sets the session (Set-Cookie: user=…)');
    if (!issued) return;
    check(
      issued.attributes.includes('httponly') && issued.attributes.includes('samesite=lax') && issued.attributes.includes('path=/'),
      'the cookie is HttpOnly, SameSite=Lax, Path=/',
    );
    check(issued.value.split('.').length === 5 && !issued.value.includes('Ada'), 'the cookie holds a JWE, not the data');

    response = await fetch(`${base}/api/session`, { headers: { cookie: issued.pair } });
    check(JSON.stringify((await response.json()).user) === JSON.stringify(ada), 'GET with the cookie reads the session');

    const withSession = await page(issued.pair);
    check(
      withSession.status === 200 && withSession.html.includes('Hello Ada, visit 3'),
      'the Server Component inside <Suspense> shows the session',
    );
    const anonymous = await page(undefined);
    check(anonymous.status === 200 && anonymous.html.includes('No session'), 'the page without a cookie shows no session');

    const tampered = `user=${issued.value.slice(0, -4)}AAAA`;
    response = await fetch(`${base}/api/session`, { headers: { cookie: tampered } });
    check(response.status === 200 && (await response.json()).user === null, 'a tampered cookie reads as no session');

    response = await fetch(`${base}/api/session`, { method: 'DELETE', headers: { ...json, cookie: issued.pair } });
    const cleared = setCookie(response, 'user');
    check(
      response.status === 200 && cleared?.value === '' && cleared.attributes.includes('max-age=0'),
      'DELETE clears the session (user=; Max-Age=0)',
    );

    const crossSite = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { ...json, origin: 'https://evil.example', cookie: issued.pair },
      body: JSON.stringify(ada),
    });
    await crossSite.arrayBuffer();
    check(crossSite.status === 403, 'a cross-site POST with the cookie is refused (403)');
  } finally {
    stop(server);
    await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.once('close', resolve)));
    const bad = log.split('\n').filter((line) => /error|⨯|unstable value|Date\.now\(\)|warn/i.test(line));
    check(bad.length === 0, `the server log has no error or warning line${bad.length ? `:\n      ${bad.slice(0, 8).join('\n      ')}` : ''}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  workDir = mkdtempSync(path.join(tmpdir(), 'sessions-kit-package-'));
  const tarball = await pack();
  if (!tarball) return;
  const appDir = await installApp(tarball);
  if (!appDir) return;
  await bundleCore(appDir);
  await typecheckNodeNext(appDir);
  if (!(await build(appDir))) return;
  step('next start without a usable secret');
  await refusesToStart(appDir, undefined, 'without SESSION_SECRET');
  await refusesToStart(appDir, 'tooshort', 'with SESSION_SECRET=tooshort');
  await serve(appDir);
}

const budget = setTimeout(() => {
  failures.push(`over the time budget (${TOTAL_BUDGET_MS / 1000}s)`);
  finish();
}, TOTAL_BUDGET_MS);

let finished = false;
function finish() {
  if (finished) return;
  finished = true;
  clearTimeout(budget);
  for (const child of children) stop(child, 'SIGKILL');
  if (workDir && process.env.KEEP_FIXTURE !== '1') rmSync(workDir, { recursive: true, force: true });
  else if (workDir) console.log(`\n[check-package] kept ${workDir}`);
  const seconds = Math.round((Date.now() - started) / 1000);
  const facts = [figures.tarball, figures.browserBundle && `browser bundle ${figures.browserBundle}`, figures.build && `next build ${figures.build}`, `${seconds}s`]
    .filter(Boolean)
    .join('; ');
  if (failures.length === 0) {
    console.log(`\ncheck-package: PASS (${facts})`);
    process.exit(0);
  }
  console.log(`\ncheck-package: FAIL, ${failures.length} problem(s) (${facts}):\n  - ${failures.join('\n  - ')}`);
  process.exit(1);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    failures.push(`interrupted (${signal})`);
    finish();
  });
}

main()
  .catch((error) => failures.push(`crashed: ${error?.stack ?? error}`))
  .finally(finish);
