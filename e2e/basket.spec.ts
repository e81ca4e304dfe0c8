import { expect, test } from '@playwright/test';
import { cookieName } from './helpers';

const BASKET = cookieName('basket');

test('the basket lives on the server behind an id cookie', async ({ page, context, request }) => {
  await page.goto('/basket');
  await expect(page.getByTestId('empty')).toBeVisible();
  for (const item of ['tea', 'scones']) {
    await page.getByLabel('Item').fill(item);
    await page.getByRole('button', { name: 'Add' }).click();
    await expect(page.getByTestId('items')).toContainText(item);
  }
  await expect(page.getByTestId('items')).toHaveText(/tea\s*scones/);

  const cookie = (await context.cookies()).find((c) => c.name === BASKET);
  expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(cookie?.httpOnly).toBe(true);

  await page.reload();
  await expect(page.getByTestId('items')).toHaveText(/tea\s*scones/);

  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByTestId('empty')).toBeVisible();
  expect((await context.cookies()).some((c) => c.name === BASKET)).toBe(false);

  // The old id is dead on the server, not just forgotten by the browser.
  const replay = await request.get('/api/basket', { headers: { cookie: `${BASKET}=${cookie?.value}` } });
  expect(await replay.json()).toEqual({ items: [] });
  expect(replay.headers()['set-cookie']).toMatch(new RegExp(`^${BASKET}=; Max-Age=0`));
});

test('basket over plain HTTP, with hostile ids', async ({ request }) => {
  const added = await request.post('/api/basket', { data: { item: 'tea' } });
  expect(await added.json()).toEqual({ items: ['tea'] });
  const id = new RegExp(`${BASKET}=([^;]+)`).exec(added.headers()['set-cookie'] ?? '')?.[1];
  expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);

  const more = await request.post('/api/basket', { data: { item: 'jam' }, headers: { cookie: `${BASKET}=${id}` } });
  expect(await more.json()).toEqual({ items: ['tea', 'jam'] });
  // The id is kept when the data changes.
  expect(more.headers()['set-cookie']).toContain(`${BASKET}=${id}`);

  for (const hostile of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f', 'x'.repeat(5000), `${id}x`]) {
    const response = await request.get('/api/basket', { headers: { cookie: `${BASKET}=${hostile}` } });
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual({ items: [] });
  }
  expect((await request.post('/api/basket', { data: { nope: 1 } })).status()).toBe(400);
});
