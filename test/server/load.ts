/**
 * Load test of the demo API against `next start`: `clients` simulated browsers run at once, each
 * doing `ops` operations across the cookie, header-cart, basket and auth flows (DESIGN §5), plus
 * bursts of 10 concurrent `POST /api/basket` on its own basket. It checks, for every answer:
 *
 * - lost updates: an item the server acknowledged (200) missing from a later read, a cookie
 *   counter that went backwards;
 * - cross-talk: a client seeing an item or a name that is not its own, or still logged in after
 *   its own logout;
 * - 5xx answers and requests with no answer at all.
 *
 * A burst update refused with 409 (SessionConflictError after bounded retries) is a correct
 * answer: it was not acknowledged, so it is counted (`conflicts`), not lost.
 */
import { readFileSync } from 'node:fs';
import { ApiClient, Stats } from './client.ts';

type CookieSessionBody = { session: { name: string; count: number } | null };
type ItemsBody = { items: string[] };
type UserBody = { user: string | null };

export interface LoadOptions {
  base: string;
  clients: number;
  ops: number;
  /** Concurrent updates per burst (10). */
  burstSize?: number;
}

export interface LoadReport {
  clients: number;
  opsPerClient: number;
  burstsPerClient: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * Connections the kernel refused while the server's accept queue was full (TcpExtListenOverflows,
   * the whole machine, during the run; undefined where /proc/net/netstat is not readable). Each
   * costs its client a SYN retry: 1 s, then 3 s, 7 s.
   */
  listenOverflows: number | undefined;
  /** The routes with the highest p99. */
  slowest: { route: string; p99Ms: number; requests: number }[];
  acknowledgedBasketItems: number;
  lostUpdates: number;
  crossTalk: number;
  serverErrors: number;
  networkErrors: number;
  conflicts: number;
  /** Answers other than the expected ones, e.g. a 400 where a 200 was due. */
  unexpectedCount: number;
  /** The first 5 problems of each kind. */
  examples: Record<ProblemKind, string[]>;
}

const FLOWS = ['cookie', 'header', 'basket', 'auth'] as const;
/** The demo caps a cart at 50 items (lib/demo/cart.ts). */
const MAX_ITEMS = 50;

type ProblemKind = 'lost' | 'crossTalk' | 'unexpected';

class Problems {
  /** Each acknowledged write found missing, counted once however often it is read. */
  readonly lost = new Set<string>();
  crossTalk = 0;
  conflicts = 0;
  unexpectedCount = 0;
  /** The first 5 problems of each kind, for the report. */
  readonly examples: Record<ProblemKind, string[]> = { lost: [], crossTalk: [], unexpected: [] };

  private example(kind: ProblemKind, message: string): void {
    if (this.examples[kind].length < 5) this.examples[kind].push(message);
  }

  /** An answer other than the expected one, or none at all. */
  note(message: string): void {
    this.unexpectedCount++;
    this.example('unexpected', message);
  }

  lose(key: string, message: string): void {
    if (!this.lost.has(key)) this.example('lost', message);
    this.lost.add(key);
  }

  foreign(message: string): void {
    this.crossTalk++;
    this.example('crossTalk', message);
  }
}

/** One simulated browser and what it knows it should see. */
class LoadClient {
  private readonly api: ApiClient;
  private readonly tag: string;
  private cookieSession: { name: string; count: number } | undefined;
  private readonly cartItems: string[] = [];
  private readonly basketItems = new Set<string>();
  private authStep = 0;
  private seq = 0;

  constructor(
    base: string,
    index: number,
    stats: Stats,
    private readonly problems: Problems,
    private readonly burstSize: number,
  ) {
    this.api = new ApiClient(base, stats);
    this.tag = `c${index}`;
  }

  /** Basket items the server acknowledged over the whole run. */
  acknowledged = 0;

  private item(kind: string): string {
    return `${this.tag}-${kind}${this.seq++}`;
  }

  private expectStatus(what: string, status: number, expected: number): boolean {
    if (status === expected) return true;
    // 5xx are counted from the stats; anything else is an unexpected answer.
    if (status < 500) this.problems.note(`${this.tag} ${what}: ${status}, expected ${expected}`);
    return false;
  }

  /** Items must all be this client's own, and must include every acknowledged one. */
  private checkItems(what: string, items: string[], acknowledged: Iterable<string>): void {
    const foreign = items.filter((item) => !item.startsWith(`${this.tag}-`));
    if (foreign.length > 0) this.problems.foreign(`${this.tag} ${what}: foreign items ${foreign.slice(0, 3).join(', ')}`);
    const held = new Set(items);
    for (const item of acknowledged) {
      if (!held.has(item)) this.problems.lose(item, `${this.tag} ${what}: acknowledged ${item} is missing`);
    }
  }

