// Prerequisite tools, checked in parallel. Versions come from each tool's
// machine-readable output where it has one; every problem carries a fix.
import { PrereqError } from './errors.ts';
import { CommandError, type Runner } from './exec.ts';
import type { Logger } from './log.ts';

export type ToolName = 'docker' | 'minikube' | 'helm' | 'kubectl' | 'kind' | 'k3d';
export type PrereqStatus = 'ok' | 'missing' | 'too-old' | 'not-running' | 'broken';

export interface PrereqResult {
  tool: ToolName;
  status: PrereqStatus;
  version?: string;
  /** e.g. the Docker daemon's version. */
  detail?: string;
  /** Helm's major version decides the flags deploy uses. */
  major?: number;
  message: string;
  hint?: string;
}

interface VersionProbe {
  version: string;
  detail?: string;
  /** The tool answered but a part it needs does not (e.g. Docker's daemon). */
  notRunning?: string;
}

interface ToolSpec {
  tool: ToolName;
  args: string[];
  /** Lowest supported version; a list means "any of these majors at or above". */
  minimum: string;
  parse(stdout: string, exitCode: number, stderr: string): VersionProbe;
  install: string;
  start?: string;
}

/**
 * The oldest Helm the toolkit supports: the oldest Helm 3 the chart and deploy are
 * tested on (Helm 4 is supported too). Every message about the Helm version uses these.
 */
export const HELM_MINIMUM = '3.17.0';
export const HELM_INSTALL_HINT = `install Helm ${HELM_MINIMUM.replace(/\.0$/, '')}+ or 4: https://helm.sh/docs/intro/install/`;

