// Pre-flight pieces without a cluster: Helm's schema errors (3 and 4) into file and key,
// the NodePorts the merged values ask for, Helm's "already allocated" text, and the
// hints of rollout failures naming where to look.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocatedPortIn, parseSchemaErrors, sourceOf, wantedNodePorts } from '../lib/values-check.ts';

// Printed by helm v3.17.3 and v4.1.4 for the same bad values file.
const HELM3 = `Error: values don't meet the specifications of the schema(s) in the following chart(s):
todo-chatbot:
- (root): Additional property bogusTop is not allowed
- frontend.replicaCount: Must be greater than or equal to 1
- frontend: Must validate all the schemas (allOf)
- frontend: Additional property bogus is not allowed
- backend.service.nodePort: Must validate at least one schema (anyOf)
- backend.service.nodePort: Invalid type. Expected: integer, given: string
- backend: Must validate all the schemas (allOf)
`;
const HELM4 = `Error: values don't meet the specifications of the schema(s) in the following chart(s):
todo-chatbot:
- at '/backend': 'allOf' failed
  - at '/backend/service/nodePort': 'anyOf' failed
    - at '/backend/service/nodePort': got string, want integer
    - at '/backend/service/nodePort': got string, want integer
    - at '/backend/service/nodePort': got string, want null
- at '/frontend': validation failed
  - at '/frontend': additional properties 'bogus' not allowed
  - at '/frontend': 'allOf' failed
    - at '/frontend/replicaCount': minimum: got 0, want 1
- at '': additional properties 'bogusTop' not allowed
`;

test('Helm 3 schema errors: one problem per key, aggregates dropped, unknown keys named', () => {
  assert.equal(parseSchemaErrors(HELM3), [
    { key: 'bogusTop', message: 'unknown key (the chart has no such value)' },
    { key: 'frontend.replicaCount', message: 'Must be greater than or equal to 1' },
    { key: 'frontend.bogus', message: 'unknown key (the chart has no such value)' },
    { key: 'backend.service.nodePort', message: 'Invalid type. Expected: integer, given: string' },
  ]);
});

test('Helm 4 schema errors: JSON pointers become dotted keys', () => {
  const keys = parseSchemaErrors(HELM4).map((p) => p.key);
  assert.equal([...new Set(keys)].sort(), ['backend.service.nodePort', 'bogusTop', 'frontend.bogus', 'frontend.replicaCount']);
  assert.ok(parseSchemaErrors(HELM4).some((p) => p.key === 'frontend.replicaCount' && p.message === 'minimum: got 0, want 1'));
});

test('sourceOf: the last --values file that sets the key, else the generated values', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'values-src-'));
  try {
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    writeFileSync(a, 'frontend:\n  replicaCount: 0\n');
    writeFileSync(b, 'frontend:\n  replicaCount: 3\nbackend: {}\n');
    const sources = {
      generated: {},
      userFiles: [
        { given: 'a.yaml', file: a },
        { given: 'b.yaml', file: b },
      ],
    };
    assert.is(sourceOf('frontend.replicaCount', sources), '--values b.yaml');
    assert.is(sourceOf('backend.service.nodePort', sources), 'the values deploy generates from the configuration');
    const merged = {
      frontend: { service: { type: 'NodePort', nodePort: 30080 } },
      backend: { service: { type: 'NodePort', nodePort: null } },
    };
    assert.equal(
      wantedNodePorts(merged, sources),
      [{ key: 'FRONTEND_NODEPORT', component: 'frontend', port: 30080 }],
      'null: the cluster picks, nothing to check',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("allocatedPortIn reads the API server's refusal as Helm prints it", () => {
  const stderr =
    'Error: UPGRADE FAILED: failed to create resource: Service "todo-chatbot-frontend" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated\n';
  assert.equal(allocatedPortIn(stderr), { service: 'todo-chatbot-frontend', port: 30080 });
  assert.is(allocatedPortIn('Error: UPGRADE FAILED: context deadline exceeded'), undefined);
});

test.run();
