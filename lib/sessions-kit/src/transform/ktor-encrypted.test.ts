/**
 * ktorEncrypted: Ktor's SessionTransportTransformerEncrypt format, checked against Ktor's own
 * vectors (known-answer reads) and an independent AES-CBC + HMAC construction for writes.
 */
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionConfigError, SessionDataError } from '../errors.ts';
import type { SessionTransformer } from '../types.ts';
import { type KtorEncryptedOptions, ktorEncrypted } from './ktor-encrypted.ts';
import { ktorSigned } from './ktor-signed.ts';
import {
  ENCRYPT_KEY,
  GARBAGE_10KB,
  KTOR_IV,
  KTOR_LEGACY_CURRENT_FORM,
  KTOR_LEGACY_OLD_FORM,
  KTOR_LEGACY_PLAINTEXT,
  KTOR_PLAINTEXT,
  KTOR_WIRE,
  SIGN_KEY,
  aesCbc,
  anyUtf16,
  flipLastHexDigit,
  hmacHex,
  replaceAt,
  withoutNodeCrypto,
} from '../../test/ktor-vectors.ts';
import { ktorEncryptedLayout, mutationOf } from '../../test/mutations.ts';

const enc = (options: KtorEncryptedOptions): SessionTransformer => ktorEncrypted(options);
const ktor = () => enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY });

/** What Ktor would write for `plaintext` under the IV our value carries, built independently. */
function expectedWire(wire: string, plaintext: string, keyHex = ENCRYPT_KEY, signHex = SIGN_KEY): string {
  const iv = Buffer.from(wire.slice(0, 32), 'hex');
  const ciphertext = aesCbc(keyHex, iv, plaintext);
  return `${iv.toString('hex')}/${ciphertext.toString('hex')}:${hmacHex(signHex, ciphertext)}`;
}

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

describe('Ktor compatibility', () => {
  it("reads Ktor's test vector", async () => {
    expect(await ktor().read(KTOR_WIRE)).toBe(KTOR_PLAINTEXT);
  });

  it("reads Ktor's second (reflection-serializer) vector", async () => {
    expect(await ktor().read(KTOR_LEGACY_CURRENT_FORM)).toBe(KTOR_LEGACY_PLAINTEXT);
  });

  it('writes byte for byte what Ktor writes for the IV it chose: hex(iv)/hex(AES-CBC):hex(HMAC of the ciphertext)', async () => {
    for (const plaintext of [KTOR_PLAINTEXT, KTOR_LEGACY_PLAINTEXT, '', 'ünïcødé ✓ 😀', 'x'.repeat(100)]) {
      const wire = await ktor().write(plaintext);
      expect(wire).toBe(expectedWire(wire, plaintext));
    }
  });

  it('draws a fresh random 16-byte IV for every write', async () => {
    const t = ktor();
    const ivs = await Promise.all(Array.from({ length: 200 }, async () => (await t.write('same')).slice(0, 32)));
    for (const iv of ivs) expect(iv).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ivs).size).toBe(ivs.length);
    expect(ivs).not.toContain(ENCRYPT_KEY);
    // Every bit position takes both values somewhere across the sample (not a counter, not a constant).
    const bytes = ivs.map((iv) => Buffer.from(iv, 'hex'));
    for (let bit = 0; bit < 128; bit++) {
      const ones = bytes.filter((b) => ((b[bit >> 3] as number) >> (bit & 7)) & 1).length;
      expect(ones).toBeGreaterThan(0);
      expect(ones).toBeLessThan(bytes.length);
    }
  });

  it('accepts keys given as bytes exactly like hex keys, and uppercase hex keys', async () => {
    const fromBytes = enc({ encryptionKey: Buffer.from(ENCRYPT_KEY, 'hex'), signKey: new Uint8Array(Buffer.from(SIGN_KEY, 'hex')) });
    const upper = enc({ encryptionKey: ENCRYPT_KEY.toUpperCase(), signKey: SIGN_KEY.toUpperCase() });
    for (const t of [fromBytes, upper]) {
      expect(await t.read(KTOR_WIRE)).toBe(KTOR_PLAINTEXT);
      const wire = await t.write(KTOR_PLAINTEXT);
      expect(wire).toBe(expectedWire(wire, KTOR_PLAINTEXT));
    }
  });

  it('copies key bytes: changing the caller buffer later changes nothing', async () => {
    const key = Buffer.from(ENCRYPT_KEY, 'hex');
    const t = enc({ encryptionKey: key, signKey: SIGN_KEY });
    key.fill(0);
    expect(await t.read(KTOR_WIRE)).toBe(KTOR_PLAINTEXT);
  });

  it.each([16, 24, 32])('round-trips with a %i-byte AES key', async (length) => {
    const keyHex = '07'.repeat(length);
    const t = enc({ encryptionKey: keyHex, signKey: '09'.repeat(32) });
    const wire = await t.write(`session-value-${length}`);
    expect(wire).toBe(expectedWire(wire, `session-value-${length}`, keyHex, '09'.repeat(32)));
    expect(await t.read(wire)).toBe(`session-value-${length}`);
  });
});

