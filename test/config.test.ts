import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ConfigError,
  DotenvError,
  KEYS,
  loadConfig,
  nearestKey,
  parseDuration,
  renderEnvExample,
  type Config,
  type ConfigKey,
  type KeySpec,
  type KeysCoverConfig,
} from '../lib/config.ts';
import { ExitCode } from '../lib/errors.ts';
import { clearSecrets, redact } from '../lib/redact.ts';
import { REPO_ROOT } from './support/tools.ts';
import { tempDir } from './support/tmp.ts';

function withEnvFile(text: string, fn: (envFile: string, root: string) => void) {
  const tmp = tempDir();
  try {
    const envFile = path.join(tmp.dir, '.env');
    writeFileSync(envFile, text);
    fn(envFile, tmp.dir);
  } finally {
    tmp.cleanup();
  }
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

test.after.each(() => clearSecrets());

test('defaults apply when nothing is set, and the config is frozen', () => {
  const { config, sources } = loadConfig({ env: {}, envFile: '/nonexistent/.env', root: '/srv/app' });
  assert.is(config.namespace, 'todo-chatbot');
  assert.is(config.frontendNodePort, 30080);
  assert.is(config.deployTimeoutMs, 300_000);
  assert.is(config.frontendDir, '/srv/app/app/frontend');
  assert.is(config.kubeContext, undefined);
  assert.is(sources.NAMESPACE, 'default');
  assert.ok(Object.isFrozen(config));
  assert.throws(() => {
    (config as { namespace: string }).namespace = 'x';
  });
});

test('precedence: flag > process environment > .env > default', () => {
  withEnvFile('NAMESPACE=from-file\nRELEASE_NAME=rel-file\nMINIKUBE_CPUS=3\n', (envFile, root) => {
    const { config, sources } = loadConfig({
      envFile,
      root,
      env: { NAMESPACE: 'from-env', RELEASE_NAME: 'rel-env' },
      flags: { NAMESPACE: 'from-flag' },
    });
    assert.is(config.namespace, 'from-flag');
    assert.is(sources.NAMESPACE, 'flag');
    assert.is(config.releaseName, 'rel-env');
    assert.is(sources.RELEASE_NAME, 'environment');
    assert.is(config.minikubeCpus, 3);
    assert.is(sources.MINIKUBE_CPUS, '.env');
  });
});

test('loading .env does not write into process.env', () => {
  withEnvFile('NAMESPACE=not-leaked-ns\n', (envFile, root) => {
    loadConfig({ envFile, root, env: {} });
    assert.is(process.env.NAMESPACE, undefined);
  });
});

test('three bad values are reported at once, each with name, problem, source line and example', () => {
  withEnvFile('# comment\nNAMESPACE=Bad_Name\nFRONTEND_NODEPORT=80\nDEPLOY_TIMEOUT=soon\n', (envFile, root) => {
    const error = configError(() => loadConfig({ envFile, root, env: {} }));
    assert.is(error.exitCode, ExitCode.usage);
    assert.equal(
      error.problems.map((p) => p.key),
      ['NAMESPACE', 'FRONTEND_NODEPORT', 'DEPLOY_TIMEOUT'],
    );
    assert.match(error.message, '3 invalid configuration values');
    assert.match(error.message, /NAMESPACE \(in \.env line 2\) must be lowercase/);
    assert.match(
      error.message,
      /FRONTEND_NODEPORT \(in \.env line 3\) must be a whole number from 30000 to 32767; for example FRONTEND_NODEPORT=30080/,
    );
    assert.match(error.message, /DEPLOY_TIMEOUT .* for example DEPLOY_TIMEOUT=5m/);
  });
});

test('a malformed DATABASE_URL is reported without echoing the secret', () => {
  const url = 'mysql://app:hunter2-secret@db/x';
  const error = configError(() => loadConfig({ env: { DATABASE_URL: url }, envFile: '/none', root: '/' }));
  assert.match(error.message, 'DATABASE_URL (from the environment) must start with postgresql://');
  assert.not.match(error.message, 'hunter2-secret');
  // …and it was registered for redaction before validation.
  assert.is(redact(`connecting to ${url}`), 'connecting to ***');
});

test('cross-field checks: external database needs a URL, NodePorts must differ', () => {
  const error = configError(() =>
    loadConfig({ env: { DATABASE_MODE: 'external', BACKEND_NODEPORT: '30080' }, envFile: '/none', root: '/' }),
  );
  assert.equal(
    error.problems.map((p) => p.key),
    ['DATABASE_URL', 'BACKEND_NODEPORT'],
  );
});

test('a misspelt key in .env is a warning naming the known key; an unrelated key is ignored with a warning', () => {
  withEnvFile('NAMESPCE=demo\nFRONTEND_NODPORT=30081\nMY_OWN_SETTING=1\n', (envFile, root) => {
    const { warnings, config } = loadConfig({ envFile, root, env: {} });
    assert.is(config.namespace, 'todo-chatbot');
    assert.ok(warnings.some((w) => w.includes('NAMESPCE is not a known key — did you mean NAMESPACE?')));
    assert.ok(warnings.some((w) => w.includes('did you mean FRONTEND_NODEPORT?')));
    assert.ok(warnings.some((w) => w.includes('MY_OWN_SETTING is not a known key and is ignored')));
  });
  assert.is(nearestKey('TOTALLY_DIFFERENT'), undefined);
});

test('secret keys from .env and the environment are registered for redaction', () => {
  withEnvFile('OPENAI_API_KEY=sk-file-abcdef123\nMY_SERVICE_TOKEN=tok-98765\n', (envFile, root) => {
    loadConfig({ envFile, root, env: { GITHUB_TOKEN: 'ghp_envsecret1' } });
    assert.is(redact('a sk-file-abcdef123 b tok-98765 c ghp_envsecret1'), 'a *** b *** c ***');
  });
});

test('durations and memory sizes parse in the forms users type', () => {
  assert.is(parseDuration('90'), 90_000);
  assert.is(parseDuration('1m30s'), 90_000);
  assert.is(parseDuration('500ms'), 500);
  assert.is(parseDuration('5 m'), undefined);
  assert.is(loadConfig({ env: { MINIKUBE_MEMORY: '4g' }, envFile: '/none', root: '/' }).config.minikubeMemoryMb, 4096);
  configError(() => loadConfig({ env: { MINIKUBE_MEMORY: '512' }, envFile: '/none', root: '/' }));
});

test('.env.example documents every key with its default, and matches the generator', async () => {
  const { readFileSync } = await import('node:fs');
  const example = readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8');
  assert.is(example, renderEnvExample(), '.env.example is stale: run `npm run env-example`');
  for (const spec of KEYS) assert.match(example, `\n${spec.key}=${spec.default}\n`);
});

function dotenvError(fn: () => unknown): DotenvError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DotenvError) return error;
    throw error;
  }
  throw new Error('expected a DotenvError');
}

