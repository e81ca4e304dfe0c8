/** The demo's body reader: 16 KB at most, refused from the Content-Length or mid-stream, never buffered whole. */
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, readBodyCapped, readJsonObject, stringField } from './http';

const CHUNK = 1024;

/** An endless body that counts what was pulled from it and whether it was cancelled. */
function endlessBody() {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled += CHUNK;
      controller.enqueue(new Uint8Array(CHUNK).fill(0x20));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request('http://127.0.0.1/api', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

describe('readBodyCapped', () => {
  it('an endless chunked body: 413 after at most the limit plus one chunk, and the stream is cancelled', async () => {
    const { stream, state } = endlessBody();
    const result = await readBodyCapped(post(stream));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.response.status).toBe(413);
    expect(state.cancelled).toBe(true);
    // A little read-ahead by the stream's queue is all that is ever held.
    expect(state.pulled).toBeLessThanOrEqual(MAX_BODY_BYTES + 4 * CHUNK);
  });

  it('a declared Content-Length over the limit is refused before anything is read', async () => {
    const { stream, state } = endlessBody();
    const result = await readBodyCapped(post(stream, { 'content-length': String(60 * 1024 * 1024) }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.response.status).toBe(413);
    expect(state.pulled).toBeLessThanOrEqual(CHUNK); // at most what the Request constructor primes
  });

  it('exactly the limit is accepted; one byte more is not', async () => {
    const exact = await readBodyCapped(post('a'.repeat(MAX_BODY_BYTES)));
    expect(exact.ok && exact.value.byteLength).toBe(MAX_BODY_BYTES);
    const over = await readBodyCapped(post('a'.repeat(MAX_BODY_BYTES + 1)));
    expect(over.ok).toBe(false);
  });

  it('no body is an empty body', async () => {
    const result = await readBodyCapped(new Request('http://127.0.0.1/api', { method: 'POST' }));
    expect(result.ok && result.value.byteLength).toBe(0);
  });

  it('a body that errors mid-stream is a 400, not an exception', async () => {
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('connection reset'));
      },
    });
    const result = await readBodyCapped(post(stream));
    expect(!result.ok && result.response.status).toBe(400);
  });
});

describe('readJsonObject and stringField', () => {
  it.each([
    ['not JSON', '{'],
    ['invalid UTF-8', Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x7d)],
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"x"'],
  ])('%s is a 400', async (_label, body) => {
    const result = await readJsonObject(post(body));
    expect(!result.ok && result.response.status).toBe(400);
  });

  it('a field is trimmed, required and bounded after trimming', () => {
    expect(stringField({ a: '  tea  ' }, 'a')).toEqual({ ok: true, value: 'tea' });
    for (const value of [undefined, 1, '', '   ', ['x'], { toString: () => 'x' }]) {
      expect(stringField({ a: value }, 'a').ok).toBe(false);
    }
    expect(stringField({ a: 'x'.repeat(65) }, 'a').ok).toBe(false);
    expect(stringField({ a: ` ${'x'.repeat(64)} ` }, 'a').ok).toBe(true);
  });
});