describe('text', () => {
  it('round-trips a space, the empty string and a leading BOM (U+FEFF is data)', async () => {
    const t = ktor();
    for (const value of ['{"userId":"id 2","cart":[]}', '', '\uFEFFhello', '\uFEFF']) expect(await t.read(await t.write(value))).toBe(value);
  });

  it('reads a BOM Ktor put at the start of its plaintext', async () => {
    const ciphertext = aesCbc(ENCRYPT_KEY, KTOR_IV, '\uFEFFhello');
    expect(await ktor().read(`${KTOR_IV.toString('hex')}/${ciphertext.toString('hex')}:${hmacHex(SIGN_KEY, ciphertext)}`)).toBe('\uFEFFhello');
  });

  it('refuses to write text with a lone surrogate (UTF-8 would alter it)', async () => {
    await expect(ktor().write('a\uD800b')).rejects.toThrow(SessionDataError);
  });
});

describe('hostile values read as undefined', () => {
  it.each(MALFORMED.map((v) => [v.length > 80 ? `${v.slice(0, 20)}… (${v.length} chars)` : JSON.stringify(v), v]))(
    'malformed or forged %s',
    async (_label, value) => {
      expect(await ktor().read(value)).toBeUndefined();
    },
  );

  it('a flipped last MAC digit, or a non-hex one', async () => {
    expect(await ktor().read(flipLastHexDigit(KTOR_WIRE))).toBeUndefined();
    expect(await ktor().read(replaceAt(KTOR_WIRE, KTOR_WIRE.length - 1, 'x'))).toBeUndefined();
  });

  it('a flipped ciphertext byte', async () => {
    const first = KTOR_WIRE.indexOf('/') + 1;
    for (const index of [first, first + 31, KTOR_WIRE.indexOf(':') - 1]) {
      const flipped = replaceAt(KTOR_WIRE, index, KTOR_WIRE[index] === 'f' ? '0' : 'f');
      expect(await ktor().read(flipped)).toBeUndefined();
    }
  });

  it('uppercase hex on the wire (Ktor only writes lowercase)', async () => {
    expect(await ktor().read(KTOR_WIRE.toUpperCase())).toBeUndefined();
  });

  it('extra separators or surrounding text', async () => {
    expect(await ktor().read(`x/${KTOR_WIRE}`)).toBeUndefined();
    expect(await ktor().read(`${KTOR_WIRE} `)).toBeUndefined();
    expect(await ktor().read(`${KTOR_WIRE}:00`)).toBeUndefined();
  });

  it('a value sealed with another sign key or encryption key', async () => {
    const otherSign = enc({ encryptionKey: ENCRYPT_KEY, signKey: 'ff'.repeat(32) });
    const otherEncrypt = enc({ encryptionKey: 'ff'.repeat(16), signKey: SIGN_KEY });
    expect(await ktor().read(await otherSign.write('x'))).toBeUndefined();
    // Same sign key, other AES key: the MAC matches, decryption yields garbage, bad padding or bad UTF-8.
    expect(await ktor().read(await otherEncrypt.write(KTOR_PLAINTEXT))).not.toBe(KTOR_PLAINTEXT);
  });

  /**
   * A key holder's value built from raw (unpadded) plaintext blocks: the only way bad padding or
   * bad UTF-8 could carry a valid MAC. `macInput` is the ciphertext, or chosen bytes for the old form.
   */
  function rawSealed(rawBlocks: Buffer, macInput: 'ciphertext' | Buffer): string {
    const cipher = createCipheriv('aes-128-cbc', Buffer.from(ENCRYPT_KEY, 'hex'), KTOR_IV).setAutoPadding(false);
    const ciphertext = Buffer.concat([cipher.update(rawBlocks), cipher.final()]);
    const mac = hmacHex(SIGN_KEY, macInput === 'ciphertext' ? ciphertext : macInput);
    return `${KTOR_IV.toString('hex')}/${ciphertext.toString('hex')}:${mac}`;
  }

  it('bad padding under a valid MAC (Java throws BadPaddingException)', async () => {
    const zeroPad = Buffer.concat([Buffer.from('0123456789abcde'), Buffer.from([0])]);
    expect(await ktor().read(rawSealed(zeroPad, 'ciphertext'))).toBeUndefined();

    // Old form: each MAC covers exactly what a reader skipping the padding check would hash.
    const legacy = enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY, backwardCompatibleRead: true });
    expect(await legacy.read(rawSealed(zeroPad, zeroPad))).toBeUndefined();
    const inconsistentPad = Buffer.concat([Buffer.from('0123456789abc'), Buffer.from([3, 2, 3])]);
    expect(await legacy.read(rawSealed(inconsistentPad, inconsistentPad.subarray(0, 13)))).toBeUndefined();
    const tooLongPad = Buffer.alloc(16, 17);
    expect(await legacy.read(rawSealed(tooLongPad, tooLongPad.subarray(0, 15)))).toBeUndefined();
    const goodPad = Buffer.concat([Buffer.from('0123456789abc'), Buffer.from([3, 3, 3])]);
    expect(await legacy.read(rawSealed(goodPad, goodPad.subarray(0, 13)))).toBe('0123456789abc');
  });

  it('invalid UTF-8 under a valid MAC', async () => {
    const invalidUtf8 = Buffer.concat([Buffer.from([0xc3, 0x28]), Buffer.alloc(14, 14)]);
    expect(await ktor().read(rawSealed(invalidUtf8, 'ciphertext'))).toBeUndefined();
  });
});

