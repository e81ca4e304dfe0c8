import type { Metadata } from 'next';
import { DemoWithCode } from '../_components/code-sample';
import { SAMPLES } from '../_components/samples';
import { BasketView } from './basket-view';

export const metadata: Metadata = { title: 'Server-side basket' };

export default function BasketPage() {
  return (
    <>
      <h1>Server-side basket</h1>
      <p className="lead">
        <code>basket</code> is a cookie session kept by id: the HttpOnly cookie holds only a random 43-character id; the
        items live in server storage (a <code>.sessions/</code> directory, or Redis when <code>REDIS_URL</code> is set).
        Storage sees a one-way hash of the id, never the id itself.
      </p>
      <DemoWithCode samples={SAMPLES.basket}>
        <BasketView />
      </DemoWithCode>
    </>
  );
}