test('.env: a line without "=" is exit 2 naming the file and line (not an unexpected error)', () => {
  withEnvFile('NAMESPACE=demo\n\nOPENAI_MODEL gpt-4o\n', (envFile, root) => {
    const error = dotenvError(() => loadConfig({ envFile, root, env: {} }));
    assert.is(error.exitCode, ExitCode.usage);
    assert.is(error.code, 'CONFIG');
    assert.match(error.message, '.env line 3: OPENAI_MODEL has no "=" (expected KEY=value)');
  });
});

test('.env: an unterminated quote is exit 2 with the line, and never swallows the next line', () => {
  withEnvFile('# settings\nOPENAI_MODEL="gpt-4o\nRELEASE_NAME=mine\n', (envFile, root) => {
    const error = dotenvError(() => loadConfig({ envFile, root, env: {} }));
    assert.is(error.exitCode, ExitCode.usage);
    assert.match(error.message, `.env line 2: OPENAI_MODEL: the value's opening " is not closed on this line`);
  });
  withEnvFile(`OPENAI_API_KEY='sk-unterminated-secret\n`, (envFile, root) => {
    const error = dotenvError(() => loadConfig({ envFile, root, env: {} }));
    assert.not.match(error.message, 'sk-unterminated-secret');
  });
});

test('.env: quoted values, escapes, export, comments and the line numbers of values', () => {
  withEnvFile(
    `export NAMESPACE=demo # the demo\nOPENAI_MODEL="gpt-4o"  # quoted\nRELEASE_NAME='rel-1'\r\n\nOPENAI_BASE_URL=\nMINIKUBE_PROFILE="a\\"b"\nFRONTEND_NODEPORT=80\n`,
    (envFile, root) => {
      const error = configError(() => loadConfig({ envFile, root, env: {} }));
      assert.match(error.message, 'FRONTEND_NODEPORT (in .env line 7)');
      assert.equal(
        error.problems.map((p) => p.key),
        ['FRONTEND_NODEPORT'],
      );
    },
  );
  withEnvFile(
    `export NAMESPACE=demo # the demo\nOPENAI_MODEL="gpt-4o"  # quoted\nRELEASE_NAME='rel-1'\r\nMINIKUBE_PROFILE="a\\"b"\n`,
    (envFile, root) => {
      const { config } = loadConfig({ envFile, root, env: {} });
      assert.is(config.namespace, 'demo');
      assert.is(config.openaiModel, 'gpt-4o');
      assert.is(config.releaseName, 'rel-1');
      assert.is(config.minikubeProfile, 'a"b');
    },
  );
});

