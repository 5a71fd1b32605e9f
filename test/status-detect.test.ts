// The status core's failure table on plain Pod objects: one case per code (a test fails
// when a code has none), what each finding's advice says, and pods that are only waiting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explain } from '../lib/status/advice.ts';
import { detect, FAILURE_CODES, type FailureCode, type Finding } from '../lib/status/detect.ts';
import type { ContainerStatus, KubeEvent, Pod } from '../lib/status/types.ts';

const container = (over: Partial<ContainerStatus>): ContainerStatus => ({
  name: 'backend',
  image: 'todo-backend:1',
  ready: false,
  restartCount: 0,
  ...over,
});
const running = (statuses: ContainerStatus[], over: Partial<Pod> = {}): Pod => ({
  kind: 'Pod',
  metadata: { name: 'todo-chatbot-backend-7d9f-abcde', namespace: 'todo' },
  spec: {
    containers: [
      {
        name: 'backend',
        image: 'todo-backend:1',
        resources: { limits: { memory: '256Mi' } },
        readinessProbe: { httpGet: { path: '/health', port: 8000 }, periodSeconds: 10 },
      },
    ],
  },
  status: { phase: 'Running', containerStatuses: statuses },
  ...over,
});
const waiting = (reason: string, message?: string) => running([container({ state: { waiting: { reason, message } } })]);

interface Case {
  pod: Pod;
  events?: KubeEvent[];
  /** The finding (facts checked by subset), and words its message must hold. */
  want: Pick<Finding, 'code' | 'container'> & { facts: Finding['facts'] };
  says: string;
}

const CASES: Record<FailureCode, Case> = {
  UNSCHEDULABLE: {
    pod: {
      kind: 'Pod',
      metadata: { name: 'todo-chatbot-backend-7d9f-abcde', namespace: 'todo' },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.',
          },
        ],
      },
    },
    want: {
      code: 'UNSCHEDULABLE',
      container: undefined,
      facts: { resource: 'cpu and memory', message: '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.' },
    },
    says: 'cannot be scheduled: not enough cpu and memory',
  },
  IMAGE_NEVER_PULL: {
    pod: waiting('ErrImageNeverPull', 'Container image "todo-backend:1" is not present with pull policy of Never'),
    want: { code: 'IMAGE_NEVER_PULL', container: 'backend', facts: { image: 'todo-backend:1' } },
    says: 'image todo-backend:1 is not on the node and its pull policy is Never',
  },
  IMAGE_PULL_FAILED: {
    pod: waiting('ImagePullBackOff', 'Back-off pulling image "todo-backend:1"'),
    want: {
      code: 'IMAGE_PULL_FAILED',
      container: 'backend',
      facts: { image: 'todo-backend:1', message: 'Back-off pulling image "todo-backend:1"' },
    },
    says: 'cannot pull image todo-backend:1: Back-off pulling image',
  },
  INVALID_IMAGE_NAME: {
    pod: running([container({ image: 'Todo-Backend:1', state: { waiting: { reason: 'InvalidImageName' } } })]),
    want: { code: 'INVALID_IMAGE_NAME', container: 'backend', facts: { image: 'Todo-Backend:1' } },
    says: 'image reference "Todo-Backend:1" is not valid',
  },
  CONTAINER_CONFIG_ERROR: {
    pod: waiting('CreateContainerConfigError', "couldn't find key OPENAI_API_KEY in Secret todo/todo-chatbot"),
    want: { code: 'CONTAINER_CONFIG_ERROR', container: 'backend', facts: { missing: 'key OPENAI_API_KEY of Secret todo/todo-chatbot' } },
    says: 'container backend cannot start: missing key OPENAI_API_KEY of Secret todo/todo-chatbot',
  },
  OOM_KILLED: {
    pod: running([
      container({
        restartCount: 3,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
      }),
    ]),
    want: { code: 'OOM_KILLED', container: 'backend', facts: { memoryLimit: '256Mi' } },
    says: 'killed for using more than its memory limit (256Mi)',
  },
  CRASH_LOOP: {
    pod: running([
      container({
        restartCount: 4,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { reason: 'Error', exitCode: 1, message: 'could not connect to server\n' } },
      }),
    ]),
    want: {
      code: 'CRASH_LOOP',
      container: 'backend',
      facts: { exitCode: 1, reason: 'Error', restarts: 4, terminationMessage: 'could not connect to server' },
    },
    says: 'container backend keeps exiting (exit code 1, Error, 4 restarts)',
  },
  PROBE_FAILED: {
    pod: running([container({ state: { running: {} } })]),
    events: [{ reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', count: 7 }],
    want: {
      code: 'PROBE_FAILED',
      container: 'backend',
      facts: {
        probe: 'readiness probe GET /health on port 8000',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
      },
    },
    says: 'the readiness probe GET /health on port 8000 of container backend keeps failing',
  },
};

test('every failure code has a case here', () => {
  assert.equal(Object.keys(CASES).sort(), [...FAILURE_CODES].sort());
});

for (const [code, c] of Object.entries(CASES)) {
  test(`${code}: found on a plain pod, with its facts, and explained`, async () => {
    const finding = detect(c.pod, c.events ?? [], { othersDone: true });
    assert.ok(finding, `${code} not detected`);
    assert.is(finding.code, c.want.code);
    assert.is(finding.pod, 'todo-chatbot-backend-7d9f-abcde');
    assert.is(finding.container, c.want.container);
    for (const [key, value] of Object.entries(c.want.facts))
      assert.equal(finding.facts[key as keyof Finding['facts']], value, `facts.${key}`);
    const diagnosis = await explain(finding, 'todo-chatbot-backend', { context: 'kind-todo' });
    assert.is(diagnosis.code, code);
    assert.ok(diagnosis.message.startsWith('todo-chatbot-backend: '), diagnosis.message);
    assert.match(diagnosis.message, c.says);
    assert.ok(diagnosis.hint.length > 20, 'a hint that says what to do');
    assert.is(diagnosis.pod, finding.pod);
    assert.is(diagnosis.container, finding.container);
  });
}

const WAITING: [string, Pod, KubeEvent[]][] = [
  [
    'a ready pod',
    running([container({ ready: true, state: { running: {} } })], {
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [container({ ready: true, state: { running: {} } })],
      },
    }),
    [],
  ],
  ['a container being created', waiting('ContainerCreating'), [{ reason: 'Pulling', message: 'Pulling image "todo-backend:1"' }]],
  [
    'a pod waiting for its volume (no resource short)',
    {
      kind: 'Pod',
      metadata: { name: 'db-0' },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', message: 'pod has unbound immediate PersistentVolumeClaims' }],
      },
    },
    [],
  ],
  [
    'one restart, running again',
    running([container({ restartCount: 1, state: { running: {} }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } })]),
    [],
  ],
  [
    "the kubelet's passing config cache trouble",
    waiting('CreateContainerConfigError', 'failed to sync secret cache: timed out waiting for the condition'),
    [],
  ],
  [
    'a readiness probe failing while the database still starts',
    running([container({ state: { running: {} } })]),
    [{ reason: 'Unhealthy', message: 'Readiness probe failed: 503', count: 12 }],
  ],
];
for (const [name, pod, events] of WAITING) {
  test(`nothing found: ${name}`, () => {
    assert.is(detect(pod, events, { othersDone: name.includes('database') ? false : true }), undefined);
  });
}

