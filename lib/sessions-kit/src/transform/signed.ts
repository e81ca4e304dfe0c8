/**
 * `signed({ secret })`: the session stays readable and is signed with
 * HMAC-SHA256, as a JWS in compact serialization (RFC 7515, `alg: "HS256"`):
 * `base64url(header).base64url(payload).base64url(mac)`. Expiry (`iat`, `exp`)
 * and the key id (`kid`) sit in the signed header. The key is derived from the
 * secret exactly as for `encrypted`, with info `"sessions-kit jws"`.
 *
 * @example
 * const sessions = defineSessions({
 *   cart_session: header<Cart>({ name: 'X-Cart-Session', storage: memoryStorage(),
 *     transform: signed({ secret: process.env.SESSION_SECRET }) }),
 * });
 */
import { assertWellFormedText, fromBase64url, fromUtf8, timingSafeEqual, toBase64url, utf8, utf8ToBase64url } from '../internal/encoding.ts';
import { nodeCrypto } from '../internal/platform.ts';
import type { ExpiryCarryingTransformer, OpenedValue, SessionTimes, SessionTransformerFactory } from '../types.ts';
import { MAX_PROTECTED_LENGTH, headerPrefix, headerTimes, parseProtectedHeader } from './protected-header.ts';
import { type DerivedKey, type SecretSource, deriveKeys, keyCandidates, onFirstUse, secretsOnFirstUse } from './secrets.ts';

export interface SignedOptions {
  /** At least 32 characters. An array rotates keys: the first signs, all verify. */
  /**
   * Or a function returning them, called when a session is first used: `secret: () => process.env.SESSION_SECRET`
   * lets `next build` run without the secret. A missing secret is likewise checked on first use.
   */
  secret: SecretSource;
}

const FIXED_HEADER = { alg: 'HS256' } as const;
const MAC_BYTES = 32;

export function signed(options: SignedOptions): SessionTransformerFactory {
  const secrets = secretsOnFirstUse(options?.secret, 'signed()');
  return { forSession: (wireName) => jwsTransformer(() => deriveKeys(secrets(), wireName, 'sessions-kit jws')) };
}

interface MacKey extends DerivedKey {
  /** `{"alg":"HS256","kid":"…"` without the closing brace. */
  prefix: string;
  /** HMAC-SHA256 of the JWS signing input (ASCII: two base64url segments and a dot). */
  mac(input: string): Uint8Array | Promise<Uint8Array>;
}

async function macKey(key: DerivedKey): Promise<MacKey> {
  const prefix = headerPrefix(FIXED_HEADER, key.kid);
  if (nodeCrypto) {
    const { createHmac, createSecretKey } = nodeCrypto;
    const secret = createSecretKey(key.raw);
    return { ...key, prefix, mac: (input) => createHmac('sha256', secret).update(input, 'latin1').digest() };
  }
  const web = await crypto.subtle.importKey('raw', key.raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return { ...key, prefix, mac: async (input) => new Uint8Array(await crypto.subtle.sign('HMAC', web, utf8(input))) };
}

function jwsTransformer(derive: () => Promise<DerivedKey[]>): ExpiryCarryingTransformer {
  const keys = onFirstUse(async () => Promise.all((await derive()).map(macKey)));

  async function writeWithTimes(value: string, times: SessionTimes | undefined): Promise<string> {
    assertWellFormedText(value, 'signed()');
    const [key] = (await keys()) as [MacKey];
    const input = `${utf8ToBase64url(key.prefix + headerTimes(times))}.${utf8ToBase64url(value)}`;
    return `${input}.${toBase64url(await key.mac(input))}`;
  }

  async function readWithTimes(value: string): Promise<OpenedValue | undefined> {
    if (typeof value !== 'string' || value.length > MAX_PROTECTED_LENGTH) return undefined;
    const parts = value.split('.');
    if (parts.length !== 3) return undefined;
    const [headerB64, payloadB64, macB64] = parts as [string, string, string];
    const header = parseProtectedHeader(headerB64, FIXED_HEADER);
    const mac = fromBase64url(macB64);
    const payload = fromBase64url(payloadB64);
    if (!header || mac?.length !== MAC_BYTES || !payload) return undefined;
    const input = `${headerB64}.${payloadB64}`;
    const all = await keys();
    for (const key of keyCandidates(all, header.kid)) {
      if (!timingSafeEqual(await key.mac(input), mac)) continue;
      const text = fromUtf8(payload);
      if (text === undefined) return undefined;
      return key === all[0] ? { value: text, times: header.times } : { value: text, times: header.times, stale: true };
    }
    return undefined;
  }

  return {
    writeWithTimes,
    readWithTimes,
    write: (value) => writeWithTimes(value, undefined),
    read: async (value) => (await readWithTimes(value))?.value,
  };
}
