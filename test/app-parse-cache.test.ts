// The analysis's parse cache (lib/app/parse-cache.ts): a file's facts are parsed once per content,
// kept across processes, and an app analysed before is analysed again without loading the
// TypeScript parser — with the same result as a fresh parse.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cachedParse } from '../lib/app/parse-cache.ts';
import { tempDir } from './support/tmp.ts';
import { REPO_ROOT } from './support/tools.ts';

const tmp = tempDir('parse-cache-');
test.after(() => tmp.cleanup());

/** Runs a module in a fresh Node process (tsx), returning its stdout as JSON. */
function fresh(source: string): unknown {
  const file = path.join(tmp.dir, `child-${Date.now()}-${Math.random().toString(16).slice(2)}.ts`);
  writeFileSync(file, source);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const lib = (module: string) => JSON.stringify(path.join(REPO_ROOT, 'lib', module));

test('the same text is parsed once, here and in the next process; another text is parsed', () => {
  const text = `export const unique = ${JSON.stringify(`${process.pid}-${Date.now()}`)};\n`;
  let parses = 0;
  const parse = () => {
    parses++;
    return { found: ['A'], line: 3 };
  };
  assert.equal(cachedParse('test', 'a.ts', text, parse), { found: ['A'], line: 3 });
  assert.equal(cachedParse('test', 'a.ts', text, parse), { found: ['A'], line: 3 });
  assert.is(parses, 1);
  cachedParse('test', 'a.ts', `${text}// edited\n`, parse);
  assert.is(parses, 2, 'an edit is a miss');
  cachedParse('test', 'b.ts', text, parse);
  assert.is(parses, 3, 'another file name is a miss');
  const next = fresh(`
    import { cachedParse } from ${lib('app/parse-cache.ts')};
    let parses = 0;
    const value = cachedParse('test', 'a.ts', ${JSON.stringify(text)}, () => { parses++; return null; });
    console.log(JSON.stringify({ parses, value }));
  `);
  assert.equal(next, { parses: 0, value: { found: ['A'], line: 3 } });
});

test('the store keys are salted hashes (a source file may hold a secret), in a file only its owner reads', () => {
  const text = `const key = 'sk-not-a-real-key-${process.pid}-${Date.now()}';\n`;
  cachedParse('test', 'secret.ts', text, () => ({ names: [] }));
  const file = path.join(REPO_ROOT, 'node_modules', '.cache', 'todo-chatbot-k8s', 'app-parse.json');
  const stored = readFileSync(file, 'utf8');
  const unsalted = createHash('sha256')
    .update(JSON.stringify(['test', 'secret.ts', text]))
    .digest('hex');
  assert.not.ok(stored.includes(unsalted), 'an unsalted hash of the file');
  assert.not.ok(stored.includes('sk-not-a-real-key'), 'the text itself');
  assert.match((JSON.parse(stored) as { salt: string }).salt, /^[0-9a-f]{32}$/);
  assert.is(statSync(file).mode & 0o777, 0o600);
});

test('a cached value is a copy: changing what was returned does not change the store', () => {
  const text = `// copy ${process.pid} ${Date.now()}\n`;
  const first = cachedParse('test', 'c.ts', text, () => ({ list: [1] }));
  first.list.push(2);
  assert.equal(
    cachedParse('test', 'c.ts', text, () => ({ list: [] as number[] })),
    { list: [1] },
  );
});

test('the reference app, analysed again in a new process, loads no TypeScript parser and finds the same', () => {
  const analyse = `
    import { analyzeApps } from ${lib('app/analyze.ts')};
    import { typescriptLoaded } from ${lib('app/typescript-lazy.ts')};
    import { loadConfig } from ${lib('config.ts')};
    const { config } = loadConfig({ root: ${JSON.stringify(REPO_ROOT)}, env: {}, envFile: '/nonexistent.env' });
    const analysis = analyzeApps(config);
    console.log(JSON.stringify({ parser: typescriptLoaded(), analysis }));
  `;
  const first = fresh(analyse) as { parser: boolean; analysis: unknown };
  const second = fresh(analyse) as { parser: boolean; analysis: { frontend: { standalone: unknown } } };
  assert.is(second.parser, false, 'the parser was loaded although every file was parsed before');
  assert.equal(second.analysis, first.analysis);
  assert.ok(second.analysis.frontend.standalone, 'the cached next.config facts still say standalone');
});

test.run();
