// Everything this toolkit asks of a Docker engine, through the docker CLI.
//
// Which CLI builds: BuildKit is required (secret and cache mounts). A docker CLI
// from 23 on refuses BuildKit builds without the buildx plugin, while older CLIs
// (Debian's docker.io 20.10) drive the engine's built-in BuildKit themselves with
// DOCKER_BUILDKIT=1. So every `docker` on PATH is probed in order and the first
// that can build wins: with buildx it runs `docker buildx build --load`, else an
// old CLI runs `docker build` on the built-in BuildKit. DOCKER_CLI picks one
// explicitly. The same CLI is then used for every other call, so one engine
// (DOCKER_HOST, or the provider's docker-env) sees the whole job.
// (Over 350 lines: every docker call in one place; the BuildKit progress reader could move out.)
import { accessSync, constants, realpathSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, PrereqError, ToolkitError } from './errors.ts';
import { CommandError, startBackground, tail, type RunOptions, type RunResult, type Runner } from './exec.ts';
import type { Logger } from './log.ts';
import { sameImage } from './providers/shared.ts';

export type BuildMode = 'buildx' | 'builtin';

export interface DockerCli {
  path: string;
  version: string;
  buildMode: BuildMode;
}

const OLDEST_CLI_WITH_BUILTIN_BUILDKIT = 23; // CLIs below this major drive the engine's BuildKit

/** Every executable named `docker` on PATH, in PATH order, without duplicates. */
export function dockerCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, 'docker');
    try {
      accessSync(file, constants.X_OK);
      const real = realpathSync(file);
      if (seen.has(real)) continue;
      seen.add(real);
      found.push(file);
    } catch {
      // not here
    }
  }
  return found;
}

export function parseCliVersion(text: string): string | undefined {
  return /Docker version (\d+\.\d+\.\d+)/.exec(text)?.[1];
}

/** Finds the docker CLI that can run BuildKit builds (see the header comment). */
export async function resolveDockerCli(run: Runner, env: NodeJS.ProcessEnv = process.env): Promise<DockerCli> {
  const explicit = env.DOCKER_CLI?.trim();
  const candidates = explicit ? [explicit] : dockerCandidates(env);
  if (!candidates.length) {
    throw new PrereqError(
      'no docker CLI on PATH',
      "install Docker (https://docs.docker.com/engine/install/) or Debian's docker.io: `sudo apt-get install docker.io`",
    );
  }
  const rejected: string[] = [];
  for (const cli of candidates) {
    // Both questions at once: the usual first candidate answers both, and a start costs more than an answer.
    const [probe, buildx] = await Promise.all([
      run(cli, ['--version'], { nothrow: true, timeoutMs: 10_000 }).catch(() => undefined),
      run(cli, ['buildx', 'version'], { nothrow: true, timeoutMs: 10_000 }).catch(() => undefined),
    ]);
    const version = probe && probe.exitCode === 0 ? parseCliVersion(probe.stdout) : undefined;
    if (!version) {
      rejected.push(`${cli}: does not run (${probe ? tail(probe.stderr || probe.stdout, 1) : 'not executable'})`);
      continue;
    }
    if (buildx?.exitCode === 0) return { path: cli, version, buildMode: 'buildx' };
    if (Number(version.split('.')[0]) < OLDEST_CLI_WITH_BUILTIN_BUILDKIT) return { path: cli, version, buildMode: 'builtin' };
    rejected.push(`${cli}: version ${version} needs the buildx plugin for BuildKit builds and has none`);
  }
  throw new PrereqError(
    `no docker CLI can run BuildKit builds:\n${rejected.map((r) => `    ${r}`).join('\n')}`,
    "install the buildx plugin (Debian/Ubuntu: `apt-get install docker-buildx`, Docker's repository: docker-buildx-plugin), or Debian's docker.io whose CLI uses the engine's built-in BuildKit; DOCKER_CLI=<path> picks a CLI explicitly",
  );
}

