import { createHash } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { cookieName, logIn } from './helpers';

/** What the inspector shows for a cookie as the browser stores it: the first 8 hex digits of the decoded value's SHA-256. */
const fingerprint = (value: string) => `${createHash('sha256').update(decodeURIComponent(value)).digest('hex').slice(0, 8)}…`;

test('the inspector decodes the JWE header and masks every session value, by id and by value', async ({ page, context }) => {
  await page.goto('/');
  await page.getByLabel('Your name').fill('ada');
  await page.getByRole('button', { name: 'Start session' }).click();
  await expect(page.getByTestId('count')).toHaveText('0');

  await page.goto('/basket');
  await page.getByLabel('Item').fill('tea');
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByTestId('items')).toHaveText('tea');

  await page.getByRole('link', { name: 'Inspector' }).click();
  const user = page.getByTestId('inspect-user_session');
  // By value: the sealed JWE is a bearer credential too, so only its length and a SHA-256 prefix show.
  const userValue = (await context.cookies()).find((c) => c.name === cookieName('user_session'))?.value as string;
  expect(userValue).toMatch(/^eyJ[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
  await expect(user.getByTestId('fingerprint')).toHaveText(fingerprint(userValue));
  await expect(user.getByTestId('reads')).toContainText('"name": "ada"');
  const header = user.getByTestId('header');
  await expect(header).toContainText('dir');
  await expect(header).toContainText('A256GCM');
  await expect(header.getByTestId('exp').locator('time')).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/);
  // The countdown is live: about 7 days, and it ticks.
  const countdown = header.getByTestId('countdown');
  await expect(countdown).toHaveText(/^in 6d 23h 5\dm \d+s$/);
  const before = await countdown.textContent();
  await expect(countdown).not.toHaveText(before as string, { timeout: 3000 });
  await expect(user.getByTestId('size')).toHaveText(/^\d{3} of 4,096 bytes$/);
  await expect(user.getByTestId('attributes')).toContainText('HttpOnly');
  await expect(user.getByTestId('attributes')).toContainText('SameSite=lax');

  // By id: the id never appears, only its length and a SHA-256 prefix.
  const basketId = (await context.cookies()).find((c) => c.name === cookieName('basket'))?.value as string;
  const basket = page.getByTestId('inspect-basket');
  await expect(basket.getByTestId('fingerprint')).toHaveText(fingerprint(basketId));
  await expect(basket.getByTestId('reads')).toContainText('"tea"');
  const json = await (await page.request.get('/api/inspect')).text();
  for (const value of [basketId, userValue]) {
    expect((await page.locator('main').textContent()) ?? '').not.toContain(value);
    expect(json).not.toContain(value);
  }
});

test('ktor_session can be set from the inspector page, and shows masked', async ({ page, context }) => {
  await page.goto('/inspector');
  const ktor = page.getByTestId('inspect-ktor_session');
  await expect(ktor.getByTestId('sent')).toHaveText('(nothing)');
  await page.getByLabel('Ktor session user id').fill('guest-12345');
  await page.getByRole('button', { name: 'Set ktor_session' }).click();
  await expect(ktor.getByTestId('reads')).toContainText('"userId": "guest-12345"');
  const ktorCookie = (await context.cookies()).find((c) => c.name === cookieName('ktor_session'))?.value ?? '';
  const ktorValue = decodeURIComponent(ktorCookie);
  expect(ktorValue).toMatch(/^[0-9a-f]+\/[0-9a-f]/);
  await expect(ktor.getByTestId('fingerprint')).toHaveText(fingerprint(ktorCookie));
  expect(await (await page.request.get('/api/inspect')).text()).not.toContain(ktorValue);
  await page.getByRole('button', { name: 'Clear it' }).click();
  await expect(ktor.getByTestId('sent')).toHaveText('(nothing)');
});

test('the inspector shows the deadlines the server keeps for a by-id login', async ({ page }) => {
  await logIn(page.request);
  await page.goto('/inspector');
  const auth = page.getByTestId('inspect-auth');
  await expect(auth.getByTestId('reads')).toContainText('"user": "ada"');
  // 30 idle minutes, read from the stored record (the cookie holds only the id).
  const expires = auth.getByTestId('expires');
  await expect(expires).toContainText('from the stored record');
  await expect(expires.getByTestId('countdown')).toHaveText(/^in (29m|30m)/);
  await expect(auth.getByTestId('fingerprint')).toHaveText(/^[0-9a-f]{8}…$/);
});
