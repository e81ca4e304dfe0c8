/**
 * Session lifetimes, enforced on the server through `exp`/`iat` inside the
 * protected value (or the stored record): maxAge, idleTimeout with rolling
 * renewal, absoluteTimeout, and the cookie Max-Age that goes with them.
 */
import { type CompactJWEHeaderParameters, type CompactJWSHeaderParameters, CompactEncrypt, CompactSign } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Sessions, cookie, defineSessions, encrypted, header, signed } from './index.ts';
import { SECRET, decodeJsonSegment, deriveKey, isClearing, makeRequest, mapStorage, setCookieFor } from '../test/helpers.ts';

const T0 = Date.UTC(2032, 0, 1, 12, 0, 0);
const T0S = T0 / 1000;
const DAY = 24 * 3600;

interface Data {
  n: number;
}

/** A one-cookie browser: keeps what Set-Cookie says (honouring Max-Age) and sends it back. */
class Browser<D extends Record<string, unknown>> {
  value: string | undefined;
  expiresAtMs: number | undefined;
  lastSetCookie: ReturnType<typeof setCookieFor>;

  constructor(
    readonly sessions: Sessions<D>,
    readonly name: keyof D & string,
    readonly honourMaxAge = true,
  ) {}

  /** One request: runs fn, applies the response to the jar, returns what fn returned and the response. */
  async request<R>(fn: (s: ReturnType<Sessions<D>['forRequest']>) => Promise<R>) {
    const live = this.value !== undefined && (!this.honourMaxAge || this.expiresAtMs === undefined || Date.now() < this.expiresAtMs);
    const session = this.sessions.forRequest(makeRequest({ cookies: live ? { [this.name]: this.value as string } : undefined }));
    const result = await fn(session);
    const response = session.applyTo(new Response('ok'));
    const c = setCookieFor(response, this.name);
    this.lastSetCookie = c;
    if (c) {
      if (isClearing(c)) {
        this.value = undefined;
        this.expiresAtMs = undefined;
      } else {
        this.value = c.value;
        const maxAge = c.attributes.get('max-age');
        this.expiresAtMs = maxAge === undefined ? undefined : Date.now() + Number(maxAge) * 1000;
      }
    }
    return { result, response, setCookie: c };
  }

  get = () => this.request((s) => s.get(this.name));
  set = (value: D[keyof D & string]) => this.request((s) => s.set(this.name, value));

  /** The protected header of the cookie the browser holds. */
  header(): Record<string, unknown> {
    return decodeJsonSegment((this.value ?? '').split('.')[0] as string);
  }
}

const at = (seconds: number) => vi.setSystemTime(T0 + seconds * 1000);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('maxAge (default 7 days)', () => {
  for (const kind of ['encrypted', 'signed'] as const) {
    it(`${kind}: exp = now + 7 days; past it the session is gone and the cookie cleared`, async () => {
      const sessions = defineSessions({
        s: cookie<Data>({ transform: kind === 'encrypted' ? encrypted({ secret: SECRET }) : signed({ secret: SECRET }) }),
      });
      // The client ignores Max-Age (a replayed cookie): only the server's exp stops it.
      const browser = new Browser(sessions, 's', false);
      const first = await browser.set({ n: 1 });
      expect(first.setCookie?.attributes.get('max-age')).toBe(String(7 * DAY));
      expect(browser.header()).toMatchObject({ iat: T0S, exp: T0S + 7 * DAY });

      at(7 * DAY - 1);
      const alive = await browser.get();
      expect(alive.result).toEqual({ n: 1 });
      expect(alive.setCookie).toBeUndefined(); // not rolling: reads send nothing

      at(7 * DAY);
      const gone = await browser.get();
      expect(gone.result).toBeUndefined();
      expect(gone.setCookie && isClearing(gone.setCookie)).toBe(true);
    });
  }

  it('a set re-issues with a fresh exp; reads alone do not extend it', async () => {
    const sessions = defineSessions({ s: cookie<Data>({ transform: encrypted({ secret: SECRET }), cookie: { maxAge: 3600 } }) });
    const browser = new Browser(sessions, 's', false);
    await browser.set({ n: 1 });
    at(1800);
    await browser.get();
    expect(browser.header().exp).toBe(T0S + 3600);
    await browser.set({ n: 2 });
    expect(browser.header().exp).toBe(T0S + 1800 + 3600);
    at(3600 + 1);
    expect((await browser.get()).result).toEqual({ n: 2 });
    at(1800 + 3600);
    expect((await browser.get()).result).toBeUndefined();
  });

  it('header sessions get the same server-side lifetime', async () => {
    const sessions = defineSessions({ h: header<Data>({ name: 'X-S', maxAge: 600, transform: signed({ secret: SECRET }) }) });
    const first = sessions.forRequest(makeRequest());
    await first.set('h', { n: 1 });
    const value = first.applyTo(new Response('ok')).headers.get('X-S') ?? '';
    at(599);
    expect(await sessions.forRequest(makeRequest({ headers: { 'X-S': value } })).get('h')).toEqual({ n: 1 });
    at(600);
    const late = sessions.forRequest(makeRequest({ headers: { 'X-S': value } }));
    expect(await late.get('h')).toBeUndefined();
    expect(late.applyTo(new Response('ok')).headers.get('X-S')).toBe('');
  });

  it('by id, the stored record carries the deadline', async () => {
    const storage = mapStorage();
    const sessions = defineSessions({ s: cookie<Data>({ storage, cookie: { maxAge: 600 } }) });
    const browser = new Browser(sessions, 's', false);
    await browser.set({ n: 1 });
    at(599);
    expect((await browser.get()).result).toEqual({ n: 1 });
    at(600);
    const gone = await browser.get();
    expect(gone.result).toBeUndefined();
    expect(gone.setCookie && isClearing(gone.setCookie)).toBe(true);
  });
});

