// Strict, offline validation of Kubernetes objects with kubectl-validate
// (sigs.k8s.io/kubectl-validate): the API server's own OpenAPI schemas and
// validation, compiled into the binary, unknown fields rejected. Built once
// with `go install` (Go and the Go module proxy are all it needs) and cached
// by version in .tools/ (gitignored), which is how CI gets it too.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../lib/exec.ts';
import { PrereqError } from '../../lib/errors.ts';
import { TOOLS_DIR } from './tools.ts';

/** v0.0.4 is the module's newest release; it carries the schemas of Kubernetes 1.23 to 1.30. */
export const KUBECTL_VALIDATE_VERSION = 'v0.0.4';
/** The newest Kubernetes version whose schemas that release has built in (no network needed). */
export const KUBE_SCHEMA_VERSION = '1.30';

const BUILD_TIMEOUT_MS = 20 * 60_000;

export interface EnsureResult {
  bin: string;
  /** How long `go install` took; 0 when the cached binary was used. */
  buildMs: number;
}

/**
 * Builds a Go command once per version with `go install <module>@<version>` into
 * .tools/<name>-<version>/ and returns its path. Built into a private folder and
 * renamed into place, so test files started in parallel never see (or delete) a
 * half-built binary.
 */
export async function ensureGoTool(name: string, module: string, version: string): Promise<EnsureResult> {
  const dir = path.join(TOOLS_DIR, `${name}-${version}`);
  const bin = path.join(dir, name);
  const stamp = path.join(dir, '.complete');
  if (existsSync(stamp) && existsSync(bin)) return { bin, buildMs: 0 };
  const run = createRunner();
  const go = await run('go', ['version'], { nothrow: true, timeoutMs: 30_000 });
  if (go.exitCode !== 0) {
    throw new PrereqError(
      `${name} ${version} is not built yet and "go" is not available to build it (${go.stderr.trim() || `exit ${go.exitCode}`})`,
      'install Go 1.22 or later (e.g. apt-get install golang-go), then rerun the tests',
    );
  }
  mkdirSync(TOOLS_DIR, { recursive: true });
  const building = mkdtempSync(path.join(TOOLS_DIR, `.${name}-${version}-`));
  chmodSync(building, 0o755);
  try {
    const started = performance.now();
    await run('go', ['install', `${module}@${version}`], { env: { GOBIN: building, CGO_ENABLED: '0' }, timeoutMs: BUILD_TIMEOUT_MS });
    const buildMs = performance.now() - started;
    writeFileSync(path.join(building, '.complete'), `${module}@${version} built in ${Math.round(buildMs / 1000)}s\n`);
    if (existsSync(stamp)) return { bin, buildMs }; // another process finished first
    rmSync(dir, { recursive: true, force: true });
    renameSync(building, dir);
    return { bin, buildMs };
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

/** Builds kubectl-validate once per version; returns its path. */
export function ensureKubectlValidate(version = KUBECTL_VALIDATE_VERSION): Promise<EnsureResult> {
  return ensureGoTool('kubectl-validate', 'sigs.k8s.io/kubectl-validate', version);
}

export interface ValidationFailure {
  /** "Kind/name" of the object, or the file name when it has none. */
  object: string;
  message: string;
}

interface KubectlValidateStatus {
  status: 'Success' | 'Failure';
  message?: string;
}

export interface ValidatableObject {
  kind?: unknown;
  metadata?: { name?: unknown };
}

/**
 * Validates each object (a parsed manifest or its YAML text) against the
 * built-in schemas of `kubeVersion`, offline: no kubeconfig is visible, so the
 * tool never asks a cluster or the network for schemas.
 */
export async function validateObjects(
  objects: readonly (ValidatableObject | string)[],
  opts: { bin: string; kubeVersion?: string },
): Promise<ValidationFailure[]> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'kubectl-validate-'));
  try {
    const names: string[] = [];
    objects.forEach((object, index) => {
      const file = path.join(scratch, `${String(index).padStart(3, '0')}.json`);
      writeFileSync(file, typeof object === 'string' ? object : JSON.stringify(object));
      names.push(typeof object === 'string' ? `document ${index}` : `${String(object.kind)}/${String(object.metadata?.name)}`);
    });
    const home = path.join(scratch, 'home');
    mkdirSync(home);
    const run = createRunner();
    const result = await run(opts.bin, [scratch, '--version', opts.kubeVersion ?? KUBE_SCHEMA_VERSION, '--output', 'json'], {
      nothrow: true,
      timeoutMs: 120_000,
      env: { HOME: home, KUBECONFIG: path.join(home, 'no-kubeconfig'), KUBERNETES_MASTER: undefined },
    });
    let report: Record<string, KubectlValidateStatus[] | KubectlValidateStatus>;
    try {
      report = JSON.parse(result.stdout) as typeof report;
    } catch {
      throw new Error(
        `kubectl-validate gave no JSON report (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.slice(0, 500)}`,
      );
    }
    const failures: ValidationFailure[] = [];
    for (const [file, entry] of Object.entries(report)) {
      const index = Number(path.basename(file, '.json'));
      for (const status of Array.isArray(entry) ? entry : [entry]) {
        if (status.status !== 'Success') failures.push({ object: names[index] ?? file, message: status.message ?? JSON.stringify(status) });
      }
    }
    if (result.exitCode !== 0 && failures.length === 0) {
      throw new Error(`kubectl-validate exited ${result.exitCode} without naming a failure: ${result.stderr.trim()}`);
    }
    if (Object.keys(report).length !== objects.length) {
      throw new Error(`kubectl-validate reported on ${Object.keys(report).length} files, expected ${objects.length}`);
    }
    return failures;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === `file://${path.resolve(process.argv[1])}`) {
  const { bin, buildMs } = await ensureKubectlValidate();
  console.log(`${path.relative(process.cwd(), bin)} (${buildMs ? `built in ${Math.round(buildMs / 1000)}s` : 'cached'})`);
}
