/**
 * Races on the by-id tracker, run on every storage (memory, directory,
 * cached, Redis): concurrent writers, clears and regenerations racing
 * in-flight requests. Each "request" loads first, as a real one does, then
 * the racing operations run concurrently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionConflictError } from '../src/errors.ts';
import { type ByIdTracker, type Draft, type LoadedSession, byIdTracker } from '../src/tracker/by-id.ts';
import { keyOf } from './spy-storage.ts';
import type { OpenedStorage } from './storages.ts';

interface Basket {
  items: string[];
}

/** Concurrency figures of one run, for reports (printed with SESSIONS_KIT_FIGURES=1). */
export interface RaceFigures {
  storage: string;
  test: string;
  writers: number;
  operations: number;
  lost: number;
}

export const raceFigures: RaceFigures[] = [];

function report(figures: RaceFigures): void {
  raceFigures.push(figures);
  if (process.env.SESSIONS_KIT_FIGURES === '1') console.info(JSON.stringify(figures));
}

const NAME = 'basket';
const LIFETIME = 600;

const now = () => Math.floor(Date.now() / 1000);

function draftOf(basket: Basket, createdAt = now()): Draft {
  return { payload: JSON.stringify(basket), times: { createdAt, expiresAt: now() + LIFETIME }, ttlSeconds: LIFETIME };
}

const itemsOf = (session: LoadedSession): string[] => (JSON.parse(session.payload) as Basket).items;

/** Adds `item` to whatever the live record holds. */
const adding = (item: string) => (live: LoadedSession | undefined) =>
  draftOf({ items: [...(live ? itemsOf(live) : []), item] }, live?.times.createdAt);

/** Settles all, returning fulfilled values and rejections apart. */
async function settle<T>(work: Promise<T>[]): Promise<{ ok: T[]; failed: unknown[] }> {
  const results = await Promise.allSettled(work);
  return {
    ok: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    failed: results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])),
  };
}

function expectConflicts(failed: unknown[]): void {
  for (const error of failed) {
    expect(error).toBeInstanceOf(SessionConflictError);
    expect((error as SessionConflictError).code).toBe('ERR_SESSION_CONFLICT');
  }
}

export interface RaceOptions {
  /** Concurrent writers on one session. Default 24. */
  writers?: number;
}

/**
 * Registers the race suite for one storage.
 *
 * @example
 * ```ts
 * describeTrackerRaces('memoryStorage', async () => { const s = memoryStorage(); return { handle: () => s, cleanup: async () => {} }; });
 * ```
 */