test('OOMKilled wins over the crash loop it causes; the first failing container is the one named', () => {
  const pod = running([
    container({ name: 'migrate', state: { running: {} } }),
    container({
      restartCount: 5,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
    }),
  ]);
  assert.equal(detect(pod, []) && { code: detect(pod, [])!.code, container: detect(pod, [])!.container }, {
    code: 'OOM_KILLED',
    container: 'backend',
  });
});

test('the pull failure says whether the node has the image, and the hint follows', async () => {
  const finding = detect(CASES.IMAGE_PULL_FAILED.pod, [])!;
  const lacks = await explain(finding, 'backend', { nodeHasImage: async () => false });
  assert.match(lacks.message, '(the node does not have it)');
  assert.match(lacks.hint, 'run deploy without --skip-build');
  const has = await explain(finding, 'backend', { nodeHasImage: async () => true });
  assert.match(has.message, '(the node has it: check the pull policy and the tag spelling)');
  assert.match(has.hint, 'imagePullSecrets');
  const unknown = await explain(finding, 'backend', {
    nodeHasImage: async () => {
      throw new Error('no docker');
    },
  });
  assert.not.match(unknown.message, 'the node');
});

test('the crash-loop diagnosis shows the termination message and the previous log; its hint names the namespace, pod, container and context', async () => {
  const finding = detect(CASES.CRASH_LOOP.pod, [])!;
  const asked: string[] = [];
  const diagnosis = await explain(finding, 'todo-chatbot-backend', {
    context: 'kind-todo',
    previousLogs: async (pod, c) => {
      asked.push(`${pod}/${c}`);
      return Array.from({ length: 25 }, (_, i) => `line ${i + 1}`).join('\n');
    },
  });
  assert.equal(asked, ['todo-chatbot-backend-7d9f-abcde/backend']);
  assert.match(
    diagnosis.hint,
    '`kubectl --context kind-todo -n todo logs pod/todo-chatbot-backend-7d9f-abcde --container backend --previous`',
  );
  assert.equal(diagnosis.details?.slice(0, 3), [
    'termination message: could not connect to server',
    'last 20 log lines of the previous container:',
    '  line 6',
  ]);
  const silent = await explain(finding, 'todo-chatbot-backend');
  assert.match(silent.hint, '`kubectl -n todo logs', 'no context known: the hint does not invent one');
  assert.equal(silent.details, ['termination message: could not connect to server', 'the previous container left no log lines']);
});

test.run();
