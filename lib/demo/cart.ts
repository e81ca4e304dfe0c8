/**
 * The cart API, shared by the header-session cart and the cookie basket:
 * GET reads, POST { item } appends, DELETE clears; every answer is { items }.
 */
import 'server-only';
import { readJsonObject, stringField } from './http';
import { sessions } from './sessions';

type CartSessionName = 'basket' | 'cart_session';

/** A cart holds at most this many items, so the record stays small. */
export const MAX_ITEMS = 50;

export function cartRoutes(name: CartSessionName) {
  const answer = (items: string[] = []) => Response.json({ items });
  return {
    GET: sessions.handler(async (_request, { session }) => answer((await session.get(name))?.items)),

    POST: sessions.handler(async (request, { session }) => {
      const body = await readJsonObject(request);
      if (!body.ok) return body.response;
      const item = stringField(body.value, 'item');
      if (!item.ok) return item.response;
      const items = (await session.get(name))?.items ?? [];
      if (items.length >= MAX_ITEMS) {
        return Response.json({ error: `A cart holds at most ${MAX_ITEMS} items.` }, { status: 400 });
      }
      const next = [...items, item.value];
      await session.set(name, { items: next });
      return answer(next);
    }),

    DELETE: sessions.handler(async (_request, { session }) => {
      await session.clear(name);
      return answer([]);
    }),
  };
}