export function describeTrackerRaces(
  storageName: string,
  open: () => Promise<OpenedStorage>,
  options: RaceOptions = {},
): void {
  const writers = options.writers ?? 24;

  describe(`by-id tracker races on ${storageName}`, () => {
    let opened: OpenedStorage;
    /** The tracker of app instance `i`. */
    const tracker = (i: number): ByIdTracker => byIdTracker(opened.handle(i), NAME);
    /** Reads the outcome from the store itself, past any instance's cache. */
    const truth = (id: string) => byIdTracker(opened.truth, NAME).loadById(id);

    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.cleanup();
    });

    /** A new session holding `items`, and `count` requests that each loaded it. */
    async function loadedBy(count: number, items: string[] = []): Promise<{ id: string; loads: LoadedSession[] }> {
      const { id } = await tracker(0).create(draftOf({ items }));
      const loads = await Promise.all(Array.from({ length: count }, (_, i) => tracker(i).loadById(id)));
      for (const loaded of loads) expect(loaded).toBeDefined();
      return { id, loads: loads as LoadedSession[] };
    }

    it(`${writers} concurrent update()s that each add one item end with ${writers} items`, async () => {
      const { id, loads } = await loadedBy(writers);
      const { ok, failed } = await settle(loads.map((loaded, i) => tracker(i).update(loaded, adding(`item-${i}`))));
      expect(failed).toEqual([]);
      const final = await truth(id);
      const items = itemsOf(final as LoadedSession);
      expect(items.sort()).toEqual(loads.map((_, i) => `item-${i}`).sort());
      expect(ok).toHaveLength(writers);
      report({ storage: storageName, test: 'concurrent update()', writers, operations: writers, lost: writers - items.length });
    });

    it('repeated rounds: 8 writers × 5 updates each, all kept', async () => {
      const { id } = await loadedBy(0);
      const rounds = 5;
      const workers = Array.from({ length: 8 }, async (_, w) => {
        for (let r = 0; r < rounds; r++) {
          const loaded = (await tracker(w).loadById(id)) as LoadedSession;
          await tracker(w).update(loaded, adding(`w${w}-r${r}`));
        }
      });
      const { failed } = await settle(workers);
      expect(failed).toEqual([]);
      const items = itemsOf((await truth(id)) as LoadedSession);
      expect(items).toHaveLength(8 * rounds);
      report({ storage: storageName, test: 'update() loop', writers: 8, operations: 8 * rounds, lost: 8 * rounds - items.length });
    });

    it('request A loads, B clears, A sets: SessionConflictError, and the id stays dead', async () => {
      const { id, loads } = await loadedBy(2, ['kept?']);
      const [a, b] = loads as [LoadedSession, LoadedSession];
      await tracker(1).invalidate(b);
      await expect(tracker(0).replace(a, () => draftOf({ items: ['resurrected'] }))).rejects.toMatchObject({
        code: 'ERR_SESSION_CONFLICT',
      });
      await expect(tracker(2).update(a, adding('resurrected'))).rejects.toMatchObject({ code: 'ERR_SESSION_CONFLICT' });
      expect(await tracker(0).renew(a, draftOf({ items: ['kept?'] }))).toBeUndefined();
      expect(await truth(id)).toBeUndefined();
      expect(await opened.truth.read(keyOf(id))).toBeUndefined();
    });

    it('clear racing in-flight sets, updates and renewals: once clear returns the id is dead for good', async () => {
      const { id, loads: all } = await loadedBy(13, ['a']);
      const loads = all.slice(0, 12);
      const racing = loads.map((loaded, i): Promise<unknown> => {
        const t = tracker(i);
        if (i % 3 === 0) return t.replace(loaded, () => draftOf({ items: ['set'] }));
        if (i % 3 === 1) return t.update(loaded, adding('update'));
        return t.renew(loaded, draftOf({ items: itemsOf(loaded) }));
      });
      const cleared = tracker(1).invalidate(all[12] as LoadedSession);
      const { failed } = await settle<unknown>([...racing, cleared]);
      expectConflicts(failed);
      // Writers still in their retry pauses finished above; nothing brought the id back.
      expect(await truth(id)).toBeUndefined();
      // And a request that loaded before the clear cannot write it back afterwards either.
      await expect(tracker(2).replace(loads[0] as LoadedSession, () => draftOf({ items: ['late'] }))).rejects.toBeInstanceOf(
        SessionConflictError,
      );
      expect(await opened.truth.read(keyOf(id))).toBeUndefined();
    });

    it('regenerate racing updates: the new id holds every update that succeeded; the old id is dead', async () => {
      const { id, loads } = await loadedBy(9, ['start']);
      const [mover, ...updaters] = loads as [LoadedSession, ...LoadedSession[]];
      const moved = tracker(0).regenerate(mover, (live) => draftOf({ items: itemsOf(live) }, live.times.createdAt));
      const updates = updaters.map((loaded, i) => tracker(i + 1).update(loaded, adding(`u${i}`)));
      const [regenerated, ...results] = await Promise.allSettled([moved, ...updates]);
      expect(regenerated?.status).toBe('fulfilled');
      const fresh = (regenerated as PromiseFulfilledResult<LoadedSession>).value;
      expect(fresh.id).not.toBe(id);
      const succeeded = results.filter((r) => r.status === 'fulfilled').length;
      expectConflicts(results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])));
      expect(await truth(id)).toBeUndefined();
      const live = (await truth(fresh.id)) as LoadedSession;
      expect(itemsOf(live)[0]).toBe('start');
      // Every acknowledged update is in the moved session; none is lost, none invented.
      expect(itemsOf(live)).toHaveLength(1 + succeeded);
      expect(itemsOf(fresh)).toEqual(itemsOf(live));
    });

    it('two regenerates of one session: exactly one wins, the loser leaves no record behind', async () => {
      const { id, loads } = await loadedBy(2, ['x']);
      const same = (live: LoadedSession) => draftOf({ items: itemsOf(live) }, live.times.createdAt);
      const { ok, failed } = await settle(loads.map((loaded, i) => tracker(i).regenerate(loaded, same)));
      expect(ok).toHaveLength(1);
      expect(failed).toHaveLength(1);
      expectConflicts(failed);
      expect(await truth(id)).toBeUndefined();
      const winner = ok[0] as LoadedSession;
      expect(itemsOf((await truth(winner.id)) as LoadedSession)).toEqual(['x']);
    });

    it('regenerate racing clear: the old id ends dead, and a failed regenerate leaves no new record', async () => {
      for (let trial = 0; trial < 6; trial++) {
        const { id, loads } = await loadedBy(2, ['secret']);
        const moved = tracker(0).regenerate(loads[0] as LoadedSession, (live) => draftOf({ items: itemsOf(live) }));
        const cleared = tracker(1).invalidate(loads[1] as LoadedSession);
        const [regenerated] = await Promise.allSettled([moved, cleared]);
        expect(await opened.truth.read(keyOf(id))).toBeUndefined();
        if (regenerated?.status === 'rejected') {
          expect(regenerated.reason).toBeInstanceOf(SessionConflictError);
        } else {
          // The move won the race: the clear found the old id already gone.
          expect(await truth(regenerated?.value.id as string)).toBeDefined();
        }
      }
    });

    it('new ids are created only if absent: create never overwrites', async () => {
      const made = await Promise.all(Array.from({ length: 30 }, (_, i) => tracker(i).create(draftOf({ items: [`s${i}`] }))));
      expect(new Set(made.map((m) => m.id)).size).toBe(30);
      for (const [i, m] of made.entries()) expect(itemsOf((await truth(m.id)) as LoadedSession)).toEqual([`s${i}`]);
      const storage = opened.truth;
      const taken = made[0] as LoadedSession;
      expect(await storage.create(taken.key, 'intruder', 60)).toBe(false);
      expect(await storage.read(taken.key)).toBe(taken.record);
    });
  });
}
