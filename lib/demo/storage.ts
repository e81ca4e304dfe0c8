/** Where the demo keeps server-side sessions: Redis when REDIS_URL is set, else a local directory. */
import 'server-only';
import path from 'node:path';
import type { SessionStorage } from 'sessions-kit';
import { directoryStorage } from 'sessions-kit/directory';
import { redisStorage } from 'sessions-kit/redis';

export function demoStorage(): SessionStorage {
  const url = process.env.REDIS_URL?.trim();
  if (url) return redisStorage({ url, prefix: 'sessions-kit:' });
  return directoryStorage(path.resolve(/* turbopackIgnore: true */ process.env.SESSIONS_DIR ?? '.sessions/store'));
}
