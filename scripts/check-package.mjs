#!/usr/bin/env node
// Proof that the packed `sessions-kit` works as a new user gets it (issues 8 and 20):
//  1. `npm pack` (prepack builds): only dist JS + .d.ts, README, LICENSE, package.json; every export target present.
//  2. The core entry bundles for the browser with no Node built-in.
//  3. A fresh Next 16 app in a temporary folder, made of the root README's "Use it in your app" files (see
//     below) over test/package/fixture (only what create-next-app would give, plus the type checks of the
//     entries), with the tarball and only next, react, react-dom, typescript, @types/* (no redis, no swr):
//     types of every entry resolve under nodenext (and bundler, in `next build`); `next build` succeeds
//     WITHOUT SESSION_SECRET; `next start` without a secret, or with a short one, exits at start-up with
//     the message; then, with the `.env.local` the README's command makes: set → get → clear through the
//     Route Handler with real cookies, the Server Component reads the session inside <Suspense>, the
//     protected page answers 307 from proxy.ts when signed out and renders when signed in; the server
//     log has no error line.
//
// The README convention. A line holding only a path in backticks, then a fenced block, is a file of
// the user's app, complete:
//
//     `lib/sessions.ts`
//     ```ts
//     import { cookie, defineSessions, encrypted } from 'sessions-kit';
//     …
//     ```
//
// A block fenced as `sh` (or `bash`, `shell`) is instead the command that makes the file
// (`.env.local`), run in the app folder as pasted. Every such file goes into the app; the ones in
// README_FILES must be there (the checks below use them), the fixture must not hold any of them,
// and every file the package README shows must be the root README's, character for character.
//
// Ends with one line: `check-package: PASS …` or `check-package: FAIL …` (exit code 1).
// Env: PACKAGE_DIR (default lib/sessions-kit), KEEP_FIXTURE=1 keeps the temporary folder.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const PACKAGE_DIR = path.resolve(ROOT, process.env.PACKAGE_DIR ?? 'lib/sessions-kit');
const FIXTURE = path.join(ROOT, 'test/package/fixture');
const README = path.join(ROOT, 'README.md');
const PACKAGE_README = path.join(PACKAGE_DIR, 'README.md');
/** The README files the checks below rely on: a README without one fails by name, before anything runs. */
const README_FILES = [
  '.env.local',
  'lib/sessions.ts',
  'app/api/session/route.ts',
  'app/page.tsx',
  'app/account/page.tsx',
  'proxy.ts',
  'instrumentation.ts',
];
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
// 0. The README's files

/**
 * The files a README shows, in order: `{ file, command, text, line }`; `command` is true for a block
 * fenced as sh (the command that makes `file`). Throws on a block that never closes or a path that
 * leaves the app folder.
 */
function readmeFiles(readmePath) {
  const where = path.relative(ROOT, readmePath);
  const lines = readFileSync(readmePath, 'utf8').split('\n');
  const files = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^`([^`\s]*[./][^`\s]*)`$/.exec(lines[i].trim());
    if (!marker) continue;
    let open = i + 1;
    while (open < lines.length && lines[open].trim() === '') open++;
    const fence = /^(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[open] ?? '');
    if (!fence) continue;
    const close = lines.findIndex((line, j) => j > open && line.trimEnd() === fence[1]);
    if (close < 0) throw new Error(`${where}:${open + 1}: the block for ${marker[1]} never closes`);
    const file = path.posix.normalize(marker[1]);
    if (file.startsWith('../') || path.posix.isAbsolute(file)) throw new Error(`${where}:${i + 1}: ${marker[1]} is outside the app`);
    const command = ['sh', 'shell', 'bash'].includes(fence[2]);
    files.push({ file, command, text: `${lines.slice(open + 1, close).join('\n')}\n`, line: i + 1 });
    i = close;
  }
  return files;
}

