/**
 * Races through whole requests (`forRequest` … `applyTo`), on every storage:
 * the accessor's update, set, clear, regenerate and rolling renewal as a
 * browser with several tabs, or several app instances, would drive them.
 * Each app instance is its own `defineSessions` over its own storage handle.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SessionConflictError } from '../src/errors.ts';
import { type SessionAccessor, type Sessions, cookie, defineSessions } from '../src/index.ts';
import { exchange, makeRequest, setCookieFor, wireValue } from './helpers.ts';
import type { SessionStorage } from '../src/types.ts';
import { keyOf } from './spy-storage.ts';
import type { OpenedStorage } from './storages.ts';

interface Basket {
  items: string[];
}

type Defs = { basket: Basket };

/** Figures of the request-level races, for reports (printed with SESSIONS_KIT_FIGURES=1). */
export const requestRaceFigures: { storage: string; test: string; writers: number; operations: number; lost: number }[] = [];

const IDLE = 600;

/** The ids a response sends for `name` with a live cookie (none, or one). */
function sentId(response: Response, name: string): string | undefined {
  const line = setCookieFor(response, name);
  if (!line || line.attributes.get('max-age') === '0') return undefined;
  return line.value;
}

/** Runs `fn` in a request carrying `id`, then answers: the response, and what `fn` returned or threw. */
async function request<R>(
  sessions: Sessions<Defs>,
  id: string,
  fn: (s: SessionAccessor<Defs>) => Promise<R>,
): Promise<{ response: Response; result?: R; error?: unknown }> {
  const session = sessions.forRequest(makeRequest({ cookies: { basket: id } }));
  try {
    const result = await fn(session);
    return { response: session.applyTo(new Response('ok')), result };
  } catch (error) {
    // What a handler does on an error: answer without the session's headers.
    return { response: new Response('error', { status: 409 }), error };
  }
}

/** A storage whose compare-and-sets wait at a gate until `open()`: to order a race exactly. */
function gated(inner: SessionStorage) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let waiting = 0;
  const arrivals: Array<() => void> = [];
  const storage: SessionStorage = {
    read: (key) => inner.read(key),
    invalidate: (key) => inner.invalidate(key),
    create: (key, value, ttl) => inner.create(key, value, ttl),
    compareAndSet: async (key, expected, next, ttl) => {
      waiting++;
      for (const arrived of arrivals.splice(0)) arrived();
      await gate;
      return inner.compareAndSet(key, expected, next, ttl);
    },
  };
  /** Resolves once `count` compare-and-sets wait at the gate (their reads are done). */
  const waitingAtGate = async (count: number) => {
    while (waiting < count) await new Promise<void>((resolve) => arrivals.push(resolve));
  };
  return { storage, open, waitingAtGate };
}

function expectConflict(error: unknown): void {
  expect(error).toBeInstanceOf(SessionConflictError);
  expect((error as SessionConflictError).code).toBe('ERR_SESSION_CONFLICT');
}

/**
 * Registers the request-level race suite for one storage.
 *
 * @example
 * ```ts
 * describeRequestRaces('memoryStorage', () => STORAGE_CASES[0].open());
 * ```
 */
