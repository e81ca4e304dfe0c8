import type { Metadata } from 'next';
import { DemoWithCode } from '../_components/code-sample';
import { SAMPLES } from '../_components/samples';
import { CartView } from './cart-view';

export const metadata: Metadata = { title: 'Header session cart' };

export default function CartPage() {
  return (
    <>
      <h1>Header session cart</h1>
      <p className="lead">
        <code>X-Cart-Session</code> travels as a request and response header, not a cookie: the way API clients and mobile
        apps carry a session. The server keeps the cart in storage; the header holds a signed id. The fetch wrapper from{' '}
        <code>sessions-kit/client</code> remembers it in <code>sessionStorage</code> and sends it back; SWR fetches through
        it.
      </p>
      <DemoWithCode samples={SAMPLES.cart}>
        <CartView />
      </DemoWithCode>
    </>
  );
}
