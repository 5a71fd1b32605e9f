// lib/error-codes.ts and the table of docs/troubleshooting.md list the same codes with the same exit codes
// (test/docs-codes.test.ts ties that table to the codes lib/ emits).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES, isErrorCode, type ErrorCode } from '../lib/error-codes.ts';
import { ExitCode, ToolkitError } from '../lib/errors.ts';
import { REPO_ROOT } from './support/tools.ts';

function documented(): Record<string, number> {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/troubleshooting.md'), 'utf8');
  return Object.fromEntries([...doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| (\d+) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
}

test('the code table matches docs/troubleshooting.md: same codes, same exit codes', () => {
  const doc = documented();
  assert.ok(Object.keys(doc).length > 10, 'the docs table was found');
  assert.equal({ ...ERROR_CODES }, doc);
});

test('ToolkitError takes only codes from the table (checked by tsc)', () => {
  // @ts-expect-error a misspelt code
  const misspelt = new ToolkitError('x', ExitCode.failed, undefined, 'CRASHLOOP');
  const known: ErrorCode = 'CRASH_LOOP';
  assert.ok(isErrorCode(known));
  assert.not.ok(isErrorCode(misspelt.code!));
  assert.not.ok(isErrorCode('toString'), 'inherited names are not codes');
});

test.run();
