/**
 * Where each page's code samples come from: `// #region` markers where the files carry them,
 * else stable anchors (the first and last lines of a handler).
 */
import type { Sample } from './code-sample';

/** One session's definition in lib/demo/sessions.ts (marked `// #region <name>` there). */
const definition = (name: string): Sample => ({ side: 'Server', source: { file: 'lib/demo/sessions.ts', region: name } });

export const SAMPLES = {
  counter: [
    definition('user_session'),
    { side: 'Server', source: { file: 'app/api/cookie/route.ts', from: 'export const PATCH', to: '});' } },
    { side: 'Client', source: { file: 'app/_components/counter.tsx', region: 'counter' } },
  ],
  theme: [
    definition('prefs'),
    { side: 'Server', source: { file: 'app/_components/theme-actions.ts', region: 'set-theme' } },
    { side: 'Server', source: { file: 'app/_components/theme.ts', region: 'read-theme' } },
  ],
  cart: [
    definition('cart_session'),
    { side: 'Client', source: { file: 'app/_components/header-api.ts', region: 'header-api' } },
    { side: 'Client', source: { file: 'app/cart/cart-view.tsx', region: 'cart-view' } },
  ],
  basket: [
    definition('basket'),
    { side: 'Server', source: { file: 'lib/demo/cart.ts', from: 'POST: sessions.handler(', to: '}),' } },
    { side: 'Client', source: { file: 'app/basket/basket-view.tsx', region: 'basket-view' } },
  ],
  login: [
    definition('auth'),
    { side: 'Server', source: { file: 'app/login/actions.ts', from: 'const session = await sessions.current();', to: 'redirect(' } },
  ],
  account: [
    { side: 'Server', source: { file: 'app/account/page.tsx', region: 'require' } },
    { side: 'Server', source: { file: 'proxy.ts', region: 'proxy' } },
  ],
  inspector: [
    { side: 'Server', source: { file: 'app/api/inspect/route.ts', region: 'inspect-route' } },
    { side: 'Server', source: { file: 'lib/demo/inspect.ts', region: 'held' } },
  ],
} satisfies Record<string, Sample[]>;
