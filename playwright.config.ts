import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3100);
/** E2E_BASE_URL runs the suite against a server you started yourself (no build, no webServer). */
const external = process.env.E2E_BASE_URL;
const baseURL = external ?? `http://127.0.0.1:${port}`;

/** Debian's Chromium when present (CHROMIUM_PATH first), else Playwright's own browser. */
function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

export default defineConfig({
  testDir: 'e2e',
  timeout: 30_000,
  expect: { timeout: 7_000 },
  fullyParallel: true,
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    baseURL,
    browserName: 'chromium',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: external
    ? undefined
    : {
        // A production build (scripts/e2e.mjs runs `next build` first), on loopback only.
        command: `npx next start -p ${port} -H 127.0.0.1`,
        url: `${baseURL}/api/cookie`,
        reuseExistingServer: false,
        timeout: 60_000,
        stdout: 'pipe',
        stderr: 'pipe',
        env: {
          SESSION_SECRET: process.env.SESSION_SECRET ?? 'e2e-only-secret-0123456789abcdefghijklmnop',
          SESSIONS_DIR: process.env.SESSIONS_DIR ?? '.sessions/e2e',
          // Ktor's own test-vector keys, so e2e/ktor.spec.ts can send a cookie Ktor itself produced.
          KTOR_ENCRYPT_KEY: '00112233445566778899aabbccddeeff',
          KTOR_SIGN_KEY: '02030405060708090a0b0c',
          ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
        },
      },
});
