// The Helm chart, rendered by the real Helm 3.17 and Helm 4.1 binaries (no
// cluster): lint, strict offline schema validation, Pod Security "restricted",
// probes, resources, images, selectors, secrets, values.schema.json and
// upgrade safety. Run: node --import tsx test/chart.test.ts
// Longer than ~350 lines on purpose: one file shares the cached renders and the one
// kubectl-validate binary across all chart tests, which keeps the run to about half a minute.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { createRunner } from '../lib/exec.ts';
import { CHART_PATH, helmTemplate, REPO_ROOT, splitHelmOutput, type RenderedDoc } from '../lib/render.ts';
import { ensureKubectlValidate, validateObjects } from './support/kubectl-validate.ts';
import { ensureTools } from './support/tools.ts';

// The YAML of a rendered object, walked freely in assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const tools = await ensureTools();
const HELMS = [
  { name: 'helm3', bin: tools.HELM3_BIN! },
  { name: 'helm4', bin: tools.HELM4_BIN! },
];
const validator = await ensureKubectlValidate();
if (validator.buildMs) console.log(`(built kubectl-validate in ${Math.round(validator.buildMs / 1000)}s)`);

const run = createRunner();
const CHART = path.join(REPO_ROOT, CHART_PATH);
const CI_DIR = path.join(CHART, 'ci');
const RELEASE = 'demo';
const DOCUMENTED_SETS = ['minimal', 'external-db', 'sqlite', 'all-optional-on'];
const VALUE_SETS: { name: string; files: string[] }[] = [
  { name: 'default', files: [] },
  ...readdirSync(CI_DIR)
    .filter((file) => file.endsWith('-values.yaml'))
    .sort()
    .map((file) => ({ name: file.replace(/-values\.yaml$/, ''), files: [path.join(CI_DIR, file)] })),
];
const DEFAULT_VALUES = YAML.parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Any;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'chart-test-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

let fileCounter = 0;
/** Values go to the chart in a file, the way secrets must (never --set). */
function valuesFile(values: unknown): string {
  const file = path.join(scratch, `values-${++fileCounter}.yaml`);
  writeFileSync(file, YAML.stringify(values));
  return file;
}

/**
 * `helm template` cannot read the cluster, so the chart refuses to make up the
 * PostgreSQL password: every render passes one first (the way deploy --dry-run
 * and GitOps must), unless a test says otherwise.
 */
const RENDER_PASSWORD = randomBytes(12).toString('hex');
const PASSWORD_FILE = valuesFile({ postgresql: { auth: { password: RENDER_PASSWORD } } });

interface RenderOpts {
  files?: string[];
  values?: unknown;
  set?: Record<string, string>;
  release?: string;
  chartDir?: string;
  /** Only for renderError: reach the templates' own checks. */
  skipSchema?: boolean;
  /** Leave out the PostgreSQL password that every render gets by default. */
  noPassword?: boolean;
}

const filesOf = (opts: RenderOpts): string[] => [
  ...(opts.noPassword ? [] : [PASSWORD_FILE]),
  ...(opts.files ?? []),
  ...(opts.values ? [valuesFile(opts.values)] : []),
];

const cache = new Map<string, RenderedDoc[]>();
async function render(helmBin: string, opts: RenderOpts = {}): Promise<RenderedDoc[]> {
  const files = filesOf(opts);
  const key = JSON.stringify([helmBin, opts.files, opts.values, opts.set, opts.release, opts.chartDir, opts.noPassword]);
  const cached = cache.get(key);
  if (cached) return cached;
  const docs = splitHelmOutput(
    await helmTemplate(run, {
      helmBin,
      chartDir: opts.chartDir ?? CHART,
      releaseName: opts.release ?? RELEASE,
      valuesFiles: files,
      set: opts.set,
    }),
  );
  cache.set(key, docs);
  return docs;
}

/** Helm's error for values that must be refused (its exit code must be non-zero). */
async function renderError(helmBin: string, opts: RenderOpts): Promise<string> {
  const files = filesOf(opts);
  const args = ['template', RELEASE, opts.chartDir ?? CHART, ...files.flatMap((f) => ['--values', f])];
  for (const [key, value] of Object.entries(opts.set ?? {})) args.push('--set', `${key}=${value}`);
  if (opts.skipSchema) args.push('--skip-schema-validation');
  const result = await run(helmBin, args, { nothrow: true });
  assert.is.not(result.exitCode, 0, `helm template should have failed for ${JSON.stringify(opts.values ?? opts.set)}`);
  return result.stderr;
}

const objects = (docs: RenderedDoc[]): Any[] => docs.map((d) => d.object);
const ofKind = (docs: RenderedDoc[], kind: string): Any[] => objects(docs).filter((o) => o.kind === kind);
const isHook = (o: Any): boolean => Boolean(o.metadata?.annotations?.['helm.sh/hook']);
function one(docs: RenderedDoc[], kind: string, component: string): Any {
  const found = ofKind(docs, kind).filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === component && !isHook(o));
  assert.is(found.length, 1, `expected one ${kind} of component ${component}, found ${found.length}`);
  return found[0];
}

interface PodOwner {
  owner: string;
  object: Any;
  spec: Any;
  labels: Record<string, string>;
  hook: boolean;
}
function pods(docs: RenderedDoc[]): PodOwner[] {
  return objects(docs).flatMap((o): PodOwner[] => {
    if (o.kind === 'Pod')
      return [{ owner: `Pod/${o.metadata.name}`, object: o, spec: o.spec, labels: o.metadata.labels ?? {}, hook: isHook(o) }];
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.kind)) {
      return [
        {
          owner: `${o.kind}/${o.metadata.name}`,
          object: o,
          spec: o.spec.template.spec,
          labels: o.spec.template.metadata.labels ?? {},
          hook: isHook(o),
        },
      ];
    }
    if (o.kind === 'Job')
      return [
        {
          owner: `Job/${o.metadata.name}`,
          object: o,
          spec: o.spec.template.spec,
          labels: o.spec.template.metadata.labels ?? {},
          hook: isHook(o),
        },
      ];
    return [];
  });
}
const containersOf = (spec: Any): Any[] => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];

function envValue(container: Any, docs: RenderedDoc[], name: string): string | undefined {
  const direct = (container.env ?? []).find((e: Any) => e.name === name);
  if (direct) return direct.value;
  for (const source of container.envFrom ?? []) {
    const cm = source.configMapRef && ofKind(docs, 'ConfigMap').find((c) => c.metadata.name === source.configMapRef.name);
    if (cm?.data?.[name] !== undefined) return cm.data[name];
  }
  return undefined;
}

// --- Pod Security "restricted" (https://kubernetes.io/docs/concepts/security/pod-security-standards/) --

const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const RESTRICTED_SECCOMP = new Set(['RuntimeDefault', 'Localhost']);

