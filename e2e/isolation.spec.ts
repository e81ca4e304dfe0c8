import { expect, test } from '@playwright/test';

// Two browsers (contexts) at once: each sees only its own sessions, cookie and header alike.
test('two browser contexts never see each other\'s sessions', async ({ browser }) => {
  test.slow(); // two browsers, three pages each
  const [one, two] = await Promise.all([browser.newContext(), browser.newContext()]);
  try {
    const [a, b] = await Promise.all([one.newPage(), two.newPage()]);
    await Promise.all([a.goto('/'), b.goto('/')]);
    await a.getByLabel('Your name').fill('ada');
    await b.getByLabel('Your name').fill('grace');
    await Promise.all([a.getByRole('button', { name: 'Start session' }).click(), b.getByRole('button', { name: 'Start session' }).click()]);
    await expect(a.getByTestId('greeting')).toContainText('ada');
    await expect(b.getByTestId('greeting')).toContainText('grace');

    for (const [page, item] of [[a, 'tea'], [b, 'coffee']] as const) {
      await page.goto('/basket');
      await page.getByLabel('Item').fill(item);
      await page.getByRole('button', { name: 'Add' }).click();
      await expect(page.getByTestId('items')).toHaveText(item);
      await page.goto('/cart');
      await page.getByLabel('Item').fill(`${item}-header`);
      await page.getByRole('button', { name: 'Add' }).click();
      await expect(page.getByTestId('items')).toHaveText(`${item}-header`);
    }
    await a.getByRole('button', { name: 'Clear' }).click();
    await expect(a.getByTestId('empty')).toBeVisible();

    await Promise.all([a.goto('/inspector'), b.goto('/inspector')]);
    await expect(a.getByTestId('inspect-user_session').getByTestId('reads')).toContainText('"ada"');
    await expect(b.getByTestId('inspect-user_session').getByTestId('reads')).toContainText('"grace"');
    await expect(a.getByTestId('inspect-basket').getByTestId('reads')).toContainText('"tea"');
    await expect(b.getByTestId('inspect-basket').getByTestId('reads')).toContainText('"coffee"');
    await expect(a.getByTestId('inspect-cart_session').getByTestId('reads')).toHaveText('null');
    await expect(b.getByTestId('inspect-cart_session').getByTestId('reads')).toContainText('"coffee-header"');
    for (const page of [a, b]) {
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text).not.toContain(page === a ? 'grace' : '"ada"');
    }
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
});
