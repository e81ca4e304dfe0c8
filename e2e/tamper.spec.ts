import { expect, test } from '@playwright/test';
import { cookieName, logIn } from './helpers';

// Editing cookies in the browser itself (devtools, an extension): every edit reads as "no session",
// the pages keep working, and a fresh session can start.
test('a cookie tampered with in the browser reads as logged out and the page still works', async ({ page, context }) => {
  await logIn(page.request);
  await page.goto('/');
  await page.getByLabel('Your name').fill('ada');
  await page.getByRole('button', { name: 'Start session' }).click();
  await expect(page.getByTestId('count')).toHaveText('0');

  const cookies = await context.cookies();
  const flip = (value: string) => `${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`;
  await context.clearCookies();
  await context.addCookies(
    cookies.map((c) => (c.name === cookieName('user_session') || c.name === cookieName('auth') ? { ...c, value: flip(c.value) } : c)),
  );

  await page.reload();
  await expect(page.getByLabel('Your name')).toBeVisible(); // the counter reads as no session
  await expect(page.getByTestId('signed-in')).toHaveText('Not signed in');
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByLabel('Username')).toBeVisible();

  // And the app recovers: a new session starts over the bad cookie.
  await page.goto('/');
  await page.getByLabel('Your name').fill('grace');
  await page.getByRole('button', { name: 'Start session' }).click();
  await expect(page.getByTestId('greeting')).toContainText('grace');
});
