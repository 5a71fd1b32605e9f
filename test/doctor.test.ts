// `doctor`: its screen and exit code for every fixture shape under test/fixtures/apps (in process,
// through doctorCommand, which the script only calls) and, as a user runs it (the script in a child
// process), for the reference app, a broken app, --json's shape, usage errors, and a secret set in
// .env never printed.
//   node --import tsx test/doctor.test.ts
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { doctorCommand } from '../lib/app/doctor-view.ts';
import type { AppAnalysis } from '../lib/app/types.ts';
import { createLogger } from '../lib/log.ts';
import { Capture, tempDir } from './support/tmp.ts';
import { REPO_ROOT } from './support/tools.ts';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/apps');
const work = tempDir('tck-doctor-');
const EMPTY_ENV = path.join(work.dir, 'empty.env');
writeFileSync(EMPTY_ENV, '');

/** The script in a child process; the environment carries no setting of the developer's shell. */
function doctor(args: string[], envFile = EMPTY_ENV): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CI: '1' };
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/doctor.ts', '--dotenv', envFile, ...args], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const shape = (name: string) => ['--frontend', path.join(FIXTURES, name, 'frontend'), '--backend', path.join(FIXTURES, name, 'backend')];

/** Per shape: exit code and lines the screen must hold. */
const SHAPES: Array<[string, number, Array<string | RegExp>]> = [
  [
    'root-main',
    0,
    [
      /Entry\s+main:app \(found: main\.py:4\)/,
      /Health\s+\/health \(found: main\.py:8\)/,
      'dockerfiles/backend.Dockerfile (ours: no Dockerfile in the backend folder) · base python:3.11-slim',
      '[APP_NO_READINESS]',
      '✓ deployable (1 warning)',
    ],
  ],
  [
    'own-dockerfiles',
    0,
    [
      'Dockerfile (yours, found in the frontend folder) · base node:22-alpine',
      'Dockerfile (yours, found in the backend folder) · base python:3.12-slim',
      /Entry\s+server:app \(found: Dockerfile:13\)/,
      /Port\s+8080 \(found: Dockerfile:12\)/,
      /Port\s+3001 \(found: Dockerfile:21\)/,
      '✓ deployable',
    ],
  ],
  [
    'rewrites-url',
    0,
    [
      'BACKEND_URL = http://todo-chatbot-backend.todo-chatbot.svc.cluster.local:8000 (server, next.config.mjs:3)',
      /rewrites\(\) reads BACKEND_URL during `next build`/,
      /Readiness\s+\/ready \(found: app\/main\.py:8\)/,
      '✓ deployable\n',
    ],
  ],
  [
    'public-api-url',
    0,
    [
      'NEXT_PUBLIC_API_URL = "" (same origin, or set at deploy) (browser, lib/api.js:2)',
      '[APP_BROWSER_URL]',
      /Health\s+\/healthz/,
      /CORS_ORIGINS\s+set by the chart\/toolkit/,
    ],
  ],
  [
    'no-health',
    0,
    [/Health\s+\/ \(default\)/, /Health\s+\/openapi\.json \(default\)/, '[APP_NO_HEALTH_ROUTE]', '✓ deployable (3 warnings)'],
  ],
  ['pnpm', 0, [/Packages\s+pnpm \(found: pnpm-lock\.yaml\)/, '✓ deployable']],
  [
    'extra-secret',
    0,
    [
      /BETTER_AUTH_SECRET\s+secret\s+NOT SET \(app\/main\.py:6\)/,
      /OPENAI_API_KEY\s+secret\s+set by the chart\/toolkit/,
      'fix: add BETTER_AUTH_SECRET=<value> to .env and list it in APP_SECRETS=BETTER_AUTH_SECRET',
      '[APP_ENV_MISSING]',
    ],
  ],
];

/** doctorCommand as scripts/doctor.ts calls it, with --frontend/--backend as config flags. */
function doctorInProcess(name: string): { code: number; stdout: string } {
  const out = new Capture();
  const log = createLogger({ mode: 'plain', out: new Capture(), err: new Capture() });
  const code = doctorCommand(log, {
    configFlags: { FRONTEND_DIR: path.join(FIXTURES, name, 'frontend'), BACKEND_DIR: path.join(FIXTURES, name, 'backend') },
    envFile: EMPTY_ENV,
    root: REPO_ROOT,
    json: false,
    env: {},
    out,
  });
  return { code, stdout: out.text };
}