export const TOOL_SPECS: readonly ToolSpec[] = [
  {
    tool: 'docker',
    args: ['version', '--format', '{{json .}}'],
    minimum: '20.10.0',
    // With the daemon down, docker prints the client half ("Server":null) and exits 1.
    parse(stdout, _code, stderr) {
      const data = JSON.parse(firstJsonLine(stdout)) as { Client?: { Version?: string }; Server?: { Version?: string } | null };
      const version = data.Client?.Version ?? '';
      if (!data.Server) return { version, notRunning: lastLine(stderr) || 'the Docker daemon does not answer' };
      return { version, detail: `daemon ${data.Server.Version ?? '?'}` };
    },
    install: 'install Docker: https://docs.docker.com/engine/install/',
    start: 'start Docker Desktop, or the engine: `sudo systemctl start docker` (or `sudo dockerd &`)',
  },
  {
    tool: 'minikube',
    args: ['version', '--output', 'json'],
    minimum: '1.30.0',
    parse: (stdout) => ({ version: (JSON.parse(firstJsonLine(stdout)) as { minikubeVersion: string }).minikubeVersion }),
    install: 'install minikube: https://minikube.sigs.k8s.io/docs/start/',
  },
  {
    tool: 'helm',
    args: ['version', '--template', '{{.Version}}'],
    minimum: HELM_MINIMUM,
    parse: (stdout) => ({ version: stdout.trim() }),
    install: HELM_INSTALL_HINT,
  },
  {
    tool: 'kubectl',
    args: ['version', '--client', '--output', 'json'],
    minimum: '1.27.0',
    parse: (stdout) => ({ version: (JSON.parse(stdout) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion }),
    install: 'install kubectl: https://kubernetes.io/docs/tasks/tools/',
  },
  {
    tool: 'kind',
    args: ['version'],
    minimum: '0.20.0',
    // "kind v0.24.0 go1.22.6 linux/amd64"
    parse: (stdout) => ({ version: /\bv?(\d+\.\d+\.\d+)/.exec(stdout)?.[0] ?? '' }),
    install: 'install kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation',
  },
  {
    tool: 'k3d',
    args: ['version'],
    minimum: '5.0.0',
    // "k3d version v5.7.4\nk3s version v1.30.4-k3s1 (default)"
    parse: (stdout) => ({ version: /k3d version (v?\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? '' }),
    install: 'install k3d: https://k3d.io/#installation',
  },
];

function firstJsonLine(text: string): string {
  return text.split('\n').find((line) => line.trim().startsWith('{')) ?? text;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

/** "v3.17.3", "28.2.2", "v1.35.0+k3s1" → [3,17,3]; undefined when unparseable. */
export function parseSemver(version: string): [number, number, number] | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parseSemver(a) ?? [0, 0, 0], parseSemver(b) ?? [0, 0, 0]];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

export async function checkTool(run: Runner, spec: ToolSpec): Promise<PrereqResult> {
  const { tool } = spec;
  let stdout: string;
  let stderr: string;
  let exitCode: number;
  try {
    ({ stdout, stderr, exitCode } = await run(tool, spec.args, { nothrow: true, timeoutMs: 20_000 }));
  } catch (error) {
    const reason = error instanceof CommandError ? error.stderrTail : String(error);
    return { tool, status: 'broken', message: `${tool} did not answer: ${reason}`, hint: spec.install };
  }
  if (exitCode === 127 || (/command not found|ENOENT|not found/i.test(stderr) && !stdout.trim())) {
    return { tool, status: 'missing', message: `${tool} not found on PATH`, hint: spec.install };
  }
  let probe: VersionProbe;
  try {
    probe = spec.parse(stdout, exitCode, stderr);
  } catch {
    const why = lastLine(stderr) || lastLine(stdout) || `exit code ${exitCode}`;
    return { tool, status: 'broken', message: `${tool} version could not be read: ${why}`, hint: spec.install };
  }
  if (!parseSemver(probe.version)) {
    return { tool, status: 'broken', message: `${tool} printed no version (exit code ${exitCode})`, hint: spec.install };
  }
  const major = parseSemver(probe.version)![0];
  if (compareVersions(probe.version, spec.minimum) < 0) {
    return {
      tool,
      status: 'too-old',
      version: probe.version,
      major,
      message: `${tool} ${probe.version} is older than the supported ${spec.minimum}`,
      hint: `upgrade: ${spec.install}`,
    };
  }
  if (probe.notRunning) {
    return {
      tool,
      status: 'not-running',
      version: probe.version,
      major,
      message: `${tool} ${probe.version} found, but ${probe.notRunning}`,
      hint: spec.start,
    };
  }
  if (exitCode !== 0) {
    return {
      tool,
      status: 'broken',
      version: probe.version,
      major,
      message: `${tool} ${probe.version} exited with code ${exitCode}: ${lastLine(stderr)}`,
      hint: spec.install,
    };
  }
  return {
    tool,
    status: 'ok',
    version: probe.version,
    detail: probe.detail,
    major,
    message: `${tool} ${probe.version}${probe.detail ? ` (${probe.detail})` : ''}`,
  };
}

export interface PrereqReport {
  results: PrereqResult[];
  /** Required tools that are not ok. */
  problems: PrereqResult[];
}

/** Checks the required tools (their problems fail the job) and the optional ones (warnings). */
export async function checkPrereqs(run: Runner, required: readonly ToolName[], optional: readonly ToolName[] = []): Promise<PrereqReport> {
  const wanted = [...required, ...optional.filter((tool) => !required.includes(tool))];
  const results = await Promise.all(wanted.map((tool) => checkTool(run, TOOL_SPECS.find((s) => s.tool === tool)!)));
  return { results, problems: results.filter((r) => r.status !== 'ok' && required.includes(r.tool)) };
}

/**
 * The tools a command needs, or exit 3 PREREQ naming each problem with its fix (as
 * deploy's first stage does). Each tool gets one ✓/✗ line; optional ones only warn.
 */
export async function requirePrereqs(
  run: Runner,
  log: Logger,
  command: string,
  required: readonly ToolName[],
  optional: readonly ToolName[] = [],
): Promise<PrereqReport> {
  const report = await checkPrereqs(run, required, optional);
  for (const result of report.results) {
    if (result.status === 'ok') log.debug(`${result.message}`);
    else if (required.includes(result.tool)) log.fail(result.message, result.hint ? [result.hint] : []);
    else log.warn(result.message, result.hint ? [result.hint] : []);
  }
  if (report.problems.length) {
    const names = report.problems.map((p) => `${p.tool} (${p.status})`).join(', ');
    const hints = report.problems
      .map((p) => p.hint)
      .filter(Boolean)
      .join('; ');
    throw new PrereqError(`${command} needs ${names}`, `${hints || 'fix the lines marked ✗ above'}; then run ${command} again`);
  }
  return report;
}
