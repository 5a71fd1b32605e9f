// One "the cluster does not answer" test for kubectl's and helm's words (lib/unreachable.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isUnreachable } from '../lib/unreachable.ts';

const KUBECTL_UNREACHABLE = [
  'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?',
  'Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout',
  'Get "https://127.0.0.1:32771/api?timeout=20s": dial tcp 127.0.0.1:32771: connect: connection refused',
  'error: context deadline exceeded',
  'error: no configuration has been provided, try setting KUBERNETES_MASTER environment variable',
  'error: context was not found for specified context: kind-gone',
];
const HELM_UNREACHABLE =
  'Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:6443/version": dial tcp 127.0.0.1:6443: connect: connection refused';
const ANSWERED = [
  'Error from server (NotFound): namespaces "demo" not found',
  'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress',
  'Error from server (Forbidden): pods is forbidden: User "dev" cannot list resource "pods"',
  '',
];

test("kubectl's and helm's words for an API server that does not answer are unreachable", () => {
  for (const stderr of [...KUBECTL_UNREACHABLE, HELM_UNREACHABLE]) assert.ok(isUnreachable(stderr), stderr);
});

test('an answer from the API server, even an error, is not unreachable', () => {
  for (const stderr of ANSWERED) assert.not.ok(isUnreachable(stderr), stderr);
});

test.run();
