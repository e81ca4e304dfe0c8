/**
 * Where the demo keeps server-side sessions: Redis when REDIS_URL is set, else a local directory.
 *
 * Two separate stores (see SECURITY.md, "Anonymous data"): `accounts` holds logins, `anonymous`
 * holds baskets and carts, which anyone can create with one unauthenticated POST. A flood of
 * anonymous records therefore lands in its own namespace (Redis key prefix, or directory) and can
 * never evict, overwrite or crowd out a login. Each store reports its outages (one log line, no ids).
 */
import 'server-only';
import path from 'node:path';
import type { SessionStorage } from 'sessions-kit';
import { directoryStorage } from 'sessions-kit/directory';
import { redisStorage } from 'sessions-kit/redis';
import { reportedStorage } from './reported-storage';

export interface DemoStorages {
  /** Login sessions (`auth`). */
  accounts: SessionStorage;
  /** Records any visitor can create: the cookie basket and the header cart. */
  anonymous: SessionStorage;
}

/** REDIS_URL, SESSIONS_DIR. */
export type DemoStorageEnv = Readonly<Record<string, string | undefined>>;

export const REDIS_PREFIX = 'sessions-kit:';

export function demoStorages(env: DemoStorageEnv = process.env): DemoStorages {
  const url = env.REDIS_URL?.trim();
  const make = (store: keyof DemoStorages, folder: string): SessionStorage => {
    const inner = url
      ? redisStorage({ url, prefix: `${REDIS_PREFIX}${folder}:` })
      : directoryStorage(path.join(path.resolve(/* turbopackIgnore: true */ env.SESSIONS_DIR ?? '.sessions/store'), folder));
    return reportedStorage(store, inner);
  };
  return { accounts: make('accounts', 'accounts'), anonymous: make('anonymous', 'anonymous') };
}
