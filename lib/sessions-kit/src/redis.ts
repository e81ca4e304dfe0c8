/** `sessions-kit/redis`: sessions in Redis (or Valkey), shared by every instance. Needs the `redis` package. */
export { redisStorage } from './storage/redis.ts';
export type { RedisStorage, RedisStorageOptions, RedisClientLike } from './storage/redis.ts';
