import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clearSecrets, isSecretKey, redact, redactDeep, registerSecret } from '../lib/redact.ts';

test.after.each(() => clearSecrets());

test('secret key names', () => {
  for (const key of ['OPENAI_API_KEY', 'AWS_SECRET', 'POSTGRES_PASSWORD', 'GITHUB_TOKEN', 'DATABASE_URL']) assert.ok(isSecretKey(key), key);
  for (const key of ['NAMESPACE', 'KEYCLOAK_URL', 'TOKENIZER', 'DATABASE_MODE']) assert.not.ok(isSecretKey(key), key);
});

test('registered values are masked in raw, JSON-escaped and URL-encoded forms', () => {
  registerSecret('p@ss "word"/x');
  assert.is(redact('raw p@ss "word"/x end'), 'raw *** end');
  assert.is(redact(JSON.stringify({ v: 'p@ss "word"/x' })), '{"v":"***"}');
  assert.is(redact(`q=${encodeURIComponent('p@ss "word"/x')}`), 'q=***');
});

test('a URL secret also masks its password alone (it shows up in driver errors)', () => {
  registerSecret('postgresql://app:s3cr%40t-pw@db:5432/todo');
  assert.is(redact('password authentication failed: s3cr@t-pw'), 'password authentication failed: ***');
});

test('credentials inside any URL are masked even when never registered', () => {
  assert.is(redact('GET https://user:unregistered@example.com/x'), 'GET https://user:***@example.com/x');
});

test('short values are not registered (they would mask ordinary words)', () => {
  registerSecret('abc');
  assert.is(redact('abc abc'), 'abc abc');
});

test('longest secret wins when one contains another', () => {
  registerSecret('token-1234');
  registerSecret('token-1234-extended');
  assert.is(redact('token-1234-extended and token-1234'), '*** and ***');
});

test('redactDeep walks objects and arrays', () => {
  registerSecret('deep-secret');
  assert.equal(redactDeep({ a: ['x deep-secret'], b: { c: 'deep-secret' }, n: 3 }), { a: ['x ***'], b: { c: '***' }, n: 3 });
});

test.run();