export interface ImageInfo {
  Id: string;
  RepoTags: string[] | null;
  Size: number;
  Config: { User?: string; Healthcheck?: { Test?: string[] }; Labels?: Record<string, string> | null; Env?: string[] };
  RootFS?: { Layers?: string[] };
}

export interface HistoryEntry {
  createdBy: string;
  sizeBytes: number;
}

/** A Dockerfile instruction's vertex: "[deps 3/4] RUN npm ci", or "[2/3] COPY . ." in an unnamed stage. */
const DOCKERFILE_STEP = /^\[([^\]]+ )?\d+\/\d+\] /;

/** One BuildKit step ("vertex") as read from --progress=plain output. */
export interface BuildStep {
  id: number;
  name: string;
  cached: boolean;
  done: boolean;
  error?: string;
  output: string[];
}

/**
 * Reads BuildKit's plain progress ("#8 [deps 3/3] RUN npm ci", "#8 1.23 added 300
 * packages", "#8 CACHED", "#8 DONE 4.5s", "#8 ERROR: ..."). Fed chunks as they come.
 */
export class PlainProgress {
  readonly steps = new Map<number, BuildStep>();
  readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly onStep?: (step: BuildStep) => void) {}

  feed(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.line(line.replace(/\r$/, ''));
  }

  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(line: string): void {
    this.lines.push(line);
    const match = /^#(\d+) (.*)$/.exec(line);
    if (!match) return;
    const id = Number(match[1]);
    const rest = match[2]!;
    let step = this.steps.get(id);
    if (!step) {
      step = { id, name: rest, cached: false, done: false, output: [] };
      this.steps.set(id, step);
      if (DOCKERFILE_STEP.test(rest)) this.onStep?.(step);
      return;
    }
    if (rest === step.name || /^sha256:[0-9a-f]+$/.test(rest)) return;
    if (rest === 'CACHED') step.cached = true;
    else if (/^DONE\b/.test(rest)) step.done = true;
    else if (/^ERROR\b/.test(rest)) step.error = rest.replace(/^ERROR:?\s*/, '');
    else {
      const output = /^\d+\.\d+ (.*)$/.exec(rest);
      if (output) step.output.push(output[1]!);
    }
  }

  /** Dockerfile steps ("[stage n/m] ..."), in order. */
  dockerfileSteps(): BuildStep[] {
    return [...this.steps.values()].filter((s) => DOCKERFILE_STEP.test(s.name));
  }

  failedStep(): BuildStep | undefined {
    return [...this.steps.values()].find((s) => s.error !== undefined);
  }
}

export interface BuildRequest {
  dockerfile: string;
  context: string;
  tags: string[];
  buildArgs: Record<string, string>;
  labels?: Record<string, string>;
  /** Secret id → file; BuildKit mounts it at /run/secrets/<id> for RUN steps that ask. */
  secrets?: Record<string, string>;
  noCache?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStep?: (step: BuildStep) => void;
}

export interface BuildOutcome {
  ok: boolean;
  exitCode: number | null;
  durationMs: number;
  progress: PlainProgress;
  timedOut: boolean;
}

/** The base image of a build could not be found or pulled. */
export class ImagePullError extends ToolkitError {
  constructor(
    readonly image: string,
    readonly buildArg: string,
    detail: string,
  ) {
    super(
      `base image ${image} cannot be pulled: ${detail}`,
      ExitCode.failed,
      `make ${image} available to the engine (docker pull / docker load), or point ${buildArg} at a mirror or a local image, e.g. ${buildArg}=mirror.example.com/library/${image.split('/').pop()}`,
      'IMAGE_PULL',
    );
  }
}

const PULL_FAILURE =
  /pull access denied|failed to resolve source metadata|manifest unknown|not found|no such host|failed to do request|connection refused|i\/o timeout|TLS handshake/i;

