'use client';

import { SessionSWRConfig } from 'sessions-kit/swr';
import { CartPanel } from '../_components/cart-panel';
import { headerApi } from '../_components/header-api';

export function CartView() {
  // SWR fetches through the wrapper, so every read and write carries the header.
  return (
    <SessionSWRConfig fetch={headerApi}>
      <CartPanel url="/api/header/cart" send={headerApi} held={() => headerApi.store.get('X-Cart-Session')} />
    </SessionSWRConfig>
  );
}
