import { randomUUID } from 'node:crypto';
import { type Socket, createServer } from 'node:net';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import { conditional, describeStorageContract } from '../../test/storage-contract.ts';
import { type RedisClientLike, type RedisStorage, redisStorage } from './redis.ts';
import { type RedisServerHandle, freePort, startRedisServer } from '../../test/redis-server.ts';

const server = await startRedisServer();

if (!server) {
  const message = 'redis-server not found: install it (apt-get install -y redis-server)';
  if (process.env.CI === 'true') {
    describe('redisStorage', () => {
      it('needs redis-server', () => {
        throw new Error(message);
      });
    });
  } else {
    console.warn(`Skipping the redisStorage tests: ${message}, or set REDIS_SERVER_PATH.`);
    describe.skip('redisStorage', () => {
      it('needs redis-server', () => undefined);
    });
  }
} else {
  defineRedisTests(server);
}

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

    it('stores each id under prefix + id, with the default prefix sess:', async () => {
      const storage = make({ url: server.url });
      await storage.write('abc', 'value-1');
      await storage.write('*?[', 'value-2');
      expect((await raw.keys('sess:*')).sort()).toEqual(['sess:*?[', 'sess:abc']);
      expect(await raw.get('sess:abc')).toBe('value-1');
      await storage.invalidate('abc');
      expect(await raw.keys('sess:*')).toEqual(['sess:*?[']);
      await storage.invalidate('*?[');
    });

    it('sets the expiry with EX, rounded up to whole seconds, and clears it on a plain write', async () => {
      const prefix = `ttl:${randomUUID()}:`;
      const storage = make({ url: server.url, prefix });
      await storage.write('id', 'value', 60);
      const ttl = await raw.ttl(`${prefix}id`);
      expect(ttl).toBeGreaterThanOrEqual(1);
      expect(ttl).toBeLessThanOrEqual(60);

      await storage.write('fraction', 'value', 0.2);
      expect(await raw.pTTL(`${prefix}fraction`)).toBeGreaterThan(200); // 1 s, not 0.2 s

      await storage.write('id', 'value');
      expect(await raw.ttl(`${prefix}id`)).toBe(-1);
      await expect(storage.write('id', 'value', 0)).rejects.toBeInstanceOf(RangeError);
    });

    it('creates with SET NX … EX, leaving an existing key and its expiry untouched', async () => {
      const prefix = `create:${randomUUID()}:`;
      const storage = conditional(make({ url: server.url, prefix }));
      expect(await storage.create('id', 'first', 60)).toBe(true);
      expect(await raw.get(`${prefix}id`)).toBe('first');
      expect(await raw.ttl(`${prefix}id`)).toBeGreaterThan(0);
      expect(await storage.create('id', 'second')).toBe(false);
      expect(await raw.get(`${prefix}id`)).toBe('first');
      expect(await raw.ttl(`${prefix}id`)).toBeGreaterThan(0);
      expect(await storage.create('no-ttl', 'value')).toBe(true);
      expect(await raw.ttl(`${prefix}no-ttl`)).toBe(-1);
      await expect(storage.create('bad-ttl', 'value', 0)).rejects.toBeInstanceOf(RangeError);
      await expect(storage.create('\ud800', 'lone')).rejects.toBeInstanceOf(SessionStorageError);
    });

    it('swaps with one script: sets the new expiry, clears it without one, deletes on undefined', async () => {
      const prefix = `swap:${randomUUID()}:`;
      const storage = conditional(make({ url: server.url, prefix }));
      await storage.write('id', 'v1');
      expect(await storage.compareAndSet('id', 'v1', 'v2', 30)).toBe(true);
      expect(await raw.get(`${prefix}id`)).toBe('v2');
      const ttl = await raw.ttl(`${prefix}id`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30);
      expect(await storage.compareAndSet('id', 'v2', 'v3')).toBe(true);
      expect(await raw.ttl(`${prefix}id`)).toBe(-1);
      expect(await storage.compareAndSet('id', 'v3', undefined)).toBe(true);
      expect(await raw.exists(`${prefix}id`)).toBe(0);
      // Lua strings are byte strings: multi-byte text compares exactly.
      await storage.write('text', 'héllo ✓ 🎉');
      expect(await storage.compareAndSet('text', 'hello ✓ 🎉', 'x')).toBe(false);
      expect(await storage.compareAndSet('text', 'héllo ✓ 🎉', 'ok')).toBe(true);
      expect(await storage.compareAndSet('\ud800', 'a', 'b')).toBe(false);
    });

    it('sends the script itself only when the server does not have it cached', async () => {
      const prefix = `script:${randomUUID()}:`;
      const storage = make({ url: server.url, prefix });
      await raw.scriptFlush();
      await storage.write('id', 'v1');
      expect(await storage.compareAndSet('id', 'v1', 'v2')).toBe(true); // NOSCRIPT, then EVAL
      const before = await raw.info('commandstats');
      expect(await storage.compareAndSet('id', 'v2', 'v3')).toBe(true);
      const after = await raw.info('commandstats');
      const calls = (info: string, command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
      expect(calls(after, 'evalsha') - calls(before, 'evalsha')).toBe(1);
      expect(calls(after, 'eval') - calls(before, 'eval')).toBe(0);
      expect(await raw.get(`${prefix}id`)).toBe('v3');
    });

    it('reports a key of another type as a storage error, not as a mismatch', async () => {
      const prefix = `wrongtype:${randomUUID()}:`;
      const storage = conditional(make({ url: server.url, prefix }));
      await raw.hSet(`${prefix}id`, 'field', 'value');
      await expect(storage.compareAndSet('id', 'x', 'y')).rejects.toBeInstanceOf(SessionStorageError);
      await expect(storage.read('id')).rejects.toBeInstanceOf(SessionStorageError);
      expect(await raw.hGet(`${prefix}id`, 'field')).toBe('value');
    });

    it('treats pattern-looking ids as plain keys that touch no other key', async () => {
      const prefix = `glob:${randomUUID()}:`;
      const storage = make({ url: server.url, prefix });
      for (const id of ['a', 'b', 'ab']) await storage.write(id, id);
      for (const id of ['*', '?', '[ab]', '*?[', 'a*']) {
        expect(await storage.read(id)).toBeUndefined();
        await storage.invalidate(id);
      }
      for (const id of ['a', 'b', 'ab']) expect(await storage.read(id)).toBe(id);
      expect(await raw.keys(`${prefix}*`)).toHaveLength(3);
    });

    it('refuses ids that UTF-8 cannot carry faithfully (lone surrogates) instead of merging them', async () => {
      const prefix = `surrogate:${randomUUID()}:`;
      const storage = make({ url: server.url, prefix });
      await storage.write('\ufffd', 'replacement-char');
      await expect(storage.write('\ud800', 'lone')).rejects.toBeInstanceOf(SessionStorageError);
      expect(await storage.read('\ud800')).toBeUndefined();
      await storage.invalidate('\ud800');
      expect(await storage.read('\ufffd')).toBe('replacement-char');
    });

    it('uses a client passed in, connecting it lazily, and leaves it open on close()', async () => {
      const client = createClient({ url: server.url });
      client.on('error', () => undefined);
      const prefix = `given:${randomUUID()}:`;
      const storage = redisStorage({ client, prefix });
      expect(client.isOpen).toBe(false);
      await storage.write('id', 'value');
      expect(await storage.read('id')).toBe('value');
      await storage.close();
      expect(client.isOpen).toBe(true);
      expect(await client.get(`${prefix}id`)).toBe('value');
      await expect(storage.read('id')).rejects.toBeInstanceOf(SessionStorageError);
      await client.close();
    });

    it('uses an already connected client as is', async () => {
      const client = createClient({ url: server.url });
      client.on('error', () => undefined);
      await client.connect();
      const storage = redisStorage({ client, prefix: `connected:${randomUUID()}:` });
      await storage.write('id', 'value');
      expect(await storage.read('id')).toBe('value');
      await storage.close();
      expect(client.isReady).toBe(true);
      await client.close();
    });

    it('close() ends cleanly, is idempotent, and later calls fail as storage errors', async () => {
      const unused = redisStorage({ url: server.url });
      await unused.close();
      const storage = redisStorage({ url: server.url, prefix: `close:${randomUUID()}:` });
      await storage.write('id', 'value');
      await storage.close();
      await storage.close();
      await expect(storage.read('id')).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE' });
    });

    it('bounds a command that never answers with the command timeout', async () => {
      const stuck: RedisClientLike = {
        isOpen: true,
        connect: async () => undefined,
        get: () => new Promise<never>(() => undefined),
        set: () => new Promise<never>(() => undefined),
        del: () => new Promise<never>(() => undefined),
        eval: () => new Promise<never>(() => undefined),
        evalSha: () => new Promise<never>(() => undefined),
      };
      const storage = conditional(redisStorage({ client: stuck, commandTimeoutMs: 200 }));
      const calls = [
        storage.read('id'),
        storage.write('id', 'v'),
        storage.invalidate('id'),
        storage.create('id', 'v'),
        storage.compareAndSet('id', 'v', 'w'),
      ];
      for (const call of calls) {
        const { error, ms } = await timeRejection(call);
        expect(error).toBeInstanceOf(SessionStorageError);
        expect(ms).toBeLessThan(1_000);
      }
    });

    it('fails fast when nothing listens at the url', async () => {
      const storage = make({ url: `redis://127.0.0.1:${await freePort()}` });
      const { error, ms } = await timeRejection(storage.read('id'));
      expect(error).toBeInstanceOf(SessionStorageError);
      expect(ms).toBeLessThan(2_500);
      await expect(storage.write('id', 'value')).rejects.toBeInstanceOf(SessionStorageError);
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
        const { error, ms } = await timeRejection(storage.read('id'));
        expect(error).toBeInstanceOf(SessionStorageError);
        expect(ms).toBeLessThan(1_500);
        await storage.close();
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
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
  });

  describe('redisStorage when Redis goes down and comes back', () => {
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
      await storage.write('secret-session-id', 'value');
      expect(await storage.read('secret-session-id')).toBe('value');
      await flaky.stop();

      const atomic = conditional(storage);
      const calls = [
        storage.read('secret-session-id'),
        storage.write('secret-session-id', 'value', 60),
        storage.invalidate('secret-session-id'),
        atomic.create('secret-session-id', 'value', 60),
        atomic.compareAndSet('secret-session-id', 'value', 'next', 60),
      ];
      for (const call of calls) {
        const { error, ms } = await timeRejection(call);
        expect(error).toBeInstanceOf(SessionStorageError);
        expect((error as Error).cause).toBeDefined();
        expect((error as Error).message).not.toContain('secret-session-id');
        expect(ms).toBeLessThan(3_000);
      }
      // Still failing (fast) a little later, while reconnection attempts go on.
      await sleep(300);
      const { error, ms } = await timeRejection(storage.read('secret-session-id'));
      expect(error).toBeInstanceOf(SessionStorageError);
      expect(ms).toBeLessThan(3_000);
    });

    it('works again by itself once Redis is back on the same port', async () => {
      await flaky.restart();
      const deadline = Date.now() + 5_000;
      let lastError: unknown;
      while (Date.now() < deadline) {
        try {
          await storage.write('after-restart', 'value');
          break;
        } catch (err) {
          lastError = err;
          await sleep(100);
        }
      }
      expect(await storage.read('after-restart'), String(lastError)).toBe('value');
    });
  });
}
