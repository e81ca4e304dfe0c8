'use client';

import { jsonFetcher } from 'sessions-kit/swr';
import { SWRConfig } from 'swr';
import { CartPanel } from '../_components/cart-panel';

export function BasketView() {
  // Plain fetch: the browser sends the HttpOnly `basket` cookie by itself.
  return (
    <SWRConfig value={{ fetcher: jsonFetcher(fetch) }}>
      <CartPanel url="/api/basket" send={fetch} />
    </SWRConfig>
  );
}
