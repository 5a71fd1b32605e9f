import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  defineScript,
  parseArgs,
  RELEASE_FLAGS,
  refuseUnexpectedPositionals,
  renderHelp,
  runScriptForCode,
  scriptArgv,
  type ScriptSpec,
} from '../lib/cli.ts';
import { tempDir } from './support/tmp.ts';
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

test('a boolean flag named no-x (--no-wait) parses as itself, not as a negated x', () => {
  const withNo: ScriptSpec = { ...spec, flags: [...spec.flags, { name: 'no-wait', type: 'boolean', description: 'do not wait' }] };
  assert.is(parseArgs(withNo, ['--no-wait', '--force']).flags['no-wait'], true);
  assert.is(parseArgs(withNo, ['--force']).flags['no-wait'], false);
  // Other negations keep zx's meaning: --no-force is force=false.
  assert.is(parseArgs(withNo, ['--no-force']).flags.force, false);
});

test('unknown flags, missing values and repeated single flags are usage errors', () => {
  assert.throws(
    () => parseArgs(spec, ['--forse']),
    (e: ToolkitError) => e.exitCode === 2 && /unknown option --forse \(did you mean --force\?\)/.test(e.message),
  );
  assert.throws(
    () => parseArgs(spec, ['--namespace']),
    (e: ToolkitError) => e.exitCode === 2 && /--namespace needs a value/.test(e.message),
  );
  assert.throws(() => parseArgs(spec, ['-n', 'a', '-n', 'b']), /given 2 times/);
});

test('help lists every flag (own and common), the config key it overrides, examples and exit codes', () => {
  const help = renderHelp(spec);
  for (const text of [
    '-n, --namespace <name>',
    '--force',
    '--values <file>',
    '--json',
    '--verbose',
    '--dotenv <path>',
    '[NAMESPACE]',
    'npx zx scripts/demo.ts -n demo',
    '130 interrupted',
  ]) {
    assert.match(help, text);
  }
});

test('exit codes: success 0, ToolkitError its own code, unexpected errors 1, usage 2', async () => {
  assert.is(await quietly(() => runScriptForCode(spec, async () => undefined, [])), ExitCode.ok);
  assert.is(
    await quietly(() =>
      runScriptForCode(spec, async () => {
        throw new PrereqError('no docker');
      }, []),
    ),
    ExitCode.prereq,
  );
  assert.is(
    await quietly(() =>
      runScriptForCode(spec, async () => {
        throw new TypeError('oops');
      }, []),
    ),
    ExitCode.failed,
  );
  assert.is(await quietly(() => runScriptForCode(spec, async () => undefined, ['--bogus'])), ExitCode.usage);
  assert.is(await quietly(() => runScriptForCode(spec, async () => ExitCode.failed, [])), ExitCode.failed);
});

test('cleanups run last-in-first-out on success and on failure', async () => {
  for (const fail of [false, true]) {
    const order: string[] = [];
    await quietly(() =>
      runScriptForCode(
        spec,
        async ({ onCleanup }) => {
          onCleanup(() => {
            order.push('first');
          });
          onCleanup(async () => {
            order.push('second');
          });
          if (fail) throw new Error('x');
        },
        [],
      ),
    );
    assert.equal(order, ['second', 'first']);
  }
});

test('--help does not run main', async () => {
  let ran = false;
  const code = await quietly(() =>
    runScriptForCode(spec, async () => {
      ran = true;
    }, ['--help']),
  );
  assert.is(code, 0);
  assert.not.ok(ran);
});

test('scriptArgv drops the script path that zx leaves in argv, and nothing else', () => {
  assert.equal(scriptArgv(['node', 'zx/cli.js', 'scripts/deploy.ts', '--help']), ['--help']);
  assert.equal(scriptArgv(['node', 'scripts/deploy.ts', '--json']), ['--json']);
  assert.equal(scriptArgv(['node', 'zx/cli.js', 'scripts/build-images.ts']), []);
  assert.equal(scriptArgv(['node', 'x.ts', 'extra']), ['extra']);
});

