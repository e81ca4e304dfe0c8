// Rewrites relative `.ts`/`.tsx` import specifiers in emitted declaration files to `.js`.
// Why: tsc's rewriteRelativeImportExtensions rewrites the JavaScript it emits but leaves the
// specifiers of .d.ts files as written (`./define.ts`). Under moduleResolution node16/nodenext
// those do not resolve, and the package's types silently become `any` for the app.
// Usage: node scripts/dts-extensions.mjs <dist folder>
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// from './x.ts' | import('./x.ts') | export … from "../y.tsx"
const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.tsx?(['"])/g;

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/dts-extensions.mjs <dist folder>');
  process.exit(2);
}

let files = 0;
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = path.join(entry.parentPath, entry.name);
  const source = readFileSync(file, 'utf8');
  const rewritten = source.replace(RELATIVE_TS, '$1$2.js$3');
  if (rewritten !== source) {
    writeFileSync(file, rewritten);
    files += 1;
  }
}
console.log(`dts-extensions: ${files} declaration files now import .js`);
