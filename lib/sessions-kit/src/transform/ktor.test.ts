import { createCipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionConfigError, SessionDataError } from '../errors.ts';
import type { MaybePromise, SessionTransformer } from '../types.ts';
import { type KtorEncryptedOptions, ktorEncrypted } from './ktor-encrypted.ts';
import { type KtorSignedOptions, ktorSigned } from './ktor-signed.ts';

/** The Ktor transformers are synchronous (no extra microtask); these wrappers assert it and narrow the types. */
interface SyncTransformer {
  write(value: string): string;
  read(value: string): string | undefined;
}

function now<T>(value: MaybePromise<T>): T {
  if (value instanceof Promise) throw new Error('expected a synchronous result');
  return value;
}

function syncOf(t: SessionTransformer): SyncTransformer {
  return { write: (value) => now(t.write(value)), read: (value) => now(t.read(value)) };
}

const enc = (options: KtorEncryptedOptions): SyncTransformer => syncOf(ktorEncrypted(options));
const sig = (options: KtorSignedOptions): SyncTransformer => syncOf(ktorSigned(options));

// Ktor's own test vector (io.ktor.server.sessions.SessionTestJvm.testSessionEncrypted).
const ENCRYPT_KEY = '00112233445566778899aabbccddeeff';
const SIGN_KEY = '02030405060708090a0b0c';
const FIXED_IV = Buffer.from(ENCRYPT_KEY, 'hex');
const KTOR_PLAINTEXT = '{"userId":"id2","cart":[]}';
const KTOR_WIRE =
  '00112233445566778899aabbccddeeff/' +
  '9b8cf9900ff0f63849cb7a2ad71ed8a1ac9f0e2735492d2a5129cf278d70ab27:' +
  '40af9f393a00034b53d2267251047259005bdf5ff104eede599149e80e6fee13';

// Ktor's backward-compatibility vectors (testSessionEncryptedBackwardCompatible): the same
// reflection-serialized plaintext in the current form and in the pre-3.0 form (MAC over plaintext).
const KTOR_LEGACY_PLAINTEXT = 'cart=%23cl&userId=%23sid2';
const KTOR_LEGACY_CIPHERTEXT = 'c3850fc1ddc62f71ec5eaad6d393b91fa809fe32a1cf0cb4730788c5a489daef';
const KTOR_LEGACY_CURRENT_FORM = `${ENCRYPT_KEY}/${KTOR_LEGACY_CIPHERTEXT}:65f0bd15bfa7e96b8bd9e134e23a24860b324e361c606e6800af050f5d104b68`;
const KTOR_LEGACY_OLD_FORM = `${ENCRYPT_KEY}/${KTOR_LEGACY_CIPHERTEXT}:51a5e9fcd1c91418f9a623bafa5022a524348e44244265dc0cab2cebacc28a5d`;

const fixedIv = (): Uint8Array => FIXED_IV;

/** Ktor's own tamper helper: the last character becomes '1' if it was '0', else '0'. */
function flipLastHexDigit(value: string): string {
  return value.slice(0, -1) + (value.endsWith('0') ? '1' : '0');
}

function replaceAt(value: string, index: number, char: string): string {
  return value.slice(0, index) + char + value.slice(index + 1);
}

function hmacHex(keyHex: string, data: Uint8Array | string): string {
  return createHmac('sha256', Buffer.from(keyHex, 'hex')).update(data).digest('hex');
}

/** Encrypts as both Ktor forms would, independently of the code under test. */
function aesCbc(keyHex: string, iv: Uint8Array, plaintext: string): Buffer {
  const key = Buffer.from(keyHex, 'hex');
  const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
}

const GARBAGE_10KB = Array.from({ length: 10_240 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 94))).join('');

