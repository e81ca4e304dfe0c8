import { expect, test } from '@playwright/test';
import { cookieName, logIn } from './helpers';

const AUTH = cookieName('auth');

test('log in, see the protected page, log out', async ({ page, context }) => {
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);

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
  expect((await context.cookies()).some((c) => c.name === AUTH)).toBe(false);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=/);
});

test('the login page tells a signed-in user so, with a way out', async ({ page, context }) => {
  await logIn(page.request);
  await page.goto('/login');
  const already = page.getByTestId('already');
  await expect(already).toContainText('already signed in as ada');
  await expect(page.getByLabel('Username')).toHaveCount(0);
  await already.getByRole('link', { name: 'Continue to your account' }).click();
  await expect(page).toHaveURL(/\/account$/);

  await page.goto('/login');
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByLabel('Username')).toBeVisible();
  expect((await context.cookies()).some((c) => c.name === AUTH)).toBe(false);
});

test('login regenerates the id; me is 401 without a session', async ({ request }) => {
  const idOf = (setCookie: string | undefined) => new RegExp(`${AUTH}=([^;]+)`).exec(setCookie ?? '')?.[1];
  expect((await request.get('/api/auth/me')).status()).toBe(401);
  const first = await request.post('/api/auth/login', { data: { username: 'ada', password: 'ada' } });
  expect(await first.json()).toEqual({ user: 'ada' });
  const firstId = idOf(first.headers()['set-cookie']);
  expect(firstId).toMatch(/^[A-Za-z0-9_-]{43}$/);

  const me = await request.get('/api/auth/me');
  expect(await me.json()).toMatchObject({ user: 'ada' });

  const again = await request.post('/api/auth/login', { data: { username: 'ada', password: 'ada' } });
  const secondId = idOf(again.headers()['set-cookie']);
  expect(secondId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(secondId).not.toBe(firstId);
  const stale = await request.get('/api/auth/me', { headers: { cookie: `${AUTH}=${firstId}` } });
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
