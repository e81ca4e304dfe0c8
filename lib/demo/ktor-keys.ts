/**
 * The `ktor_session` transformer: Ktor's encrypted format with Ktor's signed format on top, as a Ktor
 * service configured like this writes it:
 *
 *   cookie<UserSession>("ktor_session") {
 *     transform(SessionTransportTransformerEncrypt(hex(encryptKey), hex(signKey)))
 *     transform(SessionTransportTransformerMessageAuthentication(hex(authKey)))
 *   }
 *
 * Ktor applies transformers in order on write and in reverse on read, so the wire value is
 * `hex(iv)/hex(ciphertext):hex(mac)/hex(HMAC-SHA256(authKey, that text))`. The outer signature
 * covers the IV, which the encrypted format alone leaves unauthenticated (XOR-ing the IV rewrites
 * the first 16 bytes of the plaintext).
 *
 * Keys, in order of precedence:
 * - KTOR_ENCRYPT_KEY, KTOR_SIGN_KEY and optionally KTOR_AUTH_KEY (default: the KTOR_SIGN_KEY list):
 *   the hex keys your Ktor service uses, each a comma-separated list to rotate (newest first,
 *   the lists paired by position);
 * - otherwise derived with HKDF from EVERY SESSION_SECRET, so rotating SESSION_SECRET keeps the
 *   cookies written under the older secret readable while it is still listed.
 * Writes use the first key set; reads try each set in turn.
 */
// No `server-only` guard: the e2e tests import the demo's definitions to mint sessions with them
// (sessions-kit/testing); its node: imports keep it out of any client bundle regardless.
import { hkdfSync } from 'node:crypto';
import { SessionConfigError, type SessionTransformer } from 'sessions-kit';
import { ktorEncrypted, ktorSigned } from 'sessions-kit/ktor';

export interface KtorKeySet {
  /** AES key, hex (16, 24 or 32 bytes). */
  encryptionKey: string;
  /** HMAC key of the encrypted format, hex. */
  signKey: string;
  /** HMAC key of the outer signed layer, hex. */
  authKey: string;
}

/** KTOR_ENCRYPT_KEY, KTOR_SIGN_KEY, KTOR_AUTH_KEY. */
export type KtorKeyEnv = Readonly<Record<string, string | undefined>>;

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? [];

/** The HKDF derivation of the demo (salt: the session name): stable, so a secret always gives the same keys. */
export function deriveKtorKeys(secret: string): KtorKeySet {
  const derive = (info: string, bytes: number) => Buffer.from(hkdfSync('sha256', secret, 'ktor_session', info, bytes)).toString('hex');
  return {
    encryptionKey: derive('demo ktor encrypt', 16),
    signKey: derive('demo ktor sign', 32),
    authKey: derive('demo ktor authenticate', 32),
  };
}

export function ktorKeySets(secrets: readonly string[], env: KtorKeyEnv = process.env): KtorKeySet[] {
  const encrypt = list(env.KTOR_ENCRYPT_KEY);
  const sign = list(env.KTOR_SIGN_KEY);
  const auth = env.KTOR_AUTH_KEY?.trim() ? list(env.KTOR_AUTH_KEY) : sign;
  if (encrypt.length === 0 && sign.length === 0 && auth.length === 0) return secrets.map(deriveKtorKeys);
  if (encrypt.length === 0 || encrypt.length !== sign.length || auth.length !== sign.length) {
    throw new SessionConfigError(
      'KTOR_ENCRYPT_KEY and KTOR_SIGN_KEY (and KTOR_AUTH_KEY when set) must all be given, with the same number of comma-separated hex keys.',
    );
  }
  return encrypt.map((encryptionKey, i) => ({ encryptionKey, signKey: sign[i] as string, authKey: auth[i] as string }));
}

/**
 * Encrypt, then sign; on read, any listed key set that verifies and decrypts. Given a function, the
 * key sets are built when the session is first used (`next build` needs no secret) and kept once built.
 */
export function ktorLayered(keySets: readonly KtorKeySet[] | (() => readonly KtorKeySet[])): SessionTransformer {
  let built: Layer[] | undefined;
  const layers = () => (built ??= buildLayers(typeof keySets === 'function' ? keySets() : keySets));
  if (typeof keySets !== 'function') layers();
  return {
    async write(value) {
      const [current] = layers() as [Layer];
      return current.signed.write(await current.encrypted.write(value));
    },
    async read(value) {
      for (const layer of layers()) {
        const verified = await layer.signed.read(value);
        if (verified === undefined) continue;
        const opened = await layer.encrypted.read(verified);
        if (opened !== undefined) return opened;
      }
      return undefined;
    },
  };
}

interface Layer {
  encrypted: SessionTransformer;
  signed: SessionTransformer;
}

function buildLayers(keySets: readonly KtorKeySet[]): Layer[] {
  if (keySets.length === 0) throw new SessionConfigError('ktorLayered needs at least one key set.');
  return keySets.map((keys) => ({
    encrypted: ktorEncrypted({ encryptionKey: keys.encryptionKey, signKey: keys.signKey }),
    signed: ktorSigned({ key: keys.authKey }),
  }));
}
