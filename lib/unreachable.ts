// One test for "the API server does not answer", from what kubectl or helm printed: the kubectl
// client (lib/kubectl.ts), helm (lib/helm.ts), validate's runner and status all ask this one.

/** kubectl's own words when it cannot reach the API server (staging/src/k8s.io/kubectl, client-go), then helm's. */
export const UNREACHABLE_PATTERNS: readonly RegExp[] = [
  /The connection to the server .* was refused/,
  /Unable to connect to the server/,
  /dial tcp .*: (connect: )?(connection refused|no route to host|i\/o timeout)/,
  /context deadline exceeded/,
  /no configuration has been provided/,
  /context was not found for specified context/,
  // helm wraps the client-go error: "Error: Kubernetes cluster unreachable: Get …".
  /Kubernetes cluster unreachable/,
];

/** True when a tool's stderr says the cluster did not answer (exit 3, CLUSTER_UNREACHABLE), not that a request failed. */
export function isUnreachable(stderr: string): boolean {
  return UNREACHABLE_PATTERNS.some((pattern) => pattern.test(stderr));
}
