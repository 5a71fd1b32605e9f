import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRunner, type RunResult, type Runner } from '../lib/exec.ts';
import { checkPrereqs, compareVersions, HELM_INSTALL_HINT, HELM_MINIMUM, parseSemver } from '../lib/prereqs.ts';
import { ensureTools, REPO_ROOT } from './support/tools.ts';
import { tempDir } from './support/tmp.ts';

const fixture = (name: string) => readFileSync(path.join(REPO_ROOT, 'test/fixtures/prereqs', name), 'utf8');

type Reply = Partial<RunResult>;
/** A runner that answers from recorded outputs, by tool name. */
function replayRunner(replies: Record<string, Reply>): Runner {
  return async (cmd, args) => {
    const reply = replies[cmd] ?? { exitCode: 127, stderr: `bash: line 1: ${cmd}: command not found\n` };
    return { command: [cmd, ...args].join(' '), stdout: '', stderr: '', exitCode: 0, durationMs: 1, ...reply };
  };
}

const dockerUp: Reply = { stdout: fixture('docker-28-daemon-up.stdout') };
const dockerDown: Reply = { stdout: fixture('docker-28-daemon-down.stdout'), stderr: fixture('docker-28-daemon-down.stderr'), exitCode: 1 };
const minikube: Reply = { stdout: fixture('minikube-version.stdout') };

test('docker with its daemon up: client and daemon versions', async () => {
  const { results, problems } = await checkPrereqs(replayRunner({ docker: dockerUp }), ['docker']);
  assert.equal(problems, []);
  assert.is(results[0]!.message, 'docker 28.2.2 (daemon 20.10.24+dfsg1)');
});

test('docker with its daemon down: not-running, with the daemon error and a start hint', async () => {
  const { problems } = await checkPrereqs(replayRunner({ docker: dockerDown }), ['docker']);
  assert.is(problems[0]!.status, 'not-running');
  assert.match(problems[0]!.message, 'docker 28.2.2 found, but Cannot connect to the Docker daemon at unix:///var/run/docker.sock');
  assert.match(problems[0]!.hint!, 'start Docker Desktop');
});

test('minikube version from its JSON output', async () => {
  const { results } = await checkPrereqs(replayRunner({ minikube }), ['minikube']);
  assert.is(results[0]!.version, 'v1.26.1');
  assert.is(results[0]!.status, 'too-old'); // 1.26 < 1.30
  assert.match(results[0]!.message, 'minikube v1.26.1 is older than the supported 1.30.0');
});

test('missing tools: one line each with an install hint; optional ones are not problems', async () => {
  const { results, problems } = await checkPrereqs(replayRunner({ docker: dockerUp }), ['docker', 'helm', 'kubectl'], ['minikube']);
  assert.equal(
    problems.map((p) => [p.tool, p.status]),
    [
      ['helm', 'missing'],
      ['kubectl', 'missing'],
    ],
  );
  assert.match(problems[0]!.hint!, 'https://helm.sh/docs/intro/install/');
  assert.is(results.find((r) => r.tool === 'minikube')!.status, 'missing');
});

test('too old: helm 3.16 is refused, helm 3.17 (HELM_MINIMUM) and 4.x accepted', async () => {
  for (const [version, status] of [
    ['v3.16.4', 'too-old'],
    ['v3.17.0', 'ok'],
    ['v4.0.0', 'ok'],
  ] as const) {
    const { results } = await checkPrereqs(replayRunner({ helm: { stdout: version } }), ['helm']);
    assert.is(results[0]!.status, status, version);
  }
});

test('garbage output is "broken", never a crash', async () => {
  const { results } = await checkPrereqs(replayRunner({ kubectl: { stdout: 'not json', stderr: 'segfault', exitCode: 139 } }), ['kubectl']);
  assert.is(results[0]!.status, 'broken');
  assert.match(results[0]!.message, 'kubectl version could not be read: segfault');
});

test('the real helm 3 and 4 and kubectl binaries are parsed (machine-readable output)', async () => {
  const tools = await ensureTools();
  for (const [helmEnv, kubectlEnv, major] of [
    ['HELM3_BIN', 'KUBECTL31_BIN', 3],
    ['HELM4_BIN', 'KUBECTL35_BIN', 4],
  ] as const) {
    const tmp = tempDir();
    try {
      symlinkSync(tools[helmEnv]!, path.join(tmp.dir, 'helm'));
      symlinkSync(tools[kubectlEnv]!, path.join(tmp.dir, 'kubectl'));
      const run = createRunner({ env: { ...process.env, PATH: `${tmp.dir}:/usr/bin:/bin` } });
      const { results, problems } = await checkPrereqs(run, ['helm', 'kubectl']);
      assert.equal(problems, []);
      assert.is(results[0]!.major, major);
      assert.match(results[0]!.version!, /^v\d+\.\d+\.\d+$/);
      assert.match(results[1]!.version!, /^v1\.(31|35)\.\d+$/);
    } finally {
      tmp.cleanup();
    }
  }
});

test('checks run in parallel', async () => {
  const slow: Runner = async (cmd, args) => {
    await new Promise((r) => setTimeout(r, 200));
    return replayRunner({ helm: { stdout: 'v3.17.3' }, docker: dockerUp, minikube })(cmd, args);
  };
  const started = Date.now();
  await checkPrereqs(slow, ['docker', 'helm', 'minikube']);
  assert.ok(Date.now() - started < 500, `took ${Date.now() - started}ms`);
});

test('semver helpers', () => {
  assert.equal(parseSemver('v1.35.0+k3s1'), [1, 35, 0]);
  assert.equal(parseSemver('20.10'), [20, 10, 0]);
  assert.is(parseSemver('dev'), undefined);
  assert.ok(compareVersions('v3.12.0', '3.11.9') > 0);
  assert.is(compareVersions('28.2.2', '28.2.2'), 0);
});

test('one minimum Helm version: every "Helm 3.x+" in lib/, the README and the docs is HELM_MINIMUM', () => {
  const minor = parseSemver(HELM_MINIMUM)![1];
  const files = [
    ...readdirSync(path.join(REPO_ROOT, 'lib'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `lib/${f}`),
    'README.md',
    'docs/quickstart.md',
    'docs/troubleshooting.md',
  ];
  const claims: string[] = [];
  for (const file of files) {
    const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    for (const m of text.matchAll(/\bhelm\s+v?3\.(\d+)(?=\+| \(or| or)/gi))
      claims.push(`${file}: ${m[0]} → ${m[1] === String(minor) ? 'ok' : 'WRONG'}`);
  }
  assert.ok(claims.length >= 3, claims.join('\n'));
  assert.equal(
    claims.filter((c) => c.endsWith('WRONG')),
    [],
    claims.join('\n'),
  );
  assert.match(HELM_INSTALL_HINT, `Helm 3.${minor}+`);
});

test.run();
