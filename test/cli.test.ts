import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs, renderHelp, runScriptForCode, type ScriptSpec } from '../lib/cli.ts';
import { ExitCode, PrereqError, ToolkitError } from '../lib/errors.ts';

const spec: ScriptSpec = {
  name: 'demo',
  summary: 'a demo script',
  usage: 'npx zx scripts/demo.ts [options]',
  flags: [
    { name: 'namespace', type: 'string', alias: 'n', configKey: 'NAMESPACE', placeholder: 'name', description: 'namespace' },
    { name: 'force', type: 'boolean', description: 'force it' },
    { name: 'values', type: 'string', repeatable: true, placeholder: 'file', description: 'values files' },
  ],
  examples: ['npx zx scripts/demo.ts -n demo'],
};

// runScriptForCode prints through the real stdout/stderr; keep test output tidy.
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const [out, err] = [process.stdout.write, process.stderr.write];
  process.stdout.write = process.stderr.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

test('flags, aliases, config keys and repeatable values', () => {
  const args = parseArgs(spec, ['-n', 'demo', '--force', '--values', 'a.yaml', '--values', 'b.yaml', 'extra']);
  assert.is(args.flags.namespace, 'demo');
  assert.is(args.flags.force, true);
  assert.equal(args.flags.values, ['a.yaml', 'b.yaml']);
  assert.equal(args.configFlags, { NAMESPACE: 'demo' });
  assert.equal(args.positionals, ['extra']);
});

test('unknown flags, missing values and repeated single flags are usage errors', () => {
  assert.throws(() => parseArgs(spec, ['--forse']), (e: ToolkitError) => e.exitCode === 2 && /unknown option --forse \(did you mean --force\?\)/.test(e.message));
  assert.throws(() => parseArgs(spec, ['--namespace']), (e: ToolkitError) => e.exitCode === 2 && /--namespace needs a value/.test(e.message));
  assert.throws(() => parseArgs(spec, ['-n', 'a', '-n', 'b']), /given 2 times/);
});

test('help lists every flag (own and common), the config key it overrides, examples and exit codes', () => {
  const help = renderHelp(spec);
  for (const text of ['-n, --namespace <name>', '--force', '--values <file>', '--json', '--verbose', '--dotenv <path>', '[NAMESPACE]', 'npx zx scripts/demo.ts -n demo', '130 interrupted']) {
    assert.match(help, text);
  }
});

test('exit codes: success 0, ToolkitError its own code, unexpected errors 1, usage 2', async () => {
  assert.is(await quietly(() => runScriptForCode(spec, async () => undefined, [])), ExitCode.ok);
  assert.is(await quietly(() => runScriptForCode(spec, async () => { throw new PrereqError('no docker'); }, [])), ExitCode.prereq);
  assert.is(await quietly(() => runScriptForCode(spec, async () => { throw new TypeError('oops'); }, [])), ExitCode.failed);
  assert.is(await quietly(() => runScriptForCode(spec, async () => undefined, ['--bogus'])), ExitCode.usage);
  assert.is(await quietly(() => runScriptForCode(spec, async () => ExitCode.failed, [])), ExitCode.failed);
});

test('cleanups run last-in-first-out on success and on failure', async () => {
  for (const fail of [false, true]) {
    const order: string[] = [];
    await quietly(() =>
      runScriptForCode(spec, async ({ onCleanup }) => {
        onCleanup(() => { order.push('first'); });
        onCleanup(async () => { order.push('second'); });
        if (fail) throw new Error('x');
      }, []),
    );
    assert.equal(order, ['second', 'first']);
  }
});

test('--help does not run main', async () => {
  let ran = false;
  const code = await quietly(() => runScriptForCode(spec, async () => { ran = true; }, ['--help']));
  assert.is(code, 0);
  assert.not.ok(ran);
});

test.run();
