/**
 * "Sign out everywhere" for sessions the client holds (by value): nothing on the server lists
 * them, so the storage given as `revocations` keeps, per owner, the time of the last `revokeAll`,
 * and a value created at or before it reads as no session. One storage read per request that
 * opens such a session (wrap the storage in `cachedStorage` to trade seconds of delay for it).
 * Stored: the time in seconds, as text, under base64url(SHA-256(namespace + [session, owner])).
 */
import { sha256 } from '../internal/crypto.ts';
import { toBase64url } from '../internal/encoding.ts';
import { nowSeconds } from '../internal/platform.ts';
import type { SessionStorage } from '../types.ts';
import { inTurn, retrying, storageGuard } from './contention.ts';

const NAMESPACE = 'sessions-kit/revoked/v1:';

export type Revocations = ReturnType<typeof revocations>;

/** `ttlSeconds`: how long a value can live at most (undefined: unbounded), so the record may go after it. */
export function revocations(storage: SessionStorage, sessionName: string, ttlSeconds: number | undefined) {
  const guard = storageGuard(sessionName);
  const keyOf = async (owner: string) => toBase64url(await sha256(NAMESPACE + JSON.stringify([sessionName, owner])));
  const read = async (key: string) => {
    const stored = await guard('read', () => storage.read(key));
    return { stored, at: Number(stored) || 0 };
  };
  return {
    /** The time of the owner's last `revokeAll` (seconds), 0 for none. */
    async revokedAt(owner: string): Promise<number> {
      return (await read(await keyOf(owner))).at;
    },
    /** Every value of `owner` created until now reads as no session from now on. */
    async revokeAll(owner: string): Promise<void> {
      const key = await keyOf(owner);
      await inTurn(storage, key, () =>
        retrying(`The revocations of "${sessionName}"`, async () => {
          const { stored, at } = await read(key);
          const next = String(Math.max(at, nowSeconds()));
          if (stored === next) return true;
          const done =
            stored === undefined
              ? await guard('write', () => storage.create(key, next, ttlSeconds))
              : await guard('write', () => storage.compareAndSet(key, stored, next, ttlSeconds));
          return done || undefined;
        }),
      );
    },
  };
}