  async operation(flow: (typeof FLOWS)[number]): Promise<void> {
    switch (flow) {
      case 'cookie':
        return this.cookieOp();
      case 'header':
        return this.headerOp();
      case 'basket':
        return this.basketOp();
      case 'auth':
        return this.authOp();
    }
  }

  private async cookieOp(): Promise<void> {
    const expected = this.cookieSession;
    if (!expected) {
      const name = `${this.tag}-name`;
      const answer = await this.api.request<CookieSessionBody>('POST', '/api/cookie', { name });
      if (this.expectStatus('POST /api/cookie', answer.status, 200)) this.cookieSession = { name, count: 0 };
      return;
    }
    const read = this.seq++ % 3 === 0;
    const answer = read
      ? await this.api.request<CookieSessionBody>('GET', '/api/cookie')
      : await this.api.request<CookieSessionBody>('PATCH', '/api/cookie');
    if (!this.expectStatus(`${read ? 'GET' : 'PATCH'} /api/cookie`, answer.status, 200)) return;
    const got = answer.body.session;
    const want = read ? expected.count : expected.count + 1;
    if (got?.name !== expected.name) {
      this.problems.foreign(`${this.tag} /api/cookie: name ${got?.name}, expected ${expected.name}`);
    } else if (got.count !== want) {
      this.problems.lose(`${this.tag}-count${want}`, `${this.tag} /api/cookie: count ${got.count}, expected ${want}`);
    }
    this.cookieSession = { name: expected.name, count: want };
  }

  private async headerOp(): Promise<void> {
    if (this.cartItems.length >= MAX_ITEMS) return;
    const item = this.item('h');
    const answer = await this.api.request<ItemsBody>('POST', '/api/header/cart', { item });
    if (!this.expectStatus('POST /api/header/cart', answer.status, 200)) return;
    this.cartItems.push(item);
    this.checkItems('POST /api/header/cart', answer.body.items, this.cartItems);
  }

  private async basketOp(): Promise<void> {
    if (this.basketItems.size >= MAX_ITEMS) await this.emptyBasket();
    const item = this.item('b');
    const answer = await this.api.request<ItemsBody>('POST', '/api/basket', { item });
    if (!this.expectStatus('POST /api/basket', answer.status, 200)) return;
    this.basketItems.add(item);
    this.acknowledged++;
    this.checkItems('POST /api/basket', answer.body.items, this.basketItems);
  }

  private async emptyBasket(): Promise<void> {
    const answer = await this.api.request<ItemsBody>('DELETE', '/api/basket');
    if (this.expectStatus('DELETE /api/basket', answer.status, 200)) this.basketItems.clear();
  }

  /** Login, me, logout, me again (401): one step per operation. */
  private async authOp(): Promise<void> {
    const step = this.authStep++ % 4;
    if (step === 0) {
      const answer = await this.api.request<UserBody>('POST', '/api/auth/login', { username: 'ada', password: 'ada' });
      this.expectStatus('POST /api/auth/login', answer.status, 200);
    } else if (step === 1) {
      const answer = await this.api.request<UserBody>('GET', '/api/auth/me');
      if (this.expectStatus('GET /api/auth/me (logged in)', answer.status, 200) && answer.body.user !== 'ada') {
        this.problems.foreign(`${this.tag} /api/auth/me: user ${answer.body.user}`);
      }
    } else if (step === 2) {
      const answer = await this.api.request<UserBody>('POST', '/api/auth/logout');
      this.expectStatus('POST /api/auth/logout', answer.status, 200);
    } else {
      // After our own logout, a 200 would mean a session that is not (or no longer) ours.
      const answer = await this.api.request<UserBody>('GET', '/api/auth/me');
      if (answer.status === 200) {
        this.problems.foreign(`${this.tag} /api/auth/me after logout: 200 ${JSON.stringify(answer.body)}`);
      } else {
        this.expectStatus('GET /api/auth/me (logged out)', answer.status, 401);
      }
    }
  }

  /** `burstSize` concurrent adds to this client's own (existing) basket, then a read that must hold every acknowledged one. */
  async burst(): Promise<void> {
    if (this.basketItems.size + this.burstSize > MAX_ITEMS) await this.emptyBasket();
    // The basket must exist first: concurrent first requests would each start a basket of their own.
    if (this.api.cookie('basket') === undefined) await this.basketOp();
    const items = Array.from({ length: this.burstSize }, () => this.item('u'));
    const answers = await Promise.all(
      // Tabs of the same browser: same cookies; the main jar is updated only from the read below.
      items.map((item) => this.api.clone().request<ItemsBody>('POST', '/api/basket', { item }, { keepSession: false })),
    );
    answers.forEach((answer, i) => {
      if (answer.status === 200) {
        this.basketItems.add(items[i] as string);
        this.acknowledged++;
      } else if (answer.status === 409) this.problems.conflicts++;
      else this.expectStatus('POST /api/basket (burst)', answer.status, 200);
    });
    await this.verify();
  }