describe('idleTimeout with rolling renewal', () => {
  const make = (extra: { rolling?: boolean; absoluteTimeout?: number } = {}) =>
    defineSessions({ s: cookie<Data>({ transform: encrypted({ secret: SECRET }), idleTimeout: 600, ...extra }) });

  it('exp follows the idle timeout; the rolling cookie keeps its full Max-Age (renewals may not reach it)', async () => {
    const browser = new Browser(make(), 's');
    const { setCookie } = await browser.set({ n: 1 });
    expect(setCookie?.attributes.get('max-age')).toBe(String(7 * DAY));
    expect(browser.header()).toMatchObject({ iat: T0S, exp: T0S + 600 });
  });

  it('use within the first minute sends nothing; after 60 s it re-issues; at most once a minute', async () => {
    const browser = new Browser(make(), 's');
    await browser.set({ n: 1 });

    at(30);
    const early = await browser.get();
    expect(early.result).toEqual({ n: 1 });
    expect(early.setCookie).toBeUndefined();

    at(61);
    const renewed = await browser.get();
    expect(renewed.result).toEqual({ n: 1 });
    expect(renewed.setCookie).toBeDefined();
    expect(renewed.setCookie?.attributes.get('max-age')).toBe(String(7 * DAY));
    expect(renewed.response.headers.get('cache-control')).toBe('private, no-store');
    // The creation time stays; the deadline moves.
    expect(browser.header()).toMatchObject({ iat: T0S, exp: T0S + 61 + 600 });

    at(100);
    expect((await browser.get()).setCookie).toBeUndefined();
    at(121);
    expect((await browser.get()).setCookie).toBeDefined();
  });

  it('constant activity keeps the session alive well past the idle timeout', async () => {
    const browser = new Browser(make(), 's');
    await browser.set({ n: 1 });
    for (let t = 300; t <= 6 * 3600; t += 300) {
      at(t);
      expect((await browser.get()).result, `t=${t}`).toEqual({ n: 1 });
    }
  });

  it('idle longer than the timeout: gone, and the cookie is cleared', async () => {
    const browser = new Browser(make(), 's', false);
    await browser.set({ n: 1 });
    at(200);
    await browser.get(); // renewed: exp = 800
    expect(browser.header().exp).toBe(T0S + 800);
    at(799);
    expect((await browser.get()).result).toEqual({ n: 1 }); // renewed again: exp = 1399
    at(1399);
    const gone = await browser.get();
    expect(gone.result).toBeUndefined();
    expect(gone.setCookie && isClearing(gone.setCookie)).toBe(true);
  });

  it('an old (pre-renewal) cookie replayed after its own exp is refused', async () => {
    const browser = new Browser(make(), 's', false);
    await browser.set({ n: 1 });
    const original = browser.value;
    at(300);
    await browser.get();
    expect(browser.value).not.toBe(original);
    at(600);
    const replay = await make().forRequest(makeRequest({ cookies: { s: original as string } })).get('s');
    expect(replay).toBeUndefined();
    expect((await browser.get()).result).toEqual({ n: 1 });
  });

  it('rolling: false keeps the first deadline despite activity', async () => {
    const browser = new Browser(make({ rolling: false }), 's', false);
    await browser.set({ n: 1 });
    for (const t of [100, 300, 599]) {
      at(t);
      const r = await browser.get();
      expect(r.result).toEqual({ n: 1 });
      expect(r.setCookie).toBeUndefined();
    }
    at(600);
    expect((await browser.get()).result).toBeUndefined();
  });

  it('rolling: true without idleTimeout renews the maxAge on use', async () => {
    const sessions = defineSessions({
      s: cookie<Data>({ transform: signed({ secret: SECRET }), rolling: true, cookie: { maxAge: 3600 } }),
    });
    const browser = new Browser(sessions, 's', false);
    await browser.set({ n: 1 });
    at(30);
    expect((await browser.get()).setCookie).toBeUndefined();
    at(3000);
    const r = await browser.get();
    expect(r.setCookie?.attributes.get('max-age')).toBe('3600');
    at(3600 + 100);
    expect((await browser.get()).result).toEqual({ n: 1 });
  });

  it('by id: the record deadline rolls too', async () => {
    const sessions = defineSessions({ s: cookie<Data>({ storage: mapStorage(), idleTimeout: 600 }) });
    const browser = new Browser(sessions, 's', false);
    await browser.set({ n: 1 });
    for (const t of [500, 1000, 1500]) {
      at(t);
      expect((await browser.get()).result, `t=${t}`).toEqual({ n: 1 });
    }
    at(1500 + 600);
    expect((await browser.get()).result).toBeUndefined();
  });
});

