/**
 * The state of one session during one request: loaded lazily on first use,
 * written at once by `set` (so errors surface at the call site) and handed to
 * the request's I/O through the transport.
 *
 * By id, the slot remembers the exact record it loaded (or last wrote) and
 * every later write is conditional on it (tracker/by-id.ts), so a session
 * that another request cleared or regenerated meanwhile is never written back
 * and its id is never sent again.
 */
import type { CompiledSession } from './compile-session.ts';
import { SessionUnsupportedError } from './errors.ts';
import { nowSeconds } from './internal/platform.ts';
import type { SessionIO } from './session-io.ts';
import type { ByIdTracker, Draft, LoadedSession } from './tracker/tracker.ts';
import type { Outgoing } from './transport/transport.ts';
import type { SessionTimes } from './types.ts';

export class SessionSlot {
  private loading: Promise<void> | undefined;
  private value: unknown;
  private times: SessionTimes | undefined;
  /** By id: the record as this request last saw it; the expected value of its conditional writes. */
  private loaded: LoadedSession | undefined;

  constructor(
    readonly runtime: CompiledSession,
    private readonly io: SessionIO,
  ) {}

  async get(): Promise<unknown> {
    await this.ensureLoaded();
    return this.value;
  }

  async set(value: unknown): Promise<void> {
    const { runtime } = this;
    this.io.assertWritable(runtime);
    // Serialize first: a bad value fails before any I/O.
    const payload = runtime.serializer.serialize(value);
    const { tracker } = runtime;
    if (tracker.byId) {
      await this.ensureLoaded();
      // Replaces the live record (keeping its creation time), or creates a session under a new id;
      // a session that vanished since it was loaded makes this throw SessionConflictError.
      const saved = this.loaded
        ? await tracker.replace(this.loaded, (live) => this.draft(payload, live.times.createdAt))
        : await tracker.create(this.draft(payload, undefined));
      await this.adopt(saved, value);
      return;
    }
    // With an absolute timeout a rewrite keeps the creation time the client's value carries.
    if (runtime.expiry.keepsCreationTime) await this.ensureLoaded();
    const now = nowSeconds();
    await this.sendValue(payload, runtime.expiry.issue(this.times?.createdAt ?? now, now), now);
    this.value = value;
  }

  /**
   * By id: an atomic read-modify-write across requests; `fn` may run more than once (it gets the
   * latest data on each attempt). Without a session, `fn(undefined)` starts one under a new id.
   * A session that vanished while this request held it is refused (SessionConflictError), never
   * restarted: none of the cleared data may flow into a new session through `fn`.
   * By value: `get` + `set` within this request (client-held data cannot be updated atomically).
   */
  async update(fn: (current: unknown) => unknown): Promise<unknown> {
    const { runtime } = this;
    this.io.assertWritable(runtime);
    const { tracker } = runtime;
    if (!tracker.byId) {
      const next = await fn(await this.get());
      await this.set(next);
      return next;
    }
    await this.ensureLoaded();
    let next: unknown;
    const saved = await tracker.update(this.loaded, async (live) => {
      // A private copy per attempt: an fn that mutates its argument cannot leak into a retry.
      next = await fn(live === undefined ? undefined : await this.decodeOrUndefined(live.payload));
      return this.draft(runtime.serializer.serialize(next), live?.times.createdAt);
    });
    await this.adopt(saved, next);
    return next;
  }

  async clear(): Promise<void> {
    const { runtime } = this;
    this.io.assertWritable(runtime);
    if (runtime.tracker.byId) {
      await this.ensureLoaded();
      // Unconditional: once this returns, every conditional write against the old record fails.
      if (this.loaded) await runtime.tracker.invalidate(this.loaded.id);
    }
    this.loading = Promise.resolve();
    this.value = undefined;
    this.times = undefined;
    this.loaded = undefined;
    this.send({ kind: 'clear' });
  }

  async getId(): Promise<string | undefined> {
    this.byIdTracker('id');
    await this.ensureLoaded();
    return this.loaded?.id;
  }

  /** The deadlines the server holds for the current session, or undefined without one. */
  async getTimes(): Promise<SessionTimes | undefined> {
    await this.ensureLoaded();
    return this.value === undefined || this.times === undefined ? undefined : { ...this.times };
  }

  async regenerate(): Promise<void> {
    const tracker = this.byIdTracker('regenerate');
    this.io.assertWritable(this.runtime);
    await this.ensureLoaded();
    const loaded = this.loaded;
    if (loaded === undefined || this.value === undefined) return;
    // New record first, then the old one dies; data another request wrote meanwhile moves along.
    const moved = await tracker.regenerate(loaded, (live) => this.draft(live.payload, live.times.createdAt));
    const value = moved.payload === loaded.payload ? this.value : await this.decodeOrUndefined(moved.payload);
    await this.adopt(moved, value);
  }