test('Ctrl-C: a slow cleanup finishes before the process exits 130', async () => {
  const { dir, cleanup } = tempDir('cli-sigint-');
  const marker = path.join(dir, 'cleaned');
  const script = path.join(dir, 'slow.mts');
  const cli = pathToFileURL(fileURLToPath(new URL('../lib/cli.ts', import.meta.url))).href;
  writeFileSync(
    script,
    `
import { writeFileSync } from 'node:fs';
import { runScript } from ${JSON.stringify(cli)};
await runScript({ name: 'slow', summary: 's', usage: 'u', flags: [], examples: [] }, async ({ signal, onCleanup }) => {
  onCleanup(async () => { await new Promise((r) => setTimeout(r, 300)); writeFileSync(${JSON.stringify(marker)}, 'yes'); });
  process.stdout.write('ready\\n');
  const busy = setInterval(() => {}, 1000); // stands for a running tool
  await new Promise((_, reject) => signal.addEventListener('abort', () => { clearInterval(busy); reject(signal.reason); }));
}, []);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.on('exit', () => reject(new Error(`the script exited before it was ready: ${stderr}`)));
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.is(code, ExitCode.interrupted);
  assert.ok(existsSync(marker), 'the cleanup ran to the end before exit');
  cleanup();
});

test('--dotenv naming a missing file is bad usage (exit 2) before main runs; an existing one is fine', async () => {
  let ran = 0;
  const main = async () => {
    ran++;
  };
  const missing = await quietly(() => runScriptForCode(spec, main, ['--dotenv', 'no-such-dir/missing.env']));
  assert.is(missing, ExitCode.usage);
  assert.is(ran, 0);
  const tmp = tempDir();
  try {
    const file = path.join(tmp.dir, 'ok.env');
    writeFileSync(file, 'NAMESPACE=x\n');
    assert.is(await quietly(() => runScriptForCode(spec, main, ['--dotenv', file])), ExitCode.ok);
    assert.is(ran, 1);
  } finally {
    tmp.cleanup();
  }
});

test('defineScript types each flag as node:util parseArgs would: boolean, string | undefined, string[], a default removes undefined', async () => {
  const typed = defineScript({
    name: 'typed',
    summary: 's',
    usage: 'u',
    flags: [
      ...RELEASE_FLAGS,
      { name: 'force', type: 'boolean', description: 'd' },
      { name: 'only', type: 'string', description: 'd' },
      { name: 'values', type: 'string', repeatable: true, description: 'd' },
      { name: 'interval', type: 'string', default: '2s', description: 'd' },
      { name: 'group', type: 'string', repeatable: true, default: ['all'], description: 'd' },
    ],
    examples: [],
  });
  let seen: unknown;
  const code = await quietly(() =>
    runScriptForCode(
      typed,
      async ({ args }) => {
        const f = args.flags;
        // Each line fails tsc if the flag's type is wider or narrower than written here.
        const force: boolean = f.force;
        const only: string | undefined = f.only;
        const values: string[] | undefined = f.values;
        const interval: string = f.interval;
        const group: string[] = f.group;
        const namespace: string | undefined = f.namespace;
        const json: boolean = f.json;
        // @ts-expect-error a string flag may be missing
        const onlyAlways: string = f.only;
        // @ts-expect-error a flag the spec does not define
        void f.forse;
        seen = { force, only, values, interval, group, namespace, json, onlyAlways };
      },
      ['--force', '-n', 'demo', '--values', 'a.yaml'],
    ),
  );
  assert.is(code, ExitCode.ok);
  assert.equal(seen, {
    force: true,
    only: undefined,
    values: ['a.yaml'],
    interval: '2s',
    group: ['all'],
    namespace: 'demo',
    json: false,
    onlyAlways: undefined,
  });
  assert.match(renderHelp(typed), '--interval <value>  d (default: 2s)');
});

test('defineScript refuses a spec that names a flag twice or gives a boolean a default', () => {
  assert.throws(
    () => defineScript({ name: 'x', summary: 's', usage: 'u', flags: [{ name: 'json', type: 'boolean', description: 'd' }], examples: [] }),
    /flag or alias json is defined twice/,
  );
  assert.throws(
    () =>
      defineScript({
        name: 'x',
        summary: 's',
        usage: 'u',
        flags: [{ name: 'quiet', type: 'boolean', alias: 'v', description: 'd' }],
        examples: [],
      }),
    /alias v is defined twice/,
  );
  assert.throws(
    () =>
      defineScript({
        name: 'x',
        summary: 's',
        usage: 'u',
        flags: [{ name: 'dry', type: 'boolean', default: 'yes', description: 'd' }],
        examples: [],
      }),
    /--dry has a default that does not fit/,
  );
});

test('a word that is not an option is exit 2 naming it and the options, unless the script declares positionals', async () => {
  let ran = 0;
  const main = async () => {
    ran++;
  };
  assert.is(await quietly(() => runScriptForCode(spec, main, ['--force', 'extra'])), ExitCode.usage);
  assert.is(ran, 0, 'main does not run');
  assert.throws(
    () => refuseUnexpectedPositionals(spec, ['forse']),
    (e: ToolkitError) =>
      e.exitCode === 2 &&
      e.code === 'USAGE' &&
      e.message === 'unexpected argument "forse": demo takes options only, no arguments (did you mean --force?)' &&
      /its options are --namespace, --force, --values, --help, --json, --verbose, --dotenv; run `demo --help`/.test(e.hint ?? ''),
  );
  const withWords = defineScript({ ...spec, name: 'words', flags: [], positionals: { name: 'component', description: 'which parts' } });
  let words: string[] = [];
  assert.is(
    await quietly(() =>
      runScriptForCode(
        withWords,
        async ({ args }) => {
          words = args.positionals;
        },
        ['frontend', 'backend'],
      ),
    ),
    ExitCode.ok,
  );
  assert.equal(words, ['frontend', 'backend']);
  assert.match(renderHelp(withWords), /Arguments:\n  <component>\.\.\. +which parts/);
});

test.run();
