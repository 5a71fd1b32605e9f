// manifests/ is generated from the chart by scripts/render.ts and must not
// drift from it. Run: node --import tsx test/manifests.test.ts
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { createRunner, type Runner } from '../lib/exec.ts';
import { ToolkitError } from '../lib/errors.ts';
import { CHART_PATH, diffManifests, GENERATED_MARKER, manifestFileName, MANIFESTS_DIR, renderManifests, REPO_ROOT } from '../lib/render.ts';
import { ensureKubectlValidate, validateObjects } from './support/kubectl-validate.ts';
import { ensureTools } from './support/tools.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const tools = await ensureTools();
const HELM3 = tools.HELM3_BIN!;
const HELM4 = tools.HELM4_BIN!;
const validator = await ensureKubectlValidate();
const run = createRunner();
const DIR = path.join(REPO_ROOT, MANIFESTS_DIR);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'manifests-test-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

const manifestFiles = () =>
  readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

/** The real command line, as CI and people run it. */
function cli(args: string[], env: Record<string, string | undefined> = {}) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/render.ts', ...args], {
    cwd: REPO_ROOT,
    env: { CI: '1', ...env },
    nothrow: true,
    timeoutMs: 120_000,
  });
}

let copies = 0;
function copyOfManifests(): string {
  const dir = path.join(scratch, `copy-${++copies}`);
  cpSync(DIR, dir, { recursive: true });
  return dir;
}

test('manifests/ is what the chart renders (render --check, Helm 3)', async () => {
  const result = await cli(['--check', '--helm', HELM3]);
  assert.is(result.exitCode, 0, `${result.stdout}${result.stderr}\nregenerate with: node --import tsx scripts/render.ts`);
  assert.match(result.stdout, /is up to date \(\d+ objects\)/);
});

test('Helm 3 and Helm 4 render the same manifests (HELM_BIN is honoured)', async () => {
  const three = await renderManifests({ helmBin: HELM3 });
  const four = await renderManifests({ helmBin: HELM4 });
  assert.equal([...four.keys()], [...three.keys()]);
  for (const [name, content] of three) assert.fixture(four.get(name)!, content);
  const result = await cli(['--check'], { HELM_BIN: HELM4 });
  assert.is(result.exitCode, 0, result.stdout + result.stderr);
});

test('--check fails, naming the file, when a manifest was edited, deleted or added', async () => {
  const files = manifestFiles();
  const edited = copyOfManifests();
  const target = files.find((f) => f.includes('deployment'))!;
  const original = readFileSync(path.join(edited, target), 'utf8');
  const changed = original.replace('revisionHistoryLimit: 5', 'revisionHistoryLimit: 6');
  assert.is.not(changed, original);
  writeFileSync(path.join(edited, target), changed);
  const deleted = copyOfManifests();
  rmSync(path.join(deleted, files[0]!));
  const added = copyOfManifests();
  writeFileSync(path.join(added, '99-configmap-extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n');
  const cases: [string, RegExp][] = [
    [edited, new RegExp(`changed: ${target}`)],
    [deleted, new RegExp(`missing: ${files[0]}`)],
    [added, /not rendered by the chart: 99-configmap-extra\.yaml/],
  ];
  for (const [dir, expected] of cases) {
    const result = await cli(['--check', '--helm', HELM3, '--out', dir]);
    assert.is(result.exitCode, 1, result.stdout + result.stderr);
    assert.match(result.stdout, expected);
    assert.match(result.stderr, /out of date/);
    assert.match(result.stderr, /node --import tsx scripts\/render\.ts/);
  }
});

test('write mode regenerates, removes stale generated files, keeps (and reports) foreign ones', async () => {
  const dir = copyOfManifests();
  const files = manifestFiles();
  writeFileSync(path.join(dir, files[1]!), 'edited by hand\n');
  rmSync(path.join(dir, files[2]!));
  writeFileSync(path.join(dir, '30-deployment-renamed-away.yaml'), `${GENERATED_MARKER}\nkind: Deployment\n`);
  writeFileSync(path.join(dir, 'my-own.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n');
  const result = await cli(['--helm', HELM3, '--out', dir]);
  assert.is(result.exitCode, 0, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`wrote ${files[1]}`));
  assert.match(result.stdout, new RegExp(`wrote ${files[2]}`));
  assert.match(result.stdout, /removed 30-deployment-renamed-away\.yaml/);
  assert.match(result.stdout, /my-own\.yaml/);
  assert.not.ok(existsSync(path.join(dir, '30-deployment-renamed-away.yaml')));
  assert.ok(existsSync(path.join(dir, 'my-own.yaml')));
  rmSync(path.join(dir, 'my-own.yaml'));
  assert.is((await cli(['--check', '--helm', HELM3, '--out', dir])).exitCode, 0);
  assert.ok(existsSync(path.join(dir, 'README.md')), 'README.md must survive');
});

test('every file holds one object under the generated-file header, named after its kind and name', () => {
  const files = manifestFiles();
  assert.ok(files.length >= 9, `only ${files.length} files`);
  for (const file of files) {
    const text = readFileSync(path.join(DIR, file), 'utf8');
    assert.ok(text.startsWith(`${GENERATED_MARKER}\n`), `${file}: no generated-file header`);
    const source = /^# Rendered from (\S+) by scripts\/render\.ts$/m.exec(text)?.[1];
    assert.ok(source && existsSync(path.join(REPO_ROOT, source)), `${file}: header names no existing template (${source})`);
    assert.match(text, /regenerate: node --import tsx scripts\/render\.ts/);
    const docs = YAML.parseAllDocuments(text).filter((d) => d.contents !== null);
    assert.is(docs.length, 1, `${file}: ${docs.length} objects`);
    const object = docs[0]!.toJS() as Any;
    assert.is(manifestFileName(object), file);
    assert.is(object.metadata.namespace, undefined, `${file}: a namespace is kubectl's choice`);
  }
});

test('the manifests contain no Secret and no secret value; every Secret they need is documented in the README', () => {
  const readme = readFileSync(path.join(DIR, 'README.md'), 'utf8');
  const objects = manifestFiles().map((f) => YAML.parse(readFileSync(path.join(DIR, f), 'utf8')) as Any);
  assert.is(objects.filter((o) => o.kind === 'Secret').length, 0);
  const refs: Any[] = [];
  const walk = (node: Any) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      if (node.secretKeyRef) refs.push(node.secretKeyRef);
      Object.values(node).forEach(walk);
    }
  };
  objects.forEach(walk);
  assert.ok(refs.length >= 3, `only ${refs.length} secret references`);
  for (const ref of refs) {
    assert.match(
      readme,
      new RegExp(`\\| \`${ref.name}\` \\| \`${ref.key}\` \\| ${ref.optional ? 'no' : '\\*\\*yes\\*\\*'}`),
      `README table row for ${ref.name}/${ref.key}`,
    );
    assert.match(
      readme,
      new RegExp(`create secret generic ${ref.name} \\\\\\n\\s+--from-(literal|file)=${ref.key}=`),
      `README command for ${ref.name}`,
    );
  }
  for (const file of manifestFiles()) {
    const text = readFileSync(path.join(DIR, file), 'utf8');
    assert.not.match(text, /password:\s*\S/i, `${file} holds a password`);
    assert.not.match(text, /sk-[A-Za-z0-9]{8,}/, `${file} holds an API key`);
  }
});

