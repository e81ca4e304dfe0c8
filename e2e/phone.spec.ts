/**
 * The header and nav on a phone (issue 20): at 360 and 390 px nothing in them is cut, the page does
 * not scroll sideways, every nav link is on screen, and the nav offers "Log in" only to a visitor who
 * is not signed in.
 */
import { type Page, expect, test } from '@playwright/test';
import { signIn } from './mint';

const PHONES = [
  { width: 360, height: 740 },
  { width: 390, height: 844 },
] as const;

/**
 * Header elements whose content is wider than their box: text clipped by a pill, or a row that
 * scrolls. Text kept for screen readers only (.sr-only) is meant to be clipped; inline boxes have no
 * width of their own and are measured through their block.
 */
function cutInHeader(page: Page): Promise<string[]> {
  return page.locator('header.top').evaluate((header) =>
    [header, ...header.querySelectorAll('*')]
      .filter((el) => !el.closest('.sr-only') && getComputedStyle(el).display !== 'inline')
      .filter((el) => el.scrollWidth > el.clientWidth)
      .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> "${el.textContent}" ${el.scrollWidth}px in ${el.clientWidth}px`),
  );
}

async function expectHeaderFits(page: Page, width: number): Promise<void> {
  expect(await cutInHeader(page)).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  await expect(page.getByRole('link', { name: 'Sessions Kit, home' })).toBeInViewport({ ratio: 1 });
  await expect(page.getByTestId('signed-in')).toBeInViewport({ ratio: 1 });
  for (const theme of await page.locator('.theme-picker label').all()) await expect(theme).toBeInViewport({ ratio: 1 });
  // The nav fits (it wraps rather than scrolls): every link wholly on screen, none behind an edge.
  const links = page.getByRole('navigation', { name: 'Demos' }).getByRole('link');
  await expect(links).toHaveCount(5);
  for (const link of await links.all()) await expect(link).toBeInViewport({ ratio: 1 });
}

for (const phone of PHONES) {
  test.describe(`${phone.width}×${phone.height}`, () => {
    test.use({ viewport: phone, isMobile: true, hasTouch: true });

    test('signed out: the header and nav fit, and the nav offers Log in', async ({ page }) => {
      await page.goto('/basket');
      const nav = page.getByRole('navigation', { name: 'Demos' });
      await expect(page.getByTestId('signed-in')).toHaveText('Not signed in');
      await expect(nav.getByRole('link', { name: 'Log in' })).toHaveAttribute('href', '/login');
      await expect(nav.getByRole('link', { name: 'Account' })).toHaveCount(0);
      await expectHeaderFits(page, phone.width);
    });

    test('signed in: the header and nav fit, and the nav offers the account instead of Log in', async ({ page, context, baseURL }) => {
      await signIn(context, baseURL);
      await page.goto('/basket');
      const nav = page.getByRole('navigation', { name: 'Demos' });
      await expect(page.getByTestId('signed-in')).toHaveText(/Signed in as\s*ada/);
      await expect(nav.getByRole('link', { name: 'Log in' })).toHaveCount(0);
      await expect(nav.getByRole('link', { name: 'Account' })).toHaveAttribute('href', '/account');
      await expectHeaderFits(page, phone.width);
    });

    test('the inspector, last in the nav, is reachable with a tap and then marked current', async ({ page }) => {
      await page.goto('/');
      const inspector = page.getByRole('navigation', { name: 'Demos' }).getByRole('link', { name: 'Inspector' });
      await inspector.tap();
      await expect(page).toHaveURL(/\/inspector$/);
      await expect(inspector).toHaveAttribute('aria-current', 'page');
      await expectHeaderFits(page, phone.width);
    });
  });
}

test.describe('logging in and out through the forms at 360 px', () => {
  test.use({ viewport: PHONES[0], isMobile: true, hasTouch: true });

  test('swaps the nav between Log in and Account without a reload', async ({ page }) => {
    await page.goto('/login');
    const nav = page.getByRole('navigation', { name: 'Demos' });
    await expect(nav.getByRole('link', { name: 'Log in' })).toHaveAttribute('aria-current', 'page');
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Password').fill('ada');
    await page.getByRole('button', { name: 'Log in' }).tap();

    await expect(page).toHaveURL(/\/account$/);
    await expect(nav.getByRole('link', { name: 'Account' })).toHaveAttribute('aria-current', 'page');
    await expect(nav.getByRole('link', { name: 'Log in' })).toHaveCount(0);
    await expect(page.getByTestId('signed-in')).toHaveText(/Signed in as\s*ada/);
    await expectHeaderFits(page, PHONES[0].width);

    await page.getByRole('button', { name: 'Log out' }).tap();
    await expect(page).toHaveURL(/\/login$/);
    await expect(nav.getByRole('link', { name: 'Log in' })).toHaveAttribute('aria-current', 'page');
    await expect(nav.getByRole('link', { name: 'Account' })).toHaveCount(0);
    await expect(page.getByTestId('signed-in')).toHaveText('Not signed in');
  });
});

test.describe('a long user name at 360 px', () => {
  test.use({ viewport: PHONES[0], isMobile: true, hasTouch: true });

  test('is shortened with an ellipsis, in full on hover, and the header still fits', async ({ page, context, baseURL }) => {
    const user = 'margaret.hamilton.apollo-guidance';
    await signIn(context, baseURL, user);
    await page.goto('/');
    const chip = page.getByTestId('signed-in');
    await expect(chip).toHaveAttribute('title', `Signed in as ${user}`);
    await expect(chip).toBeInViewport({ ratio: 1 });
    const name = chip.locator('.who-name');
    await expect(name).toHaveCSS('text-overflow', 'ellipsis');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    for (const theme of await page.locator('.theme-picker label').all()) await expect(theme).toBeInViewport({ ratio: 1 });
  });
});

test('at 1280 px the header keeps its desktop look: the nav on one row below the brand', async ({ page, context, baseURL }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const signedIn of [false, true]) {
    if (signedIn) await signIn(context, baseURL);
    await page.goto('/cart');
    const boxes = await Promise.all(
      (await page.getByRole('navigation', { name: 'Demos' }).getByRole('link').all()).map((link) => link.boundingBox()),
    );
    expect(new Set(boxes.map((box) => box?.y)).size).toBe(1);
    const brand = await page.getByRole('link', { name: 'Sessions Kit, home' }).boundingBox();
    const tools = await page.getByTestId('signed-in').boundingBox();
    expect(Math.abs((brand?.y ?? 0) + (brand?.height ?? 0) / 2 - ((tools?.y ?? 0) + (tools?.height ?? 0) / 2))).toBeLessThan(4);
    expect(await cutInHeader(page)).toEqual([]);
  }
});

test.describe('what a visitor typed, at 390 px', () => {
  test.use({ viewport: PHONES[1], isMobile: true, hasTouch: true });

  test('a 64-character name with no spaces wraps in the counter card instead of widening the page', async ({ page }) => {
    const name = 'x'.repeat(64);
    await page.goto('/');
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Start session' }).tap();
    await expect(page.getByTestId('greeting')).toContainText(name);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONES[1].width);
    await expect(page.getByRole('button', { name: 'Count a visit' })).toBeInViewport({ ratio: 1 });
  });

  test('a long ?next= path wraps in the "Continue to" button instead of widening the page', async ({ page, context, baseURL }) => {
    const next = `/cart/${'segment'.repeat(20)}`;
    await signIn(context, baseURL);
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    const link = page.getByRole('link', { name: `Continue to ${next}` });
    await expect(link).toHaveAttribute('href', next);
    await expect(link).toBeInViewport({ ratio: 1 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONES[1].width);
  });
});
