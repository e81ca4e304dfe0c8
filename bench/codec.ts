/**
 * Codec and cookie-size benchmark (child of bench/run.mjs).
 *
 * Every variant does the same plumbing: build a Request, put the protected value in a
 * Set-Cookie header of a Response, take `name=value` back out of Set-Cookie, build a
 * second Request carrying it as `cookie`, read and open it. Only the protection (and,
 * for "ours", the library's own plumbing) differs.
 *
 *   node --import tsx bench/codec.ts --out results.json     full run
 *   node --import tsx bench/codec.ts --profile              only the encrypted 1 KB loop (for --cpu-prof)
 */
import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { serialize } from 'cookie';
import { sealData, unsealData } from 'iron-session';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { cookie, defineSessions, encrypted, signed } from '../lib/sessions-kit/src/index.ts';
import { aesGcmByHand, readCookie } from './fixture/lib/bench/by-hand.ts';
import { PAYLOAD_SIZES, type Payload, assertSameJson, emit, log, makePayload, median, opsPerSecond } from './common';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 1000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 500);
const PROFILE_MS = Number(process.env.BENCH_PROFILE_MS ?? 4000);

const URL_ = 'http://127.0.0.1:3000/api/bench';
const NAME = 'user_session';
const SECRET = 'bench-only-secret-0123456789abcdefghijklmnopqrstuvwxyz';
/** The attributes our cookie transport sends by default outside production (7 days, /, HttpOnly, Lax). */
const ATTRIBUTES = '; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax';

// ---- shared plumbing (identical for every variant) ------------------------------------

/** `name=value` from the first Set-Cookie of a response: what a browser would send back. */
function cookiePair(response: Response): string {
  const setCookie = response.headers.getSetCookie()[0];
  if (!setCookie) throw new Error('No Set-Cookie in the response.');
  const semi = setCookie.indexOf(';');
  return semi === -1 ? setCookie : setCookie.slice(0, semi);
}

/** A response carrying `value` in a Set-Cookie, built by hand. */
function responseWith(value: string): Response {
  const response = new Response(null);
  response.headers.append('Set-Cookie', `${NAME}=${value}${ATTRIBUTES}`);
  return response;
}

/** The hand-made round trip; `seal`/`open` are the only parts that differ between floors. */
async function handRoundTrip(
  data: Payload,
  seal: (text: string) => string | Promise<string>,
  open: (value: string) => string | Promise<string>,
): Promise<unknown> {
  new Request(URL_); // the first request, as the library gets one
  const response = responseWith(await seal(JSON.stringify(data)));
  const next = new Request(URL_, { headers: { cookie: cookiePair(response) } });
  const value = readCookie(next, NAME);
  if (value === undefined) throw new Error('The cookie did not come back.');
  return JSON.parse(await open(value));
}

// ---- ours ---------------------------------------------------------------------------------

const oursEncrypted = defineSessions({ [NAME]: cookie<Payload>({ transform: encrypted({ secret: SECRET }) }) });
const oursSigned = defineSessions({ [NAME]: cookie<Payload>({ transform: signed({ secret: SECRET }) }) });
type OursSessions = typeof oursEncrypted;

async function oursSet(sessions: OursSessions, data: Payload): Promise<string> {
  const first = sessions.forRequest(new Request(URL_));
  await first.set(NAME, data);
  return cookiePair(first.applyTo(new Response(null)));
}

async function oursRoundTrip(sessions: OursSessions, data: Payload): Promise<unknown> {
  const cookieHeader = await oursSet(sessions, data);
  const second = sessions.forRequest(new Request(URL_, { headers: { cookie: cookieHeader } }));
  return second.get(NAME);
}

// ---- floors and other libraries ---------------------------------------------------------------

const aes = aesGcmByHand(createSecretKey(randomBytes(32)));
const aesSeal = aes.seal;
function aesOpen(value: string): string {
  const text = aes.open(value);
  if (text === undefined) throw new Error('The floor could not open its own value.');
  return text;
}

const hmacKey = createSecretKey(randomBytes(32));

function hmacSeal(text: string): string {
  const body = Buffer.from(text, 'utf8').toString('base64url');
  return `${body}.${createHmac('sha256', hmacKey).update(body).digest('base64url')}`;
}

function hmacOpen(value: string): string {
  const dot = value.lastIndexOf('.');
  const body = value.slice(0, dot);
  const expected = createHmac('sha256', hmacKey).update(body).digest();
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('Bad MAC.');
  return Buffer.from(body, 'base64url').toString('utf8');
}

