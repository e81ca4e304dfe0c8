/** Shared e2e helpers: the demo's wire names, the pages, and collectors for console errors. */
import { type APIRequestContext, type Page, expect } from '@playwright/test';

/**
 * The e2e suite runs a production build, where the demo's cookies carry the `__Host-` prefix
 * (lib/demo/sessions.ts). E2E_COOKIE_PREFIX overrides it for a run against `next dev`.
 */
export const cookieName = (session: string) => `${process.env.E2E_COOKIE_PREFIX ?? '__Host-'}${session}`;

/** Every page of the app. /account needs a login. */
export const PAGES = ['/', '/cart', '/basket', '/login', '/account', '/inspector'] as const;

/** Logs in as the demo user through the API; the cookie lands in the request's (and page's) context. */
export async function logIn(request: APIRequestContext): Promise<void> {
  const response = await request.post('/api/auth/login', { data: { username: 'ada', password: 'ada' } });
  expect(response.status()).toBe(200);
}

/** Collects console errors, uncaught exceptions and failed responses (404s included) for one page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`exception: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  return errors;
}
