import { expect, test } from '@playwright/test';
import { cookieName } from './helpers';

const USER = cookieName('user_session');

test('start a session, count, survive a reload, end it', async ({ page, context }) => {
  await page.goto('/');
  await page.getByLabel('Your name').fill('ada');
  await page.getByRole('button', { name: 'Start session' }).click();
  await expect(page.getByTestId('greeting')).toContainText('Hello, ada');
  await expect(page.getByTestId('count')).toHaveText('0');

  await page.getByRole('button', { name: 'Count a visit' }).click();
  await expect(page.getByTestId('count')).toHaveText('1');
  await page.getByRole('button', { name: 'Count a visit' }).click();
  await expect(page.getByTestId('count')).toHaveText('2');

  // The cookie is an opaque, HttpOnly JWE: the browser holds nothing readable.
  const [cookie] = (await context.cookies()).filter((c) => c.name === USER);
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Lax');
  expect(cookie?.value.split('.')).toHaveLength(5);
  expect(cookie?.value).not.toContain('ada');

  await page.reload();
  await expect(page.getByTestId('count')).toHaveText('2');

  await page.getByRole('button', { name: 'End counter session' }).click();
  await expect(page.getByLabel('Your name')).toBeVisible();
  expect((await context.cookies()).some((c) => c.name === USER)).toBe(false);
  await page.reload();
  await expect(page.getByLabel('Your name')).toBeVisible();
});

test('the API answers as documented', async ({ request }) => {
  const empty = await request.get('/api/cookie');
  expect(await empty.json()).toEqual({ session: null });
  expect((await request.patch('/api/cookie')).status()).toBe(401);
  const bad = await request.post('/api/cookie', { data: 'not json', headers: { 'content-type': 'application/json' } });
  expect(bad.status()).toBe(400);
  expect(await bad.json()).toHaveProperty('error');
  const missing = await request.post('/api/cookie', { data: {} });
  expect(missing.status()).toBe(400);

  const started = await request.post('/api/cookie', { data: { name: 'grace' } });
  expect(await started.json()).toEqual({ session: { name: 'grace', count: 0 } });
  expect(started.headers()['cache-control']).toBe('private, no-store');
  expect(await (await request.patch('/api/cookie')).json()).toEqual({ session: { name: 'grace', count: 1 } });
  expect(await (await request.delete('/api/cookie')).json()).toEqual({ session: null });
  expect(await (await request.get('/api/cookie')).json()).toEqual({ session: null });
});

test('a tampered cookie reads as no session and is cleared', async ({ request, baseURL }) => {
  const response = await request.get('/api/cookie', { headers: { cookie: `${USER}=INVALID` } });
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ session: null });
  expect(response.headers()['set-cookie']).toMatch(new RegExp(`^${USER}=; Max-Age=0`));
  expect(baseURL).toContain('127.0.0.1');
});
