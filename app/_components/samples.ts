/**
 * The code shown beside each demo, read from the running files when the page renders, so it
 * cannot drift from what runs. A sample starts at the first line that begins with `from` (after
 * its indentation), with the comment lines right above it, and ends at the first line from there
 * that begins with `to` and is indented no deeper (without `to`: the start line alone). A file
 * whose first line is 'use client' runs in the browser. A sample that is not found throws, so the
 * page fails (and the e2e tests with it) instead of showing the wrong code.
 */
import 'server-only';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Each file is read through a literal path so that Next's output tracing ships exactly these files
 * with the server (a computed path would make it trace the whole project).
 */
const FILES = {
  'lib/demo/sessions.ts': () => readFileSync(path.join(process.cwd(), 'lib/demo/sessions.ts'), 'utf8'),
  'lib/demo/cart.ts': () => readFileSync(path.join(process.cwd(), 'lib/demo/cart.ts'), 'utf8'),
  'lib/demo/inspect.ts': () => readFileSync(path.join(process.cwd(), 'lib/demo/inspect.ts'), 'utf8'),
  'app/api/cookie/route.ts': () => readFileSync(path.join(process.cwd(), 'app/api/cookie/route.ts'), 'utf8'),
  'app/api/inspect/route.ts': () => readFileSync(path.join(process.cwd(), 'app/api/inspect/route.ts'), 'utf8'),
  'app/_components/counter.tsx': () => readFileSync(path.join(process.cwd(), 'app/_components/counter.tsx'), 'utf8'),
  'app/_components/theme-actions.ts': () => readFileSync(path.join(process.cwd(), 'app/_components/theme-actions.ts'), 'utf8'),
  'app/_components/theme.ts': () => readFileSync(path.join(process.cwd(), 'app/_components/theme.ts'), 'utf8'),
  'app/_components/header-api.ts': () => readFileSync(path.join(process.cwd(), 'app/_components/header-api.ts'), 'utf8'),
  'app/cart/cart-view.tsx': () => readFileSync(path.join(process.cwd(), 'app/cart/cart-view.tsx'), 'utf8'),
  'app/basket/basket-view.tsx': () => readFileSync(path.join(process.cwd(), 'app/basket/basket-view.tsx'), 'utf8'),
  'app/login/actions.ts': () => readFileSync(path.join(process.cwd(), 'app/login/actions.ts'), 'utf8'),
  'app/account/page.tsx': () => readFileSync(path.join(process.cwd(), 'app/account/page.tsx'), 'utf8'),
  'app/account/actions.ts': () => readFileSync(path.join(process.cwd(), 'app/account/actions.ts'), 'utf8'),
  'proxy.ts': () => readFileSync(path.join(process.cwd(), 'proxy.ts'), 'utf8'),
} as const;

export interface Sample {
  file: keyof typeof FILES;
  from: string;
  to?: string;
}

const indent = (line: string) => line.length - line.trimStart().length;
const isComment = (line = '') => /^\s*(\/\/|\/\*|\*)/.test(line);

export function readSample({ file, from, to = from }: Sample) {
  const lines = FILES[file]().split('\n');
  let start = lines.findIndex((l) => l.trimStart().startsWith(from));
  const depth = indent(lines[start] ?? '');
  const end = lines.findIndex((l, i) => start >= 0 && i >= start && l.trimStart().startsWith(to) && indent(l) <= depth);
  if (end < 0) throw new Error(`Code sample: no lines from "${from}" to "${to}" in ${file}.`);
  while (isComment(lines[start - 1])) start--;
  const picked = lines.slice(start, end + 1);
  const cut = Math.min(...picked.filter((l) => l.trim()).map(indent));
  return {
    side: /^['"]use client['"]/.test(lines[0] ?? '') ? 'Client' : 'Server',
    lines: start === end ? `${start + 1}` : `${start + 1}–${end + 1}`,
    code: picked.map((l) => l.slice(cut)).join('\n'),
  };
}

/** One session's definition in lib/demo/sessions.ts. */
const definition = (name: string): Sample => ({ file: 'lib/demo/sessions.ts', from: `${name}: `, to: '}),' });

export const SAMPLES = {
  counter: [
    definition('user_session'),
    { file: 'app/api/cookie/route.ts', from: 'export const PATCH', to: '});' },
    { file: 'app/_components/counter.tsx', from: 'const run = ', to: 'const end = ' },
  ],
  theme: [
    definition('prefs'),
    { file: 'app/_components/theme-actions.ts', from: 'export async function setTheme', to: '}' },
    { file: 'app/_components/theme.ts', from: 'export async function currentTheme', to: '}' },
  ],
  cart: [
    definition('cart_session'),
    { file: 'app/_components/header-api.ts', from: 'export const headerApi' },
    { file: 'app/cart/cart-view.tsx', from: 'return (', to: ');' },
  ],
  basket: [
    definition('basket'),
    { file: 'lib/demo/cart.ts', from: 'POST: sessions.handler(', to: '}),' },
    { file: 'app/basket/basket-view.tsx', from: 'return (', to: ');' },
  ],
  login: [definition('auth'), { file: 'app/login/actions.ts', from: 'const session = await sessions.current();', to: 'redirect(' }],
  account: [
    definition('auth'),
    { file: 'app/account/page.tsx', from: 'const auth = await sessions.require(', to: 'const devices = ' },
    { file: 'app/account/actions.ts', from: 'export async function signOutDevice', to: '}' },
    { file: 'proxy.ts', from: 'const GUARDED', to: '}' },
  ],
  inspector: [
    { file: 'app/api/inspect/route.ts', from: 'export const GET' },
    { file: 'lib/demo/inspect.ts', from: 'export async function inspectSessions(', to: '}' },
    { file: 'lib/demo/inspect.ts', from: 'function mask(', to: '}' },
  ],
} satisfies Record<string, Sample[]>;
