import { randomUUID } from 'node:crypto';
import { type Socket, createConnection, createServer } from 'node:net';
import { type RedisClientType, createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import type { SessionStorage } from '../types.ts';
import { describeStorageContract, whenStarted } from '../../test/storage-contract.ts';
import { type RedisClientLike, type RedisStorage, redisStorage } from './redis.ts';
import { type RedisServerHandle, freePort, startRedisServer } from '../../test/redis-server.ts';

whenStarted('redisStorage', await startRedisServer(), 'redis-server not found: install it (apt-get install -y redis-server) or set REDIS_SERVER_PATH', defineRedisTests);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long `promise` takes to reject, and with what. */
async function timeRejection(promise: unknown): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('Expected a rejection, got a result.');
}

/** The timeouts of the fault tests, and what a failure may take beyond them on a busy machine. */
const TIMEOUT_MS = 500;
const SLACK_MS = 500;

/**
 * One call of each kind on `key`. A command sent before a timeout may still run once Redis
 * answers again, so none of these changes the record it holds: `create` of an existing key
 * and a compare-and-set with a stale expectation are no-ops, `invalidate` is of another key.
 */
function everyCall(storage: SessionStorage, key = 'key'): Array<() => Promise<unknown>> {
  return [
    () => storage.read(key),
    () => storage.create(key, 'other', 60),
    () => storage.compareAndSet(key, 'stale', 'next', 60),
    () => storage.invalidate(`${key}:other`),
  ];
}

/**
 * A TCP proxy to `port` on loopback whose open connections can be cut silently (no FIN, no
 * RST: bytes just stop), as a network partition does; connections made later work.
 */
