/** Byte and base64url helpers that use Buffer when present and Web APIs otherwise. */
import { base64url } from 'jose';

type BufferLike = {
  from(input: string, encoding: 'utf8' | 'base64url' | 'latin1'): Uint8Array & { toString(encoding: string): string };
  from(input: Uint8Array): Uint8Array & { toString(encoding: string): string };
};
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

const textEncoder = new TextEncoder();
// fatal: invalid UTF-8 inside a verified value is still corruption, not text.
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Bytes backed by a plain ArrayBuffer, as Web Crypto wants them. */
export type Bytes = Uint8Array<ArrayBuffer>;

export const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function utf8(text: string): Bytes {
  return textEncoder.encode(text) as Bytes;
}

/** Decodes UTF-8, or returns undefined for invalid byte sequences. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return textDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function toBase64url(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes).toString('base64url');
  return base64url.encode(bytes);
}

export function utf8ToBase64url(text: string): string {
  if (NodeBuffer) return NodeBuffer.from(text, 'utf8').toString('base64url');
  return base64url.encode(text);
}

/** Strict decode: undefined unless `text` is canonical unpadded base64url. */
export function fromBase64url(text: string): Uint8Array | undefined {
  const tail = text.length % 4;
  if (tail === 1 || !BASE64URL.test(text)) return undefined;
  // Canonical: the bits past the last whole byte are zero, so one value has one spelling.
  if (tail !== 0) {
    const last = BASE64URL_ALPHABET.indexOf(text[text.length - 1] as string);
    if ((last & (tail === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  if (NodeBuffer) return NodeBuffer.from(text, 'base64url');
  try {
    return base64url.decode(text);
  } catch {
    return undefined;
  }
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function randomBytes(size: number): Bytes {
  return crypto.getRandomValues(new Uint8Array(size));
}

/** Constant-time comparison. Lengths are public here (fixed-size MACs), so a length mismatch returns early. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
