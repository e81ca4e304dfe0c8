/**
 * `signed({ secret })`: the session stays readable and is signed with HMAC-SHA256, as a JWS in
 * compact serialization (RFC 7515, `alg: "HS256"`): `base64url(header).base64url(payload).base64url(mac)`.
 * Expiry (`iat`, `exp`) and the key id (`kid`) sit in the signed header. The key is derived as for
 * `encrypted`, with info `"sessions-kit jws"`, so `jose.compactVerify` verifies our values.
 *
 * @example
 * const sessions = defineSessions({
 *   cart_session: header<Cart>({ name: 'X-Cart-Session', storage: memoryStorage(),
 *     transform: signed({ secret: process.env.SESSION_SECRET }) }),
 * });
 */
import { hmac, timingSafeEqual } from '../internal/crypto.ts';
import { fromBase64url, fromUtf8, toBase64url, utf8ToBase64url } from '../internal/encoding.ts';
import type { SessionTransformerFactory } from '../types.ts';
import { type JoseFormat, type SecretSource, joseTransformer } from './jose.ts';

export interface SignedOptions {
  /**
   * At least 32 characters. An array rotates keys: the first signs, all verify. Or a function
   * returning them, called when a session is first used (so `next build` needs no secret).
   */
  secret: SecretSource;
}

type Mac = Awaited<ReturnType<typeof hmac>>;

const JWS: JoseFormat<Mac> = {
  what: 'signed()',
  info: 'sessions-kit jws',
  fixed: { alg: 'HS256' },
  segments: 3,
  prepare: hmac,
  async seal(mac, header, value) {
    const input = `${utf8ToBase64url(header)}.${utf8ToBase64url(value)}`;
    return `${input}.${toBase64url(await mac(input))}`;
  },
  async open(mac, [headerB64, payloadB64, macB64]) {
    const given = fromBase64url(macB64 as string);
    const payload = fromBase64url(payloadB64 as string);
    if (given?.length !== 32 || !payload) return undefined;
    if (!timingSafeEqual(await mac(`${headerB64}.${payloadB64}`), given)) return undefined;
    return fromUtf8(payload);
  },
};

export function signed(options: SignedOptions): SessionTransformerFactory {
  return joseTransformer(JWS, options?.secret);
}