async function startProxy(port: number) {
  const cuts = new Set<() => void>();
  const closers = new Set<() => void>();
  let links = 0;
  const proxy = createServer((downstream) => {
    links++;
    const upstream = createConnection({ host: '127.0.0.1', port });
    let cut = false;
    downstream.on('data', (chunk) => cut || upstream.write(chunk));
    upstream.on('data', (chunk) => cut || downstream.write(chunk));
    const close = () => {
      downstream.destroy();
      upstream.destroy();
    };
    for (const socket of [downstream, upstream]) socket.on('error', close).on('close', close);
    cuts.add(() => {
      cut = true;
    });
    closers.add(close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    /** Connections made so far. */
    links: () => links,
    cutOpenLinks() {
      for (const cut of cuts) cut();
    },
    async close() {
      for (const close of closers) close();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

function defineRedisTests(server: RedisServerHandle): void {
  afterAll(() => server.stop());

  describeStorageContract('redisStorage', async () => {
    // A prefix per test: every test sees an empty store on the shared server.
    const prefix = `contract:${randomUUID()}:`;
    const opened = [redisStorage({ url: server.url, prefix })];
    return {
      storage: opened[0] as RedisStorage,
      // Another app instance: its own connection to the same server and prefix.
      another: () => {
        const storage = redisStorage({ url: server.url, prefix });
        opened.push(storage);
        return storage;
      },
      cleanup: async () => {
        await Promise.all(opened.map((storage) => storage.close()));
      },
    };
  });

  describe('redisStorage', () => {
    const raw = createClient({ url: server.url });
    const storages: RedisStorage[] = [];
    const make = (options: Parameters<typeof redisStorage>[0]) => {
      const storage = redisStorage(options);
      storages.push(storage);
      return storage;
    };

    beforeAll(async () => {
      raw.on('error', () => undefined);
      await raw.connect();
    });

    afterAll(async () => {
      await Promise.all(storages.map((storage) => storage.close()));
      await raw.close();
    });

    it('stores each key under prefix + key, with the default prefix sess:', async () => {
      const storage = make({ url: server.url });
      await storage.create('abc', 'value-1');
      await storage.create('*?[', 'value-2');
      expect((await raw.keys('sess:*')).sort()).toEqual(['sess:*?[', 'sess:abc']);
      expect(await raw.get('sess:abc')).toBe('value-1');
      await storage.invalidate('abc');
      expect(await raw.keys('sess:*')).toEqual(['sess:*?[']);
      await storage.invalidate('*?[');
    });

    it('creates with SET NX … EX (rounded up to whole seconds), leaving an existing key and its expiry untouched', async () => {
      const prefix = `create:${randomUUID()}:`;
      const storage = make({ url: server.url, prefix });
      expect(await storage.create('key', 'first', 60)).toBe(true);
      expect(await raw.get(`${prefix}key`)).toBe('first');
      const ttl = await raw.ttl(`${prefix}key`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60);
      expect(await storage.create('key', 'second')).toBe(false);
      expect(await raw.get(`${prefix}key`)).toBe('first');
      expect(await raw.ttl(`${prefix}key`)).toBeGreaterThan(0);
      expect(await storage.create('no-ttl', 'value')).toBe(true);
      expect(await raw.ttl(`${prefix}no-ttl`)).toBe(-1);
      expect(await storage.create('fraction', 'value', 0.2)).toBe(true);
      expect(await raw.pTTL(`${prefix}fraction`)).toBeGreaterThan(200); // 1 s, not 0.2 s
      await expect(storage.create('bad-ttl', 'value', 0)).rejects.toBeInstanceOf(RangeError);
    });

    it('swaps with one script: sets the new expiry, clears it without one, deletes on undefined', async () => {
      const prefix = `swap:${randomUUID()}:`;
      const storage = make({ url: server.url, prefix });
      await storage.create('key', 'v1');
      expect(await storage.compareAndSet('key', 'v1', 'v2', 30)).toBe(true);
      expect(await raw.get(`${prefix}key`)).toBe('v2');
      const ttl = await raw.ttl(`${prefix}key`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30);
      expect(await storage.compareAndSet('key', 'v2', 'v3')).toBe(true);
      expect(await raw.ttl(`${prefix}key`)).toBe(-1);
      expect(await storage.compareAndSet('key', 'v3', undefined)).toBe(true);
      expect(await raw.exists(`${prefix}key`)).toBe(0);
      // Lua strings are byte strings: multi-byte text compares exactly.
      await storage.create('text', 'héllo ✓ 🎉');
      expect(await storage.compareAndSet('text', 'hello ✓ 🎉', 'x')).toBe(false);
      expect(await storage.compareAndSet('text', 'héllo ✓ 🎉', 'ok')).toBe(true);
    });

    it('sends the script itself only when the server does not have it cached', async () => {
      const prefix = `script:${randomUUID()}:`;
      const storage = make({ url: server.url, prefix });
      await raw.scriptFlush();
      await storage.create('key', 'v1');
      expect(await storage.compareAndSet('key', 'v1', 'v2')).toBe(true); // NOSCRIPT, then EVAL
      const before = await raw.info('commandstats');
      expect(await storage.compareAndSet('key', 'v2', 'v3')).toBe(true);
      const after = await raw.info('commandstats');
      const calls = (info: string, command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
      expect(calls(after, 'evalsha') - calls(before, 'evalsha')).toBe(1);
      expect(calls(after, 'eval') - calls(before, 'eval')).toBe(0);
      expect(await raw.get(`${prefix}key`)).toBe('v3');
    });

    it('reports a key of another type as a storage error, not as a mismatch', async () => {
      const prefix = `wrongtype:${randomUUID()}:`;
      const storage = make({ url: server.url, prefix });
      await raw.hSet(`${prefix}key`, 'field', 'value');
      await expect(storage.compareAndSet('key', 'x', 'y')).rejects.toBeInstanceOf(SessionStorageError);
      await expect(storage.read('key')).rejects.toBeInstanceOf(SessionStorageError);
      expect(await raw.hGet(`${prefix}key`, 'field')).toBe('value');
    });

    it('treats pattern-looking keys as plain keys that touch no other key', async () => {
      const prefix = `glob:${randomUUID()}:`;
      const storage = make({ url: server.url, prefix });
      for (const key of ['a', 'b', 'ab']) await storage.create(key, key);
      for (const key of ['*', '?', '[ab]', '*?[', 'a*']) {
        expect(await storage.read(key)).toBeUndefined();
        await storage.invalidate(key);
      }
      for (const key of ['a', 'b', 'ab']) expect(await storage.read(key)).toBe(key);
      expect(await raw.keys(`${prefix}*`)).toHaveLength(3);
    });

    it('uses a client passed in, connecting it lazily, and leaves it open on close()', async () => {
      const client = createClient({ url: server.url });
      client.on('error', () => undefined);
      const prefix = `given:${randomUUID()}:`;
      const storage = redisStorage({ client, prefix });
      expect(client.isOpen).toBe(false);
      await storage.create('key', 'value');
      expect(await storage.read('key')).toBe('value');
      await storage.close();
      expect(client.isOpen).toBe(true);
      expect(await client.get(`${prefix}key`)).toBe('value');
      await expect(storage.read('key')).rejects.toBeInstanceOf(SessionStorageError);
      await client.close();
    });

    it('uses an already connected client as is', async () => {
      const client = createClient({ url: server.url });
      client.on('error', () => undefined);
      await client.connect();
      const storage = redisStorage({ client, prefix: `connected:${randomUUID()}:` });
      await storage.create('key', 'value');
      expect(await storage.read('key')).toBe('value');
      await storage.close();
      expect(client.isReady).toBe(true);
      await client.close();
    });

    it('close() ends cleanly, is idempotent, and later calls fail as storage errors', async () => {
      const unused = redisStorage({ url: server.url });
      await unused.close();
      const storage = redisStorage({ url: server.url, prefix: `close:${randomUUID()}:` });
      await storage.create('key', 'value');
      await storage.close();
      await storage.close();
      await expect(storage.read('key')).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE' });
    });

    it('bounds a command that never answers with the command timeout, also on a client passed in', async () => {
      const never = () => new Promise<never>(() => undefined);
      const stuck: RedisClientLike = { isOpen: true, connect: async () => undefined, get: never, set: never, del: never, eval: never, evalSha: never };
      const storage = redisStorage({ client: stuck, commandTimeoutMs: 200 });
      for (const call of everyCall(storage)) {
        const { error, ms } = await timeRejection(call());
        expect(error).toBeInstanceOf(SessionStorageError);
        expect(ms).toBeLessThan(1_000);
      }
    });

    it('judges a timeout after reading the sockets: a reply that came while the event loop was blocked still wins', async () => {
      const storage = make({ url: server.url, prefix: `blocked:${randomUUID()}:`, commandTimeoutMs: 200 });
      await storage.create('key', 'value');
      // Redis holds every reply for 100 ms, so the reply is still to come when the loop blocks.
      await raw.sendCommand(['CLIENT', 'PAUSE', '100', 'ALL']);
      const reading = storage.read('key');
      // node-redis writes commands from a setImmediate: two turns later, the GET is on the wire.
      for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
      const blockedUntil = Date.now() + 600; // past the command timeout, and past Redis's reply
      while (Date.now() < blockedUntil) {
        // busy: this process, not Redis, is slow
      }
      expect(await reading).toBe('value');
    });

    it('fails fast when nothing listens at the url', async () => {
      const storage = make({ url: `redis://127.0.0.1:${await freePort()}` });
      const { error, ms } = await timeRejection(storage.read('key'));
      expect(error).toBeInstanceOf(SessionStorageError);
      expect(ms).toBeLessThan(2_500);
      await expect(storage.create('key', 'value')).rejects.toBeInstanceOf(SessionStorageError);
    });

    it('bounds the connection with the connect timeout when the server never answers', async () => {
      // Accepts TCP connections but never replies, like a hung or half-dead server.
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      try {
        const storage = make({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300, commandTimeoutMs: 300 });
        const { error, ms } = await timeRejection(storage.read('key'));
        expect(error).toBeInstanceOf(SessionStorageError);
        expect(ms).toBeLessThan(1_500);
        await storage.close();
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('leaves a connection that stopped answering for a fresh one (a partition without RST)', async () => {
      const proxy = await startProxy(server.port);
      try {
        const storage = make({ url: `redis://127.0.0.1:${proxy.port}`, prefix: `cut:${randomUUID()}:`, commandTimeoutMs: 300 });
        await storage.create('key', 'value');
        proxy.cutOpenLinks(); // the open connection now swallows everything, forever; new ones work
        const { error, ms } = await timeRejection(storage.read('key'));
        expect(error).toBeInstanceOf(SessionStorageError);
        expect(ms).toBeLessThan(300 + SLACK_MS);
        // Kept, that connection would time out every call from now on.
        expect(await storage.read('key')).toBe('value');
        expect(proxy.links()).toBe(2);
      } finally {
        await proxy.close();
      }
    });

    it('refuses bad options at construction', () => {
      const client = createClient({ url: server.url });
      expect(() => redisStorage({})).toThrow(SessionConfigError);
      expect(() => redisStorage({ url: server.url, client })).toThrow(SessionConfigError);
      expect(() => redisStorage({ url: '' })).toThrow(SessionConfigError);
      expect(() => redisStorage({ url: server.url, connectTimeoutMs: 0 })).toThrow(SessionConfigError);
      expect(() => redisStorage({ url: server.url, commandTimeoutMs: 1.5 })).toThrow(SessionConfigError);
    });

    it('reads a url function at first use; `url: process.env.REDIS_URL` unset at build time names the variable', async () => {
      let value: string | undefined;
      const url = vi.fn(() => value);
      const storage = make({ url, prefix: `lazy:${randomUUID()}:` });
      expect(url).not.toHaveBeenCalled();
      await expect(storage.read('key')).rejects.toThrow(/redisStorage: `url` gave no connection string at run time. Set REDIS_URL/);
      value = server.url; // set later, as REDIS_URL at run time after a build without it
      expect(await storage.create('key', 'value')).toBe(true);
      expect(await storage.read('key')).toBe('value');
      const unset = make({ url: undefined });
      await expect(unset.read('key')).rejects.toBeInstanceOf(SessionConfigError);
    });
  });

  describe('redisStorage when Redis freezes (SIGSTOP) and thaws (SIGCONT)', () => {
    // A server of its own, so freezing it cannot disturb the other tests.
    let frozen: RedisServerHandle;
    let client: RedisClientType;
    let storages: RedisStorage[];

    beforeAll(async () => {
      const started = await startRedisServer();
      if (!started) throw new Error('redis-server vanished');
      frozen = started;
      client = createClient({ url: frozen.url, disableOfflineQueue: true });
      client.on('error', () => undefined);
      storages = [
        redisStorage({ url: frozen.url, prefix: 'frozen:', commandTimeoutMs: TIMEOUT_MS, connectTimeoutMs: TIMEOUT_MS }),
        redisStorage({ client, prefix: 'frozen:', commandTimeoutMs: TIMEOUT_MS, connectTimeoutMs: TIMEOUT_MS }),
      ];
    });

    afterAll(async () => {
      frozen.thaw();
      await Promise.all(storages.map((storage) => storage.close()));
      await client.close();
      await frozen.stop();
    });

    it(`fails every call with SessionStorageError within the timeout + ${SLACK_MS} ms, and reads the same data after`, { timeout: 30_000 }, async () => {
      for (const [i, storage] of storages.entries()) expect(await storage.create(`kept-${i}`, 'value')).toBe(true);
      frozen.freeze();
      try {
        // Twice over: the first round meets the open connection, the second (owned client) a fresh one.
        for (let round = 0; round < 2; round++) {
          for (const [i, storage] of storages.entries()) {
            for (const { error, ms } of await Promise.all(everyCall(storage, `kept-${i}`).map((call) => timeRejection(call())))) {
              expect(error, `storage ${i}, round ${round}`).toBeInstanceOf(SessionStorageError);
              expect(ms, `storage ${i}, round ${round}`).toBeLessThan(TIMEOUT_MS + SLACK_MS);
            }
          }
        }
      } finally {
        frozen.thaw();
      }
      for (const [i, storage] of storages.entries()) {
        await expect.poll(() => storage.read(`kept-${i}`).catch(() => 'unavailable'), { timeout: 5_000 }).toBe('value');
        expect(await storage.compareAndSet(`kept-${i}`, 'value', 'next')).toBe(true);
      }
    });
  });

  describe('redisStorage when Redis goes down (SIGKILL) and comes back', () => {
    // A server of its own, so stopping it cannot disturb the other tests.
    let flaky: RedisServerHandle;
    let storage: RedisStorage;

    beforeAll(async () => {
      const started = await startRedisServer();
      if (!started) throw new Error('redis-server vanished');
      flaky = started;
      storage = redisStorage({ url: flaky.url, prefix: 'flaky:' });
    });

    afterAll(async () => {
      await storage.close();
      await flaky.stop();
    });

    it('rejects every call with SessionStorageError within ~3 s, never "no session"', async () => {
      await storage.create('secret-session-key', 'value');
      expect(await storage.read('secret-session-key')).toBe('value');
      await flaky.kill();
      for (const call of everyCall(storage, 'secret-session-key')) {
        const { error, ms } = await timeRejection(call());
        expect(error).toBeInstanceOf(SessionStorageError);
        expect((error as Error).cause).toBeDefined();
        expect((error as Error).message).not.toContain('secret-session-key');
        expect(ms).toBeLessThan(3_000);
      }
      // Still failing (fast) a little later.
      await sleep(300);
      const { error, ms } = await timeRejection(storage.read('secret-session-key'));
      expect(error).toBeInstanceOf(SessionStorageError);
      expect(ms).toBeLessThan(3_000);
    });

    it('works again by itself once Redis is back on the same port', async () => {
      await flaky.restart();
      await expect.poll(() => storage.create('after-restart', 'value').catch(() => 'unavailable'), { timeout: 5_000 }).toBe(true);
      expect(await storage.read('after-restart')).toBe('value');
    });
  });
}
