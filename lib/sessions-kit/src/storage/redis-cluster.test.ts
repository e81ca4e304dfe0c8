import { randomUUID } from 'node:crypto';
import { type RedisClusterType, createClient, createCluster } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { describeStorageContract, whenStarted } from '../../test/storage-contract.ts';
import { type RedisStorage, redisStorage } from './redis.ts';
import { type RedisClusterHandle, startRedisCluster } from '../../test/redis-cluster.ts';

// redisStorage through a Redis Cluster client, against a local three-master cluster.
whenStarted(
  'redisStorage on Redis Cluster',
  await startRedisCluster(),
  'redis-server or redis-cli not found: install them (apt-get install -y redis-server redis-tools)',
  defineClusterTests,
);

function defineClusterTests(cluster: RedisClusterHandle): void {
  // Cluster clients (each discovers the topology and connects to every master) are shared by
  // the tests; each test gets fresh storages with a prefix of its own, so it sees an empty store.
  const clients: RedisClusterType[] = [];
  function client(index: number): RedisClusterType {
    let existing = clients[index];
    if (!existing) {
      existing = createCluster({ rootNodes: cluster.rootNodes });
      existing.on('error', () => undefined);
      clients[index] = existing;
    }
    return existing;
  }

  afterAll(async () => {
    await Promise.all(clients.map((c) => (c.isOpen ? c.close() : undefined)));
    await cluster.stop();
  });

  describeStorageContract('redisStorage(createCluster)', async () => {
    const prefix = `cluster:${randomUUID()}:`;
    const opened = [redisStorage({ client: client(0), prefix })];
    return {
      storage: opened[0] as RedisStorage,
      // Another app instance: its own cluster client.
      another: () => {
        const storage = redisStorage({ client: client(opened.length), prefix });
        opened.push(storage);
        return storage;
      },
      cleanup: async () => {
        await Promise.all(opened.map((storage) => storage.close()));
      },
    };
  });

  describe('redisStorage on Redis Cluster', () => {
    it('spreads sessions over all three masters, conditional writes included', async () => {
      const prefix = `spread:${randomUUID()}:`;
      const storage = redisStorage({ client: client(0), prefix });
      const ids = Array.from({ length: 60 }, (_, i) => `session-${i}`);
      for (const id of ids) expect(await storage.create(id, 'v1', 60)).toBe(true);
      for (const id of ids) expect(await storage.compareAndSet(id, 'v1', 'v2', 60)).toBe(true);
      for (const id of ids) expect(await storage.read(id)).toBe('v2');

      // Ask each master directly which of these keys it holds.
      const perNode = await Promise.all(
        cluster.rootNodes.map(async ({ url }) => {
          const node = createClient({ url });
          node.on('error', () => undefined);
          await node.connect();
          try {
            const keys: string[] = [];
            for await (const batch of node.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
            return keys.length;
          } finally {
            await node.close();
          }
        }),
      );
      expect(perNode).toHaveLength(3);
      for (const count of perNode) expect(count).toBeGreaterThan(0);
      expect(perNode.reduce((a, b) => a + b, 0)).toBe(ids.length);

      for (const id of ids) expect(await storage.compareAndSet(id, 'v2', undefined)).toBe(true);
      for (const id of ids) expect(await storage.read(id)).toBeUndefined();
      await storage.close();
    });
  });
}
