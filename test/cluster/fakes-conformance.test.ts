// Keeps the fake kit honest for what the real cluster cannot stage (minikube, kind, k3d,
// Docker Desktop): every read call that deploy and validate made against the real cluster
// (recorded by the e2e suite's tool wrappers) is replayed against test/fakes, and every
// field the toolkit reads that the real answer had must be in the fake's answer, with the
// same JSON type; the exit codes must agree too.
//   TODO_RECORD=<calls.jsonl> HELM_MAJOR=4 node --import tsx test/cluster/fakes-conformance.test.ts
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextName, createTodoChatbotCluster } from '../fakes/kit.ts';

interface Recorded {
  tool: 'kubectl' | 'helm';
  argv: string[];
  exitCode: number;
  stdout: string;
}

const recordFile = process.env.TODO_RECORD;
if (!recordFile) throw new Error('TODO_RECORD is not set: run this file through npm test -- --only cluster');
const calls = readFileSync(recordFile, 'utf8')
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Recorded);

/**
 * The fields the toolkit reads, per kind (lib/kubectl.ts, lib/status/, lib/checks/*, lib/access.ts,
 * lib/providers/*, lib/helm.ts). A path is dot-separated; `[]` is any array element.
 */
export const READ_FIELDS: Record<string, string[]> = {
  Pod: [
    'metadata.name',
    'metadata.labels',
    'metadata.ownerReferences[].kind',
    'metadata.ownerReferences[].name',
    'status.phase',
    'status.containerStatuses[].name',
    'status.containerStatuses[].image',
    'status.containerStatuses[].imageID',
    'status.containerStatuses[].ready',
    'status.containerStatuses[].restartCount',
    'status.containerStatuses[].state',
    'spec.containers[].name',
    'spec.containers[].image',
  ],
  Deployment: [
    'metadata.name',
    'metadata.generation',
    'metadata.labels',
    'spec.replicas',
    'spec.template.spec.containers[].image',
    'status.replicas',
    'status.readyReplicas',
    'status.updatedReplicas',
    'status.availableReplicas',
    'status.observedGeneration',
    'status.conditions[].type',
    'status.conditions[].message',
  ],
  StatefulSet: [
    'metadata.name',
    'metadata.generation',
    'spec.replicas',
    'status.replicas',
    'status.readyReplicas',
    'status.updatedReplicas',
    'status.observedGeneration',
    'status.currentRevision',
    'status.updateRevision',
  ],
  Service: ['metadata.name', 'metadata.labels', 'spec.type', 'spec.ports[].name', 'spec.ports[].port', 'spec.ports[].nodePort'],
  Node: [
    'metadata.name',
    'status.conditions[].type',
    'status.conditions[].status',
    'status.images[].names',
    'status.addresses[].type',
    'status.addresses[].address',
    'status.nodeInfo.kubeletVersion',
  ],
  PersistentVolumeClaim: ['metadata.name', 'status.phase', 'status.capacity.storage'],
  Namespace: ['metadata.name', 'status.phase'],
  ConfigMap: ['metadata.name', 'data'],
  Secret: ['metadata.name', 'data'],
  Endpoints: ['metadata.name', 'subsets[].addresses[].ip'],
  Event: ['involvedObject.kind', 'involvedObject.name', 'reason', 'message', 'type'],
  'helm status': ['name', 'version', 'info.status', 'info.description', 'chart.metadata.version', 'chart.metadata.appVersion'],
  'helm history': ['[].revision', '[].status', '[].description'],
  'kubectl version': ['clientVersion.gitVersion', 'serverVersion.gitVersion'],
};

/** Every path in a JSON value, arrays as `[]`, with the JSON type of what is there. */
export function paths(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (prefix) out.set(prefix, type);
  if (Array.isArray(value)) for (const v of value) for (const [k, t] of paths(v, `${prefix}[]`)) out.set(k, t);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) for (const [p, t] of paths(v, prefix ? `${prefix}.${k}` : k)) out.set(p, t);
  return out;
}

/** Objects of a kubectl JSON answer by kind (a List, or one object). */
function byKind(doc: any): Map<string, any[]> {
  const items = Array.isArray(doc?.items) ? doc.items : doc?.kind ? [doc] : [];
  const out = new Map<string, any[]>();
  for (const item of items) out.set(item.kind, [...(out.get(item.kind) ?? []), item]);
  return out;
}

const union = (objects: unknown[]) => {
  const all = new Map<string, string>();
  for (const o of objects) for (const [k, t] of paths(o)) all.set(k, t);
  return all;
};

/** The fields the toolkit reads that the real answer has and the fake's lacks or types differently. */
export function missingFields(fields: string[], real: unknown[], fake: unknown[]): string[] {
  const r = union(real);
  const f = union(fake);
  return fields.filter((p) => r.has(p) && f.get(p) !== r.get(p)).map((p) => `${p} (real ${r.get(p)}, fake ${f.get(p) ?? 'absent'})`);
}

/** Calls that only read: the ones whose answers the toolkit parses. */
function isRead(c: Recorded): boolean {
  const a = c.argv.filter((x) => !x.startsWith('-'));
  if (c.tool === 'kubectl') return (a.includes('get') && c.argv.includes('json')) || a[0] === 'version';
  return ['status', 'history'].includes(a[0] ?? '') && c.argv.includes('json');
}

