// deploy.ts end to end, for the stage that exists without a cluster:
// --help, configuration errors, missing prerequisites, and secrets in every mode.
import { chmodSync, readFileSync, readdirSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureMinikubeRunning } from '../lib/cluster.ts';
import { loadConfig } from '../lib/config.ts';
import { ToolkitError } from '../lib/errors.ts';
import { createRunner, type Runner } from '../lib/exec.ts';
import { createLogger } from '../lib/log.ts';
import { minikubeProfiles } from '../lib/providers/minikube.ts';
import { FAKE_BIN } from './fakes/kit.ts';
import { deployFixture } from './support/deploy-fixture.ts';
import { ensureTools, REPO_ROOT } from './support/tools.ts';
import { Capture, tempDir } from './support/tmp.ts';

const run = createRunner();
const SECRET_KEY = 'sk-proj-TESTSECRET-4f9a2c';
const SECRET_PASSWORD = 'pw-Xy7-TESTSECRET';

/** A bin folder with bash, node and the given tools; each tool logs its argv. */
async function binDir(tools: Record<string, string>, extra: Record<string, string> = {}) {
  const tmp = tempDir('deploy-bin-');
  const bin = path.join(tmp.dir, 'bin');
  const calls = path.join(tmp.dir, 'calls.log');
  await run('mkdir', ['-p', bin]);
  symlinkSync('/bin/bash', path.join(bin, 'bash'));
  symlinkSync(process.execPath, path.join(bin, 'node'));
  for (const [name, target] of Object.entries(tools)) {
    writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> '${calls}'\nexec '${target}' "$@"\n`);
    chmodSync(path.join(bin, name), 0o755);
  }
  for (const [name, body] of Object.entries(extra)) {
    writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> '${calls}'\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  }
  return { ...tmp, bin, calls: () => (existsSync(calls) ? readFileSync(calls, 'utf8') : '') };
}

async function deploy(args: string[], env: NodeJS.ProcessEnv) {
  return run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/deploy.ts'), ...args], {
    cwd: REPO_ROOT,
    nothrow: true,
    timeoutMs: 60_000,
    env: { CI: 'true', ...env },
  });
}

let tools: Record<string, string>;
test.before(async () => {
  tools = await ensureTools();
});

test('--help prints usage with every flag and an example, exit 0', async () => {
  const result = await run('npx', ['zx', 'scripts/deploy.ts', '--help'], { cwd: REPO_ROOT, timeoutMs: 60_000 });
  for (const flag of ['--context', '--namespace', '--release', '--timeout', '--skip-build', '--json', '--verbose', '--dotenv', '--help']) {
    assert.match(result.stdout, flag);
  }
  assert.match(result.stdout, 'Examples:\n  npx zx scripts/deploy.ts');
  assert.match(result.stdout, 'Exit codes: 0 success');
});

test('an unknown flag is bad usage (exit 2) and suggests the right one', async () => {
  const result = await deploy(['--namespce', 'x'], {});
  assert.is(result.exitCode, 2);
  assert.match(result.stderr, 'unknown option --namespce');
});

test('PATH without docker: exit 3, each missing tool named with a hint, nothing but version probes run', async () => {
  const bin = await binDir({ helm: tools.HELM3_BIN!, kubectl: tools.KUBECTL31_BIN! });
  try {
    const result = await deploy(['--dotenv', os.devNull], { PATH: bin.bin });
    assert.is(result.exitCode, 3, result.stdout + result.stderr);
    assert.match(result.stdout, '✗ docker not found on PATH');
    assert.match(result.stdout, 'install Docker: https://docs.docker.com/engine/install/');
    assert.match(result.stdout, '⚠ minikube not found on PATH');
    assert.match(result.stdout, /✓ helm v3\.17\.\d+/);
    assert.match(result.stderr, 'prerequisites not met: docker (missing)');
    const calls = bin.calls().trim().split('\n').sort();
    assert.equal(calls, ['helm version --template {{.Version}}', 'kubectl version --client --output json']);
  } finally {
    bin.cleanup();
  }
});

test('a .env with three bad values reports all three at once and exits 2, before any tool runs', async () => {
  const bin = await binDir({ helm: tools.HELM3_BIN!, kubectl: tools.KUBECTL31_BIN! });
  try {
    const envFile = path.join(bin.dir, '.env');
    writeFileSync(envFile, 'NAMESPACE=Not_Valid\nMINIKUBE_CPUS=lots\nFRONTEND_NODEPORT=8080\n');
    const result = await deploy(['--dotenv', envFile], { PATH: bin.bin });
    assert.is(result.exitCode, 2);
    assert.match(result.stderr, '3 invalid configuration values');
    for (const key of ['NAMESPACE (in .env line 1)', 'MINIKUBE_CPUS (in .env line 2)', 'FRONTEND_NODEPORT (in .env line 3)'])
      assert.match(result.stderr, key);
    assert.is(bin.calls(), '');
  } finally {
    bin.cleanup();
  }
});

test('secrets from .env and the environment appear in no output: normal, --verbose, --json, error paths', async () => {
  // helm here fails and echoes the secret on stderr, as a misbehaving tool might.
  const bin = await binDir(
    { kubectl: tools.KUBECTL31_BIN! },
    {
      helm: `echo "Error: cannot use token $OPENAI_API_KEY with ${SECRET_PASSWORD}" >&2; exit 1`,
      docker: `echo '{"Client":{"Version":"28.2.2"},"Server":null}'; echo "Cannot connect ${SECRET_KEY}" >&2; exit 1`,
    },
  );
  try {
    const envFile = path.join(bin.dir, '.env');
    writeFileSync(
      envFile,
      `OPENAI_API_KEY=${SECRET_KEY}\nDATABASE_URL=postgresql://app:${SECRET_PASSWORD}@db.example:5432/todo\nDATABASE_MODE=external\n`,
    );
    for (const mode of [[], ['--verbose'], ['--json'], ['--json', '--verbose']]) {
      const result = await deploy(['--dotenv', envFile, ...mode], { PATH: bin.bin, OPENAI_API_KEY: SECRET_KEY });
      const output = result.stdout + result.stderr;
      assert.is(result.exitCode, 3, output);
      assert.not.match(output, SECRET_KEY, `mode ${mode.join(' ')}`);
      assert.not.match(output, SECRET_PASSWORD, `mode ${mode.join(' ')}`);
      assert.match(output, '***');
      if (mode.includes('--json')) for (const line of result.stdout.trim().split('\n')) JSON.parse(line);
      if (mode.includes('--verbose')) assert.match(result.stderr + result.stdout, '$ helm version');
    }
    // The bad-config error path too: a malformed URL is named, never echoed.
    writeFileSync(envFile, `DATABASE_URL=mysql://app:${SECRET_PASSWORD}@db/x\n`);
    const bad = await deploy(['--dotenv', envFile, '--verbose'], { PATH: bin.bin });
    assert.is(bad.exitCode, 2);
    assert.match(bad.stderr, 'DATABASE_URL (in .env line 1) must start with postgresql://');
    assert.not.match(bad.stdout + bad.stderr, SECRET_PASSWORD);
    // And no secret ever reached a tool's argv.
    assert.not.match(bin.calls(), SECRET_KEY);
    assert.not.match(bin.calls(), SECRET_PASSWORD);
  } finally {
    bin.cleanup();
  }
});

