import { expect, test } from '@playwright/test';
import { cookieName, logIn } from './helpers';

test('proxy.ts sends /account to the login page, and the login returns there', async ({ page, request }) => {
  // The redirect comes from proxy.ts, before any page renders: a bare 307 to /login?next=.
  const bare = await request.get('/account', { maxRedirects: 0 });
  expect(bare.status()).toBe(307);
  expect(bare.headers().location).toBe('/login?next=%2Faccount');

  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill('ada');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('who')).toContainText('Signed in as ada');
});

test('the return path must be local: another origin falls back to /account', async ({ page }) => {
  test.slow(); // three full logins
  for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Password').fill('ada');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/account$/);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/login$/);
  }
});

test('a forged auth cookie passes the optimistic proxy check but not sessions.require', async ({ request }) => {
  const forged = await request.get('/account', { maxRedirects: 0, headers: { cookie: `${cookieName('auth')}=${'A'.repeat(43)}` } });
  expect(forged.status()).toBe(307);
  expect(forged.headers().location).toBe('/login?next=/account');

  await logIn(request);
  const real = await request.get('/account', { maxRedirects: 0 });
  expect(real.status()).toBe(200);
  expect(await real.text()).toContain('Signed in as');
});
