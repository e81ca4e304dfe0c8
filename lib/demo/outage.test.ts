/**
 * Storage outages: a failing store is logged as one line without ids, routes answer 503 and keep
 * the client's cookie, and the error pages say "temporarily unavailable" (recognised by digest).
 */
import { DEMO_DIR, call } from './demo-env.testutil';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { SessionStorageError } from 'sessions-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorView } from './error-view';
import { STORAGE_UNAVAILABLE_DIGEST, isStorageOutage } from './outage';

// The anonymous store's directory is a file: every basket operation fails like an unwritable disk.
writeFileSync(path.join(DEMO_DIR, 'anonymous'), 'not a directory');
const basket = await import('@/app/api/basket/route');

const ID = 'A'.repeat(43);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('routes during an outage', () => {
  it('503 with Retry-After, the client cookie kept, one log line on stderr without the id', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const cookieHeader = `basket=${ID}`;
    for (const [handler, method, body] of [
      [basket.GET, 'GET', undefined],
      [basket.POST, 'POST', '{"item":"tea"}'],
      [basket.DELETE, 'DELETE', undefined],
    ] as const) {
      const response = await call(handler, method, { cookie: cookieHeader, body });
      expect(response.status, method).toBe(503);
      expect(response.headers.get('retry-after')).toBeTruthy();
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    // The library's own outage log: one line for the whole outage, naming the session, never the id.
    expect(logged).toHaveBeenCalledTimes(1);
    const line = String(logged.mock.calls[0]?.[0]);
    expect(line).toMatch(/^\[sessions-kit\] storage of session "basket" is unavailable \(\w+ failed: E[A-Z]+\)/);
    expect(line).not.toContain(ID);
  });
});

describe('the error pages', () => {
  const render = (error: Error) =>
    renderToStaticMarkup(createElement(ErrorView, { outage: isStorageOutage(error), retry: () => undefined }));

  it('an outage (by digest, as Next passes it to the browser) reads "temporarily unavailable" with a retry', () => {
    const error = Object.assign(new Error('An error occurred in the Server Components render.'), {
      digest: STORAGE_UNAVAILABLE_DIGEST,
    });
    expect(isStorageOutage(error)).toBe(true);
    const html = render(error);
    expect(html).toContain('data-testid="storage-outage"');
    expect(html).toMatch(/temporarily unavailable/i);
    expect(html).toContain('Try again');
  });

  it('any other error is "something went wrong", still with a retry', () => {
    const html = render(Object.assign(new Error('x'), { digest: '12345' }));
    expect(html).toContain('data-testid="page-error"');
    expect(html).not.toMatch(/temporarily unavailable/i);
    expect(html).toContain('Try again');
  });

  it('without a retry function (the outage page, a Server Component) "Try again" is a GET form that reloads the page', () => {
    const html = renderToStaticMarkup(createElement(ErrorView, { outage: true }));
    expect(html).toContain('data-testid="storage-outage"');
    expect(html).toMatch(/<form><button type="submit">Try again<\/button><\/form>/);
  });

  it('the thrown outage carries the digest the page checks', () => {
    expect(isStorageOutage(new SessionStorageError('down'))).toBe(true);
    expect(isStorageOutage(new Error('other'))).toBe(false);
  });
});
