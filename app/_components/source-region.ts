/**
 * Reads the code samples shown beside each demo straight from the repository's files, so they
 * cannot drift from what runs. A sample is either a marked region (`// #region name` …
 * `// #endregion`, in files the demo owns) or the lines from an anchor to an end marker.
 */
import 'server-only';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The files samples come from. Each is read through a literal path so that Next's output tracing
 * ships exactly these files with the server (a computed path would make it trace the whole project).
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
  'proxy.ts': () => readFileSync(path.join(process.cwd(), 'proxy.ts'), 'utf8'),
} as const;

export type SourceFile = keyof typeof FILES;

export type SourceSelector =
  | { file: SourceFile; region: string }
  /**
   * From the first line that starts with `from` (ignoring indentation) to the first line from there on that
   * contains `to` (default: that line alone); `comments` also takes the comment lines right above it.
   */
  | { file: SourceFile; from: string; to?: string; comments?: boolean };

export interface SourceExcerpt {
  file: SourceFile;
  startLine: number;
  endLine: number;
  code: string;
}

const cache = new Map<string, SourceExcerpt | null>();

/** The excerpt, or null when the file or region is missing (a trimmed deployment without sources). */
export function readSource(selector: SourceSelector): SourceExcerpt | null {
  const key = JSON.stringify(selector);
  if (!cache.has(key)) cache.set(key, load(selector));
  return cache.get(key) ?? null;
}

function load(selector: SourceSelector): SourceExcerpt | null {
  let text: string;
  try {
    text = FILES[selector.file]();
  } catch {
    return null;
  }
  const lines = text.split('\n');
  let start: number;
  let end: number;
  if ('region' in selector) {
    start = lines.findIndex((l) => l.trim() === `// #region ${selector.region}`) + 1;
    end = lines.findIndex((l, i) => i >= start && l.trim() === '// #endregion') - 1;
    if (start === 0 || end < start) return null;
  } else {
    const { from, to } = selector;
    start = lines.findIndex((l) => l.trimStart().startsWith(from));
    if (start < 0) return null;
    end = to === undefined ? start : lines.findIndex((l, i) => i >= start && l.includes(to));
    if (end < 0) return null;
    while (selector.comments && start > 0 && lines[start - 1]?.trimStart().startsWith('//')) start--;
  }
  const picked = lines.slice(start, end + 1);
  return { file: selector.file, startLine: start + 1, endLine: end + 1, code: dedent(picked).join('\n') };
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut));
}