describe("the format's unauthenticated IV", () => {
  it('documented: xoring the IV rewrites the first plaintext block undetected', async () => {
    // CBC: P1 = D(C1) xor IV, and Ktor's MAC covers only the ciphertext.
    const t = ktor();
    const wire = await t.write(KTOR_PLAINTEXT);
    const iv = Buffer.from(wire.slice(0, 32), 'hex');
    const at = KTOR_PLAINTEXT.indexOf('id2') + 2; // inside the first 16 bytes
    iv[at] = (iv[at] ?? 0) ^ '2'.charCodeAt(0) ^ '9'.charCodeAt(0);
    expect(await t.read(iv.toString('hex') + wire.slice(32))).toBe('{"userId":"id9","cart":[]}');
  });

  it('ktorSigned stacked on top authenticates the IV too', async () => {
    const inner = ktor();
    const outer = ktorSigned({ key: 'ab'.repeat(32) });
    const wire = await outer.write(await inner.write(KTOR_PLAINTEXT));
    expect(await inner.read((await outer.read(wire)) ?? '')).toBe(KTOR_PLAINTEXT);
    expect(await outer.read(replaceAt(wire, 0, wire[0] === '0' ? '1' : '0'))).toBeUndefined();
  });
});

describe('backwardCompatibleRead', () => {
  const legacy = () => enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY, backwardCompatibleRead: true });

  /** The pre-3.0 form, built by hand: the MAC covers the UTF-8 plaintext, not the ciphertext. */
  function oldForm(plaintext: string, iv: Uint8Array = KTOR_IV): string {
    const ciphertext = aesCbc(ENCRYPT_KEY, iv, plaintext);
    return `${Buffer.from(iv).toString('hex')}/${ciphertext.toString('hex')}:${hmacHex(SIGN_KEY, Buffer.from(plaintext, 'utf8'))}`;
  }

  it('accepts a hand-built old-form value', async () => {
    expect(await legacy().read(oldForm(KTOR_PLAINTEXT))).toBe(KTOR_PLAINTEXT);
    expect(await legacy().read(oldForm('ünïcødé ✓ 😀', Buffer.alloc(16, 0x5a)))).toBe('ünïcødé ✓ 😀');
    expect(await legacy().read(oldForm('\uFEFFbom'))).toBe('\uFEFFbom');
  });

  it("accepts Ktor's own old-form vector", async () => {
    expect(await legacy().read(KTOR_LEGACY_OLD_FORM)).toBe(KTOR_LEGACY_PLAINTEXT);
  });

  it('without the flag, the old form reads as undefined', async () => {
    expect(await ktor().read(oldForm(KTOR_PLAINTEXT))).toBeUndefined();
    expect(await ktor().read(KTOR_LEGACY_OLD_FORM)).toBeUndefined();
  });

  it('still reads the current form, and writes only the current form', async () => {
    expect(await legacy().read(KTOR_WIRE)).toBe(KTOR_PLAINTEXT);
    const wire = await legacy().write(KTOR_PLAINTEXT);
    expect(wire).toBe(expectedWire(wire, KTOR_PLAINTEXT));
    expect(await ktor().read(wire)).toBe(KTOR_PLAINTEXT);
  });

  it('rejects tampered old-form values, bad padding included', async () => {
    const value = oldForm(KTOR_PLAINTEXT);
    expect(await legacy().read(flipLastHexDigit(value))).toBeUndefined();
    // Flip a byte of the first block: the last block still decrypts (good padding), the MAC fails.
    expect(await legacy().read(replaceAt(value, 33, value[33] === 'f' ? '0' : 'f'))).toBeUndefined();
    // Random last block: the padding is almost surely bad; either way it reads undefined.
    const randomLast = `${value.slice(0, value.indexOf(':') - 32)}${'5a'.repeat(16)}${value.slice(value.indexOf(':'))}`;
    expect(await legacy().read(randomLast)).toBeUndefined();
    for (const bad of MALFORMED) expect(await legacy().read(bad)).toBeUndefined();
  });
});

