// The chart for a user's own app: container ports, probe paths (with their fallbacks), extra
// environment (ConfigMap) and extra secrets (Secret only), the helm test paths, and the values the
// chart refuses. Rendered by the real Helm 3 and Helm 4 binaries; objects checked with kubectl-validate.
// Run: node --import tsx test/chart-own-app.test.ts
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { createRunner } from '../lib/exec.ts';
import { CHART_PATH, helmTemplate, REPO_ROOT, splitHelmOutput, type RenderedDoc } from '../lib/render.ts';
import { ensureKubectlValidate, validateObjects } from './support/kubectl-validate.ts';
import { ensureTools } from './support/tools.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const tools = await ensureTools();
const HELMS = [
  { name: 'helm3', bin: tools.HELM3_BIN! },
  { name: 'helm4', bin: tools.HELM4_BIN! },
];
const validator = await ensureKubectlValidate();
const run = createRunner();
const CHART = path.join(REPO_ROOT, CHART_PATH);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'chart-own-app-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
/** Values go to Helm in a file, as deploy passes secrets (never --set). */
function valuesFile(values: unknown): string {
  const file = path.join(scratch, `values-${++counter}.yaml`);
  writeFileSync(file, YAML.stringify(values));
  return file;
}
const PASSWORD = { postgresql: { auth: { password: randomBytes(12).toString('hex') } } };

async function render(helmBin: string, values: unknown): Promise<RenderedDoc[]> {
  return splitHelmOutput(
    await helmTemplate(run, { helmBin, chartDir: CHART, releaseName: 'mine', valuesFiles: [valuesFile(PASSWORD), valuesFile(values)] }),
  );
}
async function renderError(helmBin: string, values: unknown): Promise<string> {
  const result = await run(helmBin, ['template', 'mine', CHART, '--values', valuesFile(PASSWORD), '--values', valuesFile(values)], {
    nothrow: true,
  });
  assert.is.not(result.exitCode, 0, `helm template should have refused ${JSON.stringify(values)}`);
  return result.stderr;
}
const isHook = (o: Any) => Boolean(o.metadata?.annotations?.['helm.sh/hook']);
function one(docs: RenderedDoc[], kind: string, component: string): Any {
  const found = docs
    .map((d) => d.object as Any)
    .filter((o) => o.kind === kind && o.metadata.labels?.['app.kubernetes.io/component'] === component && !isHook(o));
  assert.is(found.length, 1, `one ${kind} of ${component}`);
  return found[0];
}
const b64 = (text: string) => Buffer.from(text).toString('base64');
const probePaths = (container: Any) => ({
  startup: container.startupProbe.httpGet.path,
  liveness: container.livenessProbe.httpGet.path,
  readiness: container.readinessProbe.httpGet.path,
});

const OWN_APP = {
  frontend: { containerPort: 3001, probes: { livenessPath: '/', readinessPath: null }, extraEnv: { FEATURE_FLAGS: 'chat,beta' } },
  backend: {
    containerPort: 8080,
    probes: { livenessPath: '/healthz', readinessPath: null },
    extraEnv: { SUPPORT_EMAIL: 'help@example.com' },
  },
  tests: { proxyPath: '/api/todos', proxyExpectList: false },
};