describe('absoluteTimeout', () => {
  const make = () =>
    defineSessions({
      s: cookie<Data>({ transform: encrypted({ secret: SECRET }), idleTimeout: 600, absoluteTimeout: 3600 }),
    });

  it('ends the session even with constant activity', async () => {
    const browser = new Browser(make(), 's', false);
    await browser.set({ n: 1 });
    for (let t = 120; t < 3600; t += 120) {
      at(t);
      expect((await browser.get()).result, `t=${t}`).toEqual({ n: 1 });
    }
    at(3599);
    expect((await browser.get()).result).toEqual({ n: 1 });
    at(3600);
    const gone = await browser.get();
    expect(gone.result).toBeUndefined();
    expect(gone.setCookie && isClearing(gone.setCookie)).toBe(true);
  });

  it('a set does not extend it: iat stays, exp is capped at creation + absoluteTimeout', async () => {
    const browser = new Browser(make(), 's', false);
    await browser.set({ n: 1 });
    // Keep it alive (idle 600) so the set below updates an existing session.
    for (let t = 500; t <= 3000; t += 500) {
      at(t);
      await browser.get();
    }
    at(3300);
    const { setCookie } = await browser.set({ n: 2 });
    expect(browser.header()).toMatchObject({ iat: T0S, exp: T0S + 3600 });
    expect(setCookie?.attributes.get('max-age')).toBe('300');
    expect((await browser.get()).result).toEqual({ n: 2 });
    at(3600);
    expect((await browser.get()).result).toBeUndefined();
  });

  it('a set after the session ended starts a new one', async () => {
    const browser = new Browser(make(), 's', false);
    await browser.set({ n: 1 });
    at(4000);
    await browser.set({ n: 2 });
    expect(browser.header()).toMatchObject({ iat: T0S + 4000, exp: T0S + 4600 });
  });

  it('the cookie Max-Age never exceeds the remaining absolute time', async () => {
    const sessions = defineSessions({
      s: cookie<Data>({
        transform: signed({ secret: SECRET }),
        idleTimeout: 900,
        absoluteTimeout: 3600,
        cookie: { maxAge: 7 * DAY },
      }),
    });
    const browser = new Browser(sessions, 's');
    const first = await browser.set({ n: 0 });
    expect(Number(first.setCookie?.attributes.get('max-age'))).toBe(3600);
    let n = 0;
    for (let t = 100; t < 3600; t += 137) {
      at(t);
      const r = n % 2 === 0 ? await browser.get() : await browser.set({ n });
      n++;
      if (r.setCookie && !isClearing(r.setCookie)) {
        const maxAge = Number(r.setCookie.attributes.get('max-age'));
        expect(maxAge, `t=${t}`).toBeLessThanOrEqual(3600 - t);
        expect(maxAge).toBeGreaterThan(0);
        const h = browser.header();
        expect(h.iat).toBe(T0S);
        expect(h.exp as number).toBeLessThanOrEqual(T0S + 3600);
      }
    }
    at(3600);
    expect((await browser.get()).result).toBeUndefined();
  });

  it('absoluteTimeout alone (no idle): Max-Age is the remaining time, not the 7-day default', async () => {
    const sessions = defineSessions({ s: cookie<Data>({ transform: encrypted({ secret: SECRET }), absoluteTimeout: 7200 }) });
    const browser = new Browser(sessions, 's', false);
    expect((await browser.set({ n: 1 })).setCookie?.attributes.get('max-age')).toBe('7200');
    at(7000);
    expect((await browser.set({ n: 2 })).setCookie?.attributes.get('max-age')).toBe('200');
    at(7200);
    expect((await browser.get()).result).toBeUndefined();
  });

  it('the absolute deadline is taken from iat: a value kept alive under an idle-only config is refused here', async () => {
    const sessions = make();
    const noAbs = defineSessions({ s: cookie<Data>({ transform: encrypted({ secret: SECRET }), idleTimeout: 600 }) });
    const other = new Browser(noAbs, 's', false);
    await other.set({ n: 9 });
    for (let t = 500; t <= 4000; t += 500) {
      at(t);
      await other.get();
    }
    // Created at T0 under the idle-only config: alive there, but past the absolute timeout here.
    const replay = await sessions.forRequest(makeRequest({ cookies: { s: other.value as string } })).get('s');
    expect(replay).toBeUndefined();
  });

  it('a value without iat is refused while an absolute timeout applies', async () => {
    const key = deriveKey(SECRET, 's', 'jwe');
    const noIat = await new CompactEncrypt(new TextEncoder().encode('{"n":1}'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', exp: T0S + 300 })
      .encrypt(key);
    const withIat = await new CompactEncrypt(new TextEncoder().encode('{"n":1}'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', iat: T0S, exp: T0S + 300 } as CompactJWEHeaderParameters)
      .encrypt(key);
    expect(await make().forRequest(makeRequest({ cookies: { s: withIat } })).get('s')).toEqual({ n: 1 });
    expect(await make().forRequest(makeRequest({ cookies: { s: noIat } })).get('s')).toBeUndefined();
  });

  it('by id: the absolute deadline holds in the record', async () => {
    const sessions = defineSessions({ s: cookie<Data>({ storage: mapStorage(), idleTimeout: 600, absoluteTimeout: 1800 }) });
    const browser = new Browser(sessions, 's', false);
    await browser.set({ n: 1 });
    for (let t = 300; t < 1800; t += 300) {
      at(t);
      expect((await browser.get()).result, `t=${t}`).toEqual({ n: 1 });
    }
    at(1700);
    await browser.set({ n: 2 });
    at(1800);
    expect((await browser.get()).result).toBeUndefined();
  });
});

describe('deadlines the policy would never issue are refused', () => {
  const jweKey = deriveKey(SECRET, 's', 'jwe');
  const jwsKey = deriveKey(SECRET, 's', 'jws');

  /** An authentic value (sealed with the session's key, as another service could) with these times. */
  async function minted(kind: 'encrypted' | 'signed', times: { iat?: number; exp?: number }): Promise<string> {
    const payload = new TextEncoder().encode('{"n":1}');
    if (kind === 'encrypted') {
      return new CompactEncrypt(payload).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', ...times } as CompactJWEHeaderParameters).encrypt(jweKey);
    }
    return new CompactSign(payload).setProtectedHeader({ alg: 'HS256', ...times } as CompactJWSHeaderParameters).sign(jwsKey);
  }

  async function read(sessions: Sessions<{ s: Data }>, value: string) {
    const session = sessions.forRequest(makeRequest({ cookies: { s: value } }));
    const result = await session.get('s');
    return { result, setCookie: setCookieFor(session.applyTo(new Response('ok')), 's') };
  }

  const withOptions = (kind: 'encrypted' | 'signed', options: { maxAge?: number | null; idleTimeout?: number; absoluteTimeout?: number }) => {
    const { maxAge, ...timeouts } = options;
    const transform = kind === 'encrypted' ? encrypted({ secret: SECRET }) : signed({ secret: SECRET });
    return defineSessions({ s: cookie<Data>({ transform, cookie: maxAge === undefined ? undefined : { maxAge }, ...timeouts }) });
  };

  for (const kind of ['encrypted', 'signed'] as const) {
    it(`${kind}: exp up to now + maxAge (and a minute of clock skew) opens; further out is refused and cleared`, async () => {
      const sessions = withOptions(kind, { maxAge: 3600 });
      expect((await read(sessions, await minted(kind, { iat: T0S, exp: T0S + 3600 }))).result).toEqual({ n: 1 });
      expect((await read(sessions, await minted(kind, { iat: T0S, exp: T0S + 3660 }))).result).toEqual({ n: 1 });
      const tooFar = await read(sessions, await minted(kind, { iat: T0S, exp: T0S + 3661 }));
      expect(tooFar.result).toBeUndefined();
      expect(tooFar.setCookie && isClearing(tooFar.setCookie)).toBe(true);
      expect((await read(sessions, await minted(kind, { exp: T0S + 10 * 365 * DAY }))).result).toBeUndefined();
    });

    it(`${kind}: the idle timeout is the longest lifetime when it is shorter than maxAge`, async () => {
      const sessions = withOptions(kind, { idleTimeout: 600 });
      expect((await read(sessions, await minted(kind, { iat: T0S, exp: T0S + 600 }))).result).toEqual({ n: 1 });
      expect((await read(sessions, await minted(kind, { iat: T0S, exp: T0S + 7 * DAY }))).result).toBeUndefined();
    });

    it(`${kind}: under an absolute timeout, exp past iat + absoluteTimeout and an iat in the future are refused`, async () => {
      const sessions = withOptions(kind, { maxAge: null, absoluteTimeout: 1800 });
      expect((await read(sessions, await minted(kind, { iat: T0S - 100, exp: T0S + 1700 }))).result).toEqual({ n: 1 });
      expect((await read(sessions, await minted(kind, { iat: T0S - 100, exp: T0S + 1701 }))).result).toBeUndefined();
      expect((await read(sessions, await minted(kind, { iat: T0S + 3600, exp: T0S + 3600 + 1800 }))).result).toBeUndefined();
    });
  }

  it('a value issued under a longer maxAge is refused once the configuration is shortened', async () => {
    const before = new Browser(withOptions('encrypted', { maxAge: 30 * DAY }), 's');
    await before.set({ n: 1 });
    expect((await read(withOptions('encrypted', { maxAge: 30 * DAY }), before.value as string)).result).toEqual({ n: 1 });
    expect((await read(withOptions('encrypted', { maxAge: DAY }), before.value as string)).result).toBeUndefined();
  });

  it('our own values stay within the cap through renewals and re-issues', async () => {
    const sessions = withOptions('signed', { idleTimeout: 600 });
    const browser = new Browser(sessions, 's');
    await browser.set({ n: 1 });
    for (let t = 120; t <= 3000; t += 120) {
      at(t);
      expect((await browser.get()).result, `t=${t}`).toEqual({ n: 1 });
      expect((browser.header().exp as number) - (T0S + t)).toBeLessThanOrEqual(600);
    }
  });

  it('without any lifetime (maxAge: null, no timeouts) a far exp is not capped, only a past one refused', async () => {
    const sessions = withOptions('encrypted', { maxAge: null });
    expect((await read(sessions, await minted('encrypted', { exp: T0S + 10 * 365 * DAY }))).result).toEqual({ n: 1 });
    expect((await read(sessions, await minted('encrypted', { exp: T0S }))).result).toBeUndefined();
  });
});
