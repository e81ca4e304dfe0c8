/**
 * The cart API, shared by the header-session cart and the cookie basket:
 * GET reads, POST { item } appends, DELETE clears; every answer is { items }.
 */
import 'server-only';
import { readJsonObject, stringField } from './http';
import { MAX_ITEMS, MAX_TEXT } from './schemas';
import { sessions } from './sessions';

export { MAX_ITEMS } from './schemas';

type CartSessionName = 'basket' | 'cart_session';

/** Thrown inside `update` to leave the cart unchanged: nothing is stored. */
class CartFullError extends Error {}

export function cartRoutes(name: CartSessionName) {
  const answer = (items: readonly string[] = []) => Response.json({ items });
  return {
    GET: sessions.handler(async (_request, { session }) => answer((await session.get(name))?.items)),

    POST: sessions.handler(async (request, { session }) => {
      const body = await readJsonObject(request);
      if (!body.ok) return body.response;
      const item = stringField(body.value, 'item', MAX_TEXT);
      if (!item.ok) return item.response;
      try {
        // Atomic read-modify-write: concurrent adds through one session all land.
        const cart = await session.update(name, (current) => {
          const items = current?.items ?? [];
          if (items.length >= MAX_ITEMS) throw new CartFullError();
          return { items: [...items, item.value] };
        });
        return answer(cart.items);
      } catch (error) {
        if (!(error instanceof CartFullError)) throw error;
        return Response.json({ error: `A cart holds at most ${MAX_ITEMS} items.` }, { status: 400 });
      }
    }),

    DELETE: sessions.handler(async (_request, { session }) => {
      await session.clear(name);
      return answer([]);
    }),
  };
}
