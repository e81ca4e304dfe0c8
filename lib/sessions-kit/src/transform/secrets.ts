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
import { nodeCrypto } from '../internal/runtime.ts';

export const MIN_SECRET_LENGTH = 32;

export type SecretInput = string | readonly string[] | undefined;

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

export interface DerivedKey {
  /** Short public identifier of the key: base64url(SHA-256(key)), first 8 characters. */
  kid: string;
  raw: Bytes;
}

export type KeyPurpose = 'sessions-kit jwe' | 'sessions-kit jws';

/** Derives the key synchronously on Node, through Web Crypto elsewhere. */
export function deriveKey(secret: string, wireName: string, info: KeyPurpose): DerivedKey | Promise<DerivedKey> {
  if (nodeCrypto) {
    const raw = new Uint8Array(nodeCrypto.hkdfSync('sha256', secret, wireName, info, 32));
    const kid = nodeCrypto.createHash('sha256').update(raw).digest('base64url').slice(0, 8);
    return { kid, raw };
  }
  return deriveKeyWebCrypto(secret, wireName, info);
}

async function deriveKeyWebCrypto(secret: string, wireName: string, info: KeyPurpose): Promise<DerivedKey> {
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

/** The keys for one session, current first, derived once and cached. */
export class KeyRing {
  private readonly keys: Promise<DerivedKey[]> | DerivedKey[];

  constructor(secrets: string[], wireName: string, info: KeyPurpose) {
    const derived = secrets.map((s) => deriveKey(s, wireName, info));
    this.keys = derived.some((k) => k instanceof Promise)
      ? Promise.all(derived)
      : (derived as DerivedKey[]);
  }

  /** Synchronously available on Node; a Promise the first time elsewhere. */
  get(): DerivedKey[] | Promise<DerivedKey[]> {
    return this.keys;
  }
}

/** With a `kid` only that key is tried; without one (a value from another JOSE library) each key is. */
export function keyCandidates<K extends DerivedKey>(keys: K[], kid: string | undefined): K[] {
  return kid === undefined ? keys : keys.filter((k) => k.kid === kid);
}
