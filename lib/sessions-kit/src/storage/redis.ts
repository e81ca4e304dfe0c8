import { createHash } from 'node:crypto';
import { type RedisClientType, createClient } from 'redis';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import { checkTtl, positiveInteger } from '../checks.ts';
import type { SessionStorage } from '../types.ts';
import { type ConnectionUrl, type UrlRule, checkConnectionUrl, checkExactlyOne, connectionUrl } from './connection-url.ts';

/**
 * The few node-redis client members this storage uses. Any client from `createClient()` or
 * `createCluster()` of the `redis` package fits; so does a small fake in tests.
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
  /** `SET … NX [EX]`: answers null when the key already exists. */
  set(key: string, value: string, options: { expiration?: { type: 'EX'; value: number }; condition: 'NX' }): Promise<unknown>;
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
  /**
   * `redis://[user:password@]host[:port][/db]` (or `rediss://`), or a function returning it,
   * called at first use: `url: () => process.env.REDIS_URL` lets `next build` run without the
   * variable. The storage owns this connection: it opens it on first use, and drops it after a
   * failure or a timeout (so a late reply can never answer another command), opening a fresh
   * one on the next call.
   */
  url?: ConnectionUrl;
  /**
   * A client you create and close yourself (a Redis Cluster client, a client with your own
   * options). Connected lazily if it is not open yet. Every call is bounded here too, but the
   * storage cannot reset a client it does not own: after a timeout (a frozen or unreachable
   * server) the client keeps its queued commands until Redis answers, and they still run when
   * it does. So create it with `disableOfflineQueue: true`, and when calls keep failing with
   * timeouts, `destroy()` it and pass a fresh one, or pass `url` and let the storage do that.
   */
  client?: RedisClientLike;
  /** Prepended to every key. Default `sess:`. */
  prefix?: string;
  /** Longest wait for a connection before a call fails. Default 2 000 ms. */
  connectTimeoutMs?: number;
  /** Longest wait for one command's reply before a call fails. Default 2 000 ms. */
  commandTimeoutMs?: number;
}

/**
 * A Redis storage, plus `close()` to release the connection it opened from `url`.
 *
 * @example
 * ```ts
 * const storage: RedisStorage = redisStorage({ url: () => process.env.REDIS_URL });
 * process.once('SIGTERM', () => void storage.close());
 * ```
 */
export type RedisStorage = SessionStorage & {
  /**
   * Closes the connection the storage opened from `url`, waiting (bounded) for commands in
   * flight. A client passed as `client` is left open: its owner closes it.
   */
  close(): Promise<void>;
};

const URL_RULE: UrlRule = {
  storage: 'redisStorage',
  variable: 'REDIS_URL',
  schemes: ['redis', 'rediss'],
  client: { option: 'client', is: 'a node-redis client from createClient() or createCluster() that you close yourself' },
};
const DEFAULT_PREFIX = 'sess:';
const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;

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

/**
 * Sessions stored in Redis under `prefix + key` (plain GET, SET NX … EX, DEL; never a pattern
 * command), shared by every instance of the app. `create` is `SET NX`; `compareAndSet` is
 * one Lua script on the key (EVALSHA), so both are atomic, also through a Redis Cluster client
 * (`redisStorage({ client: createCluster(…) })`): every command touches a single key.
 *
 * Every call is bounded by the storage's own timers: it fails with a `SessionStorageError`
 * within the connect and command timeouts when Redis is down, unreachable or frozen (alive
 * but not answering), never hangs and never reads as "no session". A timeout is judged after
 * the event loop has read the sockets, so a reply that arrived while this process was busy
 * still counts: the timeout measures Redis, not the app's own load. As with any remote store,
 * a change that timed out may still have reached Redis and run once it answers again.
 *
 * @example
 * ```ts
 * const storage = redisStorage({ url: () => process.env.REDIS_URL });
 * await storage.create(key, '{"user":1}', 3600); // SET sess:<key> … NX EX 3600
 * await storage.read(key); // '{"user":1}'
 * await storage.close(); // on shutdown
 * ```
 */
