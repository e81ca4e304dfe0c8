/**
 * The login page's `next` parameter (issue 16, finding 5): judged after the URL parser has
 * normalised it, so dot segments and their encodings cannot turn a path into `//host`.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AFTER_LOGIN, safeNextPath } from './next-path';

describe('safeNextPath', () => {
  it.each([
    ['/.//evil.example'],
    ['/..//evil.example'],
    ['/%2e//evil.example'],
    ['/%2e%2e//evil.example'],
    ['/%2E%2E//evil.example'],
    ['/a/..//evil.example'],
    ['/./%2e/%2e%2e//evil.example'],
    ['//evil'],
    ['///evil'],
    ['/\\evil'],
    ['\\/evil'],
    ['https://evil'],
    ['http://local.invalid@evil/'],
    ['javascript:alert(1)'],
    ['JaVaScRiPt:alert(1)'],
    ['data:text/html,<script>alert(1)</script>'],
    ['/\t/evil'],
    ['/\n/evil'],
    ['\t//evil'],
    ['/\r\n/evil'],
    [`/${'a'.repeat(600)}`],
    [''],
  ])('%j falls back to the default', (value) => {
    expect(safeNextPath(value)).toBe(DEFAULT_AFTER_LOGIN);
  });

  it.each([
    ['/account', '/account'],
    ['/account?tab=devices', '/account?tab=devices'],
    ['/basket?x=1&y=%2F%2Fz#top', '/basket?x=1&y=%2F%2Fz#top'],
    ['/a/../account', '/account'],
    ['/inspector/', '/inspector/'],
    ['/%2F%2Fevil', '/%2F%2Fevil'], // an encoded slash stays a path segment, in browsers too
    ['/ac\tcount', '/account'], // the parser drops tabs and newlines: what is returned is what a browser would use
  ])('%j is a same-origin path: %j', (value, expected) => {
    expect(safeNextPath(value)).toBe(expected);
  });

  it('what it returns never starts with two slashes or a slash and a backslash', () => {
    for (const prefix of ['/', '/.', '/..', '/%2e', '/%2e%2e', '/%2E', '\\', '/\\']) {
      for (const rest of ['//evil', '/\\evil', '\\/evil', '\\\\evil']) {
        expect(safeNextPath(prefix + rest)).toMatch(/^\/(?![/\\])/);
      }
    }
  });

  it('anything but a string falls back, and the fallback can be chosen', () => {
    for (const value of [undefined, null, 42, ['/account'], { toString: () => '/account' }]) {
      expect(safeNextPath(value)).toBe(DEFAULT_AFTER_LOGIN);
    }
    expect(safeNextPath('//evil', '/')).toBe('/');
  });
});
