// The rollout's failure rules on plain objects: when a probe counts as failing, which pods
// are the rollout's, and when a workload has rolled out (kubectl rollout status's rules).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detect, type FailureCode } from '../lib/status/detect.ts';
import { currentPods, workloadProgress } from '../lib/status/progress.ts';
import type { Container, ContainerStatus, KubeEvent, Pod, Workload } from '../lib/status/types.ts';

const unhealthy = (message: string, count: number): KubeEvent => ({ reason: 'Unhealthy', message, count });
interface PodCase {
  status?: Partial<ContainerStatus>;
  spec?: Partial<Container>;
  events?: KubeEvent[];
  othersDone?: boolean;
}
/** One pod with one container "backend": the code detect() finds in it, or undefined. */
const codeOf = (c: PodCase): FailureCode | undefined => {
  const pod: Pod = {
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'backend', ...c.spec }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'backend', image: 'x', ready: false, ...c.status }] },
  };
  return detect(pod, c.events ?? [], { othersDone: c.othersDone })?.code;
};

const PROBE_CASES: [string, PodCase, boolean][] = [
  [
    'readiness failing for a minute (12 × 5 s), nothing else to wait for',
    { events: [unhealthy('Readiness probe failed: 503', 12)], spec: { readinessProbe: { periodSeconds: 5 } }, othersDone: true },
    true,
  ],
  [
    'readiness failing 4 times (20 s), nothing else to wait for',
    { events: [unhealthy('Readiness probe failed: 503', 4)], spec: { readinessProbe: { periodSeconds: 5 } }, othersDone: true },
    false,
  ],
  [
    'readiness failing for a minute while another workload (the database) still starts',
    { events: [unhealthy('Readiness probe failed: 503', 12)], spec: { readinessProbe: { periodSeconds: 5 } }, othersDone: false },
    false,
  ],
  ['readiness failing twice', { events: [unhealthy('Readiness probe failed: 503', 2)], othersDone: true }, false],
  [
    'startup failing 5 of its 30 allowed times',
    { events: [unhealthy('Startup probe failed: connection refused', 5)], spec: { startupProbe: { failureThreshold: 30 } } },
    false,
  ],
  [
    'startup failing 30 of its 30 allowed times',
    { events: [unhealthy('Startup probe failed: connection refused', 30)], spec: { startupProbe: { failureThreshold: 30 } } },
    true,
  ],
  ['a ready container', { events: [unhealthy('Readiness probe failed: 503', 9)], status: { ready: true } }, false],
];
for (const [name, over, expected] of PROBE_CASES) {
  test(`PROBE_FAILED: ${name} → ${expected ? 'diagnosed' : 'still waiting'}`, () => {
    assert.is(codeOf(over) === 'PROBE_FAILED', expected);
  });
}

const waiting = (message: string): PodCase => ({
  status: { ready: false, state: { waiting: { reason: 'CreateContainerConfigError', message } } },
});
const CONFIG_CASES: [string, boolean][] = [
  ["couldn't find key OPENAI_API_KEY in Secret todo/todo-chatbot", true],
  ['secret "todo-db" not found', true],
  ['failed to sync configmap cache: timed out waiting for the condition', false],
];
for (const [message, expected] of CONFIG_CASES) {
  test(`CONTAINER_CONFIG_ERROR: "${message}" → ${expected ? 'diagnosed' : 'still waiting (the kubelet retries)'}`, () => {
    assert.is(codeOf(waiting(message)) === 'CONTAINER_CONFIG_ERROR', expected);
  });
}

const deployment = (status: Record<string, unknown>, generation = 2): Workload => ({
  kind: 'Deployment',
  metadata: { name: 'web', generation },
  spec: { replicas: 2 },
  status,
});
const ROLLOUT_CASES: [string, Workload, boolean][] = [
  [
    'all replicas updated and available',
    deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
    true,
  ],
  [
    'the new spec not observed yet (old pods still ready)',
    deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
    false,
  ],
  [
    'one new replica, old ones still ready',
    deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }),
    false,
  ],
  [
    'all updated, an old replica not gone yet',
    deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }),
    false,
  ],
  [
    'updated but not available',
    deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 }),
    false,
  ],
];
for (const [name, workload, done] of ROLLOUT_CASES) {
  test(`rollout done: ${name} → ${done}`, () => {
    assert.is(workloadProgress(workload).done, done);
  });
}

const statefulSet = (status: Record<string, unknown>): Workload => ({
  kind: 'StatefulSet',
  metadata: { name: 'db', generation: 1 },
  spec: { replicas: 1 },
  status: { observedGeneration: 1, replicas: 1, ...status },
});
const STATEFULSET_CASES: [string, Workload, { done: boolean; available: number }][] = [
  [
    'ready on its current revision',
    statefulSet({ readyReplicas: 1, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-1', availableReplicas: 1 }),
    { done: true, available: 1 },
  ],
  [
    'ready, but the update revision not rolled out',
    statefulSet({ readyReplicas: 1, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2' }),
    { done: false, available: 1 },
  ],
  [
    'no availableReplicas (before 1.22): its ready ones count',
    statefulSet({ readyReplicas: 1, updatedReplicas: 1 }),
    { done: true, available: 1 },
  ],
  ['not ready yet', statefulSet({ readyReplicas: 0, updatedReplicas: 1 }), { done: false, available: 0 }],
];
for (const [name, workload, want] of STATEFULSET_CASES) {
  test(`StatefulSet rolled out: ${name} → ${want.done}`, () => {
    const p = workloadProgress(workload);
    assert.equal({ done: p.done, available: p.available }, want);
  });
}

test('the rollout diagnoses only the pods of the ReplicaSet the deployment names as new', () => {
  const web: Workload = {
    kind: 'Deployment',
    metadata: { name: 'web' },
    status: { conditions: [{ type: 'Progressing', message: 'ReplicaSet "web-new1" is progressing.' }] },
  };
  const pod = (name: string, rs: string): Pod => ({ kind: 'Pod', metadata: { name, ownerReferences: [{ kind: 'ReplicaSet', name: rs }] } });
  const pods = [pod('web-old9-a', 'web-old9'), pod('web-new1-b', 'web-new1'), pod('webapp-x1-c', 'webapp-x1')];
  assert.equal(
    currentPods(web, pods).map((p) => p.metadata.name),
    ['web-new1-b'],
  );
  const unknown: Workload = { ...web, status: {} };
  assert.equal(
    currentPods(unknown, pods).map((p) => p.metadata.name),
    ['web-old9-a', 'web-new1-b'],
    "no condition yet: every ReplicaSet of the deployment, never another deployment's",
  );
});

test.run();
