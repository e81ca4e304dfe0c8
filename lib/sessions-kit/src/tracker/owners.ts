/**
 * The per-owner index: for each (session name, owner), one record in the session's own storage
 * naming that owner's sessions by their storage keys (hashes of ids, never ids). It is changed
 * only by compare-and-set (create when absent), so concurrent logins of one user are never lost
 * from it; within one process the edits that arrive together are written together.
 *
 * It is a hint, the session records are the truth: entries are added before any request can reach
 * a record that names the owner (with a new record, before its id is sent), a login drops the
 * entries whose sessions have ended (expired without a logout, say) as it adds its own, `list`
 * and `revoke` drop the ones they find dead (and `revoke` the ones it ended), and the record goes
 * when its last entry does.
 * A first login (no index known to this process) tries to create the index with its one entry
 * outright; when the index exists that create fails and the login edits it like any other.
 * An entry younger than a minute is never dropped as dead: its record may be on its way.
 * Stored JSON: `{"v":1,"n":<session>,"s":{<key>:<added at, seconds>,…}}` under
 * base64url(SHA-256(namespace + [session, owner])).
 */
import { sha256 } from '../internal/crypto.ts';
import { toBase64url } from '../internal/encoding.ts';
import { nowSeconds } from '../internal/platform.ts';
import type { SessionStorage } from '../types.ts';
import { type Guard, retrying } from './contention.ts';
import { bounded } from './record.ts';

const NAMESPACE = 'sessions-kit/owner/v1:';
/** An entry this young may be waiting for its record (a login or a move in flight). */
const GRACE_SECONDS = 60;

export type OwnerIndex = ReturnType<typeof ownerIndex>;

export function ownerIndex(storage: SessionStorage, sessionName: string, guard: Guard) {
  // Cached per owner: a SHA-256 per list(), login and logout (micro-benchmark: 2.7 µs each).
  const indexKey = bounded(10_000, async (owner: string) => toBase64url(await sha256(NAMESPACE + JSON.stringify([sessionName, owner]))));
  /** Owners whose index this process saw in storage: their logins skip the create-first attempt. */
  const indexed = new Set<string>();
  const remember = (owner: string) => {
    if (indexed.size >= 10_000) indexed.clear();
    indexed.add(owner);
  };

  type Entries = Record<string, number>;

  const read = async (key: string): Promise<{ stored: string | undefined; entries: Entries }> => {
    const stored = await guard('read', () => storage.read(key));
    try {
      const parsed = stored === undefined ? undefined : JSON.parse(stored);
      if (parsed?.v === 1 && parsed.n === sessionName && typeof parsed.s === 'object' && parsed.s) return { stored, entries: parsed.s };
    } catch {
      // Unreadable: start afresh (its compare-and-set still expects the exact stored text).
    }
    return { stored, entries: {} };
  };

  /** Checks of whether a listed session is still the owner's, shared by the edits of one write. */
  type Seen = Map<string, Promise<boolean>>;
  type Edit = (entries: Entries, seen: Seen) => void | Promise<void>;
  /** Per index key: the edits waiting for the next write, and the write in progress (settled, never rejecting). */
  const waiting = new Map<string, { edits: Edit[]; done: Promise<void> }>();
  const writing = new Map<string, Promise<void>>();

  /**
   * Applies `edit` to the owner's entries with compare-and-set, retrying while other instances
   * change them. Within this process the edits of one owner are written together: those that
   * arrive while a write is in progress wait for it and then go out in one compare-and-set, so
   * 200 simultaneous logins of one user cost a few writes, not 200 rounds of lost compares
   * (`npm run test:load`, 200 clients logging in as one user: before, about 180 logins answered 409
   * on Redis and 350 requests 503 on a directory, the index lock held past its bound; now none).
   */
  const change = async (owner: string, edit: Edit): Promise<void> => {
    const key = await indexKey(owner);
    remember(owner);
    let batch = waiting.get(key);
    if (!batch) {
      const edits: Edit[] = [];
      const previous = writing.get(key);
      const done = (async () => {
        await previous;
        waiting.delete(key);
        await write(key, edits);
      })();
      const settled = done.then(
        () => undefined,
        () => undefined,
      );
      writing.set(key, settled);
      void settled.then(() => writing.get(key) === settled && writing.delete(key));
      batch = { edits, done };
      waiting.set(key, batch);
    }
    batch.edits.push(edit);
    return batch.done;
  };

  const write = (key: string, edits: readonly Edit[]): Promise<unknown> => {
    const seen: Seen = new Map();
    return retrying(`The session index of "${sessionName}"`, async () => {
      const { stored, entries } = await read(key);
      const before = JSON.stringify(entries);
      for (const edit of edits) await edit(entries, seen);
      const value = JSON.stringify(entries);
      if (stored !== undefined && value === before) return true;
      const next = value === '{}' ? undefined : JSON.stringify({ v: 1, n: sessionName, s: entries });
      let done: boolean;
      if (stored === undefined) done = next === undefined || (await guard('write', () => storage.create(key, next)));
      else done = await guard('write', () => storage.compareAndSet(key, stored, next));
      return done || undefined;
    });
  };

  /** Drops the entries `dead` names, unless they are younger than the grace period. */
  const prune = (entries: Entries, dead: (key: string) => boolean) => {
    const settled = nowSeconds() - GRACE_SECONDS;
    for (const [key, added] of Object.entries(entries)) if (added <= settled && dead(key)) delete entries[key];
  };

  return {
    /** Lists `key` under `owner`, dropping entries whose sessions `isLive` says have ended. */
    async add(owner: string, key: string, isLive: (key: string) => Promise<boolean>): Promise<void> {
      // A first login creates the index outright, one round trip instead of a read and a create
      // (Redis login with an owner: 0.53 → 0.60 in earlier bench runs; 0.59 in bench/results.md of
      // 2026-12-05 18:51). An owner known to be indexed goes straight to change().
      const fresh = JSON.stringify({ v: 1, n: sessionName, s: { [key]: nowSeconds() } });
      // Only one login per owner tries it: the others that arrive meanwhile go into one batched write.
      if (!indexed.has(owner)) {
        remember(owner);
        if (await guard('write', async () => storage.create(await indexKey(owner), fresh))) return;
      }
      return change(owner, async (entries, seen) => {
        // Only entries past the grace period can be dropped: only their records are read, once per write.
        const settled = nowSeconds() - GRACE_SECONDS;
        const old = Object.keys(entries).filter((k) => (entries[k] as number) <= settled);
        const check = (k: string) => seen.get(k) ?? seen.set(k, isLive(k)).get(k)!;
        const live = new Set((await Promise.all(old.map(async (k) => ((await check(k)) ? k : '')))).filter(Boolean));
        prune(entries, (k) => !live.has(k));
        entries[key] ??= nowSeconds();
      });
    },
    /**
     * Drops `ended` (sessions whose records are gone by the caller's hand) from `owner`'s list, and
     * `dead` (found without a record naming `owner`) only past the grace period: a young one may be
     * a login whose record is still on its way, and dropping it would leave that session unlisted.
     */
    remove(owner: string, ended: readonly string[], dead: readonly string[] = []): Promise<void> {
      return change(owner, (entries) => {
        for (const key of ended) delete entries[key];
        if (dead.length > 0) prune(entries, (k) => dead.includes(k));
      });
    },
    /** The storage keys listed under `owner` (live or not: the caller checks each record). */
    async keys(owner: string): Promise<string[]> {
      return Object.keys((await read(await indexKey(owner))).entries);
    },
  };
}
