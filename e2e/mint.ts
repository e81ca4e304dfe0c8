/**
 * Signed-in browsers without the login form: sessions minted with the demo's own definitions
 * (`sessions-kit/testing`), in the same session store as the server under test (the directory
 * playwright.config.ts gives it, or its REDIS_URL). auth.spec.ts still goes through the real form.
 */
import type { BrowserContext } from '@playwright/test';

/** Production names (`__Host-…`) unless the run targets `next dev` (E2E_COOKIE_PREFIX=''). */
Object.assign(process.env, {
  NODE_ENV: (process.env.E2E_COOKIE_PREFIX ?? '__Host-') === '__Host-' ? 'production' : 'development',
  SESSIONS_DIR: process.env.SESSIONS_DIR ?? '.sessions/e2e',
});

/** Signs `context` in as `user` on a device labelled `device`, as a login would. */
export async function signIn(context: BrowserContext, baseURL: string | undefined, user = 'ada', device = 'Playwright'): Promise<void> {
  const [{ mintSession }, { sessions }] = await Promise.all([import('sessions-kit/testing'), import('../lib/demo/sessions')]);
  const minted = await mintSession(sessions, 'auth', { user, loginAt: Date.now(), device }, { url: baseURL });
  await context.addCookies(minted.cookies);
}
