import { type Browser, expect, test } from '@playwright/test';
import { signIn } from './mint';

/** An owner no other test signs in as, so parallel tests never see or end these sessions. */
const someone = () => `grace-${test.info().workerIndex}-${Date.now()}`;

async function device(browser: Browser, baseURL: string | undefined, user: string, label: string) {
  const context = await browser.newContext();
  await signIn(context, baseURL, user, label);
  const page = await context.newPage();
  await page.goto('/account');
  await expect(page.getByTestId('who')).toContainText(`Signed in as ${user}`);
  return { context, page };
}

test('two browsers as one user: the first lists both and signs the second out, whose next navigation lands on the login page', async ({ browser, baseURL }) => {
  const user = someone();
  const laptop = await device(browser, baseURL, user, 'Firefox on Linux');
  const phone = await device(browser, baseURL, user, 'Safari on iOS');

  await laptop.page.reload();
  const list = laptop.page.getByTestId('device');
  await expect(list).toHaveCount(2);
  await expect(list.filter({ hasText: 'This device' })).toContainText('Firefox on Linux');
  await laptop.page.getByRole('button', { name: 'Sign out Safari on iOS' }).click();
  await expect(list).toHaveCount(1);

  await phone.page.goto('/account');
  await expect(phone.page).toHaveURL(/\/login\?next=(%2F|\/)account$/);
  // The first browser is still signed in.
  await laptop.page.goto('/account');
  await expect(laptop.page.getByTestId('who')).toContainText(user);
  await Promise.all([laptop.context.close(), phone.context.close()]);
});

test('"Sign out everywhere else" ends every other session, on a phone-sized screen', async ({ browser, baseURL }) => {
  const user = someone();
  const others = await Promise.all(['Chrome on Android', 'Edge on Windows'].map((label) => device(browser, baseURL, user, label)));
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  await signIn(context, baseURL, user, 'Safari on iOS');
  const page = await context.newPage();
  await page.goto('/account');
  await expect(page.getByTestId('device')).toHaveCount(3);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.getByRole('button', { name: /Sign out everywhere else/ }).click();
  await expect(page.getByTestId('device')).toHaveCount(1);
  for (const other of others) {
    await other.page.goto('/account');
    await expect(other.page).toHaveURL(/\/login\?next=/);
  }
  await Promise.all([context.close(), ...others.map((o) => o.context.close())]);
});