/** One Docker engine, reached through one CLI (plus e.g. DOCKER_HOST from a provider). */
export class Docker {
  constructor(
    readonly cli: DockerCli,
    private readonly run: Runner,
    /** Extra environment for every call: the target daemon (DOCKER_HOST, DOCKER_CERT_PATH...). */
    readonly targetEnv: Record<string, string | undefined> = {},
    private readonly log?: Logger,
    /** The runner's base environment (PATH, DOCKER_HOST...): builds run in the background outside the runner and need it too. */
    private readonly baseEnv: NodeJS.ProcessEnv = {},
  ) {}

  exec(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.run(this.cli.path, args, { ...opts, env: { ...this.targetEnv, ...opts.env } });
  }

  /** The daemon's version; a PrereqError naming the way to start it when it does not answer. */
  async serverVersion(): Promise<string> {
    const result = await this.exec(['version', '--format', '{{.Server.Version}}'], { nothrow: true, timeoutMs: 15_000 }).catch(
      (error: unknown) => {
        if (error instanceof CommandError)
          return { exitCode: 1, stdout: '', stderr: error.timedOut ? 'no answer within 15s' : error.stderrTail };
        throw error;
      },
    );
    const version = result.stdout.trim();
    if (result.exitCode !== 0 || !version || version === '<no value>') {
      const where = this.targetEnv.DOCKER_HOST ?? process.env.DOCKER_HOST ?? 'the default socket';
      throw new PrereqError(
        `the Docker daemon at ${where} does not answer: ${tail(result.stderr, 1) || 'no server version'}`,
        'start Docker (Docker Desktop, `sudo systemctl start docker`, or `sudo dockerd &`), or set DOCKER_HOST to a running engine',
      );
    }
    return version;
  }

  /**
   * Inspects images in one `docker image inspect` (a process per image costs more than
   * the engine's answer); missing ones are absent from the map. Docker prints the found
   * ones in argument order and names each missing one on stderr, so every found line is
   * matched to its reference; when that cannot be done surely, each one is asked alone.
   */
  async inspectImages(refs: readonly string[]): Promise<Map<string, ImageInfo>> {
    const known = this.recent(refs);
    const unique = [...new Set(refs)].filter((ref) => !known.has(ref));
    const present = [...known].flatMap(([ref, info]) => (info ? [[ref, info] as const] : []));
    if (unique.length <= 1) return new Map([...present, ...(await this.inspectEach(unique))]);
    const result = await this.exec(['image', 'inspect', '--format', '{{json .}}', ...unique], { nothrow: true, timeoutMs: 30_000 });
    const errors = result.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const missing = new Set(
      unique.filter((ref) =>
        errors.some((line) => /no such image/i.test(line) && sameImage(line.replace(/^.*no such image:\s*/i, '').trim(), ref)),
      ),
    );
    const unexplained = errors.filter((line) => !/no such image/i.test(line));
    const found = unique.filter((ref) => !missing.has(ref));
    const lines = result.stdout.split('\n').filter((l) => l.trim().startsWith('{'));
    if (unexplained.length || lines.length !== found.length || (result.exitCode !== 0) !== missing.size > 0)
      return this.inspectEach(unique);
    const infos = found.map((ref, i) => [ref, JSON.parse(lines[i]!) as ImageInfo] as const);
    for (const [ref, info] of infos) this.seen.set(ref, { info, at: Date.now() });
    for (const ref of missing) this.seen.set(ref, { info: undefined, at: Date.now() });
    return new Map([...present, ...infos]);
  }

  /**
   * What this object saw moments ago (an image, or its absence): a run asks about the same
   * base and planned images several times (before the builds, the base check, the sizes)
   * and one answer serves all. A change made through this object forgets them (a build,
   * the tags it makes; tag, pull, rm, all).
   */
  private readonly seen = new Map<string, { info: ImageInfo | undefined; at: number }>();
  private static readonly SEEN_MS = 30_000;

