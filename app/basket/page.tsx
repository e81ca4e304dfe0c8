import { BasketView } from './basket-view';

export default function BasketPage() {
  return (
    <>
      <h1>Server-side basket</h1>
      <p className="lead">
        <code>basket</code> is a cookie session kept by id: the HttpOnly cookie holds only a random 43-character id; the
        items live in server storage (a <code>.sessions/</code> directory, or Redis when <code>REDIS_URL</code> is set).
      </p>
      <BasketView />
    </>
  );
}
