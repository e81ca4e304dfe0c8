/**
 * The state of one session during one request: loaded lazily on first use, written at once by
 * `set` (so errors surface at the call site) and handed to the request's I/O.
 *
 * By id, the slot remembers the exact record it loaded (or last wrote) and every later write is
 * conditional on it (tracker/by-id.ts), so a session that another request cleared or regenerated
 * meanwhile is never written back and its id is never sent again.
 */
import type { CompiledSession } from '../compile.ts';
import { SessionUnsupportedError } from '../errors.ts';
import { nowSeconds } from '../internal/platform.ts';
import type { ByIdTracker, Draft, LoadedSession } from '../tracker/by-id.ts';
import { assertFitsWire } from '../transport/wire.ts';
import type { SessionTimes } from '../types.ts';
import type { SessionInfo, SessionInspection } from './accessor.ts';
import { CLEAR, type RequestIO } from './io.ts';

export class Slot {
  private loading: Promise<void> | undefined;
  private value: unknown;
  private times: SessionTimes | undefined;
  /** By id: the record as this request last saw it; the expected value of its conditional writes. */
  private loaded: LoadedSession | undefined;
  /** By id: this request's writes, numbered as they start, and the last one whose result was adopted. */
  private writes = 0;
  private adopted = 0;

  constructor(
    private readonly session: CompiledSession,
    private readonly io: RequestIO,
  ) {}

  get(): Promise<unknown> {
    return this.ensureLoaded().then(() => this.value);
  }

  async set(value: unknown): Promise<void> {
    const { session } = this;
    this.io.assertWritable(session);
    // Serialize first: a bad value fails before any I/O.
    const payload = session.serializer.serialize(value);
    const owner = session.owner?.(value);
    const { tracker } = session;
    // By value with an absolute timeout or revocations, a rewrite keeps the creation time the client's value carries.
    if (tracker || session.expiry.keepsCreationTime || session.revocations) await this.ensureLoaded();
    if (!tracker) {
      const now = nowSeconds();
      const times = session.expiry.issue(this.times?.createdAt ?? now, now);
      await this.sendWire(payload, times, times, now);
      this.value = value;
      return;
    }
    // Replaces the live record (keeping its creation time), or creates a session under a new id;
    // a session that vanished since it was loaded makes this throw SessionConflictError.
    const seq = ++this.writes;
    const saved = this.loaded
      ? await tracker.replace(this.loaded, (live) => this.draft(payload, live.times.createdAt, owner))
      : await tracker.create(this.draft(payload, undefined, owner));
    await this.adopt(saved, value, seq);
  }

  /** By id: an atomic read-modify-write across requests (see SessionAccessor.update). By value: get + set. */
  async update(fn: (current: unknown) => unknown): Promise<unknown> {
    const { session } = this;
    this.io.assertWritable(session);
    const { tracker } = session;
    if (!tracker) {
      const next = await fn(await this.get());
      await this.set(next);
      return next;
    }
    await this.ensureLoaded();
    let next: unknown;
    let attempts = 0;
    const seq = ++this.writes;
    const saved = await tracker.update(this.loaded, async (live) => {
      const attempt = ++attempts;
      // A private copy per attempt: an fn that mutates its argument cannot leak into a retry.
      const value = await fn(live === undefined ? undefined : await this.decode(live.payload));
      // The attempt started last is the one stored: an earlier one the tracker gave up waiting
      // for (tracker/by-id.ts writeTogether) may still finish after it.
      if (attempt === attempts) next = value;
      return this.draft(session.serializer.serialize(value), live?.times.createdAt, session.owner?.(value));
    });
    await this.adopt(saved, next, seq);
    return next;
  }

