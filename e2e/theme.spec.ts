import { type BrowserContext, type Page, expect, test } from '@playwright/test';
import { cookieName } from './helpers';

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

/** The theme inside the signed prefs cookie (its JWS payload is readable, not secret). */
async function cookieTheme(context: BrowserContext): Promise<string | undefined> {
  const value = (await context.cookies()).find((c) => c.name === cookieName('prefs'))?.value;
  if (!value) return undefined;
  return JSON.parse(Buffer.from(value.split('.')[1] ?? '', 'base64url').toString('utf8')).theme;
}

test('the theme persists across pages and a reload, from the signed prefs cookie', async ({ page, context }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
  const light = await background(page);

  await page.getByRole('radio', { name: 'Dark theme' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect.poll(() => cookieTheme(context)).toBe('dark');
  expect(await background(page)).not.toBe(light);

  await page.getByRole('link', { name: 'Basket' }).click();
  await expect(page).toHaveURL(/\/basket$/);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('radio', { name: 'Dark theme' })).toBeChecked();

  // No flash: the very first HTML byte stream already carries the theme, before any script runs.
  const html = await (await page.request.get('/inspector')).text();
  expect(html).toMatch(/<html[^>]*data-theme="dark"/);

  await page.getByRole('radio', { name: 'Light theme' }).check();
  await expect.poll(() => cookieTheme(context)).toBe('light');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await background(page)).toBe(light);
});

test('"system" follows prefers-color-scheme; a tampered prefs cookie falls back to it', async ({ page, context }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/cart');
  const light = await background(page);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await background(page)).not.toBe(light);

  // Pick dark, then edit the cookie's readable payload to "light", keeping dark's signature.
  await page.getByRole('radio', { name: 'Dark theme' }).check();
  await expect.poll(() => cookieTheme(context)).toBe('dark');
  const prefs = (await context.cookies()).find((c) => c.name === cookieName('prefs'));
  const [head, , mac] = (prefs?.value ?? '').split('.');
  const edited = `${head}.${Buffer.from('{"theme":"light"}').toString('base64url')}.${mac}`;
  await context.addCookies([{ ...(prefs as NonNullable<typeof prefs>), value: edited }]);
  expect(await cookieTheme(context)).toBe('light');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
  expect(await background(page)).toBe(light);
});

test('the theme switch works from the keyboard', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('radio', { name: 'System theme' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: 'Light theme' })).toBeChecked();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  // The focused control shows a visible focus ring.
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement?.closest('label') as Element).boxShadow);
  expect(ring).not.toBe('none');
});
