/**
 * The login Server Action is a public endpoint: whatever a client posts as its arguments (a JSON
 * array instead of FormData, files instead of text, huge fields) it answers a typed state, never throws.
 */
import '@/lib/demo/demo-env.testutil';
import { describe, expect, it } from 'vitest';
import { login } from './actions';

const form = (fields: Record<string, string | Blob>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.set(k, v);
  return data;
};

describe('login(previous, form)', () => {
  it.each([
    ['no arguments', []],
    ['an empty array body', [[]]],
    ['a plain object', [{}, { username: 'ada', password: 'ada' }]],
    ['a string', [{}, 'username=ada&password=ada']],
    ['null', [null, null]],
    ['a number', [1, 2]],
  ])('%s → { error }, no exception', async (_label, args) => {
    const state = await (login as (...a: unknown[]) => Promise<unknown>)(...args);
    expect(state).toEqual({ error: expect.any(String) });
  });

  it('files in place of text fields count as missing', async () => {
    const state = await login({}, form({ username: new Blob(['ada']), password: new Blob(['ada']) }));
    expect(state).toEqual({ fields: { username: expect.any(String), password: expect.any(String) }, username: '' });
  });

  it('over-long fields are field errors; the echoed username is bounded', async () => {
    const state = await login({}, form({ username: 'a'.repeat(10_000), password: 'p'.repeat(10_000) }));
    expect(state.fields?.username).toEqual(expect.any(String));
    expect(state.fields?.password).toEqual(expect.any(String));
    expect(state.username?.length).toBeLessThanOrEqual(64);
  });

  it('wrong credentials are an error state with the username echoed', async () => {
    expect(await login({}, form({ username: 'ada', password: 'nope' }))).toEqual({
      error: 'Wrong username or password.',
      username: 'ada',
    });
  });
});