const MALFORMED = [
  '',
  'INVALID',
  'abc/abc:abc',
  '/',
  ':',
  '/:',
  GARBAGE_10KB,
  'a'.repeat(10_240),
  `${'0'.repeat(32)}/${'0'.repeat(32)}`,
  `${'0'.repeat(32)}/:${'0'.repeat(64)}`,
  `${'0'.repeat(30)}/${'0'.repeat(32)}:${'0'.repeat(64)}`,
  `${'0'.repeat(32)}/${'0'.repeat(30)}:${'0'.repeat(64)}`,
  `${'0'.repeat(32)}/${'0'.repeat(32)}:${'0'.repeat(62)}`,
  `${'0'.repeat(32)}/${'0'.repeat(32)}:${'0'.repeat(64)}`,
  `${'0'.repeat(32)}/${'ab'.repeat(5_120)}:${'0'.repeat(64)}`,
];

describe('ktorEncrypted', () => {
  const ktor = () => enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY });

  it("writes Ktor's test vector byte for byte", () => {
    const t = enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY, ivGenerator: fixedIv });
    expect(t.write(KTOR_PLAINTEXT)).toBe(KTOR_WIRE);
  });

  it("reads Ktor's test vector", () => {
    expect(ktor().read(KTOR_WIRE)).toBe(KTOR_PLAINTEXT);
  });

  it("writes and reads Ktor's second (reflection-serializer) vector", () => {
    const t = enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY, ivGenerator: fixedIv });
    expect(t.write(KTOR_LEGACY_PLAINTEXT)).toBe(KTOR_LEGACY_CURRENT_FORM);
    expect(t.read(KTOR_LEGACY_CURRENT_FORM)).toBe(KTOR_LEGACY_PLAINTEXT);
  });

  it('accepts keys given as bytes exactly like hex keys', () => {
    const t = enc({
      encryptionKey: Buffer.from(ENCRYPT_KEY, 'hex'),
      signKey: new Uint8Array(Buffer.from(SIGN_KEY, 'hex')),
      ivGenerator: fixedIv,
    });
    expect(t.write(KTOR_PLAINTEXT)).toBe(KTOR_WIRE);
  });

  it('accepts uppercase hex in configured keys', () => {
    const t = enc({
      encryptionKey: ENCRYPT_KEY.toUpperCase(),
      signKey: SIGN_KEY.toUpperCase(),
      ivGenerator: fixedIv,
    });
    expect(t.write(KTOR_PLAINTEXT)).toBe(KTOR_WIRE);
  });

  it.each(MALFORMED.map((v) => [v.length > 80 ? `${v.slice(0, 20)}… (${v.length} chars)` : JSON.stringify(v), v]))(
    'reads malformed or forged %s as undefined',
    (_label, value) => {
      expect(ktor().read(value)).toBeUndefined();
    },
  );

  it('reads a flipped last MAC digit as undefined', () => {
    expect(ktor().read(flipLastHexDigit(KTOR_WIRE))).toBeUndefined();
  });

  it('reads a non-hex last character as undefined', () => {
    expect(ktor().read(replaceAt(KTOR_WIRE, KTOR_WIRE.length - 1, 'x'))).toBeUndefined();
  });

  it('reads a flipped ciphertext byte as undefined', () => {
    const first = KTOR_WIRE.indexOf('/') + 1;
    for (const index of [first, first + 31, KTOR_WIRE.indexOf(':') - 1]) {
      const flipped = replaceAt(KTOR_WIRE, index, KTOR_WIRE[index] === 'f' ? '0' : 'f');
      expect(ktor().read(flipped)).toBeUndefined();
    }
  });

  it('rejects uppercase hex on the wire (Ktor only writes lowercase)', () => {
    expect(ktor().read(KTOR_WIRE.toUpperCase())).toBeUndefined();
  });

  it('rejects extra separators or surrounding text', () => {
    expect(ktor().read(`x/${KTOR_WIRE}`)).toBeUndefined();
    expect(ktor().read(`${KTOR_WIRE} `)).toBeUndefined();
    expect(ktor().read(`${KTOR_WIRE}:00`)).toBeUndefined();
  });

  it('rejects a value sealed with another sign key or encryption key', () => {
    const otherSign = enc({ encryptionKey: ENCRYPT_KEY, signKey: 'ff'.repeat(32) });
    const otherEncrypt = enc({ encryptionKey: 'ff'.repeat(16), signKey: SIGN_KEY });
    expect(ktor().read(otherSign.write('x'))).toBeUndefined();
    // Same sign key, other AES key: the MAC matches, decryption yields garbage, bad padding or bad UTF-8.
    const garbled = ktor().read(otherEncrypt.write(KTOR_PLAINTEXT));
    expect(garbled).not.toBe(KTOR_PLAINTEXT);
  });

  /**
   * A key holder's value built from raw (unpadded) plaintext blocks: the only way bad padding or
   * bad UTF-8 could carry a valid MAC. `macInput` is the ciphertext, or chosen bytes for the old form.
   */
  function rawSealed(rawBlocks: Buffer, macInput: 'ciphertext' | Buffer): string {
    const cipher = createCipheriv('aes-128-cbc', Buffer.from(ENCRYPT_KEY, 'hex'), FIXED_IV).setAutoPadding(false);
    const ciphertext = Buffer.concat([cipher.update(rawBlocks), cipher.final()]);
    const mac = hmacHex(SIGN_KEY, macInput === 'ciphertext' ? ciphertext : macInput);
    return `${FIXED_IV.toString('hex')}/${ciphertext.toString('hex')}:${mac}`;
  }

  it('reads bad padding under a valid MAC as undefined (Java throws BadPaddingException)', () => {
    const zeroPad = Buffer.concat([Buffer.from('0123456789abcde'), Buffer.from([0])]);
    expect(ktor().read(rawSealed(zeroPad, 'ciphertext'))).toBeUndefined();

    // Old form: each MAC covers exactly what a reader skipping the padding check would hash.
    const legacy = enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY, backwardCompatibleRead: true });
    expect(legacy.read(rawSealed(zeroPad, zeroPad))).toBeUndefined();
    const inconsistentPad = Buffer.concat([Buffer.from('0123456789abc'), Buffer.from([3, 2, 3])]);
    expect(legacy.read(rawSealed(inconsistentPad, inconsistentPad.subarray(0, 13)))).toBeUndefined();
    const tooLongPad = Buffer.alloc(16, 17);
    expect(legacy.read(rawSealed(tooLongPad, tooLongPad.subarray(0, 15)))).toBeUndefined();
    const goodPad = Buffer.concat([Buffer.from('0123456789abc'), Buffer.from([3, 3, 3])]);
    expect(legacy.read(rawSealed(goodPad, goodPad.subarray(0, 13)))).toBe('0123456789abc');
  });

  it('reads invalid UTF-8 under a valid MAC as undefined', () => {
    const invalidUtf8 = Buffer.concat([Buffer.from([0xc3, 0x28]), Buffer.alloc(14, 14)]);
    expect(ktor().read(rawSealed(invalidUtf8, 'ciphertext'))).toBeUndefined();
  });

  it('round-trips a value with a space', () => {
    const t = ktor();
    expect(t.read(t.write('{"userId":"id 2","cart":[]}'))).toBe('{"userId":"id 2","cart":[]}');
  });

  it('round-trips the empty string and a leading BOM', () => {
    const t = ktor();
    expect(t.read(t.write(''))).toBe('');
    expect(t.read(t.write('\uFEFFbom'))).toBe('\uFEFFbom');
  });

  it.each([16, 24, 32])('round-trips with a %i-byte AES key and a 16-byte IV', (length) => {
    const t = enc({ encryptionKey: new Uint8Array(length).fill(7), signKey: new Uint8Array(32).fill(9) });
    const wire = t.write(`session-value-${length}`);
    expect(wire.slice(0, wire.indexOf('/'))).toMatch(/^[0-9a-f]{32}$/);
    expect(t.read(wire)).toBe(`session-value-${length}`);
  });

  it('uses a fresh random IV per write', () => {
    const t = ktor();
    expect(t.write('same')).not.toBe(t.write('same'));
  });

  it.each([
    ['a 20-byte encryption key', { encryptionKey: new Uint8Array(20), signKey: SIGN_KEY }],
    ['an empty encryption key', { encryptionKey: '', signKey: SIGN_KEY }],
    ['an odd-length hex encryption key', { encryptionKey: `${ENCRYPT_KEY}0`, signKey: SIGN_KEY }],
    ['a non-hex encryption key', { encryptionKey: 'zz'.repeat(16), signKey: SIGN_KEY }],
    ['an empty sign key', { encryptionKey: ENCRYPT_KEY, signKey: new Uint8Array(0) }],
    ['a non-hex sign key', { encryptionKey: ENCRYPT_KEY, signKey: 'not hex!' }],
  ])('throws SessionConfigError for %s', (_label, options) => {
    expect(() => enc(options)).toThrow(SessionConfigError);
    try {
      enc(options);
    } catch (error) {
      expect((error as SessionConfigError).code).toBe('ERR_SESSION_CONFIG');
    }
  });

  it('throws SessionConfigError when the ivGenerator returns the wrong size', () => {
    const t = enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY, ivGenerator: () => new Uint8Array(8) });
    expect(() => t.write('x')).toThrow(SessionConfigError);
  });

  it('refuses to write text with a lone surrogate (UTF-8 would alter it)', () => {
    expect(() => ktor().write('a\uD800b')).toThrow(SessionDataError);
  });

  it("documents Ktor's format: the IV is not covered by the MAC", () => {
    // CBC: P1 = D(C1) xor IV, so xoring the IV rewrites the first plaintext block undetected.
    const t = ktor();
    const wire = t.write(KTOR_PLAINTEXT);
    const iv = Buffer.from(wire.slice(0, 32), 'hex');
    const at = KTOR_PLAINTEXT.indexOf('id2') + 2; // inside the first 16 bytes
    iv[at] = (iv[at] ?? 0) ^ '2'.charCodeAt(0) ^ '9'.charCodeAt(0);
    expect(t.read(iv.toString('hex') + wire.slice(32))).toBe('{"userId":"id9","cart":[]}');
  });

  it('stacking ktorSigned on top authenticates the IV too', () => {
    const inner = ktor();
    const outer = sig({ key: 'ab'.repeat(32) });
    const wire = outer.write(inner.write(KTOR_PLAINTEXT));
    expect(inner.read(outer.read(wire) ?? '')).toBe(KTOR_PLAINTEXT);
    const tampered = replaceAt(wire, 0, wire[0] === '0' ? '1' : '0');
    expect(outer.read(tampered)).toBeUndefined();
  });

  describe('backwardCompatibleRead', () => {
    const legacy = () => enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY, backwardCompatibleRead: true });

    /** The pre-3.0 form, built by hand: the MAC covers the UTF-8 plaintext, not the ciphertext. */
    function oldForm(plaintext: string, iv: Uint8Array = FIXED_IV): string {
      const ciphertext = aesCbc(ENCRYPT_KEY, iv, plaintext);
      return `${Buffer.from(iv).toString('hex')}/${ciphertext.toString('hex')}:${hmacHex(SIGN_KEY, Buffer.from(plaintext, 'utf8'))}`;
    }

    it('accepts a hand-built old-form value', () => {
      expect(legacy().read(oldForm(KTOR_PLAINTEXT))).toBe(KTOR_PLAINTEXT);
      expect(legacy().read(oldForm('ünïcødé ✓ 😀', Buffer.alloc(16, 0x5a)))).toBe('ünïcødé ✓ 😀');
    });

    it("accepts Ktor's own old-form vector", () => {
      expect(legacy().read(KTOR_LEGACY_OLD_FORM)).toBe(KTOR_LEGACY_PLAINTEXT);
    });

    it('without the flag, the old form reads as undefined', () => {
      expect(ktor().read(oldForm(KTOR_PLAINTEXT))).toBeUndefined();
      expect(ktor().read(KTOR_LEGACY_OLD_FORM)).toBeUndefined();
    });

    it('still reads and writes the current form', () => {
      const t = enc({
        encryptionKey: ENCRYPT_KEY,
        signKey: SIGN_KEY,
        backwardCompatibleRead: true,
        ivGenerator: fixedIv,
      });
      expect(t.write(KTOR_PLAINTEXT)).toBe(KTOR_WIRE);
      expect(t.read(KTOR_WIRE)).toBe(KTOR_PLAINTEXT);
    });

    it('rejects tampered old-form values, bad padding included', () => {
      const value = oldForm(KTOR_PLAINTEXT);
      expect(legacy().read(flipLastHexDigit(value))).toBeUndefined();
      // Flip a byte of the first block: the last block still decrypts (good padding), the MAC fails.
      expect(legacy().read(replaceAt(value, 33, value[33] === 'f' ? '0' : 'f'))).toBeUndefined();
      // Random last block: the padding is almost surely bad; either way it reads undefined.
      const randomLast = `${value.slice(0, value.indexOf(':') - 32)}${'5a'.repeat(16)}${value.slice(value.indexOf(':'))}`;
      expect(legacy().read(randomLast)).toBeUndefined();
      for (const bad of MALFORMED) expect(legacy().read(bad)).toBeUndefined();
    });
  });
});

