import { expect, test } from '@playwright/test';

test('the header cart is carried by the fetch wrapper, not a cookie', async ({ page, context }) => {
  await page.goto('/cart');
  await expect(page.getByTestId('empty')).toBeVisible();
  await page.getByLabel('Item').fill('tea');
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByTestId('items')).toHaveText('tea');
  await page.getByLabel('Item').fill('milk');
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByTestId('items')).toHaveText(/tea\s*milk/);

  const held = await page.evaluate(() => sessionStorage.getItem('session-header:X-Cart-Session'));
  expect(held?.split('.')).toHaveLength(3); // a signed id (JWS)
  expect((await context.cookies()).length).toBe(0);

  await page.reload();
  await expect(page.getByTestId('items')).toHaveText(/tea\s*milk/);

  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByTestId('empty')).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('session-header:X-Cart-Session'))).toBeNull();
});

test('header cart over plain HTTP: set, get, clear, and the old id is dead', async ({ request }) => {
  const first = await request.post('/api/header/cart', { data: { item: 'tea' } });
  expect(await first.json()).toEqual({ items: ['tea'] });
  const token = first.headers()['x-cart-session'];
  expect(token).toBeTruthy();
  expect(first.headers()['access-control-expose-headers']).toContain('X-Cart-Session');

  const read = await request.get('/api/header/cart', { headers: { 'X-Cart-Session': token as string } });
  expect(await read.json()).toEqual({ items: ['tea'] });
  expect(read.headers()['x-cart-session']).toBeUndefined();

  const cleared = await request.delete('/api/header/cart', { headers: { 'X-Cart-Session': token as string } });
  expect(await cleared.json()).toEqual({ items: [] });
  expect(cleared.headers()['x-cart-session']).toBe('');

  const replay = await request.get('/api/header/cart', { headers: { 'X-Cart-Session': token as string } });
  expect(await replay.json()).toEqual({ items: [] });

  const forged = await request.get('/api/header/cart', { headers: { 'X-Cart-Session': `${token}x` } });
  expect(await forged.json()).toEqual({ items: [] });
});