test('"did you mean" warnings for misspelt keys still print when other values are invalid', () => {
  withEnvFile('NAMESPCE=demo\nFRONTEND_NODEPORT=80\n', (envFile, root) => {
    const error = configError(() => loadConfig({ envFile, root, env: {} }));
    assert.match(error.message, 'FRONTEND_NODEPORT (in .env line 2)');
    assert.match(error.message, 'NAMESPCE is not a known key — did you mean NAMESPACE?');
  });
});

test('NodePorts: "auto" leaves the port to the cluster (null), two autos do not clash, a number out of range is refused', () => {
  const auto = loadConfig({
    env: { FRONTEND_NODEPORT: 'auto', BACKEND_NODEPORT: 'auto' },
    envFile: '/nonexistent/.env',
    root: '/srv/app',
  }).config;
  assert.is(auto.frontendNodePort, null);
  assert.is(auto.backendNodePort, null);
  assert.throws(
    () => loadConfig({ env: { FRONTEND_NODEPORT: '80' }, envFile: '/nonexistent/.env', root: '/srv/app' }),
    /FRONTEND_NODEPORT.*30000 to 32767/s,
  );
});

test('Config and KEYS cannot drift: tsc refuses a field without a key and a key without a field', () => {
  // lib/config.ts states `true satisfies KeysCoverConfig<Config, typeof KEYS>`; these show the check bites.
  // @ts-expect-error a Config field that no KEYS entry sets (tsc names it: fieldsWithoutAKey: "newField")
  true satisfies KeysCoverConfig<Config & { newField: string }, typeof KEYS>;
  // @ts-expect-error KEYS without its last entry leaves openaiBaseUrl unset
  true satisfies KeysCoverConfig<Config, typeof KEYS extends readonly [...infer Rest, unknown] ? Rest : never>;
  // @ts-expect-error a KEYS entry whose field is not a Config field
  ({ key: 'NEW_KEY', field: 'newField', default: '', example: 'x', description: 'd', parse: () => ({ value: 'x' }) }) satisfies KeySpec;
  // @ts-expect-error ConfigKey is the union of KEYS' keys, not any string
  const misspelt: ConfigKey = 'NAMESPCE';
  const known: ConfigKey = 'NAMESPACE';
  // @ts-expect-error flags are named by ConfigKey: a misspelt one fails tsc instead of being ignored
  loadConfig({ env: {}, envFile: '/nonexistent/.env', flags: { NAMESPCE: 'x' } });
  // At run time: one key per field, and loadConfig sets exactly the fields KEYS names.
  const fields = KEYS.map((k) => k.field);
  assert.is(new Set(fields).size, fields.length, 'two keys set the same field');
  assert.is(new Set(KEYS.map((k) => k.key)).size, KEYS.length, 'a key listed twice');
  const { config } = loadConfig({ env: {}, envFile: '/nonexistent/.env', root: '/srv/app' });
  assert.equal(Object.keys(config).sort(), [...fields].sort());
  assert.ok(KEYS.some((k) => k.key === known) && !KEYS.some((k) => k.key === misspelt));
});

test('APP_SECRETS / APP_ENV: values come from .env (or the environment), listed names are no unknown keys, secret values are masked', () => {
  withEnvFile(
    'APP_SECRETS=JWT_SECRET, STRIPE_WEBHOOK\nAPP_ENV=SUPPORT_EMAIL\nJWT_SECRET=jwt-value-123\nSTRIPE_WEBHOOK=whsec-file-456\nSUPPORT_EMAIL=help@example.com\nUNLISTED=1\n',
    (envFile, root) => {
      const { config, warnings } = loadConfig({ envFile, root, env: { STRIPE_WEBHOOK: 'whsec-env-789' } });
      assert.equal(config.appSecrets, { JWT_SECRET: 'jwt-value-123', STRIPE_WEBHOOK: 'whsec-env-789' });
      assert.equal(config.appEnv, { SUPPORT_EMAIL: 'help@example.com' });
      assert.equal(
        warnings.map((w) => /: (\S+) is not a known key/.exec(w)?.[1]),
        ['UNLISTED'],
      );
      // STRIPE_WEBHOOK does not look like a secret by its name: APP_SECRETS makes it one.
      assert.is(redact('a whsec-env-789 b jwt-value-123'), 'a *** b ***');
      assert.is(redact('help@example.com'), 'help@example.com');
    },
  );
  const none = loadConfig({ env: {}, envFile: '/none', root: '/' }).config;
  assert.equal([none.appSecrets, none.appEnv], [{}, {}]);
});

