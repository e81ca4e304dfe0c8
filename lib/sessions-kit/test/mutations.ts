/**
 * fast-check mutations of a valid protected value, segment by segment: bit flips of the
 * decoded bytes, character edits, truncation, extension, re-encoding (padding, standard
 * base64, uppercase hex, escapes), dropped, doubled or swapped segments, other separators.
 * Each format describes its layout once; the tests then assert that no mutation throws and
 * none opens.
 */
import fc from 'fast-check';

export type Codec = 'base64url' | 'hex' | 'text';

export interface Layout {
  /** Segment names, in wire order. */
  names: readonly string[];
  codecs: readonly Codec[];
  /** Splits a value into segments and the separators between them (one fewer). */
  split(value: string): { parts: string[]; separators: string[] };
}

const join = (parts: readonly string[], separators: readonly string[]): string =>
  parts.reduce((out, part, i) => (i === 0 ? part : out + (separators[i - 1] ?? '') + part), '');

export const jweLayout: Layout = {
  names: ['header', 'encryptedKey', 'iv', 'ciphertext', 'tag'],
  codecs: ['base64url', 'base64url', 'base64url', 'base64url', 'base64url'],
  split: (value) => ({ parts: value.split('.'), separators: ['.', '.', '.', '.'] }),
};

export const jwsLayout: Layout = {
  names: ['header', 'payload', 'mac'],
  codecs: ['base64url', 'base64url', 'base64url'],
  split: (value) => ({ parts: value.split('.'), separators: ['.', '.'] }),
};

/** Ktor encrypted: `hex(iv)/hex(ciphertext):hex(mac)`. */
export const ktorEncryptedLayout: Layout = {
  names: ['iv', 'ciphertext', 'mac'],
  codecs: ['hex', 'hex', 'hex'],
  split: (value) => {
    const slash = value.indexOf('/');
    const colon = value.indexOf(':');
    return { parts: [value.slice(0, slash), value.slice(slash + 1, colon), value.slice(colon + 1)], separators: ['/', ':'] };
  },
};

/** Ktor signed: `value/hex(mac)`, split at the last slash. */
export const ktorSignedLayout: Layout = {
  names: ['payload', 'mac'],
  codecs: ['text', 'hex'],
  split: (value) => {
    const slash = value.lastIndexOf('/');
    return { parts: [value.slice(0, slash), value.slice(slash + 1)], separators: ['/'] };
  },
};

export interface Mutation {
  /** The segment changed, or 'value' for whole-value edits. */
  segment: string;
  kind: string;
  value: string;
}

function decode(text: string, codec: Codec): Buffer {
  if (codec === 'base64url') return Buffer.from(text, 'base64url');
  if (codec === 'hex') return Buffer.from(text, 'hex');
  return Buffer.from(text, 'utf8');
}

function encode(bytes: Buffer, codec: Codec): string {
  if (codec === 'base64url') return bytes.toString('base64url');
  if (codec === 'hex') return bytes.toString('hex');
  return bytes.toString('utf8');
}

/** Other spellings of the same bytes (or text), each of which a strict reader must refuse. */
function reencodings(text: string, codec: Codec): string[] {
  const bytes = decode(text, codec);
  if (codec === 'base64url') {
    const base64 = bytes.toString('base64');
    return [base64, base64.replace(/=+$/, ''), `${text}=`, `${text}==`, ` ${text}`, `${text}\n`, encodeURIComponent(base64)];
  }
  if (codec === 'hex') {
    return [text.toUpperCase(), text.replace(/[a-f]/, (c) => c.toUpperCase()), `0x${text}`, ` ${text}`, bytes.toString('base64')];
  }
  return [text.normalize('NFD'), encodeURIComponent(text), `\uFEFF${text}`, `${text}\u0000`, JSON.stringify(text)];
}

