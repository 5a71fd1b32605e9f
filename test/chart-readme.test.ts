// The chart README's Parameters table is generated from the `## @param`
// annotations in values.yaml by @bitnami/readme-generator-for-helm
// (npm run docs:chart) and must not go stale. Run: node --import tsx test/chart-readme.test.ts
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRunner } from '../lib/exec.ts';
import { CHART_PATH, REPO_ROOT } from '../lib/render.ts';

const CHART = path.join(REPO_ROOT, CHART_PATH);
const VALUES = path.join(CHART, 'values.yaml');
const README = path.join(CHART, 'README.md');
// README_GENERATOR_BIN: another copy of the tool, e.g. before the devDependency is installed.
const GENERATOR = process.env.README_GENERATOR_BIN || path.join(REPO_ROOT, 'node_modules/.bin/readme-generator');
const run = createRunner();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'chart-readme-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
/** Runs the generator on copies; returns the README it writes and the tool's result. */
async function generate(valuesText = readFileSync(VALUES, 'utf8')) {
  const dir = path.join(scratch, String(++counter));
  const values = path.join(dir, 'values.yaml');
  const readme = path.join(dir, 'README.md');
  mkdirSync(dir, { recursive: true });
  writeFileSync(values, valuesText);
  copyFileSync(README, readme);
  const result = await run(GENERATOR, ['--values', values, '--readme', readme], { nothrow: true, timeoutMs: 60_000 });
  return { result, readme: readFileSync(readme, 'utf8') };
}

test('the readme generator is installed', () => {
  assert.ok(existsSync(GENERATOR), `${GENERATOR} is missing: run npm install (devDependency @bitnami/readme-generator-for-helm)`);
});

test('the Parameters table in the chart README is up to date with values.yaml', async () => {
  const { result, readme } = await generate();
  assert.is(result.exitCode, 0, result.stdout + result.stderr);
  assert.ok(
    readme === readFileSync(README, 'utf8'),
    'helm-chart/todo-chatbot/README.md is stale: run npm run docs:chart and commit the result',
  );
});

test('a changed default or description makes the committed table stale (the check can fail)', async () => {
  const values = readFileSync(VALUES, 'utf8');
  const edits: [string, string][] = [
    ['replicaCount: 2', 'replicaCount: 3'],
    ['## @param database.mode Where', '## @param database.mode Where exactly'],
  ];
  for (const [from, to] of edits) {
    assert.ok(values.includes(from), `values.yaml no longer has "${from}"`);
    const { result, readme } = await generate(values.replace(from, to));
    assert.is(result.exitCode, 0, result.stdout + result.stderr);
    assert.ok(readme !== readFileSync(README, 'utf8'), `editing "${from}" did not change the table`);
  }
});

test('a value without a ## @param annotation is an error', async () => {
  const values = readFileSync(VALUES, 'utf8').replace('frontend:\n  image:', 'frontend:\n  undocumented: 1\n  image:');
  const { result } = await generate(values);
  assert.is.not(result.exitCode, 0);
  assert.match(result.stdout + result.stderr, /Missing metadata for key: frontend\.undocumented/);
});

test('the table lists the values the deploy script relies on', () => {
  const readme = readFileSync(README, 'utf8');
  for (const key of [
    'frontend.image.tag',
    'backend.image.repository',
    'frontend.service.nodePort',
    'database.mode',
    'secrets.openaiApiKey',
    'postgresql.image.tag',
    'config.corsOrigins',
  ]) {
    assert.match(readme, new RegExp(`^\\| \`${key.replaceAll('.', '\\.')}\` +\\|`, 'm'), key);
  }
});

test.run();
