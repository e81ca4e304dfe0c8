/**
 * The demo's hardening against a production build (issue 11): __Host- cookies in Chromium, the 16 KB
 * body cap, the login Server Action refusing non-FormData arguments without a 500, and wrong-shaped
 * or tossed cookies never causing a 5xx.
 */
import { expect, test } from '@playwright/test';

// Pages load and hydrate slowly on a loaded CI machine; nothing here is timed.
test.describe.configure({ timeout: 90_000 });

test('production cookies carry the __Host- prefix and work in the browser', async ({ page, context }) => {
  // Chromium itself stores the cookie: __Host- needs Secure, which loopback (127.0.0.1) allows over http.
  await page.goto('/');
  const answers = await page.evaluate(async () => {
    const started = await fetch('/api/cookie', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ada' }),
    });
    const counted = await fetch('/api/cookie', { method: 'PATCH' });
    return [await started.json(), await counted.json()];
  });
  expect(answers).toEqual([{ session: { name: 'ada', count: 0 } }, { session: { name: 'ada', count: 1 } }]);
  const cookies = await context.cookies();
  expect(cookies.map((c) => c.name)).toContain('__Host-user_session');
  expect(cookies.map((c) => c.name)).not.toContain('user_session');
  expect(cookies.find((c) => c.name === '__Host-user_session')).toMatchObject({ path: '/', secure: true, httpOnly: true });
});

test('a body over 16 KB is a 413 on every JSON route', async ({ request }) => {
  const data = JSON.stringify({ item: 'x'.repeat(17 * 1024) });
  for (const path of ['/api/cookie', '/api/basket', '/api/header/cart', '/api/auth/login', '/api/ktor']) {
    const response = await request.post(path, { data, headers: { 'content-type': 'application/json' } });
    expect(response.status(), path).toBe(413);
    expect(await response.json()).toEqual({ error: expect.any(String) });
  }
});

test('a 60 MB upload is refused from its Content-Length, not buffered', async ({ request }) => {
  const response = await request.post('/api/basket', {
    data: Buffer.alloc(60 * 1024 * 1024, 0x20),
    headers: { 'content-type': 'application/json' },
  });
  expect(response.status()).toBe(413);
});

test('the login Server Action answers non-FormData arguments without a 500', async ({ page, request }) => {
  // Find the action's id the way an attacker would: from the form's own request.
  await page.goto('/login');
  await page.waitForLoadState('networkidle'); // hydrated: the form posts through the action, not a plain submit
  const submitted = page.waitForRequest((r) => r.method() === 'POST' && r.headers()['next-action'] !== undefined);
  await page.getByLabel('Username').fill('nobody');
  await page.getByLabel('Password').fill('wrong');
  await expect(page.getByLabel('Password')).toHaveValue('wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  const actionId = (await submitted).headers()['next-action'] ?? '';
  expect(actionId).not.toBe('');
  // Well-formed action payloads whose arguments are not FormData (a body Next cannot decode at all never reaches the action).
  for (const body of ['[]', '[{},"username=ada"]', '[null,null]', '[1,{"username":"ada","password":"ada"}]', '{}']) {
    const response = await request.post('/login', {
      headers: { 'next-action': actionId, 'content-type': 'text/plain;charset=UTF-8', accept: 'text/x-component' },
      data: body,
    });
    expect(response.status(), body).toBeLessThan(500);
  }
});

test('tossed and mangled cookies never cause a 5xx', async ({ request }) => {
  const started = await request.post('/api/cookie', { data: { name: 'ada' } });
  const value = /__Host-user_session=([^;]+)/.exec(started.headers()['set-cookie'] ?? '')?.[1] ?? '';
  expect(value).not.toBe('');
  const cookies = [
    `__Host-user_session=garbage; __Host-user_session=${value}`,
    `__Host-user_session=${value}; __Host-user_session=${value}`,
    `__Host-user_session=${value.slice(0, -3)}`,
    `__Host-basket=${'A'.repeat(43)}; __Host-auth=%zz; __Host-ktor_session=00/11:22`,
    `user_session=${value}`,
  ];
  for (const cookie of cookies) {
    for (const [method, path] of [
      ['GET', '/api/cookie'],
      ['PATCH', '/api/cookie'],
      ['GET', '/api/basket'],
      ['GET', '/api/auth/me'],
      ['GET', '/api/ktor'],
      ['GET', '/account'],
    ] as const) {
      const response = await request.fetch(path, { method, headers: { cookie }, maxRedirects: 0 });
      expect(response.status(), `${method} ${path} ${cookie}`).toBeLessThan(500);
    }
  }
});
