/**
 * docs/reference.md names every export of every entry, and nothing else, under that entry's section.
 *
 * Entries come from the `exports` of package.json. Values are what importing the entry's source gives;
 * types are the rest of what the TypeScript checker says the entry exports. In the reference each entry
 * is a `## \`sessions-kit/…\`` section and each export a `### \`name\`` heading followed by its signature
 * in a ```ts block.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
const referencePath = fileURLToPath(new URL('../../../docs/reference.md', import.meta.url));

interface Entry {
  /** The import specifier, e.g. `sessions-kit/redis`. */
  specifier: string;
  /** The source file the entry is built from. */
  file: string;
}

/** `./redis` → src/redis.ts (or .tsx), from the `types` path `./dist/redis.d.ts`. */
function entries(): Entry[] {
  return Object.entries(packageJson.exports)
    .filter((pair): pair is [string, { types: string; default: string }] => typeof pair[1] === 'object')
    .map(([subpath, target]) => {
      const base = /^\.\/dist\/(.+)\.d\.ts$/.exec(target.types)?.[1];
      if (!base) throw new Error(`Unexpected types path for ${subpath}: ${target.types}`);
      const file = ['.ts', '.tsx'].map((ext) => `${srcDir}${base}${ext}`).find((path) => ts.sys.fileExists(path));
      if (!file) throw new Error(`No source file for ${subpath} (src/${base}.ts or .tsx)`);
      return { specifier: subpath === '.' ? packageJson.name : `${packageJson.name}${subpath.slice(1)}`, file };
    });
}

/** Every name the entry exports, values and types, as the TypeScript checker resolves them. */
function typeCheckerExports(files: string[]): Map<string, string[]> {
  const program = ts.createProgram(files, {
    allowImportingTsExtensions: true,
    noEmit: true,
    jsx: ts.JsxEmit.ReactJSX,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    strict: true,
  });
  const checker = program.getTypeChecker();
  const result = new Map<string, string[]>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`TypeScript found no module in ${file}`);
    result.set(file, checker.getExportsOfModule(module).map((symbol) => symbol.getName()));
  }
  return result;
}

interface Heading {
  name: string;
  line: number;
  /** The text up to the next heading. */
  body: string;
}

/** The `### \`name\`` headings of each `## \`sessions-kit…\`` section; any other `###` there is reported as is. */
function referenceSections(markdown: string): Map<string, Heading[]> {
  const sections = new Map<string, Heading[]>();
  let current: Heading[] | undefined;
  let heading: Heading | undefined;
  let fence = false;
  markdown.split('\n').forEach((text, index) => {
    if (text.startsWith('```')) fence = !fence;
    if (fence || !/^#{1,3} /.test(text)) {
      if (heading) heading.body += `${text}\n`;
      return;
    }
    heading = undefined;
    if (/^#{1,2} /.test(text)) {
      const entry = /^## `(sessions-kit(?:\/[\w-]+)?)`$/.exec(text)?.[1];
      current = entry === undefined ? undefined : [];
      if (entry !== undefined) sections.set(entry, current as Heading[]);
      return;
    }
    if (current) {
      heading = { name: /^### `(\w+)`$/.exec(text)?.[1] ?? text, line: index + 1, body: '' };
      current.push(heading);
    }
  });
  return sections;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const all = entries();
let declared: Map<string, string[]>;
let sections: Map<string, Heading[]>;

beforeAll(() => {
  declared = typeCheckerExports(all.map((entry) => entry.file));
  sections = referenceSections(readFileSync(referencePath, 'utf8'));
}, 60_000);

describe('docs/reference.md', () => {
  it('has one section per package entry and none for anything else', () => {
    expect([...sections.keys()].sort()).toEqual(all.map((entry) => entry.specifier).sort());
  });

  it.each(all)('names every export of $specifier, and only those', async ({ specifier, file }) => {
    const values = Object.keys(await import(file));
    const exported = declared.get(file) ?? [];
    // What the import gives is what the checker sees too: the two lists agree on values.
    expect(values.filter((name) => !exported.includes(name))).toEqual([]);
    expect(exported.length).toBeGreaterThan(0);

    const headings = sections.get(specifier) ?? [];
    const named = headings.map((heading) => heading.name);
    const missing = exported.filter((name) => !named.includes(name)).sort();
    const unknown = headings.filter((heading) => !exported.includes(heading.name)).map((h) => `line ${h.line}: ${h.name}`);
    const repeated = named.filter((name, i) => named.indexOf(name) !== i);
    expect({ missing, unknown, repeated }, `${specifier}: exports missing from the reference, headings that name no export`).toEqual({
      missing: [],
      unknown: [],
      repeated: [],
    });
  });

  it.each(all)('gives each export of $specifier its signature in a ts block', ({ specifier }) => {
    const unsigned = (sections.get(specifier) ?? [])
      .filter((heading) => !new RegExp(`\`\`\`ts\\n[^]*?\\b${escapeRegExp(heading.name)}\\b[^]*?\`\`\``).test(heading.body))
      .map((heading) => heading.name);
    expect(unsigned).toEqual([]);
  });
});