  async clear(): Promise<void> {
    const { tracker } = this.session;
    // A tossed cookie reads as no session; clearing it would delete the user's real one.
    if (!this.io.assertWritable(this.session, true)) return;
    if (tracker) {
      await this.ensureLoaded();
      // Unconditional: once this returns, every conditional write against the old record fails.
      if (this.loaded) await tracker.invalidate(this.loaded);
    }
    this.loading = Promise.resolve();
    this.value = this.times = this.loaded = undefined;
    // A write of this request still in flight must not bring the session back into it.
    this.adopted = ++this.writes;
    this.io.send(this.session, CLEAR);
  }

  async id(): Promise<string | undefined> {
    this.byId('id');
    await this.ensureLoaded();
    return this.loaded?.id;
  }

  async regenerate(): Promise<void> {
    const tracker = this.byId('regenerate');
    this.io.assertWritable(this.session);
    await this.ensureLoaded();
    const loaded = this.loaded;
    if (loaded === undefined) return;
    // New record first, then the old one dies; data another request wrote meanwhile moves along.
    const seq = ++this.writes;
    const moved = await tracker.regenerate(loaded, (live) => this.draft(live.payload, live.times.createdAt, live.owner));
    await this.adopt(moved, moved.payload === loaded.payload ? this.value : await this.decode(moved.payload), seq);
  }

  /** This owner's live sessions (by id), the current one marked; [] without a session or an owner. */
  async list(): Promise<SessionInfo<unknown>[]> {
    const { tracker, owner } = this.owned('list');
    await this.ensureLoaded();
    const who = this.value === undefined ? undefined : owner(this.value);
    return who === undefined ? [] : listOwned(this.session, tracker, who, this.loaded?.key);
  }

  /** Ends one of the same owner's sessions by handle (or, without one, all but this one): how many ended. */
  async revoke(handle: string | undefined): Promise<number> {
    const { tracker, owner } = this.owned(handle === undefined ? 'revokeOthers' : 'revoke');
    // A state change like any write: refused from another site.
    this.io.assertWritable(this.session);
    await this.ensureLoaded();
    const who = this.value === undefined ? undefined : owner(this.value);
    if (who === undefined || (handle !== undefined && typeof handle !== 'string')) return 0;
    return tracker.revoke(who, handle, handle === undefined ? this.loaded?.key : undefined);
  }

  async inspect(): Promise<SessionInspection<unknown>> {
    await this.ensureLoaded();
    const times = this.value === undefined || this.times === undefined ? undefined : { ...this.times };
    return { sent: this.io.receive(this.session), data: this.value, times };
  }

