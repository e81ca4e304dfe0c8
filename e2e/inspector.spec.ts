import { expect, test } from '@playwright/test';

test('the inspector shows the opaque value next to what the server reads', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Your name').fill('ada');
  await page.getByRole('button', { name: 'Start session' }).click();
  await expect(page.getByTestId('count')).toHaveText('0');

  await page.goto('/cart');
  await page.getByLabel('Item').fill('tea');
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByTestId('items')).toHaveText('tea');

  await page.getByRole('link', { name: 'Inspector' }).click();
  const user = page.getByTestId('inspect-user_session');
  await expect(user.getByTestId('sent')).toHaveText(/^eyJ[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
  await expect(user.getByTestId('reads')).toContainText('"name": "ada"');
  const cart = page.getByTestId('inspect-cart_session');
  await expect(cart.getByTestId('sent')).toHaveText(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  await expect(cart.getByTestId('reads')).toContainText('"tea"');
  await expect(page.getByTestId('inspect-basket').getByTestId('sent')).toHaveText('(nothing)');
});
