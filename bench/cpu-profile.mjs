/**
 * Reading V8 CPU profiles (node --cpu-prof) of `next start`: the samples inside a window, which
 * part of the stack each belongs to (through the build's source maps), and CPU µs per request by
 * part. Used by bench/run.mjs and bench/profile-http.mjs; as a command, it prints that table for
 * the windows a run wrote next to its profiles (`npm run test:load -- --cpu-prof DIR`):
 *
 *   node bench/cpu-profile.mjs DIR     (DIR holds *.cpuprofile and windows.json)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Walks the samples of V8 CPU profiles (node --cpu-prof) that fall inside a window of
 * process.hrtime microseconds (profile timestamps share that clock), calling `visit(callFrame,
 * micros)` for each. DevTools convention: the interval after a sample belongs to that sample.
 */
export function forEachSample(profiles, window, visit) {
  for (const p of profiles) {
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    let at = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      at += p.timeDeltas[i] ?? 0;
      if (at < window.startUs || at > window.endUs) continue;
      const node = nodes.get(p.samples[i]);
      if (node) visit(node.callFrame, p.timeDeltas[i + 1] ?? 0);
    }
  }
}

const maps = new Map();
/** The original source of a bundled position, through the chunk's .map (cached per chunk). */
function original(url, line, column) {
  if (!url.startsWith('file://')) return undefined;
  const file = fileURLToPath(url);
  if (!maps.has(file)) maps.set(file, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) : null);
  const entry = maps.get(file)?.findEntry(line, column);
  return entry?.originalSource;
}

/** The coarse group of a sample's frame (tried in this order), or null for idle time. */
export function attribute(frame) {
  const { functionName, url, lineNumber, columnNumber } = frame;
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(idle)' || functionName === '(program)') return null;
  const source = original(url, lineNumber, columnNumber) ?? url;
  if (/sessions-kit\/src\//.test(source)) return 'sessions-kit (our code)';
  if (/lib\/demo\/|bench\/fixture|\]\/app\//.test(source)) return 'the routes and the demo definitions';
  if (source.startsWith('node:internal/crypto')) return 'node:crypto (JS side)';
  if (/undici|abort_controller|node:internal\/webstreams|node:internal\/event_target/.test(source)) return 'Web Request/Response/Headers/streams (undici)';
  if (/node_modules\/next\/|webpack:\/\/next\//.test(source) || /node_modules\/next\//.test(url)) return 'Next.js';
  if (/node_modules\/((@|%40)redis|redis|pg|pg-[a-z]+|zod|cluster-key-slot)\//.test(source)) return 'other packages (redis, pg, zod)';
  if (/\.next\/server\//.test(url)) return 'Next.js';
  if (source.startsWith('node:')) return 'Node (http, net, timers, …)';
  return 'native / other';
}

/**
 * CPU µs per request by group, per window: `windows` is { name: { startUs, endUs, requests } }
 * and `dir` holds the profiles (every *.cpuprofile in it).
 */
export function cpuPerRequest(dir, windows) {
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
  const perWindow = {};
  for (const [name, window] of Object.entries(windows)) {
    const totals = new Map();
    forEachSample(profiles, window, (frame, micros) => {
      const group = attribute(frame);
      if (group) totals.set(group, (totals.get(group) ?? 0) + micros);
    });
    perWindow[name] = Object.fromEntries([...totals].map(([group, us]) => [group, us / window.requests]));
  }
  return perWindow;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? '');
  const windows = JSON.parse(readFileSync(join(dir, 'windows.json'), 'utf8'));
  const perWindow = cpuPerRequest(dir, windows);
  const names = Object.keys(perWindow);
  const groups = [...new Set(names.flatMap((n) => Object.keys(perWindow[n])))];
  const total = (n) => Object.values(perWindow[n]).reduce((a, b) => a + b, 0);
  const cell = (n, g) => `${(perWindow[n][g] ?? 0).toFixed(1)} (${Math.round(((perWindow[n][g] ?? 0) / total(n)) * 100)} %)`;
  console.log(['CPU µs per request (main thread, busy time):', '', `| where | ${names.join(' | ')} |`, `|---|${names.map(() => '---:|').join('')}`]
    .concat(groups.sort((a, b) => (perWindow[names[0]][b] ?? 0) - (perWindow[names[0]][a] ?? 0)).map((g) => `| ${g} | ${names.map((n) => cell(n, g)).join(' | ')} |`))
    .concat([`| **total** | ${names.map((n) => total(n).toFixed(1)).join(' | ')} |`, '', `Requests: ${names.map((n) => `${n} ${windows[n].requests}`).join(', ')}.`])
    .join('\n'));
}