/** The root README's files, checked against README_FILES, the fixture and the package README; undefined on any failure. */
function loadReadmeFiles() {
  step('the files of README.md "Use it in your app"');
  const files = readmeFiles(README);
  for (const { file, command, line } of files) console.log(`  README.md:${line} ${file}${command ? ' (a command makes it)' : ''}`);
  const byPath = new Map(files.map((f) => [f.file, f]));
  const unique = check(byPath.size === files.length, 'each file appears once in README.md');
  const missing = README_FILES.filter((f) => !byPath.has(f));
  const complete = check(
    missing.length === 0,
    `README.md shows every file the checks use${missing.length ? `: no \`path\` line above a block for ${missing.join(', ')}` : ''}`,
  );
  const shadowed = files.filter((f) => existsSync(path.join(FIXTURE, f.file))).map((f) => f.file);
  const alone = check(shadowed.length === 0, `the fixture holds none of the README's files${shadowed.length ? `: ${shadowed.join(', ')}` : ''}`);
  const shown = readmeFiles(PACKAGE_README);
  const differ = shown.filter((f) => byPath.get(f.file)?.text !== f.text || byPath.get(f.file)?.command !== f.command);
  const same = check(
    shown.length > 0 && differ.length === 0,
    `the package README's files (${shown.map((f) => f.file).join(', ') || 'none'}) are the root README's${differ.length ? `: ${differ.map((f) => f.file).join(', ')}: not the same` : ''}`,
  );
  return unique && complete && alone && same ? files : undefined;
}

/** Writes the README's files into the app; the commands run later (`runReadmeCommands`). */
function writeReadmeFiles(appDir, files) {
  for (const { file, text } of files.filter((f) => !f.command)) {
    mkdirSync(path.dirname(path.join(appDir, file)), { recursive: true });
    writeFileSync(path.join(appDir, file), text);
  }
}

/** Runs the README's commands in the app, as a user pastes them; `.env.local` must then hold a usable secret. */
async function runReadmeCommands(appDir, files) {
  for (const { file, text } of files.filter((f) => f.command)) {
    step(`the README's command for ${file}`);
    const result = await run('sh', ['-e', '-c', text], { cwd: appDir, env: envWithout('SESSION_SECRET'), echo: false });
    if (!check(result.code === 0 && existsSync(path.join(appDir, file)), `the command makes ${file}`)) console.log(result.output);
  }
  const envLocal = path.join(appDir, '.env.local');
  const secret = existsSync(envLocal) ? /^SESSION_SECRET=(.*)$/m.exec(readFileSync(envLocal, 'utf8'))?.[1] : undefined;
  check((secret?.length ?? 0) >= 32, `.env.local holds a SESSION_SECRET of at least 32 characters (${secret?.length ?? 'none'})`);
}

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

async function installApp(tarball, files) {
  const appDir = path.join(workDir, 'app');
  cpSync(FIXTURE, appDir, { recursive: true });
  writeReadmeFiles(appDir, files);
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
  const manifest = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'));
  const entries = readFileSync(path.join(FIXTURE, 'entries.ts'), 'utf8');
  const specifiers = Object.keys(manifest.exports)
    .filter((key) => key !== './package.json')
    .map((key) => `${manifest.name}${key.slice(1)}`);
  const unchecked = specifiers.filter((specifier) => !entries.includes(`from '${specifier}';`));
  check(unchecked.length === 0, `entries.ts imports every entry${unchecked.length ? `: not ${unchecked.join(', ')}` : ''}`);
  const result = await run('npx', ['tsc', '-p', 'tsconfig.nodenext.json'], { cwd: appDir });
  check(result.code === 0, 'entry types resolve under nodenext (bundler: checked by next build)');
}

async function build(appDir) {
  step('next build WITHOUT SESSION_SECRET');
  const t = Date.now();
  const result = await run('npx', ['next', 'build'], { cwd: appDir, env: envWithout('SESSION_SECRET') });
  figures.build = `${Math.round((Date.now() - t) / 1000)}s`;
  const warnings = result.output.split('\n').filter((line) => /\bwarning\b/i.test(line));
  check(warnings.length === 0, `next build prints no warning${warnings.length ? `:\n      ${warnings.slice(0, 8).join('\n      ')}` : ''}`);
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

/** One request to the app, redirects not followed; `body` is the text of the answer. */
async function request(base, pathname, { method = 'GET', cookie, origin, json } = {}) {
  const headers = {};
  if (cookie) headers.cookie = cookie;
  if (origin) headers.origin = origin;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${pathname}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
    redirect: 'manual',
  });
  return { status: response.status, response, body: await response.text() };
}

const userOf = (answer) => JSON.parse(answer.body).user;

