/**
 * Following redirects by hand for the session fetch, so that each hop's origin is checked before
 * anything is sent to it. Mirrors the Fetch standard's rules: at most 20 hops; 303 (and 301/302
 * after a POST) turn into a GET without a body; 307/308 repeat the method and body; a hop to
 * another origin drops the caller's credentials for good.
 */
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Dropped with the body when a redirect turns the request into a GET (Fetch standard, "request-body-header name"). */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
/**
 * The caller's credentials, meant for the origin they were sent to: dropped on the first hop to
 * any other origin, trusted or not, and not sent again after it (Fetch standard, "HTTP-redirect fetch").
 */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

export interface FollowOptions {
  doFetch: typeof fetch;
  input: RequestInfo | URL;
  /** The first hop's init, session headers included. */
  init: RequestInit & { headers: Headers };
  /** Where the first hop goes (already trusted). */
  target: URL;
  trusted: (url: URL) => boolean;
  /** Header names never sent to an untrusted hop. */
  sessionHeaders: readonly string[];
  /** Base for relative `Location`s when the first URL was relative. */
  base: string;
}

export interface FollowResult {
  response: Response;
  /** Every hop, the last included, went to a trusted origin: its session headers may be stored. */
  allTrusted: boolean;
}

export async function followRedirects(options: FollowOptions): Promise<FollowResult> {
  const { doFetch, input, init, trusted, sessionHeaders } = options;
  // A Request's body can be read once: keep a copy in case a 307/308 must send it again.
  const replayBody =
    input instanceof Request && init.body === undefined && input.body !== null ? await input.clone().arrayBuffer() : init.body;
  let method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  let body: BodyInit | null | undefined = replayBody;
  const headers = new Headers(init.headers);
  let allTrusted = true;

  let response = await doFetch(input, { ...init, headers, redirect: 'manual' });
  let url = options.target;
  for (let hops = 0; ; hops++) {
    if (response.type === 'opaqueredirect') {
      // A browser hides where a manual redirect goes, so it cannot be checked: refuse, as redirect: 'error' would.
      throw new TypeError('createSessionFetch: a request carrying a session header was redirected to a target that cannot be checked.');
    }
    const location = response.headers.get('location');
    if (!REDIRECT_STATUSES.has(response.status) || location === null) break;
    if (hops >= MAX_REDIRECTS) throw new TypeError('createSessionFetch: too many redirects.');
    const next = new URL(location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:' && next.protocol !== 'relative:') {
      throw new TypeError(`createSessionFetch: cannot follow a redirect to a ${next.protocol} URL.`);
    }
    if (response.status === 303 ? method !== 'HEAD' : (response.status === 301 || response.status === 302) && method === 'POST') {
      method = 'GET';
      body = undefined;
      for (const name of BODY_HEADERS) headers.delete(name);
    } else if (body instanceof ReadableStream) {
      throw new TypeError('createSessionFetch: cannot follow a 307/308 redirect with a stream body.');
    }
    // Once a hop leaves the trusted origins, nothing after it gets or sets a session header,
    // even a hop back to a trusted origin: that request was chosen by someone else.
    if (!trusted(next)) allTrusted = false;
    if (!allTrusted) for (const name of sessionHeaders) headers.delete(name);
    if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
    await response.body?.cancel().catch(() => undefined);
    response = await doFetch(wireUrl(next), { ...init, method, body, headers, redirect: 'manual' });
    url = next;
  }
  return { response, allTrusted };
}

/** What to hand to fetch: the path again for the relative (page-less) form. */
function wireUrl(url: URL): string {
  return url.protocol === 'relative:' ? `${url.pathname}${url.search}${url.hash}` : url.href;
}