for (const helm of HELMS) {
  test(`${helm.name}: container ports and probe paths follow the values; readiness and startup fall back to liveness; Services and NetworkPolicy follow the port`, async () => {
    const docs = await render(helm.bin, { ...OWN_APP, networkPolicy: { enabled: true } });
    const backend = one(docs, 'Deployment', 'backend').spec.template.spec.containers[0];
    const frontend = one(docs, 'Deployment', 'frontend').spec.template.spec.containers[0];
    assert.equal(backend.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    assert.equal(frontend.ports, [{ name: 'http', containerPort: 3001, protocol: 'TCP' }]);
    assert.equal(probePaths(backend), { startup: '/healthz', liveness: '/healthz', readiness: '/healthz' });
    assert.equal(probePaths(frontend), { startup: '/', liveness: '/', readiness: '/' });
    for (const c of [backend, frontend])
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) assert.is(c[probe].httpGet.port, 'http');
    // The app reads PORT: the ConfigMap says the same port the container declares.
    assert.is(one(docs, 'ConfigMap', 'backend').data.PORT, '8080');
    assert.is(one(docs, 'ConfigMap', 'frontend').data.PORT, '3001');
    // Services keep their port and reach the container through the named port.
    assert.is(one(docs, 'Service', 'backend').spec.ports[0].targetPort, 'http');
    // The frontend may call the backend pod on its real port.
    const policy = docs
      .map((d) => d.object as Any)
      .find((o) => o.kind === 'NetworkPolicy' && o.metadata.labels['app.kubernetes.io/component'] === 'frontend');
    assert.equal(policy.spec.egress[0].ports, [{ protocol: 'TCP', port: 8080 }]);
    assert.equal(
      await validateObjects(
        docs.map((d) => d.object),
        { bin: validator.bin },
      ),
      [],
    );

    // A set readiness or startup path wins over the fallback.
    const set = await render(helm.bin, {
      backend: { probes: { livenessPath: '/live', readinessPath: '/ready-now', startupPath: '/boot' } },
    });
    assert.equal(probePaths(one(set, 'Deployment', 'backend').spec.template.spec.containers[0]), {
      startup: '/boot',
      liveness: '/live',
      readiness: '/ready-now',
    });
  });

  test(`${helm.name}: helm test reads the probe paths (each once) and tests.proxyPath through the Services; an empty proxyPath skips that check`, async () => {
    const docs = await render(helm.bin, OWN_APP);
    const pod = docs.map((d) => d.object as Any).find((o) => o.kind === 'Pod' && isHook(o));
    const env = Object.fromEntries(pod.spec.containers[0].env.map((e: Any) => [e.name, e.value]));
    const backend = one(docs, 'Service', 'backend');
    const frontend = one(docs, 'Service', 'frontend');
    assert.equal(env.CHECK_URLS.split(' '), [`http://${backend.metadata.name}:8000/healthz`, `http://${frontend.metadata.name}:3000/`]);
    assert.is(env.PROXY_URL, `http://${frontend.metadata.name}:3000/api/todos`);
    assert.is(env.PROXY_EXPECT_LIST, '');
    const none = await render(helm.bin, { tests: { proxyPath: '' } });
    const names = none
      .map((d) => d.object as Any)
      .find((o) => o.kind === 'Pod' && isHook(o))
      .spec.containers[0].env.map((e: Any) => e.name);
    assert.not.ok(names.includes('PROXY_URL'));
  });

  test(`${helm.name}: extraEnv goes to the ConfigMaps; extraSecretEnv values exist only inside the release's Secret and reach the backend by secretKeyRef`, async () => {
    const jwt = `jwt-${randomBytes(12).toString('hex')}`;
    const stripe = `whsec_${randomBytes(12).toString('hex')}`;
    const docs = await render(helm.bin, {
      ...OWN_APP,
      backend: { ...OWN_APP.backend, extraSecretEnv: { JWT_SECRET: jwt, STRIPE_WEBHOOK: stripe } },
    });
    for (const doc of docs.filter((d) => d.object.kind !== 'Secret')) {
      for (const form of [jwt, stripe, b64(jwt), b64(stripe)])
        assert.not.ok(doc.text.includes(form), `${doc.object.kind}/${doc.object.metadata.name} holds a secret value`);
    }
    const secret = docs.map((d) => d.object as Any).find((o) => o.kind === 'Secret' && o.data?.JWT_SECRET);
    assert.ok(secret, 'no Secret holds JWT_SECRET');
    assert.is(Buffer.from(secret.data.JWT_SECRET, 'base64').toString(), jwt);
    assert.is(Buffer.from(secret.data.STRIPE_WEBHOOK, 'base64').toString(), stripe);
    const deployment = one(docs, 'Deployment', 'backend');
    const backend = deployment.spec.template.spec.containers[0];
    for (const name of ['JWT_SECRET', 'STRIPE_WEBHOOK']) {
      assert.equal(
        backend.env.find((e: Any) => e.name === name),
        { name, valueFrom: { secretKeyRef: { name: secret.metadata.name, key: name } } },
      );
    }
    assert.is(one(docs, 'ConfigMap', 'backend').data.SUPPORT_EMAIL, 'help@example.com');
    assert.is(one(docs, 'ConfigMap', 'frontend').data.FEATURE_FLAGS, 'chat,beta');
    assert.not.ok('SUPPORT_EMAIL' in one(docs, 'ConfigMap', 'frontend').data);
    // A new secret value rolls the backend pods.
    const changed = await render(helm.bin, {
      ...OWN_APP,
      backend: { ...OWN_APP.backend, extraSecretEnv: { JWT_SECRET: `${jwt}-2`, STRIPE_WEBHOOK: stripe } },
    });
    assert.is.not(
      one(changed, 'Deployment', 'backend').spec.template.metadata.annotations['checksum/secret'],
      deployment.spec.template.metadata.annotations['checksum/secret'],
    );
    assert.equal(
      await validateObjects(
        docs.map((d) => d.object),
        { bin: validator.bin },
      ),
      [],
    );
  });

  test(`${helm.name}: a secret both apps read is one key of the Secret, referenced by both; the frontend's pods roll when it changes`, async () => {
    const shared = `auth-${randomBytes(12).toString('hex')}`;
    const values = (value: string) => ({
      frontend: { extraSecretEnv: { BETTER_AUTH_SECRET: value } },
      backend: { extraSecretEnv: { BETTER_AUTH_SECRET: value } },
    });
    const docs = await render(helm.bin, values(shared));
    for (const doc of docs.filter((d) => d.object.kind !== 'Secret'))
      assert.not.ok(doc.text.includes(shared) || doc.text.includes(b64(shared)), `${doc.object.kind}/${doc.object.metadata.name}`);
    const secret = docs.map((d) => d.object as Any).find((o) => o.kind === 'Secret' && o.data?.BETTER_AUTH_SECRET);
    assert.is(Buffer.from(secret.data.BETTER_AUTH_SECRET, 'base64').toString(), shared);
    for (const side of ['frontend', 'backend']) {
      const c = one(docs, 'Deployment', side).spec.template.spec.containers[0];
      assert.equal(c.env.find((e: Any) => e.name === 'BETTER_AUTH_SECRET').valueFrom.secretKeyRef, {
        name: secret.metadata.name,
        key: 'BETTER_AUTH_SECRET',
      });
    }
    const changed = await render(helm.bin, values(`${shared}-2`));
    const checksum = (d: RenderedDoc[]) => one(d, 'Deployment', 'frontend').spec.template.metadata.annotations['checksum/secret'];
    assert.ok(checksum(docs));
    assert.is.not(checksum(changed), checksum(docs));
    assert.match(
      await renderError(helm.bin, { frontend: { extraSecretEnv: { S: 'a' } }, backend: { extraSecretEnv: { S: 'b' } } }),
      /frontend\.extraSecretEnv and backend\.extraSecretEnv give S different values/,
    );
    assert.equal(
      await validateObjects(
        docs.map((d) => d.object),
        { bin: validator.bin },
      ),
      [],
    );
  });

  test(`${helm.name}: the chart refuses a variable it sets itself, one name in both lists, a bad name and a path without /`, async () => {
    assert.match(
      await renderError(helm.bin, { backend: { extraSecretEnv: { DATABASE_URL: 'x' } } }),
      /backend\.extraSecretEnv sets DATABASE_URL, which the chart sets itself in the backend container/,
    );
    assert.match(
      await renderError(helm.bin, { frontend: { extraEnv: { BACKEND_URL: 'http://x' } } }),
      /frontend\.extraEnv sets BACKEND_URL, which the chart sets itself/,
    );
    assert.match(
      await renderError(helm.bin, { backend: { extraEnv: { TOKEN: 'a' }, extraSecretEnv: { TOKEN: 'b' } } }),
      /backend\.extraEnv and backend\.extraSecretEnv both set TOKEN/,
    );
    assert.match(await renderError(helm.bin, { backend: { extraEnv: { '9BAD': 'a' } } }), /9BAD/);
    assert.match(await renderError(helm.bin, { backend: { probes: { livenessPath: 'health' } } }), /livenessPath/);
    assert.match(await renderError(helm.bin, { frontend: { containerPort: 0 } }), /containerPort/);
  });
}

test.run();