/** The README's Route Handler: set, get, refusals. Resolves with the issued cookie (`user=…`), or undefined. */
async function checkRoute(base) {
  let answer = await request(base, '/api/session');
  check(userOf(answer) === null && !setCookie(answer.response, 'user'), 'GET without a cookie: no session, no Set-Cookie');

  answer = await request(base, '/api/session', { method: 'POST', origin: base, json: { name: '' } });
  check(answer.status === 400 && !setCookie(answer.response, 'user'), 'POST without a name: 400, no Set-Cookie');

  answer = await request(base, '/api/session', { method: 'POST', origin: base, json: { name: 'Ada' } });
  const issued = setCookie(answer.response, 'user');
  if (!check(answer.status === 200 && issued !== undefined, 'POST signs in (Set-Cookie: user=…)')) return undefined;
  check(
    ['httponly', 'samesite=lax', 'path=/', 'secure'].every((a) => issued.attributes.includes(a)),
    `the cookie is HttpOnly, SameSite=Lax, Path=/, Secure (${issued.attributes.join('; ')})`,
  );
  check(issued.value.split('.').length === 5 && !issued.value.includes('Ada'), 'the cookie holds a JWE, not the data');

  answer = await request(base, '/api/session', { cookie: issued.pair });
  const user = userOf(answer);
  check(user?.name === 'Ada' && Number.isInteger(user.signedInAt), 'GET with the cookie reads the session');

  answer = await request(base, '/api/session', { method: 'POST', origin: 'https://evil.example', cookie: issued.pair, json: { name: 'Eve' } });
  check(answer.status === 403, 'a cross-site POST with the cookie is refused (403)');
  return issued;
}

/** The README's pages: the Server Component read and the page behind proxy.ts. */
async function checkPages(base, issued) {
  const tampered = `user=${issued.value.slice(0, -4)}AAAA`;
  const signedIn = /Signed in as (<!-- -->)?Ada/;

  let answer = await request(base, '/', { cookie: issued.pair });
  check(answer.status === 200 && answer.body.includes('Hello, Ada'), 'the Server Component inside <Suspense> shows the session');
  answer = await request(base, '/');
  check(answer.status === 200 && answer.body.includes('Not signed in'), 'the page without a cookie shows no session');

  answer = await request(base, '/account');
  const location = answer.response.headers.get('location');
  check(
    answer.status === 307 && location !== null && new URL(location, base).pathname === '/',
    `signed out, /account answers 307 to / from proxy.ts (${answer.status} ${location ?? 'no Location'})`,
  );
  answer = await request(base, '/account', { cookie: issued.pair });
  check(answer.status === 200 && signedIn.test(answer.body), 'signed in, /account renders the session');
  answer = await request(base, '/account', { cookie: tampered });
  check(
    answer.status === 200 && !signedIn.test(answer.body) && answer.body.includes('NEXT_REDIRECT'),
    'with a tampered cookie, /account redirects in the stream (sessions.require inside <Suspense>)',
  );

  answer = await request(base, '/api/session', { cookie: tampered });
  check(answer.status === 200 && userOf(answer) === null, 'a tampered cookie reads as no session');
}

async function checkSignOut(base, issued) {
  const answer = await request(base, '/api/session', { method: 'DELETE', origin: base, cookie: issued.pair });
  const cleared = setCookie(answer.response, 'user');
  check(
    answer.status === 200 && cleared?.value === '' && cleared.attributes.includes('max-age=0'),
    'DELETE clears the session (user=; Max-Age=0)',
  );
}

/** `next start` with no SESSION_SECRET in its environment: the secret comes from the README's `.env.local`. */
async function serve(appDir) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  step(`next start with .env.local on ${base}`);
  const server = spawn('npx', ['next', 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: appDir,
    env: envWithout('SESSION_SECRET'),
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
    const issued = await checkRoute(base);
    if (!issued) return;
    await checkPages(base, issued);
    await checkSignOut(base, issued);
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
  const files = loadReadmeFiles();
  if (!files) return;
  const tarball = await pack();
  if (!tarball) return;
  const appDir = await installApp(tarball, files);
  if (!appDir) return;
  await bundleCore(appDir);
  await typecheckNodeNext(appDir);
  if (!(await build(appDir))) return;
  step('next start without a usable secret');
  await refusesToStart(appDir, undefined, 'without SESSION_SECRET');
  await refusesToStart(appDir, 'tooshort', 'with SESSION_SECRET=tooshort');
  await runReadmeCommands(appDir, files);
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