export function redisStorage(options: RedisStorageOptions): RedisStorage {
  const { url, client: given } = options;
  checkExactlyOne(URL_RULE, options);
  checkConnectionUrl(URL_RULE, url);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string') {
    throw new SessionConfigError('redisStorage: `prefix` must be a string.');
  }
  const connectTimeoutMs = positiveInteger('redisStorage: `connectTimeoutMs`', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS);
  const commandTimeoutMs = positiveInteger('redisStorage: `commandTimeoutMs`', options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS);

  /** Our client (with `url`): created on first use, dropped by `reset`. */
  let own: RedisClientType | undefined;
  /** The connection attempt in flight or last made, shared by every caller waiting for it. */
  let connecting: Promise<unknown> | undefined;
  let closed = false;

  /** Drops our client (not the app's): its socket closes, so a late reply meets no other command. */
  function reset(stale: RedisClientLike): void {
    if (stale !== own) return;
    own = undefined;
    destroy(stale as RedisClientType);
  }

  /** The client, connected (bounded by the connect timeout). */
  async function connected(): Promise<RedisClientLike> {
    if (closed) throw new SessionStorageError('redisStorage is closed.');
    // No reconnection inside node-redis: after a failure the next call opens a fresh client,
    // so calls fail fast while Redis is down and work again as soon as it is back.
    if (given === undefined && !own?.isOpen) {
      // No node-redis command timeout (an AbortSignal and a timer per command): `within` bounds
      // every call already (earlier bench runs: Redis update() 0.51 → 0.86; bench/results.md of
      // 2026-12-05 18:51: Redis update() 0.96, per-user list() 2.05, SET EX + GET pairs 2.10).
      const socket = { connectTimeout: connectTimeoutMs, reconnectStrategy: false } as const;
      own = createClient({ url: connectionUrl(URL_RULE, url), socket, commandOptions: { timeout: 0 } });
      // Failures reach the calls; without a listener node-redis's EventEmitter would throw them.
      own.on('error', () => undefined);
    }
    const client: RedisClientLike = own ?? (given as RedisClientLike);
    if (!client.isOpen) {
      connecting = client.connect();
      connecting.catch(() => undefined); // the callers waiting on it handle the failure
    }
    // Opened by its owner but not ready (reconnecting): the command itself decides, bounded.
    if (connecting && !(client.isReady ?? client.isOpen)) {
      try {
        await within(connecting, connectTimeoutMs, () => reset(client));
      } catch (err) {
        throw storageError('connect to Redis', err);
      }
    }
    return client;
  }

  /** Runs one command, bounded by the command timeout; any failure is a SessionStorageError. */
  async function run<T>(name: string, command: (client: RedisClientLike) => Promise<T>): Promise<T> {
    const client = await connected();
    try {
      return await within(command(client), commandTimeoutMs, () => reset(client));
    } catch (err) {
      throw storageError(`run ${name}`, err);
    }
  }

  return {
    async read(key) {
      return (await run('GET', (client) => client.get(prefix + key))) ?? undefined;
    },

    async create(key, value, ttlSeconds) {
      const seconds = expirySeconds(ttlSeconds);
      const expiration = seconds === undefined ? undefined : ({ type: 'EX', value: seconds } as const);
      // SET NX answers OK when it stored the value, null when the key exists (an expired key does not).
      return (await run('SET NX', (client) => client.set(prefix + key, value, { condition: 'NX', expiration }))) !== null;
    },

    async compareAndSet(key, expected, next, ttlSeconds) {
      const seconds = expirySeconds(ttlSeconds);
      const args = next === undefined ? [expected] : seconds === undefined ? [expected, next] : [expected, next, String(seconds)];
      const script = { keys: [prefix + key], arguments: args };
      const reply = await run('EVALSHA', async (client) => {
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

    async invalidate(key) {
      await run('DEL', (client) => client.del(prefix + key));
    },

    async close() {
      if (closed) return;
      closed = true;
      const client = own;
      own = undefined;
      // close() waits for commands in flight; bounded, then the connection is cut.
      if (client?.isOpen) await within(client.close(), commandTimeoutMs, () => destroy(client)).catch(() => undefined);
    },
  };
}

/**
 * `work`, or a rejection once `ms` have passed without it settling; `onTimeout` runs then.
 * The verdict waits for `setImmediate`, which runs after the event loop's poll phase has read
 * the sockets: a reply that arrived while this process was busy settles `work` first, so only
 * a store that really did not answer times out.
 */
function within<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (settled) return;
          settled = true;
          reject(new Error(`No answer from Redis within ${ms} ms.`));
          onTimeout();
        }),
      ms,
    );
    const settle = <V>(finish: (value: V) => void) => (value: V) => {
      settled = true;
      clearTimeout(timer);
      finish(value);
    };
    work.then(settle(resolve), settle(reject));
  });
}

/** Cuts our client's connection; failed commands in flight then reject at once. */
function destroy(client: RedisClientType): void {
  try {
    client.destroy();
  } catch {
    // Already closed (node-redis 5 throws then): nothing left to cut.
  }
}

/** EX takes whole seconds; rounding up means a session never expires early. */
function expirySeconds(ttlSeconds: number | undefined): number | undefined {
  if (ttlSeconds === undefined) return undefined;
  checkTtl('redisStorage', ttlSeconds);
  return Math.ceil(ttlSeconds);
}

/** Names the operation only: never the key or the URL (which may hold a password). */
function storageError(action: string, cause: unknown): SessionStorageError {
  return new SessionStorageError(`redisStorage could not ${action}.`, { cause });
}