  open(): Promise<void> {
    return this.api.open();
  }

  close(): void {
    this.api.close();
  }

  /** Reads the basket and the header cart: everything acknowledged is there, nothing foreign. */
  async verify(): Promise<void> {
    const basket = await this.api.request<ItemsBody>('GET', '/api/basket');
    if (this.expectStatus('GET /api/basket', basket.status, 200)) this.checkItems('GET /api/basket', basket.body.items, this.basketItems);
    if (this.cartItems.length > 0) {
      const cart = await this.api.request<ItemsBody>('GET', '/api/header/cart');
      if (this.expectStatus('GET /api/header/cart', cart.status, 200)) this.checkItems('GET /api/header/cart', cart.body.items, this.cartItems);
    }
  }
}

/** Runs the load and returns its figures; `passed(report)` says whether it holds. */
export async function runLoad({ base, clients, ops, burstSize = 10 }: LoadOptions): Promise<LoadReport> {
  const stats = new Stats();
  const problems = new Problems();
  // One burst per 10 operations (at least one), spread through the run.
  const bursts = Math.max(1, Math.floor(ops / 10));
  const burstAfter = new Set(Array.from({ length: bursts }, (_, b) => Math.floor(((b + 1) * ops) / (bursts + 1))));
  const all = Array.from({ length: clients }, (_, c) => new LoadClient(base, c, stats, problems, burstSize));
  // Every browser has loaded the page before it calls the API, so its connections are open: the
  // figures measure the API, not 1,200 connects at once overflowing the server's accept queue.
  await Promise.all(all.map((client) => client.open()));
  const overflowsBefore = listenOverflows();
  const t0 = performance.now();
  await Promise.all(
    all.map(async (client, c) => {
      // A request without an answer (counted in the stats) does not stop the other clients.
      const attempt = async (step: () => Promise<void>) => {
        try {
          await step();
        } catch (error) {
          problems.note(`client ${c} ${error instanceof Error ? error.message : String(error)}`);
        }
      };
      for (let i = 0; i < ops; i++) {
        // Each client starts the flow cycle at a different place, so all flows run at every moment.
        await attempt(() => client.operation(FLOWS[(c + i) % FLOWS.length] as (typeof FLOWS)[number]));
        if (burstAfter.has(i)) await attempt(() => client.burst());
      }
      await attempt(() => client.verify());
      client.close();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const overflowsAfter = listenOverflows();
  const requests = stats.latencies.length;
  return {
    clients,
    opsPerClient: ops,
    burstsPerClient: bursts,
    requests,
    seconds: Math.round(seconds * 10) / 10,
    requestsPerSecond: Math.round(requests / seconds),
    p50Ms: Math.round(stats.percentile(50) * 10) / 10,
    p99Ms: Math.round(stats.percentile(99) * 10) / 10,
    listenOverflows: overflowsBefore === undefined || overflowsAfter === undefined ? undefined : overflowsAfter - overflowsBefore,
    slowest: stats.slowest(),
    acknowledgedBasketItems: all.reduce((n, client) => n + client.acknowledged, 0),
    lostUpdates: problems.lost.size,
    crossTalk: problems.crossTalk,
    serverErrors: stats.count((status) => status >= 500),
    networkErrors: stats.networkErrors,
    conflicts: problems.conflicts,
    unexpectedCount: problems.unexpectedCount,
    examples: problems.examples,
  };
}

/** The machine's count of connections refused for a full accept queue (Linux), if readable. */
function listenOverflows(): number | undefined {
  try {
    const [names, values] = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('TcpExt:'))
      .map((line) => line.split(/\s+/));
    const at = names?.indexOf('ListenOverflows') ?? -1;
    return at > 0 ? Number(values?.[at]) : undefined;
  } catch {
    return undefined;
  }
}

/** The failures of a report, one line each; empty when the load test holds. */
export function loadFailures(report: LoadReport): string[] {
  const failures: string[] = [];
  if (report.lostUpdates > 0) failures.push(`${report.lostUpdates} lost update(s)`);
  if (report.crossTalk > 0) failures.push(`${report.crossTalk} cross-talk answer(s)`);
  if (report.serverErrors > 0) failures.push(`${report.serverErrors} 5xx answer(s)`);
  if (report.networkErrors > 0) failures.push(`${report.networkErrors} request(s) without an answer`);
  if (report.unexpectedCount > 0) failures.push(`${report.unexpectedCount} unexpected answer(s)`);
  for (const [kind, examples] of Object.entries(report.examples)) {
    if (examples.length > 0) failures.push(`${kind}, e.g. ${examples.slice(0, 3).join(' | ')}`);
  }
  return failures;
}
