/**
 * Where the demo keeps server-side sessions: Redis when REDIS_URL is set, Postgres when
 * DATABASE_URL is set, else a local directory. Both URLs set is a configuration error: the
 * server refuses to start (instrumentation.ts) rather than pick one silently.
 *
 * Two separate stores (see SECURITY.md, "Anonymous data"): `accounts` holds logins, `anonymous`
 * holds baskets and carts, which anyone can create with one unauthenticated POST. A flood of
 * anonymous records therefore lands in its own namespace (Redis key prefix, Postgres table, or
 * directory) and can never evict, overwrite or crowd out a login.
 */
// No `server-only` guard: the e2e tests import the demo's definitions to mint sessions with them
// (sessions-kit/testing); its node: imports keep it out of any client bundle regardless.
import path from 'node:path';
import { SessionConfigError, type SessionStorage } from 'sessions-kit';
import { directoryStorage } from 'sessions-kit/directory';
import { postgresStorage } from 'sessions-kit/postgres';
import { redisStorage } from 'sessions-kit/redis';

export interface DemoStorages {
  /** Login sessions (`auth`). */
  accounts: SessionStorage;
  /** Records any visitor can create: the cookie basket and the header cart. */
  anonymous: SessionStorage;
}

/** REDIS_URL, DATABASE_URL, SESSIONS_DIR. */
export type DemoStorageEnv = Readonly<Record<string, string | undefined>>;

export type DemoStorageKind = 'redis' | 'postgres' | 'directory';

export const REDIS_PREFIX = 'sessions-kit:';
/** One table per store: `sessions_kit_accounts`, `sessions_kit_anonymous`. */
export const POSTGRES_TABLE_PREFIX = 'sessions_kit_';

export const TWO_STORES_MESSAGE =
  'Both REDIS_URL and DATABASE_URL are set: the demo keeps server-side sessions in one store. ' +
  'Pick one: unset DATABASE_URL to use Redis, or unset REDIS_URL to use Postgres.';

/** Which store the demo's server-side sessions use; throws a SessionConfigError when both URLs are set. */
export function demoStorageKind(env: DemoStorageEnv = process.env): DemoStorageKind {
  const redis = Boolean(env.REDIS_URL?.trim());
  const postgres = Boolean(env.DATABASE_URL?.trim());
  if (redis && postgres) throw new SessionConfigError(TWO_STORES_MESSAGE);
  return redis ? 'redis' : postgres ? 'postgres' : 'directory';
}

export function demoStorages(env: DemoStorageEnv = process.env): DemoStorages {
  const kind = demoStorageKind(env);
  const make = (store: keyof DemoStorages): SessionStorage => {
    return kind === 'redis'
      ? redisStorage({ url: () => env.REDIS_URL?.trim(), prefix: `${REDIS_PREFIX}${store}:` })
      : kind === 'postgres'
        ? postgresStorage({ url: () => env.DATABASE_URL?.trim(), table: `${POSTGRES_TABLE_PREFIX}${store}` })
        : directoryStorage(path.join(path.resolve(/* turbopackIgnore: true */ env.SESSIONS_DIR ?? '.sessions/store'), store));
  };
  return { accounts: make('accounts'), anonymous: make('anonymous') };
}

/**
 * Called once at server start (instrumentation.ts): with both REDIS_URL and DATABASE_URL set the
 * server stops here with the message that says to pick one, before its first request.
 */
export function checkOneStore(env: DemoStorageEnv = process.env): void {
  try {
    demoStorageKind(env);
  } catch (error) {
    if (!(error instanceof SessionConfigError)) throw error;
    console.error(`\n[sessions] ${error.message}\n`);
    process.exit(1);
  }
}