describe('ktorSigned', () => {
  const KEY = '0351560605861061056105800102030405060708090a0b0c0d0e0f1011121314';
  const signed = () => sig({ key: KEY });

  it('matches an independently computed HMAC-SHA256', () => {
    const value = '{"userId":"id2","cart":[]}';
    expect(signed().write(value)).toBe(`${value}/${hmacHex(KEY, value)}`);
    expect(signed().read(`${value}/${hmacHex(KEY, value)}`)).toBe(value);
  });

  it('signs the UTF-8 bytes of the value', () => {
    const value = 'ünïcødé ✓ 😀';
    expect(signed().write(value)).toBe(`${value}/${hmacHex(KEY, Buffer.from(value, 'utf8'))}`);
  });

  it('accepts the key as bytes', () => {
    expect(sig({ key: Buffer.from(KEY, 'hex') }).write('x')).toBe(signed().write('x'));
  });

  it('round-trips a value containing slashes (split at the last one)', () => {
    const value = 'a/b/c/';
    const wire = signed().write(value);
    expect(wire).toBe(`${value}/${hmacHex(KEY, value)}`);
    expect(signed().read(wire)).toBe(value);
  });

  it('round-trips a value with a space, and the empty string', () => {
    expect(signed().read(signed().write('id 2'))).toBe('id 2');
    expect(signed().read(signed().write(''))).toBe('');
  });

  it('reads a tampered value as undefined', () => {
    const wire = signed().write('{"userId":"id2"}');
    expect(signed().read(wire.replace('id2', 'id3'))).toBeUndefined();
    expect(signed().read(`x${wire}`)).toBeUndefined();
  });

  it('reads a tampered MAC as undefined', () => {
    const wire = signed().write('{"userId":"id2"}');
    expect(signed().read(flipLastHexDigit(wire))).toBeUndefined();
    expect(signed().read(replaceAt(wire, wire.length - 1, 'x'))).toBeUndefined();
  });

  it('reads a value signed with another key as undefined', () => {
    expect(signed().read(sig({ key: 'ff' }).write('x'))).toBeUndefined();
  });

  it.each([
    ['no slash', 'INVALID'],
    ['empty', ''],
    ['empty MAC', 'value/'],
    ['short MAC', `value/${'0'.repeat(62)}`],
    ['long MAC', `value/${'0'.repeat(66)}`],
    ['non-hex MAC', `value/${'g'.repeat(64)}`],
    ['10 KB garbage', GARBAGE_10KB],
  ])('reads malformed input (%s) as undefined', (_label, value) => {
    expect(signed().read(value)).toBeUndefined();
  });

  it('rejects an uppercase MAC (Ktor compares the lowercase hex text)', () => {
    const wire = signed().write('value');
    const slash = wire.lastIndexOf('/');
    expect(signed().read(wire.slice(0, slash + 1) + wire.slice(slash + 1).toUpperCase())).toBeUndefined();
  });

  it('reads a value with a lone surrogate as undefined (it was never what was signed)', () => {
    // UTF-8 would turn the lone surrogate into U+FFFD, so a MAC over '\uFFFD' must not vouch for it.
    const replacement = signed().write('a\uFFFD');
    expect(signed().read(replacement.replace('\uFFFD', '\uD800'))).toBeUndefined();
    expect(() => signed().write('a\uD800')).toThrow(SessionDataError);
  });

  it.each([
    ['an empty hex key', ''],
    ['empty key bytes', new Uint8Array(0)],
    ['an odd-length hex key', '03515606058610610561058'],
    ['a non-hex key', 'secret-password'],
  ])('throws SessionConfigError for %s', (_label, key) => {
    expect(() => sig({ key })).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
  });
});

