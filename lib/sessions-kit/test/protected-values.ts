/**
 * Authentic JOSE values with a header spelled exactly as given (raw JSON, not re-serialized),
 * so only the strict header parser can refuse them; and the spellings it must refuse.
 */
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';

const b64url = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');

/** A JWE (dir, A256GCM) under `key` whose protected header is exactly `headerJson`. */
export function sealJweRaw(headerJson: string, plaintext: string, key: Uint8Array): string {
  const headerB64 = b64url(headerJson);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(headerB64, 'latin1'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${headerB64}..${b64url(iv)}.${b64url(ciphertext)}.${b64url(cipher.getAuthTag())}`;
}

/** A JWS (HS256) under `key` whose protected header is exactly `headerJson`. */
export function signJwsRaw(headerJson: string, payload: string, key: Uint8Array): string {
  const input = `${b64url(headerJson)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/**
 * Header spellings the parser refuses, built around the format's fixed members (for example
 * `"alg":"dir","enc":"A256GCM"`) and a live `exp`. Most pass JSON.parse, which is why the
 * parser scans the raw text; the BOM passed the old UTF-8 decoder, which stripped it.
 */
export function nonStrictHeaders(fixed: string, exp: number): Array<[string, string]> {
  const alg = fixed.slice(0, fixed.indexOf(',') === -1 ? undefined : fixed.indexOf(','));
  return [
    ['a duplicate exp (JSON.parse keeps the last)', `{${fixed},"exp":${exp},"exp":${exp + 86_400}}`],
    ['a duplicate alg', `{${fixed},${alg},"exp":${exp}}`],
    ['a duplicate kid', `{${fixed},"kid":"a","kid":"b","exp":${exp}}`],
    ['a leading byte-order mark', `\uFEFF{${fixed},"exp":${exp}}`],
    ['a space after a colon', `{${fixed},"exp": ${exp}}`],
    ['a space after a comma', `{${fixed}, "exp":${exp}}`],
    ['a leading space', ` {${fixed},"exp":${exp}}`],
    ['a trailing newline', `{${fixed},"exp":${exp}}\n`],
    ['a tab before the closing brace', `{${fixed},"exp":${exp}\t}`],
    ['a \\u-escaped member name', `{${fixed},"\\u0065xp":${exp}}`],
    ['an escaped alg name', `{${fixed.replace('"alg"', '"\\u0061lg"')},"exp":${exp}}`],
    ['an escape in the alg value', `{${fixed.replace(/"alg":"(.)/, (_, c: string) => `"alg":"\\u00${c.charCodeAt(0).toString(16)}`)},"exp":${exp}}`],
    ['an escape in kid', `{${fixed},"kid":"\\u0041","exp":${exp}}`],
    ['exp with a fraction', `{${fixed},"exp":${exp}.0}`],
    ['exp with an exponent', `{${fixed},"exp":${exp / 1000}e3}`],
    ['exp with a leading zero', `{${fixed},"exp":0${exp}}`],
    ['exp negative', `{${fixed},"exp":-${exp}}`],
    ['exp as a string', `{${fixed},"exp":"${exp}"}`],
    ['a trailing comma', `{${fixed},"exp":${exp},}`],
    ['an empty kid', `{${fixed},"kid":"","exp":${exp}}`],
    ['kid null', `{${fixed},"kid":null,"exp":${exp}}`],
    ['an unknown member', `{${fixed},"exp":${exp},"foo":"bar"}`],
    ['an uppercase member name', `{${fixed},"EXP":${exp}}`],
    ['two objects', `{${fixed}}{"exp":${exp}}`],
  ];
}
