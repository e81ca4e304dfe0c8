/**
 * Pages against hostile requests (issue 16, findings 4, 5 and 6), over HTTP against `next start`:
 * proxy.ts refuses every cross-site write to a page with 403 (Server Actions posted by `fetch` or
 * by a plain form, and any other method) by the library's rule, which compares scheme, host and
 * port; and the login flow never sends anyone off-site, whatever `next` says.
 */
import { type APIRequestContext, type Browser, expect, test } from '@playwright/test';
import { cookieName, logIn } from './helpers';

// Pages load slowly on a loaded CI machine; nothing here is timed.
test.describe.configure({ timeout: 90_000 });

/** The same host and port over https: another origin, although `Host` matches. */
const otherScheme = (baseURL: string) => baseURL.replace(/^http:/, 'https:');

/** What gives a request away as cross-site: Origin `null`, another host, another scheme, or only Sec-Fetch-Site. */
const crossSite = (baseURL: string): Array<Record<string, string>> => [
  { origin: 'null' },
  { origin: 'https://evil.example' },
  { origin: otherScheme(baseURL) },
  { 'sec-fetch-site': 'cross-site' },
];

/** The logout Server Action's id, from the no-JavaScript form a signed-in page renders. */
async function logoutActionId(request: APIRequestContext): Promise<string> {
  const html = await (await request.get('/account')).text();
  const id = /name="\$ACTION_ID_([0-9a-f]+)"/.exec(html)?.[1];
  expect(id).toBeDefined();
  return id as string;
}

/** The multipart body Chromium posts for the login form with JavaScript off (a no-JS Server Action call). */
async function noScriptLoginForm(browser: Browser, baseURL: string): Promise<{ body: string; contentType: string }> {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill('ada');
  const posted = new Promise<{ body: string; contentType: string }>((resolve) =>
    page.route('**/login', async (route) => {
      const request = route.request();
      resolve({ body: request.postData() ?? '', contentType: request.headers()['content-type'] ?? '' });
      await route.abort();
    }),
  );
  await page.getByRole('button', { name: 'Log in' }).click();
  const form = await posted;
  await context.close();
  expect(form.contentType).toMatch(/^multipart\/form-data; boundary=/);
  expect(form.body).toContain('$ACTION_');
  expect(form.body).toMatch(/name="next"\r\n\r\n\/account\r\n/);
  return form;
}

test('a Server Action posted by fetch from another site is 403, whichever header gives it away', async ({ request, baseURL }) => {
  const actionId = await logoutActionId(await logInFresh(request));
  for (const headers of crossSite(baseURL as string)) {
    const response = await request.post('/login', {
      headers: { ...headers, 'next-action': actionId, 'content-type': 'text/plain;charset=UTF-8' },
      data: '[]',
      maxRedirects: 0,
    });
    expect(response.status(), JSON.stringify(headers)).toBe(403);
    expect(response.headers()['set-cookie'], JSON.stringify(headers)).toBeUndefined();
  }
  expect((await request.get('/api/auth/me')).status()).toBe(200); // still signed in
});

test('a no-JavaScript form post of a Server Action ($ACTION_ID_, no Next-Action header) from another site is 403, not a 500', async ({
  request,
  baseURL,
}) => {
  const actionId = await logoutActionId(await logInFresh(request));
  const form = { [`$ACTION_ID_${actionId}`]: '' };
  for (const headers of crossSite(baseURL as string)) {
    const response = await request.post('/account', { headers, multipart: form, maxRedirects: 0 });
    expect(response.status(), JSON.stringify(headers)).toBe(403);
    expect(response.headers()['set-cookie'], JSON.stringify(headers)).toBeUndefined();
  }
  expect((await request.get('/api/auth/me')).status()).toBe(200);
  // Control: the same post from the app's own origin does log out, so the probes above reached a live action.
  const own = await request.post('/account', { headers: { origin: baseURL as string }, multipart: form, maxRedirects: 0 });
  expect(own.status()).toBe(303);
  expect(own.headers()['set-cookie']).toContain(`${cookieName('auth')}=;`);
});

test('any other state-changing method to a page from another site is 403', async ({ request }) => {
  for (const path of ['/', '/login', '/account', '/basket', '/no-such-page']) {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND']) {
      const response = await request.fetch(path, {
        method,
        headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        data: 'a=1',
        maxRedirects: 0,
      });
      expect(response.status(), `${method} ${path}`).toBe(403);
    }
  }
});

test('a Server Action from the app’s own origin still runs (no false refusals)', async ({ request, baseURL }) => {
  const actionId = await logoutActionId(await logInFresh(request));
  const own: Array<Record<string, string>> = [{ origin: baseURL as string }, { origin: baseURL as string, 'sec-fetch-site': 'same-origin' }, {}];
  for (const headers of own) {
    const response = await request.post('/login', {
      headers: { ...headers, 'next-action': actionId, 'content-type': 'text/plain;charset=UTF-8', accept: 'text/x-component' },
      data: '[]',
      maxRedirects: 0,
    });
    expect(response.status(), JSON.stringify(headers)).not.toBe(403);
    expect(response.status(), JSON.stringify(headers)).toBeLessThan(500);
  }
});

test.describe('the login flow never redirects off-site', () => {
  const HOSTILE = ['/.//evil.example', '/..//evil.example', '/%2e//evil.example', '/%2e%2e//evil.example', '//evil.example', '/\\evil.example'];

  test('a direct POST of the login form with a hostile next is a 303 to /account; an ordinary one keeps its path and query', async ({
    browser,
    baseURL,
    playwright,
  }) => {
    const form = await noScriptLoginForm(browser, baseURL as string);
    const post = async (next: string) => {
      const request = await playwright.request.newContext({ baseURL });
      const body = form.body.replace(/(name="next"\r\n\r\n)\/account(\r\n)/, (_m, head: string, tail: string) => `${head}${next}${tail}`);
      const response = await request.post('/login', {
        headers: { 'content-type': form.contentType, origin: baseURL as string },
        data: Buffer.from(body),
        maxRedirects: 0,
      });
      const result = { status: response.status(), location: response.headers().location, loggedIn: /auth=/.test(response.headers()['set-cookie'] ?? '') };
      await request.dispose();
      return result;
    };
    for (const next of HOSTILE) expect(await post(next), next).toEqual({ status: 303, location: '/account', loggedIn: true });
    expect(await post('/basket?x=1')).toEqual({ status: 303, location: '/basket?x=1', loggedIn: true });
  });

  test('signed in, /login?next=<hostile> offers "Continue" to /account, never off-site', async ({ request }) => {
    await logIn(request);
    for (const next of [...HOSTILE, 'https://evil.example/']) {
      const html = await (await request.get(`/login?next=${encodeURIComponent(next)}`)).text();
      expect(html, next).toContain('data-testid="already"');
      const hrefs = [...html.matchAll(/<a [^>]*href="([^"]*)"[^>]*>Continue/g)].map((m) => m[1]);
      expect(hrefs, next).toEqual(['/account']);
    }
  });
});

/** Signs `request` in (a fresh auth session) and returns it. */
async function logInFresh(request: APIRequestContext): Promise<APIRequestContext> {
  await logIn(request);
  return request;
}