describe('configuration', () => {
  it.each([
    ['a 20-byte encryption key', { encryptionKey: new Uint8Array(20), signKey: SIGN_KEY }],
    ['an empty encryption key', { encryptionKey: '', signKey: SIGN_KEY }],
    ['an odd-length hex encryption key', { encryptionKey: `${ENCRYPT_KEY}0`, signKey: SIGN_KEY }],
    ['a non-hex encryption key', { encryptionKey: 'zz'.repeat(16), signKey: SIGN_KEY }],
    ['an empty sign key', { encryptionKey: ENCRYPT_KEY, signKey: new Uint8Array(0) }],
    ['a non-hex sign key', { encryptionKey: ENCRYPT_KEY, signKey: 'not hex!' }],
    ['a key that is neither bytes nor a string', { encryptionKey: 42 as unknown as string, signKey: SIGN_KEY }],
  ])('throws SessionConfigError for %s', (_label, options) => {
    expect(() => enc(options)).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
  });

  it('throws SessionConfigError without node:crypto, naming the Node.js runtime', () => {
    withoutNodeCrypto(() => {
      expect(() => enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY })).toThrow(SessionConfigError);
      expect(() => enc({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY })).toThrow(/Node\.js runtime/);
    });
  });
});

describe('properties', () => {
  const transformers: Array<[string, SessionTransformer]> = [
    ['ktorEncrypted', ktor()],
    ['ktorEncrypted (backwardCompatibleRead)', enc({ encryptionKey: 'ab'.repeat(32), signKey: SIGN_KEY, backwardCompatibleRead: true })],
  ];

  it.each(transformers)('%s: arbitrary Unicode strings round-trip', async (_name, t) => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (value) => {
        expect(await t.read(await t.write(value))).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it.each(transformers)('%s: reading arbitrary strings never throws and never yields a session', async (_name, t) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), anyUtf16), async (value) => {
        expect(await t.read(value)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it.each(transformers)('%s: mutations in every segment never throw and never open (the IV only to other text)', async (_name, t) => {
    const wire = await t.write(KTOR_PLAINTEXT);
    await fc.assert(
      fc.asyncProperty(mutationOf(wire, ktorEncryptedLayout), async (mutation) => {
        fc.pre(mutation.value !== wire);
        const read = await t.read(mutation.value);
        // Ktor's MAC does not cover the IV: a changed IV may decrypt, to other text (see above).
        if (read !== undefined) {
          expect(mutation.segment).toBe('iv');
          expect(read).not.toBe(KTOR_PLAINTEXT);
        }
      }),
      { numRuns: 400 },
    );
  });
});
