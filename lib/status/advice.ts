// What to tell the user about each failure code, as Skaffold's pkg/diag keeps its
// suggestions apart from its detection: one row per code (lib/status/detect.ts finds them),
// a message quoting the finding's facts and a hint saying what to do. Two codes look once
// more before they speak: whether the node has the image, and the previous container's log.
import type { ErrorCode } from '../error-codes.ts';
import type { FailureCode, Finding } from './detect.ts';

export interface Diagnosis {
  /** A FailureCode, or one of the rollout watch's own (ROLLOUT_TIMEOUT, NO_WORKLOADS). */
  code: ErrorCode;
  message: string;
  hint: string;
  /** Extra lines: logs, termination message. */
  details?: string[];
  /** The pod and container the diagnosis is about, for the failure dump (events, logs). */
  pod?: string;
  container?: string;
}

export interface DiagnoseContext {
  /** The kube context, for the commands hints suggest. */
  context?: string;
  /** Whether the node has an image (provider.hasImage); undefined when unknown. */
  nodeHasImage?: (image: string) => Promise<boolean | undefined>;
  /** Last lines of the previous container's log. */
  previousLogs?: (pod: string, container: string) => Promise<string>;
}

/** What an advice row reads: the finding, its workload, and what `needs` looked up. */
interface AdviceInput extends Finding {
  workload: string;
  /** `kubectl --context c -n ns`: a hint's command must say where to look. */
  kubectl: string;
  /** needs 'node-image': whether the node has the image; undefined when unknown. */
  nodeHasImage?: boolean;
  /** needs 'previous-log': the last lines of the previous container's log. */
  logLines?: string[];
}

interface Advice {
  needs?: 'node-image' | 'previous-log';
  message(a: AdviceInput): string;
  hint(a: AdviceInput): string;
  details?(a: AdviceInput): string[];
}

const LOG_LINES = 20;

export const ADVICE: Readonly<Record<FailureCode, Advice>> = {
  UNSCHEDULABLE: {
    message: (a) => `${a.workload}: pod ${a.pod} cannot be scheduled: not enough ${a.facts.resource} (${a.facts.message})`,
    hint: (a) =>
      `lower <component>.resources.requests (${a.facts.resource}) in your values, or give the cluster more (minikube start --cpus/--memory, or delete other workloads)`,
  },
  IMAGE_NEVER_PULL: {
    message: (a) => `${a.workload}: image ${a.facts.image} is not on the node and its pull policy is Never`,
    hint: () =>
      'deploy loads the images it builds; run deploy without --skip-build, or load it yourself (minikube image load / kind load docker-image / k3d image import)',
  },
  IMAGE_PULL_FAILED: {
    needs: 'node-image',
    message: (a) => {
      const where =
        a.nodeHasImage === undefined
          ? ''
          : a.nodeHasImage
            ? ' (the node has it: check the pull policy and the tag spelling)'
            : ' (the node does not have it)';
      return `${a.workload}: cannot pull image ${a.facts.image}${where}: ${a.facts.message}`;
    },
    hint: (a) =>
      a.nodeHasImage === false
        ? 'a locally built image must be loaded into the cluster: run deploy without --skip-build (it loads what the node lacks), or check the image name in your --values'
        : 'check the image name and tag, and that the registry is reachable and logged in (imagePullSecrets)',
  },
  INVALID_IMAGE_NAME: {
    message: (a) => `${a.workload}: image reference "${a.facts.image}" is not valid`,
    hint: () => 'fix <component>.image.repository / .tag in your values (lowercase repository, tag without spaces)',
  },
  CONTAINER_CONFIG_ERROR: {
    message: (a) => `${a.workload}: container ${a.container} cannot start: missing ${a.facts.missing}`,
    hint: (a) =>
      `create the Secret/ConfigMap (or the key) it names, or point the existingSecret values at one that exists (\`${a.kubectl} get secrets,configmaps\` lists what is there)`,
  },
  OOM_KILLED: {
    message: (a) =>
      `${a.workload}: container ${a.container} was killed for using more than its memory limit (${a.facts.memoryLimit ?? 'no limit set: the node ran out'})`,
    hint: (a) =>
      `raise <component>.resources.limits.memory in your values (now ${a.facts.memoryLimit ?? 'unset'}), or find the leak in the app`,
  },
  CRASH_LOOP: {
    needs: 'previous-log',
    message: (a) =>
      `${a.workload}: container ${a.container} keeps exiting (exit code ${a.facts.exitCode ?? '?'}${a.facts.reason ? `, ${a.facts.reason}` : ''}, ${a.facts.restarts ?? 0} restarts)`,
    hint: (a) =>
      `the log lines above show why the app stops; check its environment (DATABASE_URL, config) and \`${a.kubectl} logs pod/${a.pod} --container ${a.container} --previous\``,
    details: (a) => {
      const lines = a.logLines ?? [];
      return [
        ...(a.facts.terminationMessage ? [`termination message: ${a.facts.terminationMessage}`] : []),
        lines.length ? `last ${lines.length} log lines of the previous container:` : 'the previous container left no log lines',
        ...lines.map((l) => `  ${l}`),
      ];
    },
  },
  PROBE_FAILED: {
    message: (a) => `${a.workload}: the ${a.facts.probe} of container ${a.container} keeps failing: ${a.facts.message}`,
    hint: (a) =>
      `the app does not answer its health endpoint: check the port the app listens on, its startup time (startupProbe) and its logs (\`${a.kubectl} logs pod/${a.pod} --container ${a.container}\`)`,
  },
};

/** The finding as the user reads it: message, hint, details, and where to look (pod, container). */
export async function explain(finding: Finding, workload: string, ctx: DiagnoseContext = {}): Promise<Diagnosis> {
  const advice = ADVICE[finding.code];
  const input: AdviceInput = {
    ...finding,
    workload,
    kubectl: `kubectl${ctx.context ? ` --context ${ctx.context}` : ''} -n ${finding.namespace ?? 'default'}`,
  };
  if (advice.needs === 'node-image' && finding.facts.image)
    input.nodeHasImage = await ctx.nodeHasImage?.(finding.facts.image).catch(() => undefined);
  if (advice.needs === 'previous-log' && finding.container) {
    const log = (await ctx.previousLogs?.(finding.pod, finding.container).catch(() => '')) ?? '';
    input.logLines = log.trimEnd().split('\n').filter(Boolean).slice(-LOG_LINES);
  }
  const details = advice.details?.(input);
  return {
    code: finding.code,
    message: advice.message(input),
    hint: advice.hint(input),
    ...(details ? { details } : {}),
    pod: finding.pod,
    ...(finding.container ? { container: finding.container } : {}),
  };
}
