/**
 * A storage outage against a production build (issue 11, item 5): this spec starts its own
 * `next start` whose login store cannot work (its directory is a file), so the rest of the suite is
 * unaffected. Pages show "temporarily unavailable, try again" (a guarded page with a 503 from
 * proxy.ts), APIs answer 503 with Retry-After and keep the cookie, and the server logs one line per
 * outage without the id.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';

const ID = 'A'.repeat(43);
let server: ChildProcess | undefined;
let base = '';
let output = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

test.describe.configure({ mode: 'serial', timeout: 120_000 });

test.beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sessions-outage-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'accounts'), 'not a directory'); // every login-store call fails (ENOTDIR)
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Next's own CLI under this Node, in its own process group, so afterAll can stop all of it.
  const nextBin = path.join(process.cwd(), 'node_modules/next/dist/bin/next');
  server = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    detached: true,
    env: {
      ...process.env,
      SESSION_SECRET: process.env.SESSION_SECRET ?? 'e2e-only-secret-0123456789abcdefghijklmnop',
      SESSIONS_DIR: dir,
      REDIS_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  server.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const up = await fetch(`${base}/api/cookie`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`next start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

test.afterAll(async () => {
  if (server?.pid) process.kill(-server.pid, 'SIGTERM');
});

test('a page during an outage says "temporarily unavailable, try again", not Next’s generic error', async ({ page }) => {
  await page.setExtraHTTPHeaders({ cookie: `__Host-auth=${ID}` });
  await page.goto(`${base}/account`);
  const outage = page.getByTestId('storage-outage');
  await expect(outage).toBeVisible();
  await expect(outage).toContainText(/temporarily unavailable/i);
  await expect(outage.getByRole('button', { name: 'Try again' })).toBeVisible();
});

test('a guarded page during an outage answers 503 with Retry-After and the outage view, not a 500', async ({ request }) => {
  for (const method of ['GET', 'HEAD']) {
    const response = await request.fetch(`${base}/account`, { method, headers: { cookie: `__Host-auth=${ID}` }, maxRedirects: 0 });
    expect(response.status(), method).toBe(503);
    expect(response.headers()['retry-after'], method).toBeTruthy();
    expect(response.headers()['set-cookie'], method).toBeUndefined();
    if (method === 'GET') expect(await response.text()).toContain('data-testid="storage-outage"');
  }
});

test('the API answers 503 with Retry-After and keeps the cookie; the log line names no id', async ({ request }) => {
  const response = await request.get(`${base}/api/auth/me`, { headers: { cookie: `__Host-auth=${ID}` } });
  expect(response.status()).toBe(503);
  expect(response.headers()['retry-after']).toBeTruthy();
  expect(response.headers()['set-cookie']).toBeUndefined();
  await expect.poll(() => output).toMatch(/\[sessions-kit\] storage of session "auth" is unavailable \(read failed: ENOTDIR\)/);
  expect(output).not.toContain(ID);
  // Anonymous data lives in its own store, which still works.
  const basket = await request.post(`${base}/api/basket`, { data: { item: 'tea' } });
  expect(await basket.json()).toEqual({ items: ['tea'] });
});
