/**
 * Storage outages: a failing store is logged as one line without ids, routes answer 503 and keep
 * the client's cookie, and the error pages say "temporarily unavailable" (recognised by digest).
 */
import { APP, DEMO_DIR, call } from './demo-env.testutil';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { SessionStorageError, cookie, defineSessions, type SessionStorage } from 'sessions-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorView } from './error-view';
import { STORAGE_UNAVAILABLE_DIGEST, isStorageOutage } from './outage';
import { StorageOutageError, reportedStorage } from './reported-storage';

// The anonymous store's directory is a file: every basket operation fails like an unwritable disk.
writeFileSync(path.join(DEMO_DIR, 'anonymous'), 'not a directory');
const basket = await import('@/app/api/basket/route');

const ID = 'A'.repeat(43);

function failing(code = 'ECONNREFUSED'): SessionStorage & { close(): void } {
  const fail = () => Promise.reject(Object.assign(new Error(`connect ${code} 10.0.0.7:6379 key sess:${ID}`), { code }));
  return { read: fail, write: fail, invalidate: fail, create: fail, close: () => undefined };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('reportedStorage', () => {
  it('rethrows as a StorageOutageError (a SessionStorageError with the outage digest) and logs one line without ids', async () => {
    const lines: string[] = [];
    const storage = reportedStorage('accounts', failing(), (line) => lines.push(line));
    const error = await Promise.resolve(storage.read(ID)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageOutageError);
    expect(error).toBeInstanceOf(SessionStorageError);
    expect(error).toMatchObject({ code: 'ERR_SESSION_STORAGE', digest: STORAGE_UNAVAILABLE_DIGEST });
    expect((error as Error).stack?.split('\n')).toHaveLength(1);
    expect(lines).toEqual(['[sessions] storage "accounts" unavailable: read failed (ECONNREFUSED)']);
    expect(lines.join()).not.toContain(ID);
    expect(lines.join()).not.toContain('10.0.0.7');
  });

  it('an outage under load logs at most one line per interval, then counts what it skipped', async () => {
    const lines: string[] = [];
    const storage = reportedStorage('anonymous', failing('EACCES'), (line) => lines.push(line));
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_000_000);
    await Promise.all(Array.from({ length: 50 }, () => Promise.resolve(storage.write(ID, '{}')).catch(() => undefined)));
    expect(lines).toHaveLength(1);
    now.mockReturnValue(1_000_000 + 5_000);
    await Promise.resolve(storage.invalidate(ID)).catch(() => undefined);
    expect(lines).toEqual([
      '[sessions] storage "anonymous" unavailable: write failed (EACCES)',
      '[sessions] storage "anonymous" unavailable: invalidate failed (EACCES) (+49 more since the last line)',
    ]);
  });

  it('keeps exactly the inner store’s capabilities and passes results through', async () => {
    const map = new Map<string, string>();
    const inner: SessionStorage = {
      read: (k) => map.get(k),
      write: (k, v) => void map.set(k, v),
      invalidate: (k) => void map.delete(k),
    };
    const storage = reportedStorage('s', inner, () => undefined);
    expect(storage.create).toBeUndefined();
    expect(storage.compareAndSet).toBeUndefined();
    await storage.write('k', 'v');
    expect(await storage.read('k')).toBe('v');
    expect(typeof reportedStorage('s', failing(), () => undefined).create).toBe('function');
  });

  it('a synchronous throw is reported the same way', () => {
    const lines: string[] = [];
    const storage = reportedStorage<SessionStorage>(
      's',
      {
        read: () => {
          throw Object.assign(new Error('disk'), { code: 'EIO' });
        },
        write: () => undefined,
        invalidate: () => undefined,
      },
      (line) => lines.push(line),
    );
    expect(() => storage.read('k')).toThrow(StorageOutageError);
    expect(lines).toEqual(['[sessions] storage "s" unavailable: read failed (EIO)']);
  });
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
    expect(logged).toHaveBeenCalledTimes(1);
    const line = String(logged.mock.calls[0]?.[0]);
    expect(line).toMatch(/^\[sessions\] storage "anonymous" unavailable: \w+ failed \(\w+\)$/);
    expect(line).not.toContain(ID);
  });

  it('a library handler over a reported store answers 503, as over the raw store', async () => {
    const sessions = defineSessions({ s: cookie<{ n: number }>({ storage: reportedStorage('t', failing(), () => undefined) }) });
    const route = sessions.handler(async (_r, { session }) => Response.json(await session.get('s')));
    const response = await route(new Request(`${APP}/`, { headers: { cookie: `s=${ID}` } }), {});
    expect(response.status).toBe(503);
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
    expect(isStorageOutage(new StorageOutageError('accounts'))).toBe(true);
    expect(isStorageOutage(new SessionStorageError('other'))).toBe(false);
  });
});
