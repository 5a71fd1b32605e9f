// Every failure code the code can emit is explained in docs/troubleshooting.md, and
// every code documented there is one the code emits. The codes are found by scanning
// lib/ (not by a list kept here), so a code added anywhere is caught:
// - the last argument (a code, or a `cond ? 'A' : 'B'` choice of codes) of
//   `new ToolkitError(…)`, of `super(…)` in a ToolkitError subclass, and of calls to a
//   function that takes a `code` and returns a ToolkitError;
// - `code: 'X'` properties (the failure table of lib/status/detect.ts, the rollout's own codes);
// - UsageError and PrereqError (USAGE, PREREQ), whose codes errors.ts fixes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAILURE_CODES } from '../lib/status/detect.ts';
import { REPO_ROOT } from './support/tools.ts';

const CODE = /^'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'$/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return name.endsWith('.ts') ? [file] : [];
  });
}

/** Index just past the string, template or comment starting at `i`, or undefined if none starts there. */
function skipLiteral(text: string, i: number): number | undefined {
  const c = text[i];
  if (c === '/' && text[i + 1] === '/') return text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
  if (c === '/' && text[i + 1] === '*') return text.indexOf('*/', i + 2) + 2;
  if (c === "'" || c === '"') {
    let j = i + 1;
    while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (c === '`') {
    let j = i + 1;
    while (j < text.length && text[j] !== '`') {
      if (text[j] === '\\') j += 2;
      else if (text[j] === '$' && text[j + 1] === '{') j = scanTo(text, j + 2, '}');
      else j++;
    }
    return j + 1;
  }
  return undefined;
}

/** From inside an open bracket, the index just past its matching `close`. */
function scanTo(text: string, i: number, close: string): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  while (i < text.length) {
    const skipped = skipLiteral(text, i);
    if (skipped !== undefined) {
      i = skipped;
      continue;
    }
    const c = text[i]!;
    if (c === close) return i + 1;
    i = pairs[c] ? scanTo(text, i + 1, pairs[c]!) : i + 1;
  }
  return i;
}

/** The top-level arguments of the call whose `(` is at `open`. */
function callArgs(text: string, open: number): string[] {
  const end = scanTo(text, open + 1, ')') - 1;
  const args: string[] = [];
  let start = open + 1;
  let i = start;
  while (i < end) {
    const skipped = skipLiteral(text, i);
    if (skipped !== undefined) {
      i = skipped;
      continue;
    }
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') i = scanTo(text, i + 1, ({ '(': ')', '[': ']', '{': '}' } as Record<string, string>)[c]!);
    else if (c === ',') {
      args.push(text.slice(start, i).trim());
      start = ++i;
    } else i++;
  }
  args.push(text.slice(start, end).trim());
  return args.filter(Boolean);
}

function emittedCodes(): Map<string, string[]> {
  const files = sources(path.join(REPO_ROOT, 'lib'));
  const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
  // Functions that take a `code` and return a ToolkitError (e.g. accessError in lib/access.ts).
  const factories = new Set<string>();
  for (const text of texts.values()) {
    for (const m of text.matchAll(/function (\w+)\([^)]*\bcode: (?:string|ErrorCode)[^)]*\): ToolkitError/g)) factories.add(m[1]!);
  }
  const calls = ['new ToolkitError', 'super', ...[...factories]].map((name) => name.replace(/\s+/g, '\\s+'));
  const callPattern = new RegExp(`(?:${calls.join('|')})\\s*\\(`, 'g');
  const found = new Map<string, string[]>();
  const add = (code: string, file: string) => found.set(code, [...(found.get(code) ?? []), path.relative(REPO_ROOT, file)]);
  for (const [file, text] of texts) {
    for (const m of text.matchAll(callPattern)) {
      if (m[0].startsWith('super') && !/extends ToolkitError/.test(text)) continue;
      const last = callArgs(text, m.index! + m[0].length - 1).at(-1) ?? '';
      // A code, or a choice of codes: `pending ? 'HELM_RELEASE_PENDING' : 'HELM_UPGRADE_FAILED'`.
      const choices = /\?/.test(last)
        ? last
            .split(/[?:]/)
            .slice(1)
            .map((part) => part.trim())
        : [last];
      for (const choice of choices) {
        const code = CODE.exec(choice)?.[1];
        if (code) add(code, file);
      }
    }
    for (const m of text.matchAll(/\bcode: '([A-Z][A-Z0-9_]+)'/g)) add(m[1]!, file);
    if (/new UsageError\(/.test(text)) add('USAGE', file);
    if (/new PrereqError\(/.test(text)) add('PREREQ', file);
  }
  return found;
}

function documentedCodes(): string[] {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/troubleshooting.md'), 'utf8');
  return [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| \d+ \|/gm)].map((m) => m[1]!);
}

test('the scan finds the codes it must (a scan that finds nothing proves nothing)', () => {
  const codes = emittedCodes();
  for (const code of [
    'USAGE',
    'PREREQ',
    'CONFIG',
    'CRASH_LOOP',
    'ROLLOUT_TIMEOUT',
    'ACCESS_NO_SERVICE',
    'REMOTE_CONTEXT_REFUSED',
    'CLUSTER_UNREACHABLE',
  ]) {
    assert.ok(codes.has(code), `${code} not found by the scan`);
  }
});

test('every code lib/ emits has a row in docs/troubleshooting.md', () => {
  const documented = new Set(documentedCodes());
  const missing = [...emittedCodes()]
    .filter(([code]) => !documented.has(code))
    .map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`);
  assert.equal(missing, [], `undocumented codes:\n  ${missing.join('\n  ')}`);
});

test('every code docs/troubleshooting.md documents is one lib/ emits', () => {
  const emitted = emittedCodes();
  const stale = documentedCodes().filter((code) => !emitted.has(code));
  assert.equal(stale, [], `documented but never emitted: ${stale.join(', ')}`);
});

test('every documented code has its section, and none twice in the table', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/troubleshooting.md'), 'utf8');
  const codes = documentedCodes();
  assert.equal(
    codes.filter((c, i) => codes.indexOf(c) !== i),
    [],
    'a code listed twice',
  );
  const sections = new Set([...doc.matchAll(/^## ([A-Z][A-Z0-9_]+)$/gm)].map((m) => m[1]!));
  assert.equal(
    codes.filter((c) => !sections.has(c)),
    [],
    'codes without a "## CODE" section',
  );
});

test("the failure codes of lib/status/ are the rollout codes the docs list (besides the watch's own), each with a row and a section", () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/troubleshooting.md'), 'utf8');
  const sections = new Set([...doc.matchAll(/^## ([A-Z][A-Z0-9_]+)$/gm)].map((m) => m[1]!));
  const rows = new Set(documentedCodes());
  assert.equal(
    FAILURE_CODES.filter((c) => !rows.has(c) || !sections.has(c)),
    [],
    'failure codes without a row and a "## CODE" section',
  );
  // The rows whose meaning says "rollout:" are the failure table's codes and the codes lib/rollout.ts emits itself.
  const watchOwn = new Set([...emittedCodes()].filter(([, files]) => files.includes('lib/rollout.ts')).map(([code]) => code));
  const rolloutRows = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| \d+ \| rollout: /gm)].map((m) => m[1]!);
  assert.ok(watchOwn.has('ROLLOUT_TIMEOUT'), "the scan finds the watch's own codes");
  assert.equal(
    rolloutRows.filter((c) => !(FAILURE_CODES as readonly string[]).includes(c) && !watchOwn.has(c)),
    [],
    'documented as rollout failures, but neither lib/status/ nor the watch emits them',
  );
});

test.run();
