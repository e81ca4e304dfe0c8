import { expect, test } from '@playwright/test';

test('log in, see the protected page, log out', async ({ page, context }) => {
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('Wrong username or password.')).toBeVisible();

  await page.getByLabel('Password').fill('ada');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('who')).toContainText('Signed in as ada');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect((await context.cookies()).some((c) => c.name === 'auth')).toBe(false);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login$/);
});

test('login regenerates the id; me is 401 without a session', async ({ request }) => {
  expect((await request.get('/api/auth/me')).status()).toBe(401);
  const first = await request.post('/api/auth/login', { data: { username: 'ada', password: 'ada' } });
  expect(await first.json()).toEqual({ user: 'ada' });
  const firstId = /auth=([^;]+)/.exec(first.headers()['set-cookie'] ?? '')?.[1];
  expect(firstId).toMatch(/^[A-Za-z0-9_-]{43}$/);

  const me = await request.get('/api/auth/me');
  expect(await me.json()).toMatchObject({ user: 'ada' });

  const again = await request.post('/api/auth/login', { data: { username: 'ada', password: 'ada' } });
  const secondId = /auth=([^;]+)/.exec(again.headers()['set-cookie'] ?? '')?.[1];
  expect(secondId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(secondId).not.toBe(firstId);
  const stale = await request.get('/api/auth/me', { headers: { cookie: `auth=${firstId}` } });
  expect(stale.status()).toBe(401);

  await request.post('/api/auth/logout');
  expect((await request.get('/api/auth/me')).status()).toBe(401);
  expect((await request.post('/api/auth/login', { data: { username: 'ada' } })).status()).toBe(400);
});

test('a cross-site POST carrying the session cookie is refused', async ({ request }) => {
  await request.post('/api/cookie', { data: { name: 'ada' } });
  const attack = await request.patch('/api/cookie', { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
  expect(attack.status()).toBe(403);
  const same = await request.patch('/api/cookie', { headers: { 'sec-fetch-site': 'same-origin' } });
  expect(await same.json()).toEqual({ session: { name: 'ada', count: 1 } });
});
