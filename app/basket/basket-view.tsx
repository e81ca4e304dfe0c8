'use client';

import { SWRConfig } from 'swr';
import { jsonFetcher } from 'sessions-kit/swr';
import { CartPanel } from '../_components/cart-panel';

export function BasketView() {
  return (
    <SWRConfig value={{ fetcher: jsonFetcher(fetch) }}>
      <CartPanel url="/api/basket" send={fetch} />
    </SWRConfig>
  );
}