  private ensureLoaded(): Promise<void> {
    if (!this.loading) {
      this.loading = this.load().catch((error: unknown) => {
        // A storage fault must not be cached as "no session": the next call tries again.
        this.loading = undefined;
        throw error;
      });
    }
    return this.loading;
  }

  private async load(): Promise<void> {
    const { runtime } = this;
    const raw = runtime.transport.receive(this.io);
    if (raw === undefined) return;
    const openedValue = await runtime.chain.read(raw);
    if (!openedValue) return this.reject();
    const tracked = await runtime.tracker.load(openedValue.value, openedValue.times);
    if (!tracked) return this.reject();
    const now = nowSeconds();
    if (runtime.enforcesExpiry && !runtime.expiry.isLive(tracked.times, now)) return this.reject();
    let value: unknown;
    try {
      value = await runtime.serializer.deserialize(tracked.payload);
    } catch {
      // By contract a serializer throws for data it cannot read: that is "no session".
      return this.reject();
    }
    this.value = value;
    this.times = tracked.times;
    this.loaded = tracked.loaded;
    const renew = runtime.enforcesExpiry && runtime.expiry.shouldRenew(tracked.times, now);
    if (!openedValue.stale && !renew) return;
    // Renewal gets fresh deadlines; a re-issue with the current key keeps the old ones.
    const times =
      renew || tracked.times?.expiresAt === undefined ? runtime.expiry.issue(tracked.times?.createdAt ?? now, now) : tracked.times;
    if (runtime.tracker.byId && tracked.loaded) {
      const draft = { payload: tracked.payload, times, ttlSeconds: runtime.expiry.storageTtl(times, now) };
      // Compare-and-set: skipped (no write, no Set-Cookie) when another request changed or ended
      // the session since it was read, so a renewal never re-creates or re-sends a dead id.
      const renewed = await runtime.tracker.renew(tracked.loaded, draft);
      if (renewed) await this.adopt(renewed, value);
      return;
    }
    await this.sendValue(tracked.payload, times, now);
  }

  /** What to store for `payload` now, for a session created at `createdAt` (now when new). */
  private draft(payload: string, createdAt: number | undefined): Draft {
    const { expiry } = this.runtime;
    const now = nowSeconds();
    const times = expiry.issue(createdAt ?? now, now);
    return { payload, times, ttlSeconds: expiry.storageTtl(times, now) };
  }

  /** By id: `saved` is now this request's session; the client gets its id. */
  private async adopt(saved: LoadedSession, value: unknown): Promise<void> {
    const { runtime } = this;
    const now = nowSeconds();
    // By id, deadlines live in the record; the client's value is the bare id.
    const wire = await runtime.chain.write(saved.id, undefined);
    runtime.transport.assertFits(runtime.name, wire);
    this.loaded = saved;
    this.times = saved.times;
    this.value = value;
    this.loading ??= Promise.resolve();
    this.send({ kind: 'set', value: wire, maxAge: runtime.expiry.cookieMaxAge(saved.times, now) });
  }

  /** By value: the client holds the protected payload itself, deadlines inside. */
  private async sendValue(payload: string, times: SessionTimes, now: number): Promise<void> {
    const { runtime } = this;
    const wire = await runtime.chain.write(payload, times);
    runtime.transport.assertFits(runtime.name, wire);
    this.times = times;
    this.loading ??= Promise.resolve();
    this.send({ kind: 'set', value: wire, maxAge: runtime.expiry.cookieMaxAge(times, now) });
  }

  /** Stored data another request wrote; unreadable data is no data, as on load. */
  private async decodeOrUndefined(payload: string): Promise<unknown> {
    try {
      return await this.runtime.serializer.deserialize(payload);
    } catch {
      return undefined;
    }
  }

  private reject(): void {
    // Invalid input from the client: no session, and the response tells the client to drop it.
    this.send({ kind: 'clear' });
  }

  private send(outgoing: Outgoing): void {
    this.runtime.transport.send(this.io, outgoing);
  }

  private byIdTracker(method: string): ByIdTracker {
    const { tracker } = this.runtime;
    if (!tracker.byId) {
      throw new SessionUnsupportedError(
        `${method}() needs a session kept by id; "${this.runtime.name}" is kept by value. Give it a \`storage\` to use ${method}().`,
      );
    }
    return tracker;
  }
}