/** Characters an attacker might splice in: every alphabet, separators, padding, odd Unicode. */
const HOSTILE_CHARS = 'Aa0_-+/=.:%\\" \t\n\u00e9\uFEFF\uD800\u{1F600}ff';

export function mutationOf(original: string, layout: Layout): fc.Arbitrary<Mutation> {
  const { parts, separators } = layout.split(original);
  const segmentIndex = fc.nat({ max: parts.length - 1 });
  const rebuild = (i: number, segment: string) => join(parts.map((p, j) => (j === i ? segment : p)), separators);
  const named = (i: number, kind: string, value: string): Mutation => ({ segment: layout.names[i] ?? 'value', kind, value });

  const bitFlip = fc.tuple(segmentIndex, fc.nat(), fc.nat({ max: 7 })).map(([i, at, bit]) => {
    const bytes = decode(parts[i] ?? '', layout.codecs[i] ?? 'text');
    if (bytes.length === 0) return named(i, 'bit flip (empty segment gets a byte)', rebuild(i, encode(Buffer.from([1 << bit]), layout.codecs[i] ?? 'text')));
    const index = at % bytes.length;
    bytes[index] = (bytes[index] as number) ^ (1 << bit);
    return named(i, 'bit flip', rebuild(i, encode(bytes, layout.codecs[i] ?? 'text')));
  });

  const charEdit = fc
    .tuple(segmentIndex, fc.nat(), fc.constantFrom(...HOSTILE_CHARS))
    .map(([i, at, char]) => {
      const part = parts[i] ?? '';
      const index = part.length === 0 ? 0 : at % part.length;
      return named(i, 'character edit', rebuild(i, part.slice(0, index) + char + part.slice(index + 1)));
    });

  const truncate = fc.tuple(segmentIndex, fc.nat(), fc.boolean()).map(([i, n, fromEnd]) => {
    const part = parts[i] ?? '';
    const cut = part.length === 0 ? 0 : (n % part.length) + 1;
    return named(i, 'truncation', rebuild(i, fromEnd ? part.slice(0, part.length - cut) : part.slice(cut)));
  });

  const extend = fc
    .tuple(segmentIndex, fc.string({ unit: fc.constantFrom(...HOSTILE_CHARS), minLength: 1, maxLength: 8 }), fc.boolean())
    .map(([i, extra, atEnd]) => named(i, 'extension', rebuild(i, atEnd ? `${parts[i]}${extra}` : `${extra}${parts[i]}`)));

  const reencode = fc.tuple(segmentIndex, fc.nat()).map(([i, pick]) => {
    const options = reencodings(parts[i] ?? '', layout.codecs[i] ?? 'text');
    return named(i, 're-encoding', rebuild(i, options[pick % options.length] as string));
  });

  const structure = fc.tuple(segmentIndex, segmentIndex, fc.constantFrom('drop', 'double', 'swap', 'separator')).map(([i, j, kind]) => {
    const copy = [...parts];
    const seps = [...separators];
    if (kind === 'drop') {
      copy.splice(i, 1);
      seps.splice(Math.max(0, i - 1), 1);
    } else if (kind === 'double') {
      copy.splice(i, 0, parts[i] ?? '');
      seps.splice(i, 0, separators[Math.min(i, separators.length - 1)] ?? '.');
    } else if (kind === 'swap') {
      [copy[i], copy[j]] = [copy[j] ?? '', copy[i] ?? ''];
    } else if (seps.length > 0) {
      seps[i % seps.length] = ['.', '/', ':', '', '..', ' '][j % 6] as string;
    }
    return named(i, kind, join(copy, seps));
  });

  const whole = fc.tuple(fc.nat({ max: original.length }), fc.string({ maxLength: 12 })).map(([cut, extra]) => ({
    segment: 'value',
    kind: 'whole value cut and extended',
    value: original.slice(0, cut) + extra,
  }));

  return fc.oneof(bitFlip, charEdit, truncate, extend, reencode, structure, whole);
}
