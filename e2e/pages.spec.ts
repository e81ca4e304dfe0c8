import { expect, test } from '@playwright/test';
import { PAGES, logIn, watchErrors } from './helpers';
import { signIn } from './mint';

// Every page, with sessions live (long tokens on screen): no console error, no failed request, and no
// horizontal overflow in a 390 px phone viewport.
test.describe('every page', () => {
  test.beforeEach(async ({ page, context, baseURL }) => {
    await signIn(context, baseURL);
    await page.request.post('/api/cookie', { data: { name: 'grace' } });
    await page.request.post('/api/basket', { data: { item: 'an-item-name-long-enough-to-need-wrapping-on-a-phone' } });
  });

  for (const path of PAGES) {
    test(`${path}: no console error at 1280 px`, async ({ page }) => {
      const errors = watchErrors(page);
      await page.goto(path);
      await expect(page.locator('main h1')).toBeVisible();
      await page.waitForLoadState('networkidle');
      expect(errors).toEqual([]);
    });

    test(`${path}: no horizontal overflow at 390 px`, async ({ page }) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(path);
      if (path === '/cart') {
        // A long header token on screen: the case that once made this page 1242 px wide.
        await page.getByLabel('Item').fill('tea');
        await page.getByRole('button', { name: 'Add' }).click();
        await expect(page.getByTestId('held')).not.toHaveText('(nothing)');
      }
      await page.waitForLoadState('networkidle');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      // The nav fits in one row: its last link is inside the viewport.
      const last = await page.getByRole('navigation', { name: 'Demos' }).getByRole('link').last().boundingBox();
      expect((last?.x ?? 0) + (last?.width ?? 0)).toBeLessThanOrEqual(390);
    });
  }
});

test('the nav marks the current page and the header names who is signed in', async ({ page }) => {
  await page.goto('/basket');
  const nav = page.getByRole('navigation', { name: 'Demos' });
  await expect(nav.getByRole('link', { name: 'Basket' })).toHaveAttribute('aria-current', 'page');
  await expect(nav.locator('[aria-current]')).toHaveCount(1);
  await expect(page.getByTestId('signed-in')).toHaveText('Not signed in');

  await logIn(page.request);
  await nav.getByRole('link', { name: 'Inspector' }).click();
  await expect(nav.getByRole('link', { name: 'Inspector' })).toHaveAttribute('aria-current', 'page');
  await page.reload();
  await expect(page.getByTestId('signed-in')).toHaveText(/Signed in as\s*ada/);
});

test('code samples are read from the real source files', async ({ page }) => {
  const { readFileSync } = await import('node:fs');
  const source = readFileSync('lib/demo/sessions.ts', 'utf8');
  await page.goto('/');
  const sample = page.getByTestId('code-sample').first();
  await expect(sample.locator('figcaption')).toContainText('lib/demo/sessions.ts:');
  const shown = ((await sample.locator('pre').textContent()) ?? '').trim();
  // Dedented in the page, so compare line by line without indentation.
  const lines = shown.split('\n').map((l) => l.trim());
  const fileLines = source.split('\n').map((l) => l.trim());
  const at = fileLines.indexOf(lines[0] ?? '');
  expect(at).toBeGreaterThan(-1);
  expect(fileLines.slice(at, at + lines.length)).toEqual(lines);
  expect(shown).toContain('user_session');
});