test('APP_SECRETS / APP_ENV: a bad name, a name without a value, a name in both lists and a name the toolkit sets are clear errors (never the value)', () => {
  withEnvFile('APP_SECRETS=JWT_SECRET,9LIVES,MISSING_ONE\nJWT_SECRET=do-not-echo-me\n', (envFile, root) => {
    const error = configError(() => loadConfig({ envFile, root, env: {} }));
    assert.is(error.exitCode, ExitCode.usage);
    assert.match(error.message, /APP_SECRETS \(in \.env line 1\) lists "9LIVES", which is not an environment variable name/);
  });
  withEnvFile('APP_SECRETS=JWT_SECRET,MISSING_ONE\nJWT_SECRET=do-not-echo-me\n', (envFile, root) => {
    const error = configError(() => loadConfig({ envFile, root, env: {} }));
    assert.match(error.message, /APP_SECRETS .* lists MISSING_ONE but it has no value: add MISSING_ONE=… to \.env/);
    assert.not.match(error.message, 'do-not-echo-me');
  });
  withEnvFile('APP_SECRETS=JWT_SECRET\nAPP_ENV=JWT_SECRET,PORT\nJWT_SECRET=do-not-echo-me\n', (envFile, root) => {
    const error = configError(() => loadConfig({ envFile, root, env: {} }));
    assert.match(error.message, /APP_ENV .* lists PORT, which the toolkit sets itself/);
    assert.match(error.message, /APP_ENV .* lists JWT_SECRET, also listed in APP_SECRETS/);
    assert.not.match(error.message, 'do-not-echo-me');
  });
  const setting = configError(() => loadConfig({ env: { APP_ENV: 'NAMESPACE' }, envFile: '/none', root: '/' }));
  assert.match(setting.message, /APP_ENV \(from the environment\) lists NAMESPACE, which the toolkit sets itself \(a toolkit setting\)/);
});

test('own-app settings: ASGI entry, ports, probe paths and Dockerfiles are validated', () => {
  const good = loadConfig({
    env: {
      BACKEND_APP: 'main:app',
      BACKEND_PORT: '8080',
      FRONTEND_PORT: '3001',
      BACKEND_HEALTH_PATH: '/healthz',
      BACKEND_READY_PATH: '/api/ready?db=1',
      FRONTEND_HEALTH_PATH: '/',
    },
    envFile: '/none',
    root: '/',
  }).config;
  assert.equal(
    [
      good.backendApp,
      good.backendPort,
      good.frontendPort,
      good.backendHealthPath,
      good.backendReadyPath,
      good.frontendHealthPath,
      good.frontendReadyPath,
    ],
    ['main:app', 8080, 3001, '/healthz', '/api/ready?db=1', '/', undefined],
  );
  assert.is(loadConfig({ env: {}, envFile: '/none', root: '/' }).config.backendApp, undefined);
  const error = configError(() =>
    loadConfig({
      env: {
        BACKEND_APP: 'main.py',
        BACKEND_PORT: '80',
        FRONTEND_HEALTH_PATH: 'health',
        BACKEND_READY_PATH: '/a b',
        FRONTEND_DOCKERFILE: 'nope/Dockerfile',
      },
      envFile: '/none',
      root: '/srv/x',
    }),
  );
  assert.equal(error.problems.map((p) => p.key).sort(), [
    'BACKEND_APP',
    'BACKEND_PORT',
    'BACKEND_READY_PATH',
    'FRONTEND_DOCKERFILE',
    'FRONTEND_HEALTH_PATH',
  ]);
  assert.match(error.message, /BACKEND_APP \(from the environment\) must be an ASGI entry module:attribute, like main:app/);
  assert.match(error.message, /BACKEND_PORT .* from 1024 to 65535/);
  assert.match(error.message, /FRONTEND_HEALTH_PATH .* must be an HTTP path starting with \//);
  assert.match(error.message, 'FRONTEND_DOCKERFILE (from the environment) file not found: /srv/x/nope/Dockerfile');
});

test.run();
