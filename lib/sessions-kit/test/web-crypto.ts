/**
 * The set-up the Web Crypto suites share (transform/encrypted.web.test.ts, signed.web.test.ts):
 * a session `s` under one format, written and read through the API at a fixed time, and the
 * check that keys came from crypto.subtle. Each suite hides node:crypto itself: `vi.mock` is
 * hoisted per test file.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { nodeCrypto } from '../src/internal/platform.ts';
import { type SessionTransformerFactory, type Sessions, cookie, defineSessions } from '../src/index.ts';
import { SECRET, exchange, isClearing, setCookieFor, wireValue } from './helpers.ts';

export interface User {
  id: string;
}

/** The frozen time of every test in a suite. */
export const NOW = new Date('2031-03-04T05:06:07Z');
export const DATA: User = { id: 'edge 😀' };
export const JSON_DATA = JSON.stringify(DATA);

type Format = (options: { secret: string | string[] }) => SessionTransformerFactory;

/** Sessions `s` protected by `format` (encrypted or signed), with an optional cookie Max-Age. */
export const sessionsOf =
  (format: Format) =>
  (secret: string | string[] = SECRET, maxAge?: number) =>
    defineSessions({ s: cookie<User>({ transform: format({ secret }), cookie: maxAge === undefined ? undefined : { maxAge } }) });

export async function write(sessions: Sessions<{ s: User }>): Promise<string> {
  const { response } = await exchange(sessions, {}, (s) => s.set('s', DATA));
  return wireValue(response, 's');
}

export async function read(sessions: Sessions<{ s: User }>, value: string) {
  const { response, result } = await exchange(sessions, { cookies: { s: value } }, (s) => s.get('s'));
  const c = setCookieFor(response, 's');
  return { result, response, cleared: c !== undefined && isClearing(c), reissued: c !== undefined && !isClearing(c) };
}

/** Freezes the clock at NOW for every test of the file and checks the suite runs on crypto.subtle. */
export function onWebCrypto(make: () => Sessions<{ s: User }>): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  it('runs with node:crypto hidden from the library: keys come from crypto.subtle', async () => {
    expect(nodeCrypto).toBeUndefined();
    const deriveBits = vi.spyOn(crypto.subtle, 'deriveBits');
    const sessions = make();
    expect((await read(sessions, await write(sessions))).result).toEqual(DATA);
    expect(deriveBits).toHaveBeenCalledTimes(1);
    deriveBits.mockRestore();
  });
}
