// The CI workflow cannot run here (no cluster): this checks that every command
// and flag it uses exists — `npx zx scripts/X.ts` against the script's --help,
// `npm run X [-- flags]` against package.json and the script it runs — and that
// the report validate writes is the one that is published.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { REPO_ROOT } from '../lib/cli.ts';
import { createRunner } from '../lib/exec.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
const workflow = parse(readFileSync(path.join(REPO_ROOT, '.github', 'workflows', 'e2e.yml'), 'utf8')) as {
  on: unknown;
  jobs: Record<string, { steps: Step[]; 'runs-on': string }>;
};
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const run = createRunner();

/** Shell lines of every run step, continuation lines joined. */
const lines = steps.flatMap((s) =>
  (s.run ?? '')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean),
);

/** Split a command line into words (the workflow uses no quoting tricks; quotes are stripped). */
const words = (line: string) => line.split(/\s+/).map((w) => w.replace(/^['"]|['"]$/g, ''));

const helpCache = new Map<string, Promise<Set<string>>>();
/** The flags a script accepts, read from its --help (generated from its ScriptSpec). */
function flagsOf(script: string): Promise<Set<string>> {
  if (!helpCache.has(script)) {
    helpCache.set(
      script,
      run('node', ['--import', 'tsx', script, '--help'], { cwd: REPO_ROOT, timeoutMs: 60_000 }).then((r) => {
        const flags = new Set<string>();
        for (const m of r.stdout.matchAll(/^\s+(?:-\w, )?\s*--([\w-]+)/gm)) flags.add(m[1]!);
        return flags;
      }),
    );
  }
  return helpCache.get(script)!;
}

async function assertFlags(script: string, args: string[], where: string) {
  const known = await flagsOf(script);
  assert.ok(known.has('help') && known.size > 4, `could not read the flags of ${script}`);
  for (const arg of args.filter((a) => a.startsWith('--'))) {
    const name = arg.slice(2).split('=')[0]!;
    assert.ok(known.has(name), `${where}: ${script} has no --${name} (it has ${[...known].join(', ')})`);
  }
}

test('the workflow runs npm ci, deploy and validate --junit on a kind or minikube cluster, and publishes the report', () => {
  assert.ok(lines.includes('npm ci'));
  assert.ok(
    lines.some((l) => /^npx zx scripts\/deploy\.ts\b/.test(l)),
    'deploy step',
  );
  const validate = lines.find((l) => /^npm run validate -- .*--junit \S+/.test(l));
  assert.ok(validate, 'validate step with --junit');
  const report = /--junit (\S+)/.exec(validate!)![1]!;
  const uses = steps.map((s) => s.uses ?? '');
  assert.ok(
    uses.some((u) => /^(helm\/kind-action|medyagh\/setup-minikube)@v\d+$/.test(u)),
    'a cluster setup action',
  );
  assert.ok(
    uses.some((u) => /^azure\/setup-helm@v\d+$/.test(u)),
    'helm',
  );
  // The rollout dump's upload (see the next test) is not a report publisher.
  const publishers = steps.filter(
    (s) =>
      /^(actions\/upload-artifact|dorny\/test-reporter|mikepenz\/action-junit-report)@/.test(s.uses ?? '') &&
      s.with?.name !== 'rollout-dump',
  );
  assert.ok(publishers.length > 0, 'a step publishes the report');
  for (const p of publishers) {
    assert.is(String(p.with?.path ?? p.with?.report_paths), report, `${p.uses} publishes the file validate writes`);
    assert.ok(/cancelled\(\)|always\(\)/.test(p.if ?? ''), `${p.uses} also runs when validate failed`);
  }
  for (const u of uses.filter(Boolean)) assert.match(u, /@v\d+(\.\d+)*$|@[0-9a-f]{40}$/, `${u} is pinned`);
});

test('deploy writes a --dump-dir, and a step uploads that folder when the job failed', () => {
  const deploy = lines.find((l) => /^npx zx scripts\/deploy\.ts\b/.test(l))!;
  const dir = /--dump-dir (\S+)/.exec(deploy)?.[1];
  assert.ok(dir, 'deploy --dump-dir');
  const upload = steps.find((s) => /^actions\/upload-artifact@/.test(s.uses ?? '') && s.with?.path === dir);
  assert.ok(upload, `a step uploads ${dir}`);
  assert.match(upload!.if ?? '', /failure\(\)|always\(\)/, 'it runs when deploy failed');
});

test('every `npx zx scripts/X.ts` command exists and takes the flags given', async () => {
  const calls = lines.filter((l) => /^npx zx /.test(l));
  assert.ok(calls.length > 0);
  for (const line of calls) {
    const [, , script, ...args] = words(line);
    assert.ok(existsSync(path.join(REPO_ROOT, script!)), `${line}: ${script} does not exist`);
    await assertFlags(script!, args, line);
  }
});

test('every `npm run X [-- flags]` command is a package.json script, and its flags exist', async () => {
  const calls = lines.filter((l) => /^npm run /.test(l));
  assert.ok(calls.length > 0);
  for (const line of calls) {
    const [, , name, ...rest] = words(line);
    const body = pkg.scripts[name!];
    assert.ok(body, `${line}: package.json has no script ${name}`);
    const args = rest[0] === '--' ? rest.slice(1) : [];
    const script = /(?:zx|node --import tsx) (scripts\/[\w-]+\.ts)/.exec(body!)?.[1];
    if (args.length) {
      assert.ok(script, `${line}: passes flags to "${body}", which is not one of our scripts`);
      await assertFlags(script!, args, line);
    }
  }
});

test('the flag check catches a flag that does not exist', async () => {
  let caught = '';
  try {
    await assertFlags('scripts/validate.ts', ['--junit', 'x.xml', '--junit-xml'], 'self-test');
  } catch (error) {
    caught = (error as Error).message;
  }
  assert.match(caught, 'has no --junit-xml');
});

test.run();
