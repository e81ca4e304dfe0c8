/** Small request-parsing helpers for the demo Route Handlers: bad input is a 4xx, never a 500. */
import 'server-only';

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** The largest JSON body a demo route reads. */
export const MAX_BODY_BYTES = 16 * 1024;

export function badRequest(error: string): Response {
  return Response.json({ error }, { status: 400 });
}

function tooLarge(): Parsed<never> {
  return {
    ok: false,
    response: Response.json({ error: `The body must be at most ${MAX_BODY_BYTES} bytes.` }, { status: 413 }),
  };
}

/**
 * The body's bytes, at most `limit` of them. A declared Content-Length over the limit is refused
 * before anything is read; otherwise the stream is counted as it arrives and cancelled as soon as
 * it passes the limit, so an oversized (or endless, chunked) body is never buffered.
 */
export async function readBodyCapped(request: Request, limit = MAX_BODY_BYTES): Promise<Parsed<Uint8Array>> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limit) return tooLarge();
  if (!request.body) return { ok: true, value: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        // Tell the sender to stop; the rest of the body is dropped unread.
        await reader.cancel().catch(() => undefined);
        return tooLarge();
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, response: badRequest('The body could not be read.') };
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, value: bytes };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a JSON object body of at most 16 KB; anything else is a 400 (413 when too large) with a clear message. */
export async function readJsonObject(request: Request): Promise<Parsed<Record<string, unknown>>> {
  const bytes = await readBodyCapped(request);
  if (!bytes.ok) return bytes;
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(bytes.value));
  } catch {
    return { ok: false, response: badRequest('The body must be JSON.') };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, response: badRequest('The body must be a JSON object.') };
  }
  return { ok: true, value: body as Record<string, unknown> };
}

/** A required, trimmed, non-empty string field of at most `max` characters. */
export function stringField(body: Record<string, unknown>, field: string, max = 64): Parsed<string> {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') {
    return { ok: false, response: badRequest(`"${field}" is required and must be a non-empty string.`) };
  }
  const trimmed = value.trim();
  if (trimmed.length > max) return { ok: false, response: badRequest(`"${field}" must be at most ${max} characters.`) };
  return { ok: true, value: trimmed };
}