  private recent(refs: readonly string[]): Map<string, ImageInfo | undefined> {
    const now = Date.now();
    return new Map(
      refs.flatMap((ref) => {
        const hit = this.seen.get(ref);
        return hit && now - hit.at < Docker.SEEN_MS ? [[ref, hit.info] as const] : [];
      }),
    );
  }

  private async inspectEach(refs: readonly string[]): Promise<Map<string, ImageInfo>> {
    const infos = await Promise.all(refs.map((ref) => this.inspectImage(ref)));
    return new Map(refs.flatMap((ref, i) => (infos[i] ? [[ref, infos[i]!] as const] : [])));
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    const known = this.recent([ref]);
    if (known.has(ref)) return known.get(ref);
    const result = await this.exec(['image', 'inspect', '--format', '{{json .}}', ref], { nothrow: true, timeoutMs: 30_000 });
    if (result.exitCode !== 0) {
      if (/no such image/i.test(result.stderr)) {
        this.seen.set(ref, { info: undefined, at: Date.now() });
        return undefined;
      }
      throw new ToolkitError(`docker image inspect ${ref} failed: ${tail(result.stderr, 1)}`);
    }
    const info = JSON.parse(result.stdout) as ImageInfo;
    this.seen.set(ref, { info, at: Date.now() });
    return info;
  }

