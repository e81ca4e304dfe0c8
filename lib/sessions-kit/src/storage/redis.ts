import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import { checkTtl } from '../checks.ts';
import type { SessionStorage } from '../types.ts';

/**
 * The few node-redis client members this storage uses. Any client from `createClient()`
 * of the `redis` package fits; so does a small fake in tests.
 *
 * @example
 * ```ts
 * const client: RedisClientLike = createClient({ url: process.env.REDIS_URL });
 * ```
 */
export interface RedisClientLike {
  /** The client was connected (it may be reconnecting right now). */
  readonly isOpen: boolean;
  /** Connected and able to run commands right now; when absent, `isOpen` is used instead. */
  readonly isReady?: boolean;
  connect(): Promise<unknown>;
  get(key: string): Promise<string | null>;
  /** `SET`; with `condition: 'NX'` it answers null when the key already exists. */
  set(key: string, value: string, options?: { expiration?: { type: 'EX'; value: number }; condition?: 'NX' }): Promise<unknown>;
  del(key: string): Promise<unknown>;
  /** `EVAL` of a script on one key (a cluster client routes it by that key). */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** `EVALSHA`: the same, naming a script Redis has cached. */
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * Options of {@link redisStorage}: exactly one of `url` or `client`.
 *
 * @example
 * ```ts
 * const options: RedisStorageOptions = { url: 'redis://127.0.0.1:6379', prefix: 'myapp:sess:' };
 * ```
 */
export interface RedisStorageOptions {
  /** `redis://[user:password@]host[:port][/db]` (or `rediss://`). The storage owns this connection. */
  url?: string;
  /**
   * A client you create and close yourself. Connected lazily if it is not open yet.
   * Create it with `disableOfflineQueue: true`: otherwise a command that timed out here
   * while Redis was down stays queued in the client and still runs when Redis is back.
   */
  client?: RedisClientLike;
  /** Prepended to every id to make the key. Default `sess:`. */
  prefix?: string;
  /** Longest wait for a connection before a call fails. Default 2 000 ms. */
  connectTimeoutMs?: number;
  /** Longest wait for one command before a call fails. Default 2 000 ms. */
  commandTimeoutMs?: number;
}

/**
 * A Redis storage, plus `close()` to release the connection it opened from `url`.
 *
 * @example
 * ```ts
 * const storage: RedisStorage = redisStorage({ url: process.env.REDIS_URL });
 * process.once('SIGTERM', () => void storage.close());
 * ```
 */
export type RedisStorage = SessionStorage & Required<Pick<SessionStorage, 'create' | 'compareAndSet'>> & {
  /**
   * Closes the connection the storage opened from `url`, waiting (bounded) for commands in
   * flight. A client passed as `client` is left open: its owner closes it.
   */
  close(): Promise<void>;
};

const DEFAULT_PREFIX = 'sess:';
const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
/** Longest pause between two reconnection attempts: short, so the store is back soon after Redis is. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * Compare-and-set in one step on the server: nothing runs between the GET and the SET/DEL.
 * One key only, so it runs on whichever cluster node owns that key.
 * ARGV: the expected value; then nothing (delete), the new value, or the new value and EX seconds.
 */
const COMPARE_AND_SET = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if #ARGV == 1 then redis.call('DEL', KEYS[1])
elseif #ARGV == 2 then redis.call('SET', KEYS[1], ARGV[2])
else redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
return 1`;
/** Sent instead of the script (EVALSHA): Redis need not receive and hash it on every call. */
const COMPARE_AND_SET_SHA1 = createHash('sha1').update(COMPARE_AND_SET).digest('hex');

/** A lone surrogate: UTF-8 turns it into U+FFFD, so two different ids would share one key. */
const ILL_FORMED = /\p{Cs}/u;

/**
 * Sessions stored in Redis under `prefix + id` (plain GET, SET … EX, DEL; never a pattern
 * command), shared by every instance of the app. `create` is `SET NX`; `compareAndSet` is
 * one Lua script on the key (EVALSHA), so both are atomic, also through a Redis Cluster client
 * (`redisStorage({ client: createCluster(…) })`): every command touches a single key.
 *
 * Every call is bounded: it fails with a `SessionStorageError` within the connect and
 * command timeouts when Redis is unreachable or slow, never hangs and never reads as
 * "no session". The connection is opened on first use and comes back by itself
 * (retrying with backoff) when Redis does.
 *
 * @example
 * ```ts
 * const storage = redisStorage({ url: process.env.REDIS_URL });
 * await storage.write(id, '{"user":1}', 3600); // SET sess:<id> … EX 3600
 * await storage.read(id); // '{"user":1}'
 * await storage.close(); // on shutdown
 * ```
 */
export function redisStorage(options: RedisStorageOptions): RedisStorage {
  const { url, client: givenClient } = options;
  if ((url === undefined) === (givenClient === undefined)) {
    throw new SessionConfigError('redisStorage: pass exactly one of `url` or `client`.');
  }
  if (url !== undefined && (typeof url !== 'string' || url === '')) {
    throw new SessionConfigError('redisStorage: `url` must be a non-empty string.');
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string') {
    throw new SessionConfigError('redisStorage: `prefix` must be a string.');
  }
  const connectTimeoutMs = positiveInteger('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS);
  const commandTimeoutMs = positiveInteger('commandTimeoutMs', options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS);

  /** The last connection error since the owned client was last ready: calls fail fast meanwhile. */
  let connectionError: unknown;
  /** Calls waiting for the first connection; failed at once by a connection error. */
  const waiters = new Set<(err: unknown) => void>();

  const ownClient =
    url === undefined
      ? undefined
      : createClient({
          url,
          // While disconnected, commands fail at once instead of queueing without bound.
          disableOfflineQueue: true,
          // The client's own per-command timeout bounds every command we send.
          commandOptions: { timeout: commandTimeoutMs },
          socket: {
            connectTimeout: connectTimeoutMs,
            // Never give up (the default gives up on socket timeouts): Redis coming back
            // must be enough for the store to work again.
            reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100),
          },
        });
  if (ownClient) {
    // Without an 'error' listener, node-redis's EventEmitter would crash the process.
    ownClient.on('error', (err: unknown) => {
      if (!ownClient.isReady) connectionError = err;
      for (const fail of [...waiters]) fail(err);
    });
    ownClient.on('ready', () => {
      connectionError = undefined;
    });
  }
  const client: RedisClientLike = ownClient ?? (givenClient as RedisClientLike);

  let connecting: Promise<unknown> | undefined;
  let closed = false;

  /** Resolves once commands can be sent; rejects (bounded by the connect timeout) otherwise. */
  function ready(): Promise<void> | undefined {
    if (closed) return Promise.reject(new SessionStorageError('redisStorage is closed.'));
    if (client.isReady ?? client.isOpen) return undefined;
    if (connecting === undefined) {
      // Opened by its owner but not ready (reconnecting): let the command itself decide.
      if (client.isOpen) return undefined;
      // One shared connection attempt for all callers (connect() twice would throw).
      const attempt = client.connect();
      connecting = attempt;
      attempt.catch(() => {
        // Failed for good (not mere retries, which node-redis does inside connect()):
        // allow a fresh attempt on the next call.
        if (connecting === attempt) connecting = undefined;
      });
    }
    if (connectionError !== undefined) {
      return Promise.reject(storageError('connect to Redis', connectionError));
    }
    const attempt = connecting;
    return new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => {
        cleanup();
        reject(storageError('connect to Redis', err));
      };
      const timer = setTimeout(() => fail(new Error(`No connection within ${connectTimeoutMs} ms.`)), connectTimeoutMs);
      waiters.add(fail);
      function cleanup(): void {
        clearTimeout(timer);
        waiters.delete(fail);
      }
      attempt.then(() => {
        cleanup();
        resolve();
      }, fail);
    });
  }

  /** Runs one command after `ready()`, bounded by the command timeout; any failure is a SessionStorageError. */
  async function run<T>(name: string, command: () => Promise<T>): Promise<T> {
    const connected = ready();
    if (connected) await connected;
    if (ownClient) {
      // Our own client bounds each command itself (commandOptions.timeout): no second timer per call.
      try {
        return await command();
      } catch (err) {
        throw storageError(`run ${name}`, err);
      }
    }
    // A client passed in may have no command timeout: bound it here.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`No reply within ${commandTimeoutMs} ms.`)), commandTimeoutMs);
    });
    try {
      return await Promise.race([command(), timeout]);
    } catch (err) {
      throw storageError(`run ${name}`, err);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async read(id) {
      // No such key can exist (writes refuse these ids), and Redis must not see a lossy key.
      if (ILL_FORMED.test(id)) return undefined;
      const value = await run('GET', () => client.get(prefix + id));
      return value ?? undefined;
    },

    async write(id, value, ttlSeconds) {
      refuseIllFormed(id);
      const seconds = expirySeconds(ttlSeconds);
      const options = seconds === undefined ? undefined : { expiration: { type: 'EX', value: seconds } as const };
      await run('SET', () => client.set(prefix + id, value, options));
    },

    async invalidate(id) {
      if (ILL_FORMED.test(id)) return;
      await run('DEL', () => client.del(prefix + id));
    },

    async create(id, value, ttlSeconds) {
      refuseIllFormed(id);
      const seconds = expirySeconds(ttlSeconds);
      const expiration = seconds === undefined ? undefined : ({ type: 'EX', value: seconds } as const);
      // SET NX answers OK when it stored the value, null when the key exists (an expired key does not).
      const reply = await run('SET NX', () => client.set(prefix + id, value, { condition: 'NX', expiration }));
      return reply !== null;
    },

    async compareAndSet(id, expected, next, ttlSeconds) {
      const seconds = expirySeconds(ttlSeconds);
      if (ILL_FORMED.test(id)) return false; // no such key can exist
      const args = next === undefined ? [expected] : seconds === undefined ? [expected, next] : [expected, next, String(seconds)];
      const script = { keys: [prefix + id], arguments: args };
      const reply = await run('EVALSHA', async () => {
        try {
          return await client.evalSha(COMPARE_AND_SET_SHA1, script);
        } catch (err) {
          // First use on this server (or cluster node), or after SCRIPT FLUSH: send the script
          // itself, which also caches it. The error code is the reply's first word, by protocol.
          if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return client.eval(COMPARE_AND_SET, script);
          throw err;
        }
      });
      return reply === 1;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const fail of [...waiters]) fail(new Error('The storage was closed.'));
      if (!ownClient?.isOpen) return;
      // close() waits for commands in flight; bound it, then cut the connection.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finished = await Promise.race([
        ownClient.close().then(
          () => true,
          () => true,
        ),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), commandTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!finished) ownClient.destroy();
    },
  };
}

function refuseIllFormed(id: string): void {
  if (ILL_FORMED.test(id)) {
    throw new SessionStorageError('redisStorage cannot store an id that is not well-formed Unicode.');
  }
}

/** EX takes whole seconds; rounding up means a session never expires early. */
function expirySeconds(ttlSeconds: number | undefined): number | undefined {
  if (ttlSeconds === undefined) return undefined;
  checkTtl('redisStorage', ttlSeconds);
  return Math.ceil(ttlSeconds);
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result <= 0) {
    throw new SessionConfigError(`redisStorage: \`${name}\` must be a positive integer (milliseconds).`);
  }
  return result;
}

/** Names the operation only: never the key, the id or the URL (which may hold a password). */
function storageError(action: string, cause: unknown): SessionStorageError {
  return new SessionStorageError(`redisStorage could not ${action}.`, { cause });
}