const major = process.env.HELM_MAJOR ?? '3';
const reads = calls.filter(isRead);
// One replay per distinct call (many are repeated polls).
const distinct = [...new Map(reads.map((c) => [`${c.tool} ${c.argv.join(' ')}`, c])).values()];
// The namespace the suite deployed into: the fake deploys its release there too.
const namespaces = distinct
  .map((c) => c.argv[c.argv.indexOf('--namespace') + 1])
  .filter((n): n is string => Boolean(n) && !n!.startsWith('-'));
const namespace =
  namespaces.sort((a, b) => namespaces.filter((n) => n === b).length - namespaces.filter((n) => n === a).length)[0] ??
  `todo-h${process.env.HELM_MAJOR ?? '3'}`;

test(`recorded read calls of deploy and validate are there to replay (${reads.length} reads, ${distinct.length} distinct)`, () => {
  assert.ok(distinct.length >= 8, `only ${distinct.length} distinct read calls recorded`);
});

test('the fake kit answers each recorded read call with the fields the toolkit reads', async () => {
  const fake = await createTodoChatbotCluster({ provider: 'kind', namespace, helmPersona: major === '4' ? 'v4' : 'v3' });
  const fakeContext = contextName('kind');
  const problems: string[] = [];
  try {
    for (const call of distinct) {
      const argv = call.argv.map((a) => (a === 'todo-local' ? fakeContext : a));
      const replay = await fake.run(call.tool, argv);
      const shown = `${call.tool} ${call.argv.join(' ')}`;
      if ((replay.code === 0) !== (call.exitCode === 0)) {
        problems.push(
          `${shown}: real exit ${call.exitCode}, fake exit ${replay.code}${replay.stderr ? ` (${replay.stderr.trim().split('\n')[0]})` : ''}`,
        );
        continue;
      }
      if (call.exitCode !== 0 || !call.stdout) continue; // a Secret read is recorded without its answer
      const real = JSON.parse(call.stdout) as unknown;
      const mine = JSON.parse(replay.stdout) as unknown;
      const verb = call.argv.filter((x) => !x.startsWith('-'))[0];
      const special = call.tool === 'helm' ? `helm ${verb}` : verb === 'version' ? 'kubectl version' : undefined;
      if (special) {
        const missing = missingFields(READ_FIELDS[special] ?? [], [real], [mine]);
        if (missing.length) problems.push(`${shown}: ${missing.join(', ')}`);
        continue;
      }
      const realKinds = byKind(real);
      const fakeKinds = byKind(mine);
      for (const [kind, objects] of realKinds) {
        const fields = READ_FIELDS[kind];
        const fakeObjects = fakeKinds.get(kind);
        if (!fields || !fakeObjects) continue; // the fake's scenario has no such object (e.g. no Event): nothing to compare
        const missing = missingFields(fields, objects, fakeObjects);
        if (missing.length) problems.push(`${shown} [${kind}]: ${missing.join(', ')}`);
      }
    }
  } finally {
    fake.cleanup();
  }
  assert.equal(problems, [], `the fakes differ from the real cluster:\n  ${problems.join('\n  ')}`);
});

/** Answers that do not depend on what the cluster holds: they must match to the byte (stdout, stderr, exit). */
const BYTE_FOR_BYTE: { tool: 'kubectl' | 'helm'; args: (ctx: string) => string[] }[] = [
  { tool: 'kubectl', args: (ctx) => ['--context', ctx, 'get', 'namespace', 'todo-conformance-none', '--output', 'json'] },
  { tool: 'kubectl', args: (ctx) => ['--context', ctx, 'get', 'deployment', 'none', '--namespace', 'default', '--output', 'json'] },
  { tool: 'kubectl', args: (ctx) => ['--context', ctx, 'get', 'pods', '--namespace', 'todo-conformance-empty', '--output', 'json'] },
  { tool: 'helm', args: (ctx) => ['--kube-context', ctx, 'status', 'none', '--namespace', 'default'] },
  { tool: 'helm', args: (ctx) => ['--kube-context', ctx, 'history', 'none', '--namespace', 'default'] },
  { tool: 'helm', args: (ctx) => ['--kube-context', ctx, 'list', '--namespace', 'todo-conformance-empty', '--output', 'json'] },
];

test("answers that do not depend on the cluster's contents match the real tools byte for byte", async () => {
  const { spawnSync } = await import('node:child_process');
  const real = { kubectl: process.env.KUBECTL_BIN, helm: process.env.HELM_BIN };
  if (!real.kubectl || !real.helm || !process.env.KUBECONFIG)
    throw new Error('KUBECTL_BIN, HELM_BIN and KUBECONFIG are needed: run through npm test -- --only cluster');
  const fake = await createTodoChatbotCluster({ provider: 'kind', namespace, helmPersona: major === '4' ? 'v4' : 'v3' });
  const problems: string[] = [];
  try {
    for (const c of BYTE_FOR_BYTE) {
      const r = spawnSync(real[c.tool]!, c.args('todo-local'), { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      const f = await fake.run(c.tool, c.args(contextName('kind')));
      const shown = `${c.tool} ${c.args('<ctx>').join(' ')}`;
      if (r.status !== f.code) problems.push(`${shown}: exit real ${r.status}, fake ${f.code}`);
      if (r.stdout !== f.stdout) problems.push(`${shown}: stdout real ${JSON.stringify(r.stdout)}, fake ${JSON.stringify(f.stdout)}`);
      if (r.stderr !== f.stderr) problems.push(`${shown}: stderr real ${JSON.stringify(r.stderr)}, fake ${JSON.stringify(f.stderr)}`);
    }
  } finally {
    fake.cleanup();
  }
  assert.equal(problems, [], problems.join('\n'));
});

test.run();