test('the manifests validate strictly against the Kubernetes API schema (kubectl-validate, offline)', async () => {
  const texts = manifestFiles().map((f) => readFileSync(path.join(DIR, f), 'utf8'));
  assert.equal(await validateObjects(texts, { bin: validator.bin }), []);
});

test('render refuses values that would put a Secret into manifests/', async () => {
  const fake: Runner = async (cmd, args) => ({
    command: [cmd, ...args].join(' '),
    stdout:
      '---\n# Source: todo-chatbot/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\ndata:\n  OPENAI_API_KEY: c2stdGVzdA==\n',
    stderr: '',
    exitCode: 0,
    durationMs: 1,
  });
  try {
    await renderManifests({ helmBin: 'helm', run: fake });
    assert.unreachable('a Secret was accepted');
  } catch (error) {
    assert.instance(error, ToolkitError);
    assert.match((error as Error).message, /render Secret objects \(leaked\)/);
  }
});

test('the command line: --help, bad arguments and a missing helm give clear messages and exit codes', async () => {
  const help = await cli(['--help']);
  assert.is(help.exitCode, 0);
  assert.match(help.stdout, /npx zx scripts\/render\.ts \[options\]/);
  assert.match(help.stdout, /--check/);
  const unknown = await cli(['--chekc']);
  assert.is(unknown.exitCode, 2);
  assert.match(unknown.stderr, /unknown option --chekc \(did you mean --check\?\)/);
  const noValue = await cli(['--out']);
  assert.is(noValue.exitCode, 2);
  assert.match(noValue.stderr, /--out needs a value/);
  const missing = await cli(['--check', '--helm', path.join(scratch, 'no-such-helm')]);
  assert.is(missing.exitCode, 3);
  assert.match(missing.stderr, /helm was not found/);
  assert.match(missing.stderr, /--helm <path>/);
});

test('zx runs the script with the same arguments (npx zx scripts/render.ts)', async () => {
  // npx applies the repository's .npmrc (node-options=--import tsx), which zx needs for .ts.
  const result = await run('npx', ['--no-install', 'zx', 'scripts/render.ts', '--check', '--helm', HELM3], {
    cwd: REPO_ROOT,
    env: { CI: '1' },
    nothrow: true,
    timeoutMs: 120_000,
  });
  assert.is(result.exitCode, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /up to date/);
});

test('diffManifests ignores the README and other non-manifest files', () => {
  const diff = diffManifests(DIR, new Map(manifestFiles().map((f) => [f, readFileSync(path.join(DIR, f), 'utf8')])));
  assert.equal(diff, { missing: [], changed: [], extra: [] });
  assert.ok(readdirSync(DIR).includes('README.md'));
  assert.ok(CHART_PATH);
});

test.run();