export function describeRequestRaces(storageName: string, open: () => Promise<OpenedStorage>, writers = 24): void {
  describe(`requests racing on ${storageName}`, () => {
    let opened: OpenedStorage;
    /** App instance `i`: its own definition over its own storage handle. */
    let apps: Sessions<Defs>[];
    const app = (i: number) => apps[i % apps.length] as Sessions<Defs>;
    let truthApp: Sessions<Defs>;
    const truthOf = async (id: string) => (await exchange(truthApp, { cookies: { basket: id } }, (s) => s.get('basket'))).result;

    beforeAll(async () => {
      opened = await open();
      apps = [0, 1, 2].map((i) => defineSessions({ basket: cookie<Basket>({ storage: opened.handle(i), idleTimeout: IDLE }) }));
      truthApp = defineSessions({ basket: cookie<Basket>({ storage: opened.truth, idleTimeout: IDLE }) });
    });
    afterAll(async () => {
      await opened?.cleanup();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    async function newBasket(items: string[]): Promise<string> {
      return wireValue((await exchange(app(0), {}, (s) => s.set('basket', { items }))).response, 'basket');
    }

    it(`${writers} concurrent requests each update() one item in: ${writers} items, same id, no conflict`, async () => {
      const id = await newBasket([]);
      const answers = await Promise.all(
        Array.from({ length: writers }, (_, i) =>
          request(app(i), id, (s) => s.update('basket', (basket) => ({ items: [...(basket?.items ?? []), `item-${i}`] }))),
        ),
      );
      for (const answer of answers) {
        expect(answer.error).toBeUndefined();
        expect(sentId(answer.response, 'basket')).toBe(id);
      }
      const items = (await truthOf(id))?.items ?? [];
      expect([...items].sort()).toEqual(Array.from({ length: writers }, (_, i) => `item-${i}`).sort());
      requestRaceFigures.push({ storage: storageName, test: 'concurrent update() requests', writers, operations: writers, lost: writers - items.length });
      if (process.env.SESSIONS_KIT_FIGURES === '1') console.info(JSON.stringify(requestRaceFigures.at(-1)));
    });

    it('A loads, B clears, A sets: SessionConflictError; the old id stays dead and A re-sends nothing', async () => {
      const id = await newBasket(['secret']);
      const a = app(0).forRequest(makeRequest({ cookies: { basket: id } }));
      expect(await a.get('basket')).toEqual({ items: ['secret'] });
      const b = await exchange(app(1), { cookies: { basket: id } }, (s) => s.clear('basket'));
      expect(setCookieFor(b.response, 'basket')?.attributes.get('max-age')).toBe('0');

      const setError = await a.set('basket', { items: ['secret', 'more'] }).then(() => undefined, (e: unknown) => e);
      expectConflict(setError);
      const updateError = await a.update('basket', (basket) => ({ items: [...(basket?.items ?? []), 'x'] })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectConflict(updateError);
      expect(sentId(a.applyTo(new Response('ok')), 'basket')).toBeUndefined();
      expect(await truthOf(id)).toBeUndefined();
      expect(await opened.truth.read(keyOf(id))).toBeUndefined();
    });

    it('clear racing in-flight adds: the old id ends dead, every add either landed before it or failed with a conflict', async () => {
      for (let trial = 0; trial < 5; trial++) {
        const id = await newBasket(['a']);
        const adds = Array.from({ length: 6 }, (_, i) =>
          request(app(i), id, async (s) => {
            await s.get('basket');
            return s.update('basket', (basket) => ({ items: [...(basket?.items ?? []), `add-${i}`] }));
          }),
        );
        const logout = request(app(1), id, (s) => s.clear('basket'));
        const [cleared, ...added] = await Promise.all([logout, ...adds]);
        expect(cleared?.error).toBeUndefined();
        for (const answer of added) {
          if (answer.error) expectConflict(answer.error);
          // A response may carry the id only for an add that landed before the clear; an add whose
          // read came after it (statements on several connections need not run in issue order)
          // saw no session and rightly started a new one, holding only its own item.
          else if (sentId(answer.response, 'basket') !== id) expect(answer.result).toEqual({ items: [`add-${added.indexOf(answer)}`] });
        }
        expect(await truthOf(id)).toBeUndefined();
        expect(await opened.truth.read(keyOf(id))).toBeUndefined();
      }
    });

    it('logout after renewals loaded: no renewal writes the id back or re-sends it', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const id = await newBasket(['x']);
      // Past the renewal threshold: every read below renews by compare-and-set.
      vi.setSystemTime(Date.now() + 61_000);
      const { storage, open: release, waitingAtGate } = gated(opened.handle(0));
      const renewing = defineSessions({ basket: cookie<Basket>({ storage, idleTimeout: IDLE }) });
      const renewals = Array.from({ length: 4 }, () => request(renewing, id, (s) => s.get('basket')));
      // Every renewal has loaded the session before the logout starts (on a pool, reads issued
      // first need not run first).
      await waitingAtGate(renewals.length);
      const logout = await request(app(1), id, (s) => s.clear('basket'));
      expect(setCookieFor(logout.response, 'basket')?.attributes.get('max-age')).toBe('0');
      release();
      for (const renewal of await Promise.all(renewals)) {
        expect(renewal.error).toBeUndefined();
        expect(renewal.result).toEqual({ items: ['x'] });
        expect(setCookieFor(renewal.response, 'basket')).toBeUndefined();
      }
      expect(await truthOf(id)).toBeUndefined();
    });

    it('logout racing renewals (unordered): the id ends dead; renewals that re-send it happened before the logout', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      for (let trial = 0; trial < 5; trial++) {
        const id = await newBasket(['x']);
        vi.setSystemTime(Date.now() + 61_000);
        // Log of the store's answers, in order, to check each re-sent id against the logout.
        const events: string[] = [];
        const inner = opened.handle(trial);
        const logging: SessionStorage = {
          read: (key) => inner.read(key),
          create: (key, value, ttl) => inner.create(key, value, ttl),
          async invalidate(key) {
            await inner.invalidate(key);
            events.push('invalidated');
          },
          async compareAndSet(key, expected, next, ttl) {
            const swapped = await inner.compareAndSet(key, expected, next, ttl);
            if (swapped) events.push('renewed');
            return swapped;
          },
        };
        const sessions = defineSessions({ basket: cookie<Basket>({ storage: logging, idleTimeout: IDLE }) });
        const answers = await Promise.all([
          request(sessions, id, (s) => s.clear('basket')),
          ...Array.from({ length: 4 }, () => request(sessions, id, (s) => s.get('basket'))),
        ]);
        const resent = answers.slice(1).filter((a) => sentId(a.response, 'basket') === id).length;
        const renewedBeforeLogout = events.slice(0, events.indexOf('invalidated')).filter((e) => e === 'renewed').length;
        expect(resent).toBeLessThanOrEqual(renewedBeforeLogout);
        expect(events.slice(events.indexOf('invalidated') + 1)).not.toContain('renewed');
        expect(await truthOf(id)).toBeUndefined();
      }
    });

    it('regenerate racing updates: one new id with every acknowledged item; the old id dead', async () => {
      const id = await newBasket(['start']);
      const moved = request(app(0), id, async (s) => {
        await s.get('basket');
        await s.regenerate('basket');
        return s.id('basket');
      });
      const adds = Array.from({ length: 8 }, (_, i) =>
        request(app(i + 1), id, (s) => s.update('basket', (basket) => ({ items: [...(basket?.items ?? []), `u${i}`] }))),
      );
      const [regenerated, ...added] = await Promise.all([moved, ...adds]);
      expect(regenerated?.error).toBeUndefined();
      const fresh = regenerated?.result as string;
      expect(fresh).not.toBe(id);
      expect(sentId(regenerated?.response as Response, 'basket')).toBe(fresh);
      let acknowledged = 0;
      for (const [i, answer] of added.entries()) {
        if (answer.error) {
          expectConflict(answer.error);
          continue;
        }
        const sent = sentId(answer.response, 'basket');
        if (sent === id) {
          // Stored in the session before it moved: the new id must carry it.
          acknowledged++;
          continue;
        }
        // Read only after the move (the old id already dead): no session, so update() started a
        // new one, sent it, and its item is there, not lost.
        expect(sent).toBeDefined();
        expect(sent).not.toBe(fresh);
        expect((await truthOf(sent as string))?.items).toEqual([`u${i}`]);
      }
      expect(await truthOf(id)).toBeUndefined();
      const items = (await truthOf(fresh))?.items ?? [];
      expect(items[0]).toBe('start');
      expect(items).toHaveLength(1 + acknowledged);
    });
  });
}
