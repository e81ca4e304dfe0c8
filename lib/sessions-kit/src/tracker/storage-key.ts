/**
 * Ids at rest: storages never see a session id, only a one-way hash of it, so
 * a Redis dump, a replica, `MONITOR` or a directory listing holds no live token.
 *
 * The key is base64url(SHA-256(namespace + id)): 43 characters. Ids carry 256
 * random bits, so the hash cannot be reversed by guessing; the namespace keeps
 * these keys apart from any other SHA-256 of the same string.
 */
import { nodeCrypto } from '../internal/platform.ts';
import { toBase64url, utf8 } from '../internal/encoding.ts';

/** Versioned: changing the derivation must change every key (old records then simply end). */
const NAMESPACE = 'sessions-kit/id/v1:';

/**
 * The storage key for a session id. Synchronous with `node:crypto` (Node, Bun, Deno);
 * a Promise with Web Crypto only (Edge, workers).
 *
 * @example
 * ```ts
 * const key = await storageKey(id); // 43 base64url characters, never the id
 * ```
 */
export function storageKey(id: string): string | Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(NAMESPACE + id, 'utf8').digest('base64url');
  return webStorageKey(id);
}

/** The Web Crypto derivation; exported so tests can check both paths agree. */
export async function webStorageKey(id: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', utf8(NAMESPACE + id));
  return toBase64url(new Uint8Array(digest));
}
