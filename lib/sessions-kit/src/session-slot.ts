/**
 * The state of one session during one request: loaded lazily on first use,
 * written at once by `set` (so errors surface at the call site), and turned
 * into response headers at the end.
 */
import { SessionUnsupportedError } from './errors.ts';
import { nowSeconds } from './internal/runtime.ts';
import type { SessionRuntime } from './runtime.ts';
import type { Outgoing } from './transport/transport.ts';
import type { SessionTimes } from './types.ts';

export interface SlotContext {
  /** The raw value the client sent for this session, or undefined. */
  receive(runtime: SessionRuntime): string | undefined;
  /**
   * Called whenever the slot decides what to send. `explicit` is false for
   * renewals and for clearing invalid input, which the caller did not ask for.
   */
  emit?(runtime: SessionRuntime, outgoing: Outgoing, explicit: boolean): void;
  /** Throws when this context cannot carry a write for `runtime`; called before any side effect. */
  assertWritable?(runtime: SessionRuntime): void;
}

// Stages answer synchronously on Node; awaiting only real promises keeps the request path short.
export class SessionSlot {
  private loading: Promise<void> | undefined;
  private value: unknown;
  private times: SessionTimes | undefined;
  private id: string | undefined;
  outgoing: Outgoing | undefined;

  constructor(
    readonly runtime: SessionRuntime,
    private readonly context: SlotContext,
  ) {}

  async get(): Promise<unknown> {
    await this.ensureLoaded();
    return this.value;
  }

  async set(value: unknown): Promise<void> {
    const { runtime } = this;
    this.context.assertWritable?.(runtime);
    // Serialize first: a bad value fails before any I/O.
    const payload = runtime.serializer.serialize(value);
    // By id we must know the current id to keep it; with an absolute timeout, the creation time.
    if (runtime.tracker.byId || runtime.expiry.keepsCreationTime) await this.ensureLoaded();
    const now = nowSeconds();
    const times = runtime.expiry.issue(this.times?.createdAt ?? now, now);
    await this.write(payload, times, now, true);
    this.value = value;
  }

  async clear(): Promise<void> {
    const { runtime } = this;
    this.context.assertWritable?.(runtime);
    if (runtime.tracker.byId) {
      await this.ensureLoaded();
      if (this.id !== undefined) await runtime.tracker.invalidate(this.id);
    }
    this.loading = Promise.resolve();
    this.value = undefined;
    this.times = undefined;
    this.id = undefined;
    this.send({ kind: 'clear' }, true);
  }

  async getId(): Promise<string | undefined> {
    this.assertById('id');
    await this.ensureLoaded();
    return this.id;
  }

  async regenerate(): Promise<void> {
    this.assertById('regenerate');
    this.context.assertWritable?.(this.runtime);
    await this.ensureLoaded();
    const oldId = this.id;
    if (oldId === undefined || this.value === undefined) return;
    const payload = this.runtime.serializer.serialize(this.value);
    const now = nowSeconds();
    // The old id stays current until the new record is safely written.
    await this.write(payload, this.runtime.expiry.issue(this.times?.createdAt ?? now, now), now, true, { freshId: true });
    await this.runtime.tracker.invalidate(oldId);
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
    const raw = this.context.receive(runtime);
    if (raw === undefined) return;
    const opened = runtime.chain.read(raw);
    const openedValue = opened instanceof Promise ? await opened : opened;
    if (!openedValue) return this.reject();
    const loading = runtime.tracker.load(openedValue.value, openedValue.times);
    const tracked = loading instanceof Promise ? await loading : loading;
    if (!tracked) return this.reject();
    const now = nowSeconds();
    if (runtime.enforcesExpiry && !runtime.expiry.isLive(tracked.times, now)) return this.reject();
    let value: unknown;
    try {
      value = runtime.serializer.deserialize(tracked.payload);
      if (value instanceof Promise) value = await value;
    } catch {
      // By contract a serializer throws for data it cannot read: that is "no session".
      return this.reject();
    }
    this.value = value;
    this.times = tracked.times;
    this.id = tracked.id;
    const renew = runtime.enforcesExpiry && runtime.expiry.shouldRenew(tracked.times, now);
    if (openedValue.stale || renew) {
      // Renewal gets fresh deadlines; a re-issue with the current key keeps the old ones.
      const times =
        renew || tracked.times?.expiresAt === undefined
          ? runtime.expiry.issue(tracked.times?.createdAt ?? now, now)
          : tracked.times;
      await this.write(tracked.payload, times, now, false);
    }
  }

  private async write(
    payload: string,
    times: SessionTimes,
    now: number,
    explicit: boolean,
    options: { freshId?: boolean } = {},
  ): Promise<void> {
    const { runtime } = this;
    const ttl = runtime.expiry.storageTtl(times, now);
    const saving = runtime.tracker.save(payload, times, ttl, options.freshId ? undefined : this.id);
    const saved = saving instanceof Promise ? await saving : saving;
    // By id, deadlines live in the record; the client's value is the bare id.
    const writing = runtime.chain.write(saved.token, runtime.tracker.byId ? undefined : times);
    const wire = typeof writing === 'string' ? writing : await writing;
    runtime.transport.assertFits(runtime.name, wire);
    this.times = times;
    this.id = saved.id;
    this.loading ??= Promise.resolve();
    this.send({ kind: 'set', value: wire, maxAge: runtime.expiry.cookieMaxAge(times, now) }, explicit);
  }

  private reject(): void {
    // Invalid input from the client: no session, and the response tells the client to drop it.
    this.send({ kind: 'clear' }, false);
  }

  private send(outgoing: Outgoing, explicit: boolean): void {
    this.outgoing = outgoing;
    this.context.emit?.(this.runtime, outgoing, explicit);
  }

  private assertById(method: string): void {
    if (!this.runtime.tracker.byId) {
      throw new SessionUnsupportedError(
        `${method}() needs a session kept by id; "${this.runtime.name}" is kept by value. Give it a \`storage\` to use ${method}().`,
      );
    }
  }
}
