/** Small request-parsing helpers for the demo Route Handlers: bad input is a 400, never a 500. */
import 'server-only';

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

export function badRequest(error: string): Response {
  return Response.json({ error }, { status: 400 });
}

/** Reads a JSON object body; anything else is a 400 with a clear message. */
export async function readJsonObject(request: Request): Promise<Parsed<Record<string, unknown>>> {
  let body: unknown;
  try {
    body = await request.json();
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
  if (value.length > max) return { ok: false, response: badRequest(`"${field}" must be at most ${max} characters.`) };
  return { ok: true, value: value.trim() };
}
