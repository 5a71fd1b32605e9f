// settleAll (lib/settle.ts): the values in order; on a failure, it throws only once every other
// promise has settled (a tool call started beside the failed one has ended), the first by position.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settleAll } from '../lib/settle.ts';

const after = <T>(ms: number, value: T, fail = false) =>
  new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(value) : resolve(value)), ms));

test('the values, in order, typed per position', async () => {
  const [n, s] = await settleAll([after(20, 1), after(5, 'two')] as const);
  assert.equal([n + 1, s.toUpperCase()], [2, 'TWO']);
});

test('an early failure is thrown only after the slower work has ended', async () => {
  let slowEnded = false;
  const slow = after(80, 'slow').then((v) => {
    slowEnded = true;
    return v;
  });
  const error = await settleAll([after(5, new Error('refused'), true), slow]).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.is(error?.message, 'refused');
  assert.ok(slowEnded, 'Promise.all would have thrown while it still ran');
});

test('of two failures, the first by position', async () => {
  const error = await settleAll([after(30, new Error('first'), true), after(5, new Error('second'), true)]).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.is(error?.message, 'first');
});

test.run();
