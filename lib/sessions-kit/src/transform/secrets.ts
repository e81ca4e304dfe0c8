/**
 * Secrets and the keys derived from them.
 *
 * key = HKDF-SHA256(ikm = UTF-8 secret, salt = UTF-8 wire name of the session, info, 32 bytes)
 *
 * Binding the key to the session name means a value minted for one session
 * never opens as another. The derivation is public so other services can
 * open our values with any JOSE library.
 */
import { SessionConfigError } from '../errors.ts';
import { type Bytes, toBase64url, utf8 } from '../internal/encoding.ts';
import { nodeCrypto } from '../internal/platform.ts';

export const MIN_SECRET_LENGTH = 32;

export type SecretInput = string | readonly string[] | undefined;

/** A secret (or several), or a function that returns them when a session is first used. */
export type SecretSource = SecretInput | (() => SecretInput);

const HOW_TO_MAKE_ONE = 'Generate one with: openssl rand -base64 32';

/** Validates and normalizes `secret`: the first one is current, the rest only decrypt. */
export function normalizeSecrets(secret: SecretInput, what: string): string[] {
  const list = typeof secret === 'string' ? [secret] : secret ? [...secret] : [];
  if (list.length === 0) {
    throw new SessionConfigError(`${what} needs a secret (at least ${MIN_SECRET_LENGTH} characters). ${HOW_TO_MAKE_ONE}`);
  }
  list.forEach((s, i) => {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) {
      throw new SessionConfigError(
        `${what}: secret #${i + 1} is shorter than ${MIN_SECRET_LENGTH} characters. ${HOW_TO_MAKE_ONE}`,
      );
    }
  });
  return list;
}

/** Unset, empty, or only empty entries (`SESSION_SECRET=` split on commas gives `['']`). */
function isMissing(secret: SecretInput): boolean {
  return secret === undefined || (typeof secret === 'string' ? secret === '' : secret.every((s) => s === ''));
}

/**
 * The secrets behind one transformer, as a function called on first use. A secret given
 * directly is checked now, so a short one fails at boot. A function, or a missing secret,
 * is resolved when a session is first read or written: `next build` imports the session
 * definitions but uses no session, so it needs no secret; a server without one fails at its
 * first use (apps stop at start-up by checking in `instrumentation.ts`).
 */
export function secretsOnFirstUse(source: SecretSource, what: string): () => string[] {
  if (typeof source === 'function') return () => normalizeSecrets(source(), what);
  if (isMissing(source)) return () => normalizeSecrets(source, what);
  const list = normalizeSecrets(source, what);
  return () => list;
}

/**
 * Runs `load` once, on the first call, and keeps its result; a failure is not kept, so a
 * secret that shows up later (or a fixed configuration) is picked up on the next call.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    if (!loaded) {
      const attempt = (async () => load())();
      loaded = attempt;
      attempt.catch(() => {
        if (loaded === attempt) loaded = undefined;
      });
    }
    return loaded;
  };
}

export interface DerivedKey {
  /** Short public identifier of the key: base64url(SHA-256(key)), first 8 characters. */
  kid: string;
  raw: Bytes;
}

export type KeyPurpose = 'sessions-kit jwe' | 'sessions-kit jws';

/** Derives one key: node:crypto when present (much faster to start), Web Crypto otherwise. */
export async function deriveKey(secret: string, wireName: string, info: KeyPurpose): Promise<DerivedKey> {
  if (nodeCrypto) {
    const raw = new Uint8Array(nodeCrypto.hkdfSync('sha256', secret, wireName, info, 32));
    return { kid: nodeCrypto.createHash('sha256').update(raw).digest('base64url').slice(0, 8), raw };
  }
  const ikm = await crypto.subtle.importKey('raw', utf8(secret), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8(wireName), info: utf8(info) },
    ikm,
    256,
  );
  const raw = new Uint8Array(bits);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', raw));
  return { kid: toBase64url(digest).slice(0, 8), raw };
}

/** The keys for one session, current first. */
export function deriveKeys(secrets: string[], wireName: string, info: KeyPurpose): Promise<DerivedKey[]> {
  return Promise.all(secrets.map((s) => deriveKey(s, wireName, info)));
}

/** With a `kid` only that key is tried; without one (a value from another JOSE library) each key is. */
export function keyCandidates<K extends DerivedKey>(keys: K[], kid: string | undefined): K[] {
  return kid === undefined ? keys : keys.filter((k) => k.kid === kid);
}
