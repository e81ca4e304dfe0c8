import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./lib/sessions-kit/src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: '@', replacement: fileURLToPath(new URL('.', import.meta.url)) },
      // The demo imports the package by name; tests run its sources, as the app does (tsconfig paths).
      { find: /^sessions-kit$/, replacement: src('index.ts') },
      { find: /^sessions-kit\/(redis|postgres|directory|ktor|client|testing)$/, replacement: src('$1.ts') },
      { find: /^sessions-kit\/swr$/, replacement: src('swr.tsx') },
      // `server-only` throws outside a React Server environment; unit tests run the server code directly.
      { find: 'server-only', replacement: fileURLToPath(new URL('./lib/testing/server-only-stub.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['lib/**/*.test.ts', 'app/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'lib/sessions-kit/dist/**'],
    environment: 'node',
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
