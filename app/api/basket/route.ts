import { cartRoutes } from '@/lib/demo/cart';

// Cookie session `basket`, kept by id in server storage.
export const { GET, POST, DELETE } = cartRoutes('basket');
