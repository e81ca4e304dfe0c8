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
import type { KeyObject } from 'node:crypto';
import { fromBase64url, fromUtf8, timingSafeEqual, toBase64url, utf8, utf8ToBase64url } from '../internal/encoding.ts';
import { nodeCrypto } from '../internal/runtime.ts';
import type { ExpiryCarryingTransformer, OpenedValue, SessionTimes, SessionTransformerFactory } from '../types.ts';
import { MAX_PROTECTED_LENGTH, headerPrefix, headerTimes, parseProtectedHeader } from './protected-header.ts';
import { type DerivedKey, KeyRing, type SecretInput, keyCandidates, normalizeSecrets } from './secrets.ts';

export interface SignedOptions {
  /** At least 32 characters. An array rotates keys: the first signs, all verify. */
  secret: SecretInput;
}

const FIXED_HEADER = { alg: 'HS256' } as const;
const MAC_BYTES = 32;

export function signed(options: SignedOptions): SessionTransformerFactory {
  const secrets = normalizeSecrets(options?.secret, 'signed()');
  return {
    kind: 'signed',
    forSession: (wireName) => new JwsTransformer(new KeyRing(secrets, wireName, 'sessions-kit jws')),
  };
}

interface MacKey extends DerivedKey {
  headerPrefix: string;
  node?: KeyObject;
  web?: Promise<CryptoKey>;
}

class JwsTransformer implements ExpiryCarryingTransformer {
  private readonly keys: MacKey[] | Promise<MacKey[]>;

  constructor(ring: KeyRing) {
    const prepare = (keys: DerivedKey[]): MacKey[] =>
      keys.map((k) =>
        nodeCrypto
          ? { ...k, headerPrefix: headerPrefix(FIXED_HEADER, k.kid), node: nodeCrypto.createSecretKey(k.raw) }
          : {
              ...k,
              headerPrefix: headerPrefix(FIXED_HEADER, k.kid),
              web: crypto.subtle.importKey('raw', k.raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
            },
      );
    const keys = ring.get();
    this.keys = Array.isArray(keys) ? prepare(keys) : keys.then(prepare);
  }

  write(value: string): string | Promise<string> {
    return this.writeWithTimes(value, undefined);
  }

  async read(value: string): Promise<string | undefined> {
    return (await this.readWithTimes(value))?.value;
  }

  writeWithTimes(value: string, times: SessionTimes | undefined): string | Promise<string> {
    const sign = (keys: MacKey[]): string | Promise<string> => {
      const key = keys[0] as MacKey;
      const input = `${utf8ToBase64url(key.headerPrefix + headerTimes(times))}.${utf8ToBase64url(value)}`;
      const mac = macOf(key, input);
      return mac instanceof Promise ? mac.then((m) => `${input}.${toBase64url(m)}`) : `${input}.${toBase64url(mac)}`;
    };
    return Array.isArray(this.keys) ? sign(this.keys) : this.keys.then(sign);
  }

  readWithTimes(value: string): OpenedValue | undefined | Promise<OpenedValue | undefined> {
    if (typeof value !== 'string' || value.length > MAX_PROTECTED_LENGTH) return undefined;
    const parts = value.split('.');
    if (parts.length !== 3) return undefined;
    const [headerB64, payloadB64, macB64] = parts as [string, string, string];
    const header = parseProtectedHeader(headerB64, FIXED_HEADER);
    const mac = fromBase64url(macB64);
    const payload = fromBase64url(payloadB64);
    if (!header || mac?.length !== MAC_BYTES || !payload) return undefined;
    const input = `${headerB64}.${payloadB64}`;

    const accept = (key: MacKey, keys: MacKey[]): OpenedValue | undefined => {
      const text = fromUtf8(payload);
      if (text === undefined) return undefined;
      return key === keys[0] ? { value: text, times: header.times } : { value: text, times: header.times, stale: true };
    };
    if (Array.isArray(this.keys)) {
      // Synchronous on Node: no microtask per request for the common case.
      for (const key of keyCandidates(this.keys, header.kid)) {
        if (timingSafeEqual(macOf(key, input) as Uint8Array, mac)) return accept(key, this.keys);
      }
      return undefined;
    }
    return this.keys.then(async (keys) => {
      for (const key of keyCandidates(keys, header.kid)) {
        if (timingSafeEqual(await macOf(key, input), mac)) return accept(key, keys);
      }
      return undefined;
    });
  }
}

function macOf(key: MacKey, input: string): Uint8Array | Promise<Uint8Array> {
  if (key.node && nodeCrypto) return nodeCrypto.createHmac('sha256', key.node).update(input, 'latin1').digest();
  return (key.web as Promise<CryptoKey>).then(
    async (k) => new Uint8Array(await crypto.subtle.sign('HMAC', k, utf8(input))),
  );
}