/** Every rule of the restricted profile, plus what this issue adds (runAsGroup, read-only root, no SA token). */
function restrictedViolations(spec: Any): string[] {
  const problems: string[] = [];
  const pod = spec.securityContext ?? {};
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[field]) problems.push(`${field} is set`);
  if (spec.automountServiceAccountToken !== false) problems.push('automountServiceAccountToken is not false');
  for (const volume of spec.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (!type || !RESTRICTED_VOLUME_TYPES.has(type)) problems.push(`volume ${volume.name} is of type ${type}`);
  }
  for (const c of containersOf(spec)) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${at}: runAsNonRoot is not true`);
    for (const field of ['runAsUser', 'runAsGroup']) {
      const id = sc[field] ?? pod[field];
      if (!Number.isInteger(id) || id === 0) problems.push(`${at}: ${field} is ${id} (must be a non-zero id)`);
    }
    if (sc.privileged) problems.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: capabilities do not drop ALL`);
    const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
    if (added.length) problems.push(`${at}: adds capabilities ${added.join(',')}`);
    const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
    if (!RESTRICTED_SECCOMP.has(seccomp)) problems.push(`${at}: seccompProfile is ${seccomp}`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem is not true`);
    for (const port of c.ports ?? []) if (port.hostPort) problems.push(`${at}: hostPort ${port.hostPort}`);
  }
  return problems;
}

/** Where each app writes; each must be a writable volume since the root file system is read-only. */
const WRITABLE_PATHS: Record<string, string[]> = {
  frontend: ['/tmp', '/app/.next/cache'],
  backend: ['/tmp', '/data'],
  postgresql: ['/tmp', '/var/run/postgresql', '/var/lib/postgresql/data'],
  check: ['/tmp'],
};

/** The app's contract (api.md): ports and health endpoints per container. */
const APP_PROBES: Record<string, { port: number; startup: string; liveness: string; readiness: string }> = {
  backend: { port: 8000, startup: '/health', liveness: '/health', readiness: '/ready' },
  frontend: { port: 3000, startup: '/api/health', liveness: '/api/health', readiness: '/api/health' },
};

function resolvePort(container: Any, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return (container.ports ?? []).find((p: Any) => p.name === port)?.containerPort;
}

// --- lint ---------------------------------------------------------------------

test('the documented value sets exist', () => {
  const names = VALUE_SETS.map((set) => set.name);
  for (const name of DOCUMENTED_SETS) assert.ok(names.includes(name), `ci/${name}-values.yaml is missing`);
});

for (const helm of HELMS) {
  for (const set of VALUE_SETS) {
    test(`${helm.name}: helm lint --strict is clean with ${set.name} values`, async () => {
      const result = await run(helm.bin, ['lint', '--strict', CHART, ...set.files.flatMap((f) => ['--values', f])], { nothrow: true });
      const output = `${result.stdout}\n${result.stderr}`;
      assert.is(result.exitCode, 0, output);
      assert.match(output, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      assert.not.match(output, /\[(WARNING|ERROR)\]/, output);
    });
  }
}

// --- strict schema validation ---------------------------------------------------------

for (const helm of HELMS) {
  for (const set of VALUE_SETS) {
    test(`${helm.name}: every object of the ${set.name} render is valid for the Kubernetes API (kubectl-validate, offline)`, async () => {
      const docs = await render(helm.bin, { files: set.files });
      assert.ok(docs.length >= 8, `only ${docs.length} objects rendered`);
      const failures = await validateObjects(objects(docs), { bin: validator.bin });
      assert.equal(failures, []);
    });
  }
}

test('kubectl-validate rejects a misspelled field, a wrong type and an invalid name (the check can fail)', async () => {
  const docs = await render(HELMS[0]!.bin);
  const good = structuredClone(one(docs, 'Deployment', 'backend'));
  const misspelled = structuredClone(good);
  const sc = misspelled.spec.template.spec.containers[0].securityContext;
  sc.readOnlyRootFileSystem = sc.readOnlyRootFilesystem;
  delete sc.readOnlyRootFilesystem;
  const unknownTop = structuredClone(good);
  unknownTop.spec.replica = 2;
  const wrongType = structuredClone(one(docs, 'ConfigMap', 'backend'));
  wrongType.data.WEB_CONCURRENCY = 2;
  const badName = structuredClone(one(docs, 'Service', 'frontend'));
  badName.metadata.name = 'Frontend_Service';
  const failures = await validateObjects([good, misspelled, unknownTop, wrongType, badName], { bin: validator.bin });
  const byObject = (text: RegExp) => failures.filter((f) => text.test(f.message));
  assert.is(failures.length, 4, JSON.stringify(failures, null, 2));
  assert.is(byObject(/readOnlyRootFileSystem.*unknown field/).length, 1);
  assert.is(byObject(/spec\.replica\b.*unknown field/).length, 1);
  assert.is(byObject(/data\.WEB_CONCURRENCY/).length, 1);
  assert.is(byObject(/Frontend_Service/).length, 1);
});

// --- pods ---------------------------------------------------------------------------

test('restrictedViolations catches each breach of the profile (the check can fail)', async () => {
  const docs = await render(HELMS[0]!.bin);
  const base = one(docs, 'Deployment', 'backend').spec.template.spec;
  assert.equal(restrictedViolations(base), []);
  const breaches: [string, (spec: Any) => void, RegExp][] = [
    [
      'root user',
      (s) => {
        s.securityContext.runAsUser = 0;
      },
      /runAsUser is 0/,
    ],
    [
      'no runAsGroup',
      (s) => {
        delete s.securityContext.runAsGroup;
      },
      /runAsGroup/,
    ],
    [
      'runAsNonRoot off',
      (s) => {
        s.securityContext.runAsNonRoot = false;
        s.containers[0].securityContext.runAsNonRoot = false;
      },
      /runAsNonRoot/,
    ],
    [
      'privilege escalation',
      (s) => {
        s.containers[0].securityContext.allowPrivilegeEscalation = true;
      },
      /allowPrivilegeEscalation/,
    ],
    [
      'capabilities kept',
      (s) => {
        s.containers[0].securityContext.capabilities.drop = ['NET_RAW'];
      },
      /drop ALL/,
    ],
    [
      'capability added',
      (s) => {
        s.containers[0].securityContext.capabilities.add = ['SYS_ADMIN'];
      },
      /SYS_ADMIN/,
    ],
    [
      'no seccomp',
      (s) => {
        delete s.securityContext.seccompProfile;
        delete s.containers[0].securityContext.seccompProfile;
      },
      /seccompProfile/,
    ],
    [
      'writable root',
      (s) => {
        s.containers[0].securityContext.readOnlyRootFilesystem = false;
      },
      /readOnlyRootFilesystem/,
    ],
    [
      'hostPath',
      (s) => {
        s.volumes.push({ name: 'host', hostPath: { path: '/' } });
      },
      /hostPath/,
    ],
    [
      'host network',
      (s) => {
        s.hostNetwork = true;
      },
      /hostNetwork/,
    ],
    [
      'token mounted',
      (s) => {
        delete s.automountServiceAccountToken;
      },
      /automountServiceAccountToken/,
    ],
  ];
  for (const [name, breach, expected] of breaches) {
    const spec = structuredClone(base);
    breach(spec);
    const problems = restrictedViolations(spec);
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${name}: not caught (${problems.join('; ')})`,
    );
  }
});