for (const [name, exit, expected] of SHAPES) {
  test(`doctor: ${name} (exit ${exit})`, () => {
    const r = doctorInProcess(name);
    assert.is(r.code, exit, r.stdout);
    for (const want of expected) {
      if (typeof want === 'string') assert.ok(r.stdout.includes(want), `${JSON.stringify(want)} in:\n${r.stdout}`);
      else assert.match(r.stdout, want);
    }
    assert.not.match(r.stdout, /\x1b\[/, 'no colour in a pipe');
  });
}

test('doctor: the reference app (the defaults, no flags) has nothing to fix', () => {
  const r = doctor([]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Frontend  app\/frontend$/m);
  assert.match(r.stdout, /Entry\s+app\.main:app \(found: app\/main\.py:\d+\)/);
  assert.match(r.stdout, /Readiness\s+\/ready \(found: app\/routes\/health\.py:\d+\)/);
  assert.not.match(r.stdout, /Problems/);
  assert.match(r.stdout, /✓ deployable\n$/);
});

test('doctor: a blocking problem exits 2 and prints the fix', () => {
  const copy = path.join(work.dir, 'broken');
  cpSync(path.join(FIXTURES, 'root-main'), copy, { recursive: true });
  rmSync(path.join(copy, 'backend/requirements.txt'));
  writeFileSync(path.join(copy, 'backend/main.py'), 'print("no app here")\n');
  const r = doctor(['--frontend', path.join(copy, 'frontend'), '--backend', path.join(copy, 'backend')]);
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /✗ backend: no Python file in .* creates a FastAPI app .* \[APP_ENTRY_NOT_FOUND\]/);
  assert.match(r.stdout, /fix: set BACKEND_APP=<module>:<attribute>/);
  assert.match(r.stdout, /\[APP_NO_REQUIREMENTS\]/);
  assert.match(r.stdout, /✗ not deployable: 2 problems to fix first/);
  const missing = doctor(['--backend', path.join(work.dir, 'nowhere')]);
  assert.is(missing.code, 2);
  assert.match(missing.stdout, /backend folder .*nowhere does not exist \[APP_DIR_NOT_FOUND\]/);
});

test('doctor --json: one document, the AppAnalysis', () => {
  const r = doctor([...shape('rewrites-url'), '--json']);
  assert.is(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout) as AppAnalysis;
  assert.equal(Object.keys(a).sort(), ['backend', 'deployable', 'frontend', 'problems']);
  assert.is(a.deployable, true);
  assert.equal(a.backend.entry, { value: 'app.main:app', source: 'detected', from: 'app/main.py:4' });
  assert.is(a.frontend.buildTime[0]!.name, 'BACKEND_URL');
  assert.is(a.frontend.dockerfile.value.kind, 'ours');
  assert.equal(a.problems, []);
});

test('doctor: secret values set in .env never appear, in text or JSON', () => {
  const secrets = { BETTER_AUTH_SECRET: `bas-${randomBytes(12).toString('hex')}`, OPENAI_API_KEY: `sk-${randomBytes(12).toString('hex')}` };
  const envFile = path.join(work.dir, 'secret.env');
  writeFileSync(
    envFile,
    `OPENAI_API_KEY=${secrets.OPENAI_API_KEY}\nBETTER_AUTH_SECRET=${secrets.BETTER_AUTH_SECRET}\nAPP_SECRETS=BETTER_AUTH_SECRET\n`,
  );
  for (const extra of [[], ['--json'], ['--verbose']]) {
    const r = doctor([...shape('extra-secret'), ...extra], envFile);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.includes('BETTER_AUTH_SECRET'), 'the name is shown');
    for (const value of Object.values(secrets))
      assert.not.ok((r.stdout + r.stderr).includes(value), `a secret value printed with ${extra.join(' ') || 'no flag'}`);
  }
});

test('doctor --help and usage errors', () => {
  const help = doctor(['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /--frontend <dir>\s+the Next\.js app folder \[FRONTEND_DIR\]/);
  assert.match(help.stdout, /Exit 0 when the apps can be deployed/);
  const bad = doctor(['--frontnd', 'x']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr + bad.stdout, /did you mean --frontend\?/);
});

test.after(() => work.cleanup());
test.run();
