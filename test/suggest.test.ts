import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closest, editDistance } from '../lib/suggest.ts';

test('editDistance: insertions, deletions, substitutions, and a swap of neighbours as one edit', () => {
  assert.is(editDistance('', 'abc'), 3);
  assert.is(editDistance('namespace', 'namespce'), 1);
  assert.is(editDistance('check', 'chekc'), 1);
  assert.is(editDistance('kitten', 'sitting'), 3);
});

test('closest: a likely typo gets its key, an unrelated word gets nothing', () => {
  const flags = ['check', 'out', 'helm', 'help'];
  assert.is(closest('chekc', flags), 'check');
  assert.is(closest('hlem', flags), 'helm');
  assert.is(closest('namespace', flags), undefined);
  assert.is(closest('NAMESAPCE', ['NAMESPACE', 'RELEASE_NAME']), 'NAMESPACE');
});

test.run();