  private ensureLoaded(): Promise<void> {
    this.loading ??= this.load().catch((error: unknown) => {
      // A storage fault must not be cached as "no session": the next call tries again.
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const { session } = this;
    const raw = this.io.receive(session);
    if (raw === undefined) return;
    const opened = await session.chain.read(raw);
    if (!opened) return this.reject();
    let loaded: LoadedSession | undefined;
    if (session.tracker) {
      loaded = await session.tracker.loadById(opened.value);
      if (!loaded) return this.reject();
    }
    const { payload, times } = loaded ?? { payload: opened.value, times: opened.times };
    const now = nowSeconds();
    if (session.enforcesExpiry && !session.expiry.isLive(times, now)) return this.reject();
    let value: unknown;
    try {
      const data = session.serializer.deserialize(payload);
      // The default serializer answers synchronously: no await, no extra promise (one of the promise cuts in transform/chain.ts).
      value = data instanceof Promise ? await data : data;
    } catch {
      // By contract a serializer throws for data it cannot read: that is "no session".
      return this.reject();
    }
    const owner = session.revocations && session.owner?.(value);
    const revokedAt = owner === undefined ? 0 : await session.revocations?.revokedAt(owner);
    // By value, signed out everywhere: created at or before the owner's last revokeAll.
    if (revokedAt && (times?.createdAt ?? 0) <= revokedAt) return this.reject();
    this.value = value;
    this.times = times;
    this.loaded = loaded;
    const renew = session.enforcesExpiry && session.expiry.shouldRenew(times, now);
    if (!opened.stale && !renew) return;
    // Renewal gets fresh deadlines; a re-issue with the current key keeps the old ones.
    const next = renew || times?.expiresAt === undefined ? session.expiry.issue(times?.createdAt ?? now, now) : times;
    if (!loaded) return this.sendWire(payload, next, next, now);
    // Compare-and-set: skipped (no write, no Set-Cookie) when another request changed or ended
    // the session since it was read, so a renewal never re-creates or re-sends a dead id.
    const renewed = await session.tracker?.renew(loaded, { payload, times: next, ttlSeconds: session.expiry.storageTtl(next, now), owner: loaded.owner });
    if (renewed) await this.adopt(renewed, value);
  }

  /** What to store for `payload` (the data `value`) now, for a session created at `createdAt` (now when new). */
  private draft(payload: string, createdAt: number | undefined, owner: string | undefined): Draft {
    const now = nowSeconds();
    const times = this.session.expiry.issue(createdAt ?? now, now);
    return { payload, times, ttlSeconds: this.session.expiry.storageTtl(times, now), owner };
  }

  /**
   * By id: `saved` is now this request's session; the client gets its id (deadlines live in the
   * record). Writes of one request that went out together can settle in either order: the result
   * of the one started last stands.
   */
  private adopt(saved: LoadedSession, value: unknown, seq = ++this.writes): Promise<void> {
    if (seq < this.adopted) return Promise.resolve();
    this.adopted = seq;
    this.loaded = saved;
    this.value = value;
    return this.sendWire(saved.id, undefined, saved.times, nowSeconds());
  }

  /** Protects `value` (by value the payload, deadlines `carried` inside; by id the id) and hands it to the I/O. */
  private async sendWire(value: string, carried: SessionTimes | undefined, times: SessionTimes, now: number): Promise<void> {
    const { session } = this;
    const wire = await session.chain.write(value, carried);
    assertFitsWire(session.name, session.cookie ? 'cookie' : 'header', session.wireName, wire);
    this.times = times;
    this.loading ??= Promise.resolve();
    this.io.send(session, { value: wire, maxAge: session.expiry.cookieMaxAge(times, now) });
  }

  /** Stored data another request wrote; unreadable data is no data, as on load. */
  private async decode(payload: string): Promise<unknown> {
    try {
      return await this.session.serializer.deserialize(payload);
    } catch {
      return undefined;
    }
  }

  /** Invalid input from the client: no session, and the response tells the client to drop it. */
  private reject(): void {
    this.io.send(this.session, CLEAR);
  }

  private owned(method: string) {
    const tracker = this.byId(method);
    const { owner, name } = this.session;
    if (!owner) throw new SessionUnsupportedError(`${method}() needs an owner on session "${name}": add owner: (data) => data.userId to its definition.`);
    return { tracker, owner };
  }

  private byId(method: string) {
    const { tracker, name } = this.session;
    if (!tracker) {
      throw new SessionUnsupportedError(
        `${method}() needs a session kept by id; "${name}" is kept by value. Give it a \`storage\` to use ${method}().`,
      );
    }
    return tracker;
  }
}

/** An owner's live sessions as `SessionInfo`s; sessions whose data no longer reads are left out. */
export async function listOwned(
  session: CompiledSession,
  tracker: ByIdTracker,
  owner: string,
  currentKey: string | undefined,
): Promise<SessionInfo<unknown>[]> {
  const found = await tracker.list(owner);
  const infos = await Promise.all(
    found.map(async (s): Promise<SessionInfo<unknown> | undefined> => {
      let data: unknown;
      try {
        data = await session.serializer.deserialize(s.payload);
      } catch {
        return undefined;
      }
      const date = (seconds: number | undefined) => (seconds === undefined ? undefined : new Date(seconds * 1000));
      return {
        handle: s.handle,
        current: s.key === currentKey,
        createdAt: date(s.times.createdAt ?? s.seen) as Date,
        lastSeenAt: date(s.seen) as Date,
        expiresAt: date(s.times.expiresAt),
        data,
      };
    }),
  );
  return infos.filter((info) => info !== undefined).sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
}