for (const helm of HELMS) {
  test(`${helm.name}: every pod of every value set meets the restricted profile and can write where the app writes`, async () => {
    for (const set of VALUE_SETS) {
      const docs = await render(helm.bin, { files: set.files });
      const all = pods(docs);
      assert.ok(all.length >= 2, `${set.name}: no pods`);
      for (const pod of all) {
        assert.equal(restrictedViolations(pod.spec), [], `${set.name} ${pod.owner}`);
        const claimTemplates = new Set((pod.object.spec?.volumeClaimTemplates ?? []).map((t: Any) => t.metadata.name));
        for (const c of containersOf(pod.spec)) {
          const wanted = WRITABLE_PATHS[c.name];
          assert.ok(wanted, `${set.name} ${pod.owner}: unknown container ${c.name} (add it to WRITABLE_PATHS)`);
          for (const mountPath of wanted) {
            const mount = (c.volumeMounts ?? []).find((m: Any) => m.mountPath === mountPath);
            assert.ok(mount && !mount.readOnly, `${set.name} ${pod.owner}/${c.name}: ${mountPath} is not a writable mount`);
            const volume = (pod.spec.volumes ?? []).find((v: Any) => v.name === mount.name);
            assert.ok(
              volume?.emptyDir || volume?.persistentVolumeClaim || claimTemplates.has(mount.name),
              `${set.name} ${pod.owner}/${c.name}: ${mountPath} is not on an emptyDir or a PVC`,
            );
          }
        }
      }
    }
  });

  test(`${helm.name}: every long-running container has startup, liveness and readiness probes on the app's port and endpoints, and resources`, async () => {
    for (const set of VALUE_SETS) {
      const docs = await render(helm.bin, { files: set.files });
      for (const pod of pods(docs).filter((p) => !p.hook)) {
        for (const c of containersOf(pod.spec)) {
          const at = `${set.name} ${pod.owner}/${c.name}`;
          for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) assert.ok(c[probe], `${at}: no ${probe}`);
          assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${at}: no cpu and memory requests`);
          assert.ok(c.resources?.limits?.memory, `${at}: no memory limit`);
          const contract = APP_PROBES[c.name];
          if (!contract) continue;
          for (const [probe, pathKey] of [
            ['startupProbe', 'startup'],
            ['livenessProbe', 'liveness'],
            ['readinessProbe', 'readiness'],
          ] as const) {
            const http = c[probe].httpGet;
            assert.ok(http, `${at}: ${probe} is not an HTTP probe`);
            assert.is(http.path, contract[pathKey], `${at}: ${probe} path`);
            assert.is(resolvePort(c, http.port), contract.port, `${at}: ${probe} port`);
          }
        }
      }
      // The database readiness is pg_isready, not a sleep.
      for (const sts of ofKind(docs, 'StatefulSet')) {
        const probe = sts.spec.template.spec.containers[0].readinessProbe;
        assert.is(probe.exec.command[0], 'pg_isready', `${set.name}: postgres readiness`);
      }
    }
  });

  test(`${helm.name}: every image is repository:tag from the values, never latest or untagged, IfNotPresent by default`, async () => {
    const sets = [
      ...VALUE_SETS.map((s) => ({ name: s.name, files: s.files, tags: undefined as undefined | Record<string, string> })),
      {
        name: 'content-hash tags',
        files: [valuesFile({ frontend: { image: { tag: 'f3a9c1d2e4b5' } }, backend: { image: { tag: '0b1c2d3e4f5a' } } })],
        tags: { frontend: 'f3a9c1d2e4b5', backend: '0b1c2d3e4f5a' },
      },
    ];
    for (const set of sets) {
      const docs = await render(helm.bin, { files: set.files });
      for (const pod of pods(docs)) {
        for (const c of containersOf(pod.spec)) {
          const at = `${set.name} ${pod.owner}/${c.name}`;
          const match = /^(?<repo>[^@]+?):(?<tag>[^:/@]+)$/.exec(c.image);
          assert.ok(match, `${at}: image "${c.image}" has no tag`);
          assert.is.not(match!.groups!.tag, 'latest', `${at}: latest tag`);
          const component = c.name === 'check' ? 'backend' : c.name;
          const image = (component === 'postgresql' ? DEFAULT_VALUES.postgresql : DEFAULT_VALUES[component]).image;
          assert.is(match!.groups!.repo, image.repository, `${at}: repository`);
          assert.is(match!.groups!.tag, set.tags?.[component] ?? image.tag, `${at}: tag`);
          assert.is(c.imagePullPolicy, 'IfNotPresent', `${at}: pull policy`);
        }
      }
    }
  });
}

test('values.yaml has no latest tag and no password', () => {
  const text = readFileSync(path.join(CHART, 'values.yaml'), 'utf8');
  assert.not.match(text, /tag:\s*["']?latest/);
  // The one password value exists (for renders that cannot read the cluster) and stays empty.
  assert.equal(
    text.match(/^\s*password\s*:.*$/gim)?.map((line) => line.trim()),
    ['password: ""'],
  );
  assert.is(DEFAULT_VALUES.postgresql.auth.password, '');
  for (const component of ['frontend', 'backend', 'postgresql'])
    assert.ok(DEFAULT_VALUES[component].image.tag, `${component}.image.tag default`);
});

// --- selectors, Services, wiring -------------------------------------------------------

function selectorOf(o: Any): unknown {
  if (['Deployment', 'StatefulSet', 'PodDisruptionBudget'].includes(o.kind)) return o.spec.selector;
  if (o.kind === 'Service') return o.spec.selector;
  if (o.kind === 'NetworkPolicy') return o.spec.podSelector;
  return undefined;
}

for (const helm of HELMS) {
  test(`${helm.name}: selectors are identical across value sets and select their own pods only`, async () => {
    const seen = new Map<string, { set: string; selector: unknown }>();
    let compared = 0;
    for (const set of VALUE_SETS) {
      const docs = await render(helm.bin, { files: set.files });
      const podLabels = pods(docs).filter((p) => !p.hook);
      for (const o of objects(docs)) {
        const selector = selectorOf(o);
        if (selector === undefined) continue;
        const key = `${o.kind}/${o.metadata.name}`;
        const before = seen.get(key);
        if (before) {
          assert.equal(selector, before.selector, `${key}: selector differs between ${before.set} and ${set.name}`);
          compared++;
        } else {
          seen.set(key, { set: set.name, selector });
        }
        const labels = (selector as Any).matchLabels ?? selector;
        const matching = podLabels.filter((p) => Object.entries(labels).every(([k, v]) => p.labels[k] === v));
        assert.is(matching.length, 1, `${set.name} ${key}: selects ${matching.map((p) => p.owner).join(', ') || 'no pods'}`);
        // No label that changes with a version or a setting.
        for (const k of Object.keys(labels))
          assert.ok(
            ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component'].includes(k),
            `${key}: selector label ${k}`,
          );
      }
    }
    assert.ok(compared >= 20, `only ${compared} selectors compared`);
  });

  test(`${helm.name}: BACKEND_URL names the backend Service the chart creates, on its port`, async () => {
    const sets = [
      ...VALUE_SETS,
      { name: 'fullnameOverride', files: [valuesFile({ fullnameOverride: 'todo', backend: { service: { port: 8080 } } })] },
    ];
    for (const set of sets) {
      const docs = await render(helm.bin, { files: set.files });
      const frontend = one(docs, 'Deployment', 'frontend').spec.template.spec.containers[0];
      const url = new URL(envValue(frontend, docs, 'BACKEND_URL') ?? 'http://missing');
      const service = one(docs, 'Service', 'backend');
      assert.is(url.hostname, service.metadata.name, set.name);
      assert.is(Number(url.port), service.spec.ports[0].port, set.name);
      assert.is(service.spec.ports[0].targetPort, 'http', set.name);
      const backend = one(docs, 'Deployment', 'backend').spec.template.spec.containers[0];
      assert.is(resolvePort(backend, service.spec.ports[0].targetPort), 8000, set.name);
    }
  });

  test(`${helm.name}: NodePorts equal the values; ClusterIP has none; ports are named`, async () => {
    const cases = [
      { files: [], type: 'NodePort', frontend: 30080, backend: 30800 },
      {
        files: [valuesFile({ frontend: { service: { nodePort: 31234 } }, backend: { service: { nodePort: 32100 } } })],
        type: 'NodePort',
        frontend: 31234,
        backend: 32100,
      },
      { files: [path.join(CI_DIR, 'minimal-values.yaml')], type: 'ClusterIP', frontend: undefined, backend: undefined },
    ];
    for (const c of cases) {
      const docs = await render(helm.bin, { files: c.files });
      for (const component of ['frontend', 'backend'] as const) {
        const service = one(docs, 'Service', component);
        assert.is(service.spec.type, c.type);
        assert.is(service.spec.ports[0].nodePort, c[component], `${component} nodePort`);
        assert.is(service.spec.ports[0].name, 'http');
      }
    }
  });
}

// --- values.schema.json and template checks ---------------------------------------------

const REJECTED: { name: string; opts: RenderOpts; helm3: RegExp; helm4: RegExp }[] = [
  {
    name: 'nodePort 80',
    opts: { set: { 'frontend.service.nodePort': '80' } },
    helm3: /frontend\.service\.nodePort: Must be greater than or equal to 30000/,
    helm4: /\/frontend\/service\/nodePort'?: minimum: got 80, want 30,?000/,
  },
  {
    name: 'nodePort 40000',
    opts: { set: { 'backend.service.nodePort': '40000' } },
    helm3: /backend\.service\.nodePort: Must be less than or equal to 32767/,
    helm4: /\/backend\/service\/nodePort'?: maximum: got 40,?000, want 32,?767/,
  },
  {
    name: 'replicas 0',
    opts: { set: { 'backend.replicaCount': '0' } },
    helm3: /backend\.replicaCount: Must be greater than or equal to 1/,
    helm4: /\/backend\/replicaCount'?: minimum: got 0, want 1/,
  },
  {
    name: 'an unknown top-level key',
    opts: { values: { fronted: { replicaCount: 2 } } },
    helm3: /Additional property fronted is not allowed/,
    helm4: /additional propert(y|ies) 'fronted' not allowed/,
  },
  {
    name: 'an unknown nested key',
    opts: { values: { backend: { replicas: 2 } } },
    helm3: /Additional property replicas is not allowed/,
    helm4: /additional propert(y|ies) 'replicas' not allowed/,
  },
  {
    name: 'a missing image tag',
    opts: { set: { 'frontend.image.tag': 'null' } },
    helm3: /frontend\.image: tag is required/,
    helm4: /\/frontend\/image'?: missing propert(y|ies) 'tag'/,
  },
  {
    name: 'an unknown database mode',
    opts: { values: { database: { mode: 'mysql' } } },
    helm3: /database\.mode: database\.mode must be one of/,
    helm4: /\/database\/mode'?: value must be one of/,
  },
  {
    name: 'a bad pull policy',
    opts: { values: { frontend: { image: { pullPolicy: 'Sometimes' } } } },
    helm3: /frontend\.image\.pullPolicy: frontend\.image\.pullPolicy must be one of/,
    helm4: /\/frontend\/image\/pullPolicy'?: value must be one of/,
  },
  {
    name: 'the root user',
    opts: { values: { backend: { podSecurityContext: { runAsUser: 0 } } } },
    helm3: /backend\.podSecurityContext\.runAsUser: Must be greater than or equal to 1/,
    helm4: /\/backend\/podSecurityContext\/runAsUser'?: minimum: got 0, want 1/,
  },
  {
    name: 'a registry with a scheme',
    opts: { values: { frontend: { image: { registry: 'https://registry.example.test' } } } },
    helm3: /frontend\.image\.registry: Does not match pattern/,
    helm4: /\/frontend\/image\/registry'?: .*does not match pattern/,
  },
  {
    name: 'a digest that is not sha256 and 64 hex digits',
    opts: { values: { backend: { image: { digest: 'sha256:abc123' } } } },
    helm3: /backend\.image\.digest: Does not match pattern/,
    helm4: /\/backend\/image\/digest'?: .*does not match pattern/,
  },
  {
    name: 'an imagePullSecrets entry without a name',
    opts: { values: { imagePullSecrets: [{ secret: 'regcred' }] } },
    helm3: /imagePullSecrets\.0: (name is required|Additional property secret is not allowed)/,
    helm4: /\/imagePullSecrets\/0'?: (missing propert(y|ies) 'name'|additional propert)/,
  },
  {
    name: 'a PostgreSQL password that would break the URL',
    opts: { values: { postgresql: { auth: { password: 'p@ss:word/123' } } } },
    helm3: /postgresql\.auth\.password: Does not match pattern/,
    helm4: /\/postgresql\/auth\/password'?: .*does not match pattern/,
  },
  {
    name: 'a negative CPU number',
    opts: { values: { frontend: { resources: { limits: { cpu: -1 } } } } },
    helm3: /frontend\.resources\.limits\.cpu: Must be greater than or equal to 0/,
    helm4: /\/frontend\/resources\/limits\/cpu'?: minimum: got -1, want 0/,
  },
];
// Rules across several values, and tags: the schema lets them through so that the
// templates refuse them with the chart's own message, which names the values and the
// fix (issue 13, item 19); JSON Schema's generic lines ("Must validate \"then\" as
// \"if\" was valid") never reach the user.
const SQLITE_REPLICAS =
  /database\.mode=sqlite keeps the database in one file on a ReadWriteOnce volume that only one pod can use, so backend\.replicaCount must be 1 \(it is 2\)/;
const TEMPLATE_REJECTED: { name: string; opts: RenderOpts; message: RegExp }[] = [
  {
    name: 'SQLite with 2 backend replicas',
    opts: { values: { database: { mode: 'sqlite' }, backend: { replicaCount: 2 } } },
    message: SQLITE_REPLICAS,
  },
  {
    name: 'SQLite with backend autoscaling',
    opts: { values: { database: { mode: 'sqlite' }, autoscaling: { backend: { enabled: true } } } },
    message: /database\.mode=sqlite .* autoscaling\.backend\.enabled must be false/,
  },
  {
    name: 'external mode without a URL',
    opts: { values: { database: { mode: 'external' } } },
    message: /database\.mode=external needs the database URL: set database\.external\.url/,
  },
  {
    name: 'TLS without a Secret',
    opts: { values: { ingress: { enabled: true, tls: { enabled: true } } } },
    message: /ingress\.tls\.enabled=true needs ingress\.tls\.secretName/,
  },
  {
    name: 'autoscaling min above max',
    opts: { values: { autoscaling: { frontend: { enabled: true, minReplicas: 6, maxReplicas: 3 } } } },
    message: /autoscaling\.frontend\.minReplicas \(6\) is greater than autoscaling\.frontend\.maxReplicas \(3\)/,
  },
  {
    name: 'the latest tag',
    opts: { values: { backend: { image: { tag: 'latest' } } } },
    message:
      /backend\.image\.tag is latest: a moving tag never rolls out a new build.* Set backend\.image\.tag to a fixed tag .* or backend\.image\.digest/,
  },
  {
    name: 'the latest PostgreSQL tag',
    opts: { values: { postgresql: { image: { tag: 'latest' } } } },
    message: /postgresql\.image\.tag is latest/,
  },
  {
    name: 'an empty image tag without a digest',
    opts: { values: { frontend: { image: { tag: '' } } } },
    message: /frontend\.image\.tag is empty: set it to the image's tag .* or set frontend\.image\.digest/,
  },
];
const GENERIC_SCHEMA_LINES =
  /Must validate "then" as "if" was valid|Must not validate the schema \(not\)|values don't meet the specifications of the schema|'not' failed/;

for (const helm of HELMS) {
  for (const c of REJECTED) {
    test(`${helm.name}: values.schema.json rejects ${c.name}`, async () => {
      const stderr = await renderError(helm.bin, c.opts);
      assert.match(stderr, /values don't meet the specifications of the schema/);
      assert.match(stderr, helm.name === 'helm3' ? c.helm3 : c.helm4);
    });
  }
  for (const c of TEMPLATE_REJECTED) {
    test(`${helm.name}: the user sees the chart's own message for ${c.name}: why and how to fix it, no generic schema line`, async () => {
      for (const skipSchema of [false, true]) {
        const stderr = await renderError(helm.bin, { ...c.opts, skipSchema });
        assert.match(stderr, c.message);
        assert.not.match(stderr, GENERIC_SCHEMA_LINES);
      }
    });
  }
  test(`${helm.name}: helm lint --strict prints the chart's message for SQLite with 2 backend replicas`, async () => {
    // Helm's lint mode logs a template's fail instead of stopping on it (so lint exits 0 here);
    // install, upgrade and template stop with the message (above).
    const file = valuesFile({ database: { mode: 'sqlite' }, backend: { replicaCount: 2 } });
    const result = await run(helm.bin, ['lint', '--strict', CHART, '--values', file], { nothrow: true });
    assert.match(`${result.stdout}${result.stderr}`, SQLITE_REPLICAS);
  });
}

test('every value in values.yaml is declared in values.schema.json (no unchecked value)', () => {
  const schema = JSON.parse(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')) as Any;
  const resolve = (node: Any): Any => (node?.$ref ? resolve(schema.definitions[node.$ref.split('/').pop()]) : node);
  const propertiesOf = (node: Any): Record<string, Any> => {
    const n = resolve(node);
    const merged: Record<string, Any> = {};
    for (const part of n?.allOf ?? []) Object.assign(merged, propertiesOf(part));
    for (const [k, v] of Object.entries(n?.properties ?? {})) merged[k] = Object.keys(v as object).length ? v : (merged[k] ?? v);
    return merged;
  };
  const missing: string[] = [];
  const walk = (values: Any, node: Any, at: string) => {
    const props = propertiesOf(node);
    for (const [key, value] of Object.entries(values)) {
      if (!(key in props)) {
        missing.push(`${at}${key}`);
        continue;
      }
      const child = props[key];
      const childProps = propertiesOf(child);
      if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(childProps).length) walk(value, child, `${at}${key}.`);
    }
  };
  walk(DEFAULT_VALUES, schema, '');
  assert.equal(missing, []);
});

// --- secrets ----------------------------------------------------------------------------

const b64 = (text: string) => Buffer.from(text).toString('base64');

for (const helm of HELMS) {
  test(`${helm.name}: secret values end up only inside Secret objects`, async () => {
    const apiKey = `sk-test-${randomBytes(16).toString('hex')}`;
    const dbPassword = randomBytes(12).toString('hex');
    const url = `postgresql://todo:${dbPassword}@db.internal.test:5432/todo`;
    const cases = [
      { values: { secrets: { openaiApiKey: apiKey }, database: { mode: 'external', external: { url } } }, secrets: [apiKey, dbPassword] },
      { values: { secrets: { openaiApiKey: apiKey } }, secrets: [apiKey] },
    ];
    for (const c of cases) {
      const docs = await render(helm.bin, { values: c.values });
      const secretDocs = docs.filter((d) => d.object.kind === 'Secret');
      for (const doc of docs.filter((d) => d.object.kind !== 'Secret')) {
        for (const secret of c.secrets) {
          for (const form of [secret, b64(secret)])
            assert.not.ok(doc.text.includes(form), `${doc.object.kind}/${doc.object.metadata.name} contains a secret`);
        }
        if (c.secrets.includes(dbPassword))
          assert.not.ok(doc.text.includes(b64(url)), `${doc.object.kind}/${doc.object.metadata.name} contains the URL`);
      }
      const appSecret = secretDocs.map((d) => d.object as Any).find((s) => s.data?.OPENAI_API_KEY);
      assert.ok(appSecret, 'no Secret holds OPENAI_API_KEY');
      assert.is(Buffer.from(appSecret.data.OPENAI_API_KEY, 'base64').toString(), apiKey);
      const backend = one(docs, 'Deployment', 'backend').spec.template.spec.containers[0];
      const keyRef = backend.env.find((e: Any) => e.name === 'OPENAI_API_KEY').valueFrom.secretKeyRef;
      assert.equal(keyRef, { name: appSecret.metadata.name, key: 'OPENAI_API_KEY' });
      if (c.secrets.includes(dbPassword)) {
        assert.is(Buffer.from(appSecret.data.DATABASE_URL, 'base64').toString(), url);
        assert.equal(backend.env.find((e: Any) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef, {
          name: appSecret.metadata.name,
          key: 'DATABASE_URL',
        });
      }
    }
  });

  test(`${helm.name}: no pod references a Secret key that may not exist (no CreateContainerConfigError)`, async () => {
    let checked = 0;
    for (const set of [...VALUE_SETS, { name: 'with api key', files: [valuesFile({ secrets: { openaiApiKey: 'sk-test-0123456789' } })] }]) {
      const docs = await render(helm.bin, { files: set.files });
      const values = set.files.map((f) => YAML.parse(readFileSync(f, 'utf8')) as Any);
      // Secrets the user is told to create (documented existingSecret values); the one for
      // OPENAI_API_KEY "may hold" the key, so references to it must be optional.
      const userSecrets = new Set(
        values
          .flatMap((v) => [v.database?.external?.existingSecret, v.postgresql?.auth?.existingSecret, v.ingress?.tls?.secretName])
          .filter(Boolean),
      );
      const optionalSecrets = new Set(values.map((v) => v.secrets?.existingSecret).filter(Boolean));
      const rendered = new Map(ofKind(docs, 'Secret').map((s) => [s.metadata.name, s]));
      for (const pod of pods(docs)) {
        for (const c of containersOf(pod.spec)) {
          const refs = [
            ...(c.env ?? []).map((e: Any) => e.valueFrom?.secretKeyRef).filter(Boolean),
            ...(c.envFrom ?? []).map((e: Any) => e.secretRef).filter(Boolean),
          ];
          for (const ref of refs) {
            checked++;
            const at = `${set.name} ${pod.owner}/${c.name} → Secret ${ref.name}${ref.key ? ` key ${ref.key}` : ''}`;
            if (optionalSecrets.has(ref.name))
              assert.is(ref.optional, true, `${at}: secrets.existingSecret may lack the key, so the reference must be optional`);
            if (ref.optional === true) continue;
            const secret = rendered.get(ref.name);
            if (secret) {
              if (ref.key) assert.ok(secret.data?.[ref.key] ?? secret.stringData?.[ref.key], `${at}: the rendered Secret has no such key`);
            } else {
              assert.ok(userSecrets.has(ref.name), `${at}: neither rendered nor a documented existing Secret`);
            }
          }
        }
      }
    }
    assert.ok(checked >= 10, `only ${checked} references checked`);
  });

  test(`${helm.name}: the PostgreSQL password comes from the values when the render cannot read the cluster, the same on every render; kept on uninstall; replaceable by an existing Secret`, async () => {
    const first = await render(helm.bin, { set: { 'database.mode': 'postgres' } });
    const second = await render(helm.bin, { set: { 'database.mode': 'postgres', 'tests.enabled': 'true' } });
    const secretOf = (docs: RenderedDoc[]) => one(docs, 'Secret', 'postgresql');
    const secret = secretOf(first);
    assert.is(secret.metadata.annotations['helm.sh/resource-policy'], 'keep');
    const password = Buffer.from(secret.data.password, 'base64').toString();
    // helm template finds nothing with lookup: the given password, never a new random one per render.
    assert.is(password, RENDER_PASSWORD);
    assert.is(Buffer.from(secretOf(second).data.password, 'base64').toString(), password);
    for (const doc of first.filter((d) => d.object.kind !== 'Secret'))
      assert.not.ok(doc.text.includes(password), `${doc.object.kind} contains the password`);
    const sts = one(first, 'StatefulSet', 'postgresql');
    assert.equal(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    const pgEnv = sts.spec.template.spec.containers[0].env.find((e: Any) => e.name === 'POSTGRES_PASSWORD');
    assert.equal(pgEnv.valueFrom.secretKeyRef, { name: secret.metadata.name, key: 'password' });
    // The backend's URL takes the same password from the same Secret, and names the headless Service.
    const backend = one(first, 'Deployment', 'backend').spec.template.spec.containers[0];
    const dbPassword = backend.env.find((e: Any) => e.name === 'DB_PASSWORD');
    assert.equal(dbPassword.valueFrom.secretKeyRef, { name: secret.metadata.name, key: 'password' });
    const urlEnv = backend.env.find((e: Any) => e.name === 'DATABASE_URL');
    const service = one(first, 'Service', 'postgresql');
    assert.is(service.spec.clusterIP, 'None');
    assert.is(sts.spec.serviceName, service.metadata.name);
    assert.is(urlEnv.value, `postgresql://todo:$(DB_PASSWORD)@${service.metadata.name}:5432/todo`);
    assert.ok(
      backend.env.indexOf(dbPassword) < backend.env.indexOf(urlEnv),
      'DB_PASSWORD must come before DATABASE_URL for $(...) expansion',
    );

    const own = await render(helm.bin, { set: { 'postgresql.auth.existingSecret': 'my-pg' } });
    assert.is(ofKind(own, 'Secret').length, 0);
    assert.is(
      one(own, 'StatefulSet', 'postgresql').spec.template.spec.containers[0].env.find((e: Any) => e.name === 'POSTGRES_PASSWORD').valueFrom
        .secretKeyRef.name,
      'my-pg',
    );
    assert.is(
      one(own, 'Deployment', 'backend').spec.template.spec.containers[0].env.find((e: Any) => e.name === 'DB_PASSWORD').valueFrom
        .secretKeyRef.name,
      'my-pg',
    );
  });
}

const PASSWORD_MISSING =
  /database\.mode=postgres needs the PostgreSQL password, and this render cannot read Secret demo-todo-chatbot-postgresql from the cluster \(helm template, --dry-run=client, or a GitOps tool\).*Set postgresql\.auth\.password in a values file passed with -f.*or postgresql\.auth\.existingSecret/;

for (const helm of HELMS) {
  test(`${helm.name}: helm template without a PostgreSQL password fails, saying how to set it (no new random password per render)`, async () => {
    const stderr = await renderError(helm.bin, { noPassword: true });
    assert.match(stderr, PASSWORD_MISSING);
    // Not needed when the password is not the chart's to keep.
    for (const values of [
      { postgresql: { auth: { existingSecret: 'my-pg' } } },
      { database: { mode: 'sqlite' } },
      { database: { mode: 'external', external: { existingSecret: 'db' } } },
    ]) {
      assert.ok((await render(helm.bin, { values, noPassword: true })).length > 5, JSON.stringify(values));
    }
  });

  test(`${helm.name}: helm lint --strict (which never applies its output) passes with the default values and no password`, async () => {
    const result = await run(helm.bin, ['lint', '--strict', CHART], { nothrow: true });
    assert.is(result.exitCode, 0, result.stdout + result.stderr);
  });
}

test('the password order: the existing Secret (lookup), then postgresql.auth.password, then a generated one only when the render reads the cluster', () => {
  const template = readFileSync(path.join(CHART, 'templates/postgresql/secret.yaml'), 'utf8');
  assert.match(template, /lookup "v1" "Secret" \.Release\.Namespace \$name/);
  // Listing the namespace's Secrets answers only with a cluster (helm template gets an empty map).
  assert.match(template, /\$readsCluster := not \(empty \(lookup "v1" "Secret" \.Release\.Namespace ""\)\)/);
  const order = ['index $existing.data "password"', '.Values.postgresql.auth.password | b64enc', 'randAlphaNum 32', 'fail'].map((text) =>
    template.indexOf(text),
  );
  assert.ok(
    order.every((at) => at > 0),
    String(order),
  );
  assert.equal(
    [...order].sort((a, b) => a - b),
    order,
  );
});

// --- database modes ------------------------------------------------------------------------

for (const helm of HELMS) {
  test(`${helm.name}: SQLite mode: one PVC kept on uninstall, one replica, Recreate, no database server`, async () => {
    const docs = await render(helm.bin, { files: [path.join(CI_DIR, 'sqlite-values.yaml')] });
    assert.is(ofKind(docs, 'StatefulSet').length, 0);
    const pvc = one(docs, 'PersistentVolumeClaim', 'backend');
    assert.is(pvc.metadata.annotations['helm.sh/resource-policy'], 'keep');
    assert.is(pvc.spec.resources.requests.storage, '512Mi');
    const deployment = one(docs, 'Deployment', 'backend');
    assert.is(deployment.spec.replicas, 1);
    assert.is(deployment.spec.strategy.type, 'Recreate');
    const data = deployment.spec.template.spec.volumes.find((v: Any) => v.name === 'data');
    assert.is(data.persistentVolumeClaim.claimName, pvc.metadata.name);
    const container = deployment.spec.template.spec.containers[0];
    assert.is(envValue(container, docs, 'DATABASE_URL'), 'sqlite:////data/todo.db');
    assert.is(envValue(container, docs, 'DATA_DIR'), '/data');
  });

  test(`${helm.name}: external mode: the URL comes from a Secret, no database server`, async () => {
    const docs = await render(helm.bin, { files: [path.join(CI_DIR, 'external-db-values.yaml')] });
    assert.is(ofKind(docs, 'StatefulSet').length, 0);
    assert.is(objects(docs).filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'postgresql').length, 0);
    const container = one(docs, 'Deployment', 'backend').spec.template.spec.containers[0];
    const env = container.env.find((e: Any) => e.name === 'DATABASE_URL');
    assert.equal(env.valueFrom.secretKeyRef, { name: 'todo-external-db', key: 'DATABASE_URL' });
    assert.is(one(docs, 'Deployment', 'backend').spec.replicas, 2);
  });

  test(`${helm.name}: default values: 2 frontend and 1 backend replicas, PostgreSQL, optional objects off`, async () => {
    const docs = await render(helm.bin);
    assert.is(one(docs, 'Deployment', 'frontend').spec.replicas, 2);
    assert.is(one(docs, 'Deployment', 'backend').spec.replicas, 1);
    assert.is(one(docs, 'StatefulSet', 'postgresql').spec.replicas, 1);
    const kinds = new Set(objects(docs).map((o) => o.kind));
    for (const kind of ['Ingress', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy'])
      assert.not.ok(kinds.has(kind), `${kind} rendered by default`);
    const sa = ofKind(docs, 'ServiceAccount')[0];
    assert.is(sa.automountServiceAccountToken, false);
    for (const pod of pods(docs)) assert.is(pod.spec.serviceAccountName, sa.metadata.name, pod.owner);
  });

  test(`${helm.name}: all optional objects render and point at the right workloads`, async () => {
    const docs = await render(helm.bin, { files: [path.join(CI_DIR, 'all-optional-on-values.yaml')] });
    const ingress = ofKind(docs, 'Ingress')[0];
    assert.ok(ingress, 'no Ingress');
    assert.is(ingress.spec.ingressClassName, 'nginx');
    assert.is(ingress.spec.rules[0].host, 'todo.local');
    assert.is(ingress.spec.rules[0].http.paths[0].backend.service.name, one(docs, 'Service', 'frontend').metadata.name);
    for (const component of ['frontend', 'backend']) {
      const deployment = one(docs, 'Deployment', component);
      const hpa = one(docs, 'HorizontalPodAutoscaler', component);
      assert.equal(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
      // The HPA owns the replica count: a rendered value would fight it on every upgrade.
      assert.is(deployment.spec.replicas, undefined, `${component} replicas with an HPA`);
      assert.ok(one(docs, 'PodDisruptionBudget', component));
    }
    assert.is(ofKind(docs, 'NetworkPolicy').length, 3);
  });
}

// --- NetworkPolicy behaviour ----------------------------------------------------------------

interface Peer {
  labels?: Record<string, string>;
  external?: boolean;
  container?: Any;
}
const matches = (selector: Any, labels: Record<string, string> = {}) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/** Whether NetworkPolicies let `from` open `port` on `to` (pods of this release or "external"). */
function allowed(policies: Any[], from: Peer, to: Peer, port: number, protocol = 'TCP'): boolean {
  const portMatches = (ports: Any[] | undefined) =>
    !ports?.length ||
    ports.some(
      (p) =>
        (p.protocol ?? 'TCP') === protocol &&
        (p.port === undefined || p.port === port || (to.container && resolvePort(to.container, p.port) === port)),
    );
  const peerMatches = (peers: Any[] | undefined, peer: Peer) =>
    !peers?.length ||
    peers.some(
      (p) =>
        (p.podSelector ? !peer.external && matches(p.podSelector, peer.labels) : false) || (p.ipBlock ? peer.external === true : false),
    );
  const side = (peer: Peer, type: 'Ingress' | 'Egress', other: Peer) => {
    if (peer.external) return true;
    const selecting = policies.filter(
      (p) => matches(p.spec.podSelector, peer.labels) && (p.spec.policyTypes ?? ['Ingress']).includes(type),
    );
    if (!selecting.length) return true;
    return selecting.some((p) =>
      (type === 'Ingress' ? p.spec.ingress : p.spec.egress)?.some(
        (rule: Any) => portMatches(rule.ports) && peerMatches(type === 'Ingress' ? rule.from : rule.to, other),
      ),
    );
  };
  return side(from, 'Egress', to) && side(to, 'Ingress', from);
}

for (const helm of HELMS) {
  test(`${helm.name}: NetworkPolicies allow frontend → backend → database and DNS, nothing else`, async () => {
    const docs = await render(helm.bin, { files: [path.join(CI_DIR, 'all-optional-on-values.yaml')] });
    const policies = ofKind(docs, 'NetworkPolicy');
    const peer = (component: string): Peer => {
      const pod = pods(docs).find((p) => p.labels['app.kubernetes.io/component'] === component)!;
      return { labels: pod.labels, container: pod.spec.containers[0] };
    };
    const [frontend, backend, db, check] = ['frontend', 'backend', 'postgresql', 'test'].map(peer) as [Peer, Peer, Peer, Peer];
    const outside: Peer = { external: true };
    const cases: [string, boolean, boolean][] = [
      ['outside → frontend:3000', allowed(policies, outside, frontend, 3000), true],
      ['frontend → backend:8000', allowed(policies, frontend, backend, 8000), true],
      ['backend → postgresql:5432', allowed(policies, backend, db, 5432), true],
      ['helm test → backend:8000', allowed(policies, check, backend, 8000), true],
      ['frontend → DNS', allowed(policies, frontend, outside, 53, 'UDP'), true],
      ['backend → DNS', allowed(policies, backend, outside, 53, 'UDP'), true],
      ['backend → OpenAI (443)', allowed(policies, backend, outside, 443), true],
      ['frontend → postgresql:5432', allowed(policies, frontend, db, 5432), false],
      ['outside → backend:8000', allowed(policies, outside, backend, 8000), false],
      ['outside → postgresql:5432', allowed(policies, outside, db, 5432), false],
      ['frontend → outside:443', allowed(policies, frontend, outside, 443), false],
      ['postgresql → outside:443', allowed(policies, db, outside, 443), false],
      ['backend → frontend:3000', allowed(policies, backend, frontend, 3000), false],
    ];
    const wrong = cases.filter(([, got, want]) => got !== want).map(([name, got]) => `${name}: ${got ? 'allowed' : 'denied'}`);
    assert.equal(wrong, []);

    const open = await render(helm.bin, {
      files: [path.join(CI_DIR, 'all-optional-on-values.yaml')],
      set: { 'networkPolicy.allowExternalBackend': 'true' },
    });
    assert.ok(allowed(ofKind(open, 'NetworkPolicy'), outside, backend, 8000), 'allowExternalBackend=true must open the backend');
  });
}

// --- checksums, names, helm test, NOTES -------------------------------------------------------

for (const helm of HELMS) {
  test(`${helm.name}: a changed setting or secret changes the pod checksums (pods roll); others stay`, async () => {
    const annotations = async (values?: unknown) => {
      const docs = await render(helm.bin, { values });
      return {
        backend: one(docs, 'Deployment', 'backend').spec.template.metadata.annotations,
        frontend: one(docs, 'Deployment', 'frontend').spec.template.metadata.annotations,
      };
    };
    const base = await annotations({ secrets: { openaiApiKey: 'sk-test-aaaaaaaa' } });
    const logLevel = await annotations({ secrets: { openaiApiKey: 'sk-test-aaaaaaaa' }, config: { logLevel: 'debug' } });
    const key = await annotations({ secrets: { openaiApiKey: 'sk-test-bbbbbbbb' } });
    const port = await annotations({ secrets: { openaiApiKey: 'sk-test-aaaaaaaa' }, backend: { service: { port: 8080 } } });
    assert.match(base.backend['checksum/config'], /^[0-9a-f]{64}$/);
    assert.match(base.backend['checksum/secret'], /^[0-9a-f]{64}$/);
    assert.is.not(logLevel.backend['checksum/config'], base.backend['checksum/config']);
    assert.is(logLevel.backend['checksum/secret'], base.backend['checksum/secret']);
    assert.is(logLevel.frontend['checksum/config'], base.frontend['checksum/config']);
    assert.is.not(key.backend['checksum/secret'], base.backend['checksum/secret']);
    assert.is(key.backend['checksum/config'], base.backend['checksum/config']);
    // The frontend's BACKEND_URL follows the backend Service's port.
    assert.is.not(port.frontend['checksum/config'], base.frontend['checksum/config']);
  });

  test(`${helm.name}: names fit in 63 characters (52 for the StatefulSet), stay distinct and valid with the longest release name`, async () => {
    const release = `r${'x'.repeat(44)}-release`;
    assert.is(release.length, 53);
    for (const set of VALUE_SETS) {
      const docs = await render(helm.bin, { files: set.files, release });
      const names = new Set<string>();
      for (const o of objects(docs)) {
        assert.ok(o.metadata.name.length <= (o.kind === 'StatefulSet' ? 52 : 63), `${o.kind}/${o.metadata.name}`);
        assert.not.ok(names.has(`${o.kind}/${o.metadata.name}`), `duplicate ${o.kind}/${o.metadata.name}`);
        names.add(`${o.kind}/${o.metadata.name}`);
        for (const value of Object.values(o.metadata.labels ?? {})) assert.ok(String(value).length <= 63);
      }
      for (const component of ['frontend', 'backend'])
        assert.match(one(docs, 'Deployment', component).metadata.name, new RegExp(`-${component}$`));
      assert.equal(await validateObjects(objects(docs), { bin: validator.bin }), [], set.name);
    }
  });

  test(`${helm.name}: the helm test Pod checks /health, /ready, /api/health and the frontend's proxy to the backend, through the Services, with the backend image`, async () => {
    const docs = await render(helm.bin);
    const pod = ofKind(docs, 'Pod').find(isHook);
    assert.ok(pod, 'no helm test pod');
    assert.is(pod.metadata.annotations['helm.sh/hook'], 'test');
    assert.is(pod.spec.restartPolicy, 'Never');
    const container = pod.spec.containers[0];
    assert.is(container.image, one(docs, 'Deployment', 'backend').spec.template.spec.containers[0].image);
    const urls = container.env
      .find((e: Any) => e.name === 'CHECK_URLS')
      .value.split(' ')
      .map((u: string) => new URL(u));
    const backend = one(docs, 'Service', 'backend');
    const frontend = one(docs, 'Service', 'frontend');
    assert.equal(
      urls.map((u: URL) => `${u.hostname}:${u.port}${u.pathname}`),
      [
        `${backend.metadata.name}:${backend.spec.ports[0].port}/health`,
        `${backend.metadata.name}:${backend.spec.ports[0].port}/ready`,
        `${frontend.metadata.name}:${frontend.spec.ports[0].port}/api/health`,
      ],
    );
    assert.match(container.command.join(' '), /urllib\.request\.urlopen/);
    assert.match(container.command.join(' '), /sys\.exit\(1 if failed else 0\)/);
    // The frontend's /api/tasks route forwards to the backend (app/frontend/lib/backend.ts).
    const proxy = new URL(container.env.find((e: Any) => e.name === 'PROXY_URL').value);
    assert.is(`${proxy.hostname}:${proxy.port}${proxy.pathname}`, `${frontend.metadata.name}:${frontend.spec.ports[0].port}/api/tasks`);
    const off = await render(helm.bin, { set: { 'tests.enabled': 'false' } });
    assert.is(ofKind(off, 'Pod').length, 0);
  });

  test(`${helm.name}: NOTES.txt tells how to reach the app for NodePort, ClusterIP and Ingress, and how to validate`, async () => {
    // helm template does not print NOTES.txt and Helm 3's dry-run needs a cluster, so render it
    // through a copy of the chart that exposes the notes as a ConfigMap.
    const copy = path.join(scratch, `notes-${helm.name}`);
    cpSync(CHART, copy, { recursive: true });
    cpSync(path.join(copy, 'templates/NOTES.txt'), path.join(copy, 'notes.txt'));
    writeFileSync(
      path.join(copy, 'templates/zz-notes.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ tpl (.Files.Get "notes.txt") . | quote }}\n',
    );
    const notes = async (values?: unknown) =>
      ofKind(await render(helm.bin, { chartDir: copy, values }), 'ConfigMap').find((c) => c.metadata.name === 'notes').data.notes as string;
    const nodePort = await notes();
    assert.match(nodePort, /http:\/\/\$\(minikube ip\):30080\//);
    assert.match(nodePort, /minikube service demo-todo-chatbot-frontend -n default --url/);
    assert.match(nodePort, /helm test demo/);
    assert.match(nodePort, /npm run validate/);
    const clusterIp = await notes({ frontend: { service: { type: 'ClusterIP' } }, backend: { service: { type: 'ClusterIP' } } });
    assert.match(clusterIp, /kubectl port-forward -n default svc\/demo-todo-chatbot-frontend 3000:3000/);
    assert.not.match(clusterIp, /minikube ip/);
    assert.match(await notes({ ingress: { enabled: true, host: 'todo.example.test' } }), /http:\/\/todo\.example\.test\//);
    assert.not.match(nodePort, /password: /i);
    assert.match(nodePort, /http:\/\/\$\(minikube ip\):30800\/health/);

    // The NetworkPolicy blocks the backend's NodePort: NOTES must not advertise it.
    const policy = await notes({ networkPolicy: { enabled: true } });
    assert.not.match(policy, /30800|minikube service demo-todo-chatbot-backend/);
    assert.match(policy, /Backend: +only the frontend can reach it: networkPolicy\.enabled=true blocks its NodePort from outside/);
    assert.match(policy, /networkPolicy\.allowExternalBackend=true/);
    assert.match(policy, /kubectl port-forward -n default svc\/demo-todo-chatbot-backend 8000:8000/);
    assert.match(policy, /http:\/\/\$\(minikube ip\):30080\//);
    assert.match(await notes({ networkPolicy: { enabled: true, allowExternalBackend: true } }), /http:\/\/\$\(minikube ip\):30800\/health/);
    // No helm test advice when the tests are disabled.
    assert.not.match(await notes({ tests: { enabled: false } }), /helm test/);
    // Auto-assigned NodePorts: NOTES prints the command that reads what the cluster picked.
    const auto = await notes({ frontend: { service: { nodePort: null } }, backend: { service: { nodePort: null } } });
    assert.not.match(auto, /30080|30800/);
    assert.match(
      auto,
      /http:\/\/\$\(minikube ip\):\$\(kubectl get svc demo-todo-chatbot-frontend -n default -o jsonpath='\{\.spec\.ports\[0\]\.nodePort\}'\)\//,
    );
    assert.match(
      auto,
      /http:\/\/\$\(minikube ip\):\$\(kubectl get svc demo-todo-chatbot-backend -n default -o jsonpath='\{\.spec\.ports\[0\]\.nodePort\}'\)\/health/,
    );
  });
}

// --- issue 13: images, managed keys, quantities, NodePorts, helm test path ---------------------

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

for (const helm of HELMS) {
  test(`${helm.name}: an image is [registry/]repository then @digest (the tag ignored) or :tag; imagePullSecrets reach every pod, helm test included`, async () => {
    // The keys deploy sets: registry, repository, tag, digest.
    const docs = await render(helm.bin, {
      values: {
        imagePullSecrets: [{ name: 'regcred' }, { name: 'mirror-cred' }],
        frontend: {
          image: { registry: 'registry.example.test:5000/team', repository: 'todo-frontend', tag: 'f3a9c1d2e4b5', digest: DIGEST },
        },
        backend: { image: { registry: '127.0.0.1:5000', repository: 'todo-backend', tag: '0b1c2d3e4f5a', digest: '' } },
        postgresql: { image: { registry: 'mirror.example.test', tag: 'latest', digest: DIGEST } },
      },
    });
    const images = Object.fromEntries(pods(docs).flatMap((p) => containersOf(p.spec).map((c) => [c.name, c.image])));
    assert.equal(images, {
      frontend: `registry.example.test:5000/team/todo-frontend@${DIGEST}`,
      backend: '127.0.0.1:5000/todo-backend:0b1c2d3e4f5a',
      postgresql: `mirror.example.test/postgres@${DIGEST}`,
      check: '127.0.0.1:5000/todo-backend:0b1c2d3e4f5a',
    });
    assert.ok(
      pods(docs).some((p) => p.hook),
      'no helm test pod',
    );
    for (const pod of pods(docs)) assert.equal(pod.spec.imagePullSecrets, [{ name: 'regcred' }, { name: 'mirror-cred' }], pod.owner);
    assert.equal(await validateObjects(objects(docs), { bin: validator.bin }), []);
    // The defaults: no registry, no digest, no pull secrets.
    for (const pod of pods(await render(helm.bin))) {
      assert.is(pod.spec.imagePullSecrets, undefined, pod.owner);
      for (const c of containersOf(pod.spec)) assert.not.match(c.image, /[@/]/, `${pod.owner}: ${c.image}`);
    }
  });

  test(`${helm.name}: commonLabels and podAnnotations cannot replace the keys the chart manages (selectors, checksums)`, async () => {
    const base = { secrets: { openaiApiKey: 'sk-test-aaaaaaaa' } };
    const hijack = {
      commonLabels: {
        'app.kubernetes.io/name': 'other',
        'app.kubernetes.io/instance': 'other',
        'app.kubernetes.io/component': 'other',
        'app.kubernetes.io/managed-by': 'other',
        'helm.sh/chart': 'other',
        team: 'todo',
      },
      frontend: { podAnnotations: { 'checksum/config': 'pinned', owner: 'me' } },
      backend: { podAnnotations: { 'checksum/config': 'pinned', 'checksum/secret': 'pinned' } },
    };
    // The checksums cover the whole ConfigMap, labels included: compare with the same labels.
    const plain = await render(helm.bin, { values: { ...base, commonLabels: hijack.commonLabels } });
    const docs = await render(helm.bin, { values: { ...base, ...hijack } });
    for (const o of objects(docs)) {
      const labels = o.metadata.labels ?? {};
      assert.is(labels['app.kubernetes.io/name'], 'todo-chatbot', `${o.kind}/${o.metadata.name}`);
      assert.is(labels['app.kubernetes.io/instance'], 'demo', `${o.kind}/${o.metadata.name}`);
      assert.is(labels['app.kubernetes.io/managed-by'], 'Helm', `${o.kind}/${o.metadata.name}`);
      assert.is(labels.team, 'todo', `${o.kind}/${o.metadata.name}`);
    }
    for (const kind of ['Deployment', 'StatefulSet']) {
      for (const o of ofKind(docs, kind)) {
        const podLabels = o.spec.template.metadata.labels;
        assert.ok(
          Object.entries(o.spec.selector.matchLabels).every(([k, v]) => podLabels[k] === v),
          `${o.kind}/${o.metadata.name}: the selector does not select its pods`,
        );
      }
    }
    const annotations = (d: RenderedDoc[], component: string) => one(d, 'Deployment', component).spec.template.metadata.annotations;
    assert.is(annotations(docs, 'frontend')['checksum/config'], annotations(plain, 'frontend')['checksum/config']);
    assert.is(annotations(docs, 'frontend').owner, 'me');
    assert.is(annotations(docs, 'backend')['checksum/config'], annotations(plain, 'backend')['checksum/config']);
    assert.is(annotations(docs, 'backend')['checksum/secret'], annotations(plain, 'backend')['checksum/secret']);
    // A config change still rolls the pods.
    const changed = await render(helm.bin, { values: { ...base, ...hijack, config: { logLevel: 'debug' } } });
    assert.is.not(annotations(changed, 'backend')['checksum/config'], annotations(docs, 'backend')['checksum/config']);
    assert.equal(await validateObjects(objects(docs), { bin: validator.bin }), []);
  });

  test(`${helm.name}: numeric CPU and memory quantities (cpu: 1, cpu: 0.5) are accepted, as Kubernetes accepts them`, async () => {
    const docs = await render(helm.bin, {
      values: {
        frontend: { resources: { requests: { cpu: 0.5, memory: '128Mi' }, limits: { cpu: 1, memory: 402653184 } } },
        postgresql: { resources: { limits: { cpu: 2, memory: '1Gi' } } },
      },
    });
    assert.equal(one(docs, 'Deployment', 'frontend').spec.template.spec.containers[0].resources, {
      requests: { cpu: 0.5, memory: '128Mi' },
      limits: { cpu: 1, memory: 402653184 },
    });
    assert.equal(one(docs, 'StatefulSet', 'postgresql').spec.template.spec.containers[0].resources.limits, { cpu: 2, memory: '1Gi' });
    assert.equal(await validateObjects(objects(docs), { bin: validator.bin }), []);
  });

  test(`${helm.name}: nodePort null leaves the NodePort to the cluster (a second release gets free ones)`, async () => {
    const docs = await render(helm.bin, {
      files: [valuesFile({ frontend: { service: { nodePort: null } }, backend: { service: { nodePort: null } } })],
    });
    for (const component of ['frontend', 'backend']) {
      const service = one(docs, 'Service', component);
      assert.is(service.spec.type, 'NodePort');
      assert.not.ok('nodePort' in service.spec.ports[0], `${component}: ${JSON.stringify(service.spec.ports[0])}`);
    }
    assert.equal(await validateObjects(objects(docs), { bin: validator.bin }), []);
  });
}

/** A local server on 127.0.0.1 answering with `handle`; closed after the test. */
async function listen(
  handle: (url: URL, headers: Record<string, string | string[] | undefined>) => Promise<{ status: number; body: string }>,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    handle(new URL(req.url ?? '/', 'http://127.0.0.1'), req.headers)
      .then(({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(body))
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test("the helm test script fails when the frontend's proxy cannot reach the backend, and passes when the whole path answers", async () => {
  const pod = ofKind(await render(HELMS[0]!.bin), 'Pod').find(isHook);
  const container = pod.spec.containers[0];
  const script = container.command[2] as string;
  // A stand-in backend, and a frontend with the app's proxy contract (app/frontend/lib/backend.ts):
  // /api/tasks needs the todo_user cookie and relays the backend's /api/<user>/tasks, or 502.
  let backendUp = true;
  const backend = await listen(async (url) => {
    if (!backendUp) return { status: 503, body: '{"detail":"down"}' };
    if (url.pathname === '/api/helm-test/tasks') return { status: 200, body: '[]' };
    return { status: 200, body: '{"status":"ok"}' };
  });
  const frontend = await listen(async (url, headers) => {
    if (url.pathname === '/api/health') return { status: 200, body: '{"status":"ok"}' };
    const user = /todo_user=([^;]+)/.exec(String(headers.cookie ?? ''))?.[1];
    if (url.pathname !== '/api/tasks' || !user) return { status: 401, body: '{"detail":"No user selected"}' };
    if (!backendUp) return { status: 502, body: '{"detail":"Backend unavailable: cannot connect (ECONNREFUSED)"}' };
    const upstream = await fetch(`${backend.url}/api/${user}/tasks`);
    return { status: upstream.status, body: await upstream.text() };
  });
  try {
    const env = {
      http_proxy: undefined,
      HTTP_PROXY: undefined,
      all_proxy: undefined,
      ALL_PROXY: undefined,
      CHECK_URLS: `${backend.url}/health ${backend.url}/ready ${frontend.url}/api/health`,
      PROXY_URL: `${frontend.url}/api/tasks`,
    };
    const up = await run('python3', ['-c', script], { env, nothrow: true });
    assert.is(up.exitCode, 0, up.stdout + up.stderr);
    assert.match(up.stdout, new RegExp(`ok   200 ${frontend.url}/api/tasks \\[\\]`));
    backendUp = false;
    const down = await run('python3', ['-c', script], { env: { ...env, CHECK_URLS: `${frontend.url}/api/health` }, nothrow: true });
    assert.is(down.exitCode, 1, down.stdout + down.stderr);
    assert.match(down.stdout, /ok   200 .*\/api\/health/);
    assert.match(down.stdout, new RegExp(`FAIL ${frontend.url}/api/tasks: HTTP Error 502`));
  } finally {
    backend.server.close();
    frontend.server.close();
  }
});

// --- upgrade safety -------------------------------------------------------------------------

/** Fields a live cluster refuses to change. */
function immutableFields(o: Any): Record<string, unknown> | undefined {
  switch (o.kind) {
    case 'Deployment':
      return { selector: o.spec.selector };
    case 'StatefulSet':
      return {
        selector: o.spec.selector,
        volumeClaimTemplates: o.spec.volumeClaimTemplates,
        serviceName: o.spec.serviceName,
        podManagementPolicy: o.spec.podManagementPolicy,
      };
    case 'Service':
      return { clusterIP: o.spec.clusterIP };
    case 'PersistentVolumeClaim':
      return { accessModes: o.spec.accessModes, storageClassName: o.spec.storageClassName };
    default:
      return undefined;
  }
}

for (const helm of HELMS) {
  test(`${helm.name}: an upgrade (new chart version, changed values) keeps every selector and volumeClaimTemplate`, async () => {
    const upgraded = path.join(scratch, `upgraded-${helm.name}`);
    cpSync(CHART, upgraded, { recursive: true });
    const chartYaml = path.join(upgraded, 'Chart.yaml');
    writeFileSync(
      chartYaml,
      readFileSync(chartYaml, 'utf8')
        .replace(/^version: .*$/m, 'version: 9.9.9')
        .replace(/^appVersion: .*$/m, 'appVersion: "9.9.9"'),
    );
    const changes = {
      commonLabels: { tier: 'web' },
      frontend: {
        replicaCount: 3,
        image: { tag: 'new-frontend-hash' },
        service: { type: 'ClusterIP' },
        resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      },
      backend: { replicaCount: 1, image: { tag: 'new-backend-hash' }, webConcurrency: 2, service: { type: 'ClusterIP' } },
      config: { logLevel: 'debug', openaiModel: 'gpt-4o' },
      secrets: { openaiApiKey: 'sk-test-upgrade-key' },
      postgresql: { image: { tag: '17.6-alpine' } },
      podDisruptionBudget: { enabled: true },
      networkPolicy: { enabled: true },
      ingress: { enabled: true },
    };
    let compared = 0;
    for (const mode of ['postgres', 'sqlite', 'external'] as const) {
      const modeValues = mode === 'external' ? { database: { mode, external: { existingSecret: 'db' } } } : { database: { mode } };
      const before = await render(helm.bin, { values: modeValues });
      const after = await render(helm.bin, { chartDir: upgraded, files: [valuesFile(modeValues), valuesFile(changes)] });
      const afterByKey = new Map(objects(after).map((o) => [`${o.kind}/${o.metadata.name}`, o]));
      for (const o of objects(before)) {
        const fields = immutableFields(o);
        if (!fields) continue;
        const key = `${o.kind}/${o.metadata.name}`;
        const next = afterByKey.get(key);
        assert.ok(next, `${mode}: ${key} disappears on upgrade (a rename would delete and recreate it)`);
        assert.equal(immutableFields(next), fields, `${mode}: ${key} changes an immutable field`);
        compared++;
      }
      // The upgrade really changed the pods (so the comparison above means something).
      assert.is.not(
        one(after, 'Deployment', 'backend').spec.template.metadata.labels['app.kubernetes.io/version'],
        one(before, 'Deployment', 'backend').spec.template.metadata.labels['app.kubernetes.io/version'],
      );
    }
    assert.ok(compared >= 12, `only ${compared} objects compared`);
  });
}

test('the upgrade check catches a selector that changes with the version (the check can fail)', async () => {
  const broken = path.join(scratch, 'broken-selector');
  cpSync(CHART, broken, { recursive: true });
  const helpers = path.join(broken, 'templates/_helpers.tpl');
  // A classic mistake: a selector label that carries the version.
  writeFileSync(
    helpers,
    readFileSync(helpers, 'utf8').replace(
      'app.kubernetes.io/component: {{ .component }}',
      'app.kubernetes.io/component: {{ .component }}-{{ .ctx.Chart.AppVersion }}',
    ),
  );
  const bumped = path.join(scratch, 'broken-selector-bumped');
  cpSync(broken, bumped, { recursive: true });
  writeFileSync(
    path.join(bumped, 'Chart.yaml'),
    readFileSync(path.join(bumped, 'Chart.yaml'), 'utf8').replace(/^appVersion: .*$/m, 'appVersion: "9.9.9"'),
  );
  const backendOf = async (chartDir: string) =>
    ofKind(await render(HELMS[0]!.bin, { chartDir }), 'Deployment').find((d) => d.metadata.name.endsWith('-backend'));
  const before = await backendOf(broken);
  const after = await backendOf(bumped);
  assert.ok(before && after);
  assert.not.equal(immutableFields(after), immutableFields(before));
});

test('the chart files the issue asks for exist', () => {
  for (const file of [
    'Chart.yaml',
    '.helmignore',
    'values.yaml',
    'values.schema.json',
    'values-local.yaml.example',
    'README.md',
    'templates/_helpers.tpl',
    'templates/NOTES.txt',
  ]) {
    assert.ok(readdirSync(path.dirname(path.join(CHART, file))).includes(path.basename(file)), file);
  }
  const chart = YAML.parse(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Any;
  assert.is(chart.apiVersion, 'v2');
  assert.is(chart.type, 'application');
  assert.ok(chart.version && chart.appVersion);
  // values-local.yaml holds secrets: the repository ignores it.
  const gitignore = readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8');
  assert.match(gitignore, /^(\*\*\/)?values-local\.yaml$/m);
});

test.run();
