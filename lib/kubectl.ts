// Reading the cluster through kubectl: every call names its context (never the
// ambient current-context, which another terminal may switch mid-run) and asks
// for JSON. An API server that does not answer is one typed error, exit 3.
// What the objects read here mean (rolled out? failing, and why?) is lib/status/.
import { ExitCode, ToolkitError } from './errors.ts';
import { CommandError, type Runner } from './exec.ts';
import { isUnreachable } from './unreachable.ts';

export interface KubeTarget {
  context: string;
  namespace: string;
}

export class ClusterUnreachableError extends ToolkitError {
  constructor(context: string, detail: string) {
    super(
      `the cluster of context ${context} does not answer: ${detail}`,
      ExitCode.prereq,
      `check that the cluster is running (minikube status, docker ps for kind/k3d) and that \`kubectl --context ${context} get nodes\` works`,
      'CLUSTER_UNREACHABLE',
    );
  }
}

export interface KubectlOptions {
  /** Default 30 s; kubectl's own --request-timeout is set a little below it. */
  timeoutMs?: number;
  /** Omit -n (cluster-scoped objects, or --all-namespaces). */
  clusterScoped?: boolean;
  input?: string;
  signal?: AbortSignal;
}

export class Kubectl {
  constructor(
    private readonly run: Runner,
    readonly target: KubeTarget,
    readonly bin = 'kubectl',
  ) {}

  /** kubectl with --context (and -n) prepended; throws ClusterUnreachableError or CommandError. */
  async exec(args: readonly string[], opts: KubectlOptions = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const scope = opts.clusterScoped ? [] : ['--namespace', this.target.namespace];
    const full = [
      '--context',
      this.target.context,
      ...scope,
      `--request-timeout=${Math.max(1, Math.floor(timeoutMs / 1000) - 1)}s`,
      ...args,
    ];
    try {
      const result = await this.run(this.bin, full, { timeoutMs, input: opts.input, signal: opts.signal });
      return result.stdout;
    } catch (error) {
      if (error instanceof CommandError && isUnreachable(error.stderrTail)) {
        throw new ClusterUnreachableError(this.target.context, error.stderrTail.trim().split('\n').pop() ?? '');
      }
      throw error;
    }
  }

  /** `kubectl get … -o json`, parsed. */
  async json<T = KubeList>(args: readonly string[], opts: KubectlOptions = {}): Promise<T> {
    return JSON.parse(await this.exec(['get', ...args, '--output', 'json'], opts)) as T;
  }

  /** One object, or undefined when it does not exist (NotFound). */
  async getOptional<T = KubeObject>(kind: string, name: string, opts: KubectlOptions = {}): Promise<T | undefined> {
    const text = await this.exec(['get', kind, name, '--ignore-not-found', '--output', 'json'], opts);
    return text.trim() ? (JSON.parse(text) as T) : undefined;
  }
}

/**
 * Any object as kubectl prints it, for the readers that pass objects through. What the
 * status core (lib/status/) reads is typed narrowly in lib/status/types.ts.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    creationTimestamp?: string;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: any; // the shape differs per kind
  status?: any;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  items: T[];
}

/** The label Helm's recommended labels put on every object of a release. */
export function releaseSelector(release: string): string {
  return `app.kubernetes.io/instance=${release}`;
}
