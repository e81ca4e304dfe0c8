import { cartRoutes } from '@/lib/demo/cart';

// Header session `X-Cart-Session`, kept by id, the id signed.
export const { GET, POST, DELETE } = cartRoutes('cart_session');
