import { CartView } from './cart-view';

export default function CartPage() {
  return (
    <>
      <h1>Header session cart</h1>
      <p className="lead">
        <code>X-Cart-Session</code> travels as a request/response header, not a cookie. The server keeps the cart in
        storage; the header holds a signed id. <code>createSessionFetch</code> remembers it in{' '}
        <code>sessionStorage</code> and sends it back; SWR fetches through it.
      </p>
      <CartView />
    </>
  );
}
