/**
 * The per-request accessor: one object with the same methods in Route
 * Handlers, Server Actions, Server Components and `proxy.ts`.
 */
import { SessionConfigError } from './errors.ts';
import type { SessionRuntime } from './runtime.ts';
import { SessionSlot, type SlotContext } from './session-slot.ts';

export interface SessionAccessor<Data> {
  /** The session's data, or undefined when there is none (or what the client sent was invalid). */
  get<K extends keyof Data>(name: K): Promise<Data[K] | undefined>;
  /** Serializes, stores and protects at once: a too-large value or a storage fault rejects here. */
  set<K extends keyof Data>(name: K, value: Data[K]): Promise<void>;
  /** Ends the session: forgets it in storage (by id) and tells the client to drop it. */
  clear<K extends keyof Data>(name: K): Promise<void>;
  /** The current data, or `create()`'s result, stored. */
  getOrSet<K extends keyof Data>(name: K, create: () => Data[K] | Promise<Data[K]>): Promise<Data[K]>;
  /**
   * Read-modify-write: `fn` gets the current data (or undefined) and its result is stored.
   * By id it is atomic across requests; by value it is `get` + `set` within this request.
   */
  update<K extends keyof Data>(name: K, fn: (current: Data[K] | undefined) => Data[K] | Promise<Data[K]>): Promise<Data[K]>;
  /** By-id sessions: the current id, or undefined. */
  id<K extends keyof Data>(name: K): Promise<string | undefined>;
  /** By-id sessions: moves the data to a new id and kills the old one. Call it after login. */
  regenerate<K extends keyof Data>(name: K): Promise<void>;
}

// Methods are async so that misuse (an unknown name) rejects rather than throwing synchronously.
export class SessionAccessorImpl<Data> implements SessionAccessor<Data> {
  protected readonly slots = new Map<string, SessionSlot>();

  constructor(
    protected readonly runtimes: ReadonlyMap<string, SessionRuntime>,
    private readonly context: SlotContext,
  ) {}

  async get<K extends keyof Data>(name: K): Promise<Data[K] | undefined> {
    return (await this.slot(name).get()) as Data[K] | undefined;
  }

  async set<K extends keyof Data>(name: K, value: Data[K]): Promise<void> {
    return this.slot(name).set(value);
  }

  async clear<K extends keyof Data>(name: K): Promise<void> {
    return this.slot(name).clear();
  }

  async getOrSet<K extends keyof Data>(name: K, create: () => Data[K] | Promise<Data[K]>): Promise<Data[K]> {
    const current = await this.get(name);
    if (current !== undefined) return current;
    const value = await create();
    await this.set(name, value);
    return value;
  }

  async update<K extends keyof Data>(
    name: K,
    fn: (current: Data[K] | undefined) => Data[K] | Promise<Data[K]>,
  ): Promise<Data[K]> {
    const next = await fn(await this.get(name));
    await this.set(name, next);
    return next;
  }

  async id<K extends keyof Data>(name: K): Promise<string | undefined> {
    return this.slot(name).getId();
  }

  async regenerate<K extends keyof Data>(name: K): Promise<void> {
    return this.slot(name).regenerate();
  }

  protected slot(name: keyof Data): SessionSlot {
    const key = name as string;
    let slot = this.slots.get(key);
    if (!slot) {
      const runtime = this.runtimes.get(key);
      if (!runtime) {
        throw new SessionConfigError(
          `Unknown session ${JSON.stringify(key)}. Defined: ${[...this.runtimes.keys()].join(', ') || 'none'}.`,
        );
      }
      slot = new SessionSlot(runtime, this.context);
      this.slots.set(key, slot);
    }
    return slot;
  }
}
