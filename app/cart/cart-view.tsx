'use client';

import { SessionSWRConfig } from 'sessions-kit/swr';
import { headerApi } from '../_components/header-api';
import { CartPanel } from '../_components/cart-panel';

export function CartView() {
  return (
    <SessionSWRConfig fetch={headerApi}>
      <CartPanel url="/api/header/cart" send={headerApi} held={() => headerApi.store.get('X-Cart-Session')} />
    </SessionSWRConfig>
  );
}