const joseKeyBytes = new Uint8Array(randomBytes(32));
// Imported once, so jose pays no key import per call (its fastest use).
const joseKey = await crypto.subtle.importKey('raw', joseKeyBytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function joseSeal(text: string): Promise<string> {
  return new CompactEncrypt(encoder.encode(text)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(joseKey);
}

async function joseOpen(value: string): Promise<string> {
  const { plaintext } = await compactDecrypt(value, joseKey, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
  return decoder.decode(plaintext);
}

const IRON_PASSWORD = 'bench-only-iron-password-0123456789abcdefghijklmnop';
const ironSeal = (text: string) => sealData(JSON.parse(text) as Payload, { password: IRON_PASSWORD });
const ironOpen = async (value: string) => JSON.stringify(await unsealData<Payload>(value, { password: IRON_PASSWORD }));

// ---- the variants ---------------------------------------------------------------------------------

type Variant = { key: string; label: string; run: (data: Payload) => Promise<unknown> };

const VARIANTS: Variant[] = [
  { key: 'oursEncrypted', label: 'ours encrypted()', run: (d) => oursRoundTrip(oursEncrypted, d) },
  { key: 'floorAesGcm', label: 'floor: raw AES-256-GCM', run: (d) => handRoundTrip(d, aesSeal, aesOpen) },
  { key: 'jose', label: 'jose CompactEncrypt dir/A256GCM', run: (d) => handRoundTrip(d, joseSeal, joseOpen) },
  { key: 'iron', label: 'iron-session sealData', run: (d) => handRoundTrip(d, ironSeal, ironOpen) },
  { key: 'oursSigned', label: 'ours signed()', run: (d) => oursRoundTrip(oursSigned as OursSessions, d) },
  { key: 'floorHmac', label: 'floor: raw HMAC-SHA256', run: (d) => handRoundTrip(d, hmacSeal, hmacOpen) },
];

const payloads = PAYLOAD_SIZES.map((p) => ({ ...p, data: makePayload(p.bytes) }));

if (process.argv.includes('--profile')) {
  const data = (payloads[1] as (typeof payloads)[number]).data;
  log(`profiling ours encrypted() round trip, 1 KB payload, ${PROFILE_MS} ms`);
  await opsPerSecond(() => oursRoundTrip(oursEncrypted, data), 500);
  // The profile's sample timestamps share this monotonic clock (µs): run.mjs keeps only this window,
  // so module loading and warm-up are left out.
  const windowStartUs = Number(process.hrtime.bigint() / 1000n);
  const ops = await opsPerSecond(() => oursRoundTrip(oursEncrypted, data), PROFILE_MS);
  const windowEndUs = Number(process.hrtime.bigint() / 1000n);
  emit({ profiledOpsPerSecond: ops, windowStartUs, windowEndUs });
} else {
  // Correctness first: every variant must give back exactly what it was given.
  for (const p of payloads) {
    for (const v of VARIANTS) assertSameJson(await v.run(p.data), p.data, `${v.label} ${p.label}`);
  }

  // Cookie size: the whole `name=value`, as each library would put it on the wire.
  const sizes: Record<string, { jsonBytes: number; ours: number; oursSigned: number; iron: number; jose: number; floorAesGcm: number }> = {};
  for (const p of payloads) {
    const json = JSON.stringify(p.data);
    sizes[p.label] = {
      jsonBytes: Buffer.byteLength(json),
      ours: (await oursSet(oursEncrypted, p.data)).length,
      oursSigned: (await oursSet(oursSigned as OursSessions, p.data)).length,
      // iron-session writes its cookie with cookie.serialize (encodeURIComponent).
      iron: serialize(NAME, await sealData(p.data, { password: IRON_PASSWORD })).length,
      jose: serialize(NAME, await joseSeal(json)).length,
      floorAesGcm: serialize(NAME, aesSeal(json)).length,
    };
  }

  log(`codec: warming up ${VARIANTS.length} variants x ${payloads.length} payloads`);
  for (const p of payloads) for (const v of VARIANTS) await opsPerSecond(() => v.run(p.data), WARMUP_MS);

  const runs: Record<string, Record<string, number[]>> = {};
  for (let r = 0; r < RUNS; r++) {
    // Interleaved: ours and its floor are measured seconds apart, in every run.
    for (const p of payloads) {
      for (const v of VARIANTS) {
        const ops = await opsPerSecond(() => v.run(p.data), RUN_MS);
        const byPayload = runs[v.key] ?? {};
        runs[v.key] = byPayload;
        byPayload[p.label] = [...(byPayload[p.label] ?? []), ops];
      }
    }
    log(`codec: run ${r + 1}/${RUNS} done`);
  }

  const throughput: Record<string, Record<string, { runs: number[]; median: number }>> = {};
  for (const v of VARIANTS) {
    const out: Record<string, { runs: number[]; median: number }> = {};
    for (const p of payloads) {
      const values = runs[v.key]?.[p.label] ?? [];
      out[p.label] = { runs: values.map((x) => Math.round(x)), median: median(values) };
    }
    throughput[v.key] = out;
  }

  emit({
    config: { runs: RUNS, runMs: RUN_MS, warmupMs: WARMUP_MS },
    variants: Object.fromEntries(VARIANTS.map((v) => [v.key, v.label])),
    payloads: payloads.map((p) => ({ label: p.label, jsonBytes: Buffer.byteLength(JSON.stringify(p.data)) })),
    throughput,
    sizes,
  });
}