  /** Layers, newest first, with their sizes in bytes. */
  async history(ref: string): Promise<HistoryEntry[]> {
    const result = await this.exec(['history', '--no-trunc', '--human=false', '--format', '{{.Size}}\t{{.CreatedBy}}', ref], {
      timeoutMs: 30_000,
    });
    return result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [size, ...rest] = line.split('\t');
        return { sizeBytes: Number(size) || 0, createdBy: rest.join('\t') };
      });
  }

  async tag(source: string, target: string): Promise<void> {
    this.seen.clear();
    await this.exec(['tag', source, target], { timeoutMs: 30_000 });
  }

  async removeImages(refs: readonly string[]): Promise<void> {
    this.seen.clear();
    if (refs.length) await this.exec(['image', 'rm', ...refs], { nothrow: true, timeoutMs: 60_000 });
  }

  /** Makes a base image present: already there, or pulled. */
  async ensureBaseImage(image: string, buildArg: string, signal?: AbortSignal): Promise<'present' | 'pulled'> {
    if (await this.inspectImage(image)) return 'present';
    this.log?.debug(`pulling ${image}`);
    this.seen.clear();
    const result = await this.exec(['pull', image], { nothrow: true, timeoutMs: 15 * 60_000, signal }).catch((error: unknown) => {
      if (error instanceof CommandError)
        return { exitCode: 1, stderr: error.timedOut ? 'timed out after 15 minutes' : error.stderrTail, stdout: '' };
      throw error;
    });
    if (result.exitCode !== 0)
      throw new ImagePullError(image, buildArg, tail(result.stderr || result.stdout, 1) || `docker pull exited with ${result.exitCode}`);
    return 'pulled';
  }

  /** Runs a BuildKit build with plain progress, reporting each Dockerfile step as it starts. */
  async build(req: BuildRequest): Promise<BuildOutcome> {
    for (const tag of req.tags) this.seen.delete(tag);
    const args = [
      ...(this.cli.buildMode === 'buildx' ? ['buildx', 'build', '--load'] : ['build']),
      '--progress=plain',
      '--file',
      req.dockerfile,
      ...req.tags.flatMap((t) => ['--tag', t]),
      ...Object.entries(req.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      ...Object.entries(req.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      ...Object.entries(req.secrets ?? {}).flatMap(([id, src]) => ['--secret', `id=${id},src=${src}`]),
      ...(req.noCache ? ['--no-cache'] : []),
      req.context,
    ];
    const env = { ...this.targetEnv, DOCKER_BUILDKIT: '1', BUILDKIT_PROGRESS: 'plain' };
    const started = performance.now();
    const progress = new PlainProgress(req.onStep);
    const bg = startBackground(this.cli.path, args, { env: { ...this.baseEnv, ...env }, log: this.log });
    let seen = 0;
    const pump = () => {
      // BuildKit writes progress to stderr; buildx may use stdout for some lines.
      const text = bg.stderr();
      if (text.length > seen) {
        progress.feed(text.slice(seen));
        seen = text.length;
      }
    };
    const timer = setInterval(pump, 250);
    let timedOut = false;
    const timeout = req.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          void bg.stop();
        }, req.timeoutMs)
      : undefined;
    const abort = () => void bg.stop();
    req.signal?.addEventListener('abort', abort, { once: true });
    try {
      const { exitCode } = await bg.exited;
      pump();
      progress.end();
      if (bg.stdout().trim()) for (const line of bg.stdout().trim().split('\n')) progress.lines.push(line);
      for (const tag of req.tags) this.seen.delete(tag); // an inspect during the build saw them missing
      return { ok: exitCode === 0 && !timedOut, exitCode, durationMs: performance.now() - started, progress, timedOut };
    } finally {
      clearInterval(timer);
      if (timeout) clearTimeout(timeout);
      req.signal?.removeEventListener('abort', abort);
    }
  }

  // --- containers and networks (for --test) ----------------------------------
  async createNetwork(name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.exec(['network', 'create', ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), name], {
      timeoutMs: 30_000,
    });
  }

  async removeNetwork(name: string): Promise<void> {
    await this.exec(['network', 'rm', name], { nothrow: true, timeoutMs: 30_000 });
  }

  /** `docker run --detach ...args`; returns the container id. */
  async runDetached(args: readonly string[]): Promise<string> {
    const result = await this.exec(['run', '--detach', ...args], { timeoutMs: 120_000 });
    return result.stdout.trim();
  }

  async removeContainers(names: readonly string[]): Promise<void> {
    if (names.length) await this.exec(['rm', '--force', '--volumes', ...names], { nothrow: true, timeoutMs: 60_000 });
  }

  /** Removes every container and then every network carrying `label` (key=value); returns how many containers went. */
  async removeLabelled(label: string): Promise<number> {
    const containers = await this.exec(['ps', '--all', '--quiet', '--filter', `label=${label}`], { nothrow: true, timeoutMs: 30_000 });
    const ids = containers.stdout.split('\n').filter(Boolean);
    await this.removeContainers(ids);
    const networks = await this.exec(['network', 'ls', '--quiet', '--filter', `label=${label}`], { nothrow: true, timeoutMs: 30_000 });
    for (const id of networks.stdout.split('\n').filter(Boolean)) await this.removeNetwork(id);
    return ids.length;
  }

  async containerState(name: string): Promise<ContainerState> {
    const result = await this.exec(['inspect', '--format', '{{json .State}}', name], { timeoutMs: 15_000 });
    return JSON.parse(result.stdout) as ContainerState;
  }

  /** The host port that publishes a container port ("127.0.0.1:49153" → 49153). */
  async hostPort(name: string, containerPort: number): Promise<number> {
    const result = await this.exec(['port', name, `${containerPort}/tcp`], { timeoutMs: 15_000 });
    const line = result.stdout.split('\n').find((l) => l.startsWith('127.0.0.1:'));
    const port = Number(line?.split(':').pop());
    if (!port)
      throw new ToolkitError(`container ${name} publishes no 127.0.0.1 port for ${containerPort}: ${result.stdout.trim() || 'nothing'}`);
    return port;
  }

  async logs(name: string, lines = 30): Promise<string> {
    const result = await this.exec(['logs', '--tail', String(lines), name], { nothrow: true, timeoutMs: 15_000 });
    return `${result.stdout}${result.stderr}`.trimEnd();
  }
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  Health?: { Status: string; Log?: { ExitCode: number; Output: string }[] };
}

/** Whether a failed build's text says that a base image could not be fetched. */
export function looksLikePullFailure(text: string): boolean {
  return PULL_FAILURE.test(text) && /load metadata for|pull|resolve|manifest/i.test(text);
}
