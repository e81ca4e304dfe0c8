/**
 * A test client of the demo API that behaves like a browser plus the fetch wrapper: it keeps the
 * cookies and the `X-Cart-Session` header the server sends and sends them back, and it records
 * every request's status and latency. Like a browser, each client has its own connection pool
 * (keep-alive, at most 6 connections to the server), shared by its clones (tabs).
 */
import { Agent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';

export const CART_HEADER = 'X-Cart-Session';

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
  ms: number;
}

/** A kept-alive connection that the server had already closed when it was reused (its idle timeout). */
class StaleConnectionError extends Error {}

/** A browser's limit of concurrent HTTP/1.1 connections to one origin. */
const CONNECTIONS_PER_CLIENT = 6;

/** Node's header object as a Web `Headers` (Set-Cookie lines kept apart, for `getSetCookie()`). */
function webHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/** What every request of a run adds up to (shared by all clients of a run). */
export class Stats {
  readonly latencies: number[] = [];
  readonly statuses = new Map<number, number>();
  /** Latencies per `METHOD /path`, to tell which requests make the tail. */
  readonly byRoute = new Map<string, number[]>();
  /** Requests that got no HTTP answer at all (connection reset, timeout). */
  networkErrors = 0;

  record(status: number, ms: number, route = ''): void {
    this.latencies.push(ms);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    const list = this.byRoute.get(route);
    if (list) list.push(ms);
    else this.byRoute.set(route, [ms]);
  }

  /** The `count` routes with the highest p99, with their p99 and request count. */
  slowest(count = 3): { route: string; p99Ms: number; requests: number }[] {
    return [...this.byRoute]
      .map(([route, ms]) => ({ route, p99Ms: Math.round(percentileOf(ms, 99) * 10) / 10, requests: ms.length }))
      .sort((a, b) => b.p99Ms - a.p99Ms)
      .slice(0, count);
  }

  count(predicate: (status: number) => boolean): number {
    let n = 0;
    for (const [status, times] of this.statuses) if (predicate(status)) n += times;
    return n;
  }

  percentile(p: number): number {
    return percentileOf(this.latencies, p);
  }
}

function percentileOf(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** The cookie name without the `__Host-` prefix the demo adds in production. */
const bareName = (name: string) => name.replace(/^__Host-/, '');

export class ApiClient {
  /** Wire name -> value, as a browser's jar would hold them. */
  readonly cookies = new Map<string, string>();
  cartHeader: string | undefined;

  constructor(
    readonly base: string,
    private readonly stats?: Stats,
    // Generous: under the full load (200 clients, bursts of 10) a busy 2-core machine answers slowly;
    // a request still without an answer after a minute is a failure.
    private readonly timeoutMs = 60_000,
    // Node's agent also drops an idle connection a second before the server's Keep-Alive timeout.
    private readonly agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS_PER_CLIENT }),
  ) {}

  /** A copy that holds the same cookies and header and shares the connections (another tab of the same browser). */
  clone(): ApiClient {
    const copy = new ApiClient(this.base, this.stats, this.timeoutMs, this.agent);
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    copy.cartHeader = this.cartHeader;
    return copy;
  }

  /**
   * Opens the browser's connections the way loading the page does (its assets in parallel, up to
   * six at once), outside the API figures.
   */
  async open(): Promise<void> {
    await Promise.all(Array.from({ length: CONNECTIONS_PER_CLIENT }, () => this.send('GET', '/favicon.ico', {}, undefined)));
  }

  /** Closes the client's idle connections. */
  close(): void {
    this.agent.destroy();
  }

  /** The value of cookie `name` (with or without the `__Host-` prefix). */
  cookie(name: string): string | undefined {
    for (const [wire, value] of this.cookies) if (bareName(wire) === name) return value;
    return undefined;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, { keepSession = true } = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ');
    if (this.cartHeader !== undefined) headers[CART_HEADER] = this.cartHeader;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
    const t0 = performance.now();
    let raw: { status: number; headers: IncomingHttpHeaders; text: string };
    try {
      raw = await this.send(method, path, headers, payload);
    } catch (error) {
      if (this.stats) this.stats.networkErrors++;
      throw error;
    }
    const ms = performance.now() - t0;
    this.stats?.record(raw.status, ms, `${method} ${path}`);
    const responseHeaders = webHeaders(raw.headers);
    if (keepSession) this.keep(responseHeaders);
    let parsed: unknown = raw.text;
    try {
      parsed = JSON.parse(raw.text);
    } catch {
      // Not JSON: the caller sees the text.
    }
    return { status: raw.status, body: parsed as T, headers: responseHeaders, ms };
  }

  /**
   * One HTTP exchange; rejects with the socket error's code when there is no answer within the
   * timeout. A kept-alive connection that the server closed just as it was reused is retried once
   * on a new one, as browsers do (Node's documented `reusedSocket` pattern); any other failure is
   * the server's.
   */
  private async send(method: string, path: string, headers: Record<string, string>, payload: string | undefined) {
    try {
      return await this.exchange(method, path, headers, payload);
    } catch (error) {
      if (!(error instanceof StaleConnectionError)) throw error;
      return this.exchange(method, path, headers, payload);
    }
  }

  private exchange(method: string, path: string, headers: Record<string, string>, payload: string | undefined) {
    return new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const req = httpRequest(`${this.base}${path}`, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        const Failure = stale ? StaleConnectionError : Error;
        reject(new Failure(`${method} ${path}: ${error.code ?? error.message}`, { cause: error }));
      });
      req.end(payload);
    });
  }

  /** Applies Set-Cookie and the session header the way a browser and the fetch wrapper do. */
  private keep(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const header = headers.get(CART_HEADER);
    if (header !== null) this.cartHeader = header === '' ? undefined : header;
  }
}
