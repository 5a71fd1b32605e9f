import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { childNodeOptions, CommandError, createRunner, formatCommand, startBackground } from '../lib/exec.ts';
import { createLogger } from '../lib/log.ts';
import { clearSecrets, registerSecret } from '../lib/redact.ts';
import { Capture } from './support/tmp.ts';

test.after.each(() => clearSecrets());

test('arguments are passed as an array, never re-split by a shell', async () => {
  const run = createRunner();
  const result = await run('node', ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', 'a b', '$HOME', "it's", '; echo pwned']);
  assert.equal(JSON.parse(result.stdout), ['a b', '$HOME', "it's", '; echo pwned']);
  assert.is(result.exitCode, 0);
});

test('a failing command raises CommandError with command, exit code and the stderr tail', async () => {
  const run = createRunner();
  const script = 'for (let i = 1; i <= 50; i++) console.error("line " + i); process.exit(7)';
  try {
    await run('node', ['-e', script]);
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, CommandError);
    const e = error as CommandError;
    assert.is(e.toolExitCode, 7);
    assert.is(e.exitCode, 1);
    assert.is(e.stderrTail.split('\n').length, 30);
    assert.match(e.stderrTail, /^line 21\n/);
    assert.match(e.message, 'exited with code 7: node -e');
  }
});

test('nothrow returns the result of a failing command', async () => {
  const result = await createRunner()('node', ['-e', 'process.exit(3)'], { nothrow: true });
  assert.is(result.exitCode, 3);
});

test('a command that outlives its timeout is killed and reported as timed out', async () => {
  const started = Date.now();
  try {
    await createRunner()('node', ['-e', 'setTimeout(() => {}, 10000)'], { timeoutMs: 300 });
    assert.unreachable('should have timed out');
  } catch (error) {
    assert.instance(error, CommandError);
    assert.ok((error as CommandError).timedOut);
    assert.match((error as CommandError).message, 'timed out after 0s');
  }
  assert.ok(Date.now() - started < 5000, 'killed promptly');
});

test('a missing program is a CommandError with exit code 127', async () => {
  const result = await createRunner()('definitely-not-a-tool-xyz', ['--version'], { nothrow: true });
  assert.is(result.exitCode, 127);
});

test('secrets are masked in errors and in --verbose echoes; stdin carries them instead of argv', async () => {
  registerSecret('sk-very-secret-1');
  const err = new Capture();
  const log = createLogger({ mode: 'plain', verbose: true, out: new Capture(), err });
  const run = createRunner({ log });
  const echoed = await run('node', ['-e', 'process.stdin.pipe(process.stdout)'], { input: 'sk-very-secret-1' });
  assert.is(echoed.stdout, 'sk-very-secret-1'); // the tool itself receives the value
  try {
    await run('node', ['-e', 'console.error("bad key sk-very-secret-1"); process.exit(1)', 'sk-very-secret-1']);
  } catch (error) {
    assert.not.match((error as Error).message, 'sk-very-secret-1');
    assert.match((error as Error).message, 'bad key ***');
  }
  assert.match(err.text, '$ node -e');
  assert.not.match(err.text, 'sk-very-secret-1');
});

test('env adds to the inherited environment and undefined removes a variable', async () => {
  process.env.TCK_INHERITED = 'yes';
  const result = await createRunner()(
    'node',
    ['-e', 'console.log(process.env.TCK_INHERITED, process.env.TCK_ADDED, process.env.HOME === undefined)'],
    { env: { TCK_ADDED: 'added', HOME: undefined } },
  );
  assert.is(result.stdout.trim(), 'yes added true');
  delete process.env.TCK_INHERITED;
});

test('children do not inherit `--import tsx` from NODE_OPTIONS (it resolves from their own folder)', async () => {
  assert.is(childNodeOptions('--import tsx'), undefined);
  assert.is(childNodeOptions('--max-old-space-size=4096 --import=tsx --trace-warnings'), '--max-old-space-size=4096 --trace-warnings');
  const run = createRunner({ env: { ...process.env, NODE_OPTIONS: '--import tsx --no-warnings' } });
  const result = await run('node', ['-e', 'console.log(process.env.NODE_OPTIONS)'], { cwd: '/' });
  assert.is(result.stdout.trim(), '--no-warnings');
});

test('formatCommand quotes only what needs quoting', () => {
  assert.is(
    formatCommand('helm', ['upgrade', '--install', 'rel', './chart', '-f', 'a b.yaml', "it's"]),
    `helm upgrade --install rel ./chart -f 'a b.yaml' 'it'\\''s'`,
  );
});

test('a background process can be stopped and its output read', async () => {
  const bg = startBackground('node', ['-e', 'console.log("ready"); setInterval(() => {}, 1000)']);
  for (let i = 0; i < 50 && !bg.stdout().includes('ready'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(bg.stdout(), 'ready');
  await bg.stop();
  const { exitCode } = await bg.exited;
  assert.is.not(exitCode, 0);
});

test('--verbose with concurrent commands: each start line and its exit line carry the same short id', async () => {
  const err = new Capture();
  const run = createRunner({ log: createLogger({ mode: 'plain', verbose: true, out: new Capture(), err }) });
  // The slow one starts first and ends last: without ids its exit line would pair with the wrong start.
  await Promise.all([
    run('node', ['-e', 'setTimeout(() => process.exit(3), 300)'], { nothrow: true }),
    run('node', ['-e', 'process.exit(0)']),
  ]);
  const lines = err.text.trim().split('\n');
  assert.is(lines.length, 4, err.text);
  const starts = new Map(
    lines
      .map((l) => /^\[(c\d+)\] \$ node -e (.*)$/.exec(l))
      .filter(Boolean)
      .map((m) => [m![1]!, m![2]!]),
  );
  const exits = new Map(
    lines
      .map((l) => /^\[(c\d+)\] exit (\d+) in \d+ms$/.exec(l))
      .filter(Boolean)
      .map((m) => [m![1]!, Number(m![2])]),
  );
  assert.is(starts.size, 2, err.text);
  assert.equal([...exits.keys()].sort(), [...starts.keys()].sort(), 'every exit line names a started command');
  for (const [id, script] of starts) assert.is(exits.get(id), script.includes('exit(3)') ? 3 : 0, `${id}: ${err.text}`);
});

test.run();
