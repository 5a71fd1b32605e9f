// Every code a ToolkitError carries, with the exit code it comes with: one table, so that
// ToolkitError takes an ErrorCode (a misspelt code fails tsc) and docs/troubleshooting.md
// can be checked against it (test/error-codes.test.ts).
import { ExitCode, type ExitCodeValue } from './errors.ts';

export const ERROR_CODES = {
  USAGE: ExitCode.usage,
  CONFIG: ExitCode.usage,
  PREREQ: ExitCode.prereq,
  // images
  IMAGE_INPUT: ExitCode.usage,
  IMAGE_PULL: ExitCode.failed,
  IMAGE_BUILD: ExitCode.failed,
  IMAGE_BUILD_TLS: ExitCode.failed,
  IMAGE_BUILD_UNREACHABLE: ExitCode.failed,
  IMAGE_SIZE: ExitCode.failed,
  CONTAINER_UNHEALTHY: ExitCode.failed,
  SMOKE_FAILED: ExitCode.failed,
  IMAGE_REF_INVALID: ExitCode.usage,
  MANIFESTS_STALE: ExitCode.failed,
  // cluster and context
  KUBECONFIG_INVALID: ExitCode.prereq,
  KUBE_CONTEXT_MISSING: ExitCode.usage,
  KUBE_CONTEXT_NOT_FOUND: ExitCode.usage,
  REMOTE_CONTEXT_REFUSED: ExitCode.usage,
  CLUSTER_UNREACHABLE: ExitCode.prereq,
  MINIKUBE_START_FAILED: ExitCode.prereq,
  MINIKUBE_PROFILE_INVALID: ExitCode.prereq,
  MINIKUBE_DOCKER_ENV: ExitCode.failed,
  // providers: getting images onto the cluster
  IMAGE_LOAD_FAILED: ExitCode.failed,
  IMAGE_NOT_BUILT: ExitCode.failed,
  REGISTRY_REQUIRED: ExitCode.usage,
  IMAGE_PUSH_FAILED: ExitCode.failed,
  // deploy
  VALUES_INVALID: ExitCode.usage,
  NODEPORT_TAKEN: ExitCode.usage,
  DUMP_DIR_UNWRITABLE: ExitCode.usage,
  HELM_RELEASE_PENDING: ExitCode.failed,
  HELM_UPGRADE_FAILED: ExitCode.failed,
  // rollout diagnoses (RolloutError carries the diagnosis's code)
  IMAGE_PULL_FAILED: ExitCode.failed,
  IMAGE_NEVER_PULL: ExitCode.failed,
  INVALID_IMAGE_NAME: ExitCode.failed,
  CONTAINER_CONFIG_ERROR: ExitCode.failed,
  CRASH_LOOP: ExitCode.failed,
  OOM_KILLED: ExitCode.failed,
  PROBE_FAILED: ExitCode.failed,
  UNSCHEDULABLE: ExitCode.failed,
  ROLLOUT_TIMEOUT: ExitCode.failed,
  NO_WORKLOADS: ExitCode.failed,
  // validate and teardown
  ACCESS_NO_SERVICE: ExitCode.failed,
  ACCESS_PORT_FORWARD: ExitCode.failed,
  CONFIRMATION_REQUIRED: ExitCode.usage,
  // the user's app (lib/app/, doctor): blocking problems end with exit 2, warnings leave it 0
  APP_DIR_NOT_FOUND: ExitCode.usage,
  APP_DOCKERFILE_NOT_FOUND: ExitCode.usage,
  APP_BASE_IMAGE_UNRESOLVED: ExitCode.ok,
  APP_ENTRY_NOT_FOUND: ExitCode.usage,
  APP_ENTRY_INVALID: ExitCode.usage,
  APP_NO_REQUIREMENTS: ExitCode.usage,
  APP_MISSING_DEPENDENCY: ExitCode.usage,
  APP_NO_PACKAGE_JSON: ExitCode.usage,
  APP_NO_LOCKFILE: ExitCode.usage,
  APP_YARN_BERRY: ExitCode.usage,
  APP_NOT_STANDALONE: ExitCode.usage,
  APP_NO_HEALTH_ROUTE: ExitCode.ok,
  APP_NO_READINESS: ExitCode.ok,
  APP_ENV_MISSING: ExitCode.ok,
  APP_BROWSER_URL: ExitCode.ok,
} as const satisfies Record<string, ExitCodeValue>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