describe('without node:crypto', () => {
  it('throws SessionConfigError at construction, naming the Node.js runtime', () => {
    const original = Object.getOwnPropertyDescriptor(process, 'getBuiltinModule');
    Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true });
    try {
      expect(() => sig({ key: 'ff' })).toThrow(SessionConfigError);
      expect(() => enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY })).toThrow(/Node\.js runtime/);
    } finally {
      if (original) Object.defineProperty(process, 'getBuiltinModule', original);
      else delete (process as { getBuiltinModule?: unknown }).getBuiltinModule;
    }
  });
});

describe('properties', () => {
  const transformers: Array<[string, SyncTransformer]> = [
    ['ktorEncrypted', enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY })],
    ['ktorEncrypted (backwardCompatibleRead)', enc({ encryptionKey: 'ab'.repeat(32), signKey: SIGN_KEY, backwardCompatibleRead: true })],
    ['ktorSigned', sig({ key: SIGN_KEY })],
  ];

  // Any UTF-16 code units, lone surrogates included: what an attacker could put in a header.
  const anyUtf16 = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 200 }).map((units) => String.fromCharCode(...units));

  it.each(transformers)('%s: arbitrary Unicode strings round-trip', (_name, t) => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => {
        expect(t.read(t.write(value))).toBe(value);
      }),
      { numRuns: 300 },
    );
  });

  it.each(transformers)('%s: reading arbitrary strings never throws and never yields a session', (_name, t) => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), anyUtf16), (value) => {
        expect(() => t.read(value)).not.toThrow();
        expect(t.read(value)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it.each(transformers)('%s: any single-character edit of a written value reads as undefined', (name, t) => {
    const wire = t.write(KTOR_PLAINTEXT);
    fc.assert(
      fc.property(fc.nat({ max: wire.length - 1 }), fc.constantFrom(...'0123456789abcdefx/:'), (index, char) => {
        fc.pre(wire[index] !== char);
        const edited = replaceAt(wire, index, char);
        const read = t.read(edited);
        // ktorEncrypted's unauthenticated IV may still decrypt (to different text); nothing else may.
        if (read !== undefined) {
          expect(name.startsWith('ktorEncrypted') && index < 32).toBe(true);
          expect(read).not.toBe(KTOR_PLAINTEXT);
        }
      }),
      { numRuns: 300 },
    );
  });
});