/** A PATH of the fake tools without `missing`, plus node for their shebang and bash for zx. */
function fakePathWithout(missing: string) {
  const tmp = tempDir('fake-path-');
  for (const tool of readdirSync(FAKE_BIN)) if (tool !== missing) symlinkSync(path.join(FAKE_BIN, tool), path.join(tmp.dir, tool));
  symlinkSync(process.execPath, path.join(tmp.dir, 'node'));
  symlinkSync('/bin/bash', path.join(tmp.dir, 'bash'));
  return tmp;
}

test('CLUSTER_PROVIDER=auto on a minikube context without minikube installed: exit 3 PREREQ with the install hint, before the images', async () => {
  const fake = await deployFixture({ provider: 'minikube' });
  const bin = fakePathWithout('minikube');
  try {
    const r = await fake.script('deploy', ['--skip-build'], { env: { PATH: bin.dir } });
    assert.is(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, 'context minikube is a minikube cluster');
    assert.match(r.stderr, 'minikube not found on PATH');
    assert.match(r.stderr, 'https://minikube.sigs.k8s.io/docs/start/');
    assert.match(r.stderr, 'code: PREREQ');
    assert.not.match(r.stdout, '[3/6] Images');
    assert.equal(
      fake.calls('helm').filter((c) => ['upgrade', 'install', 'rollback', 'uninstall'].includes(c.argv[0]!)),
      [],
    );
  } finally {
    bin.cleanup();
    fake.cleanup();
  }
});

test('a stopped minikube profile whose start fails gets the `minikube delete -p` hint (exit 3 MINIKUBE_START_FAILED)', async () => {
  const fake = await deployFixture({ provider: 'minikube' });
  try {
    fake.update((s) => {
      s.minikube!.profiles![0]!.status = { Host: 'Stopped', Kubelet: 'Stopped', APIServer: 'Stopped', Kubeconfig: 'Configured' };
      s.failures!.push({
        tool: 'minikube',
        match: ['start'],
        exitCode: 80,
        stderr: 'X Exiting due to GUEST_PROVISION: error provisioning guest\n',
      });
    });
    const r = await fake.script('deploy', ['--skip-build']);
    assert.is(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, 'code: MINIKUBE_START_FAILED');
    assert.match(r.stderr, '`minikube delete -p minikube`');
  } finally {
    fake.cleanup();
  }
});

test('a profile minikube lists as invalid: exit 3 MINIKUBE_PROFILE_INVALID with the `minikube delete -p` hint, never a start', async () => {
  const calls: string[] = [];
  const stub: Runner = async (cmd, args) => {
    calls.push([cmd, ...args].join(' '));
    const stdout = args[0] === 'profile' ? JSON.stringify({ invalid: [{ Name: 'broken', Status: '', Config: null }], valid: [] }) : '';
    return { command: cmd, stdout, stderr: '', exitCode: 0, durationMs: 1 };
  };
  const profiles = await minikubeProfiles(stub);
  assert.equal(
    profiles.map((p) => [p.name, p.status]),
    [['broken', 'Invalid']],
  );
  const target = {
    context: 'broken',
    provider: 'minikube' as const,
    local: true,
    server: 'https://127.0.0.1:8443',
    minikubeProfile: 'broken',
    minikube: { driver: 'docker', runtime: 'docker', status: profiles[0]!.status },
    detectedBy: 'test',
  };
  const { config } = loadConfig({ root: REPO_ROOT, env: {}, envFile: path.join(REPO_ROOT, 'no-such.env') });
  try {
    await ensureMinikubeRunning(stub, target, config, createLogger({ mode: 'plain', out: new Capture(), err: new Capture() }));
    assert.unreachable('an invalid profile is an error');
  } catch (error) {
    assert.instance(error, ToolkitError);
    const e = error as ToolkitError;
    assert.is(e.code, 'MINIKUBE_PROFILE_INVALID');
    assert.is(e.exitCode, 3);
    assert.match(e.hint!, '`minikube delete -p broken`');
  }
  assert.not.ok(
    calls.some((c) => c.includes(' start')),
    calls.join('\n'),
  );
});

test.run();
