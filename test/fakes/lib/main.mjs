// Entry point shared by every shim in test/fakes/bin: records the call, applies
// latency and injected failures, then hands over to the tool's handler.
import fs from 'node:fs';
import path from 'node:path';
import {
  Io,
  Exit,
  UnsupportedError,
  ConfigError,
  EXIT_UNSUPPORTED,
  EXIT_CONFIG,
  statePathFrom,
  readState,
  withLockedState,
  sleep,
  argvMatches,
} from './core.mjs';

/** Handlers are loaded lazily so a kubectl call never parses the helm module. */
const HANDLERS = {
  docker: () => import('./docker.mjs'),
  minikube: () => import('./minikube.mjs'),
  kind: () => import('./kind.mjs'),
  k3d: () => import('./k3d.mjs'),
  helm: () => import('./helm.mjs'),
  kubectl: () => import('./kubectl.mjs'),
};

/** Environment variables worth recording with each call (never the whole env: it may hold secrets). */
const RECORDED_ENV =
  /^(KUBECONFIG|DOCKER_HOST|DOCKER_TLS_VERIFY|DOCKER_CERT_PATH|DOCKER_CONTEXT|MINIKUBE_ACTIVE_DOCKERD|MINIKUBE_HOME|MINIKUBE_PROFILE|HELM_NAMESPACE|HELM_KUBECONTEXT|HELM_DRIVER|KIND_CLUSTER_NAME|NO_COLOR)$/;

/**
 * @typedef {object} Ctx
 * @property {string} tool
 * @property {string[]} argv
 * @property {NodeJS.ProcessEnv} env
 * @property {string} cwd
 * @property {string} statePath
 * @property {Io} io
 * @property {any} state            state as read at the start of the call
 * @property {(fn: (s: any) => any) => any} mutate   locked read-modify-write
 * @property {any} rule             injected failure for handlers that model failures themselves
 */

/** @param {keyof typeof HANDLERS} tool */
export async function run(tool) {
  const argv = process.argv.slice(2);
  const env = process.env;
  const cwd = process.cwd();
  const io = new Io();
  // From the process's own start, not from here: a tool's latency includes starting it
  // (Node's start for the fakes, like a real binary's), and benchmarks subtract it.
  const started = Math.round(performance.timeOrigin);
  let code = 0;
  /** @type {string | undefined} */ let statePath;
  try {
    statePath = statePathFrom(env, tool);
    const sp = statePath;
    let state = readState(sp, tool);
    const [sub = '', sub2 = ''] = argv.filter((a) => !a.startsWith('-'));
    // most specific first: "docker buildx build", then "helm upgrade", then "kubectl"
    const latency = state.latencyMs?.[`${tool} ${sub} ${sub2}`] ?? state.latencyMs?.[`${tool} ${sub}`] ?? state.latencyMs?.[tool] ?? 0;
    if (latency > 0) await sleep(latency);

    const mod = await HANDLERS[tool]();
    const rule = takeFailure(sp, tool, argv, state);
    if (rule) state = readState(sp, tool);
    const hooked = rule && typeof mod.handlesFailure === 'function' && mod.handlesFailure(argv);
    if (rule && !hooked) {
      if (rule.delayMs) await sleep(rule.delayMs);
      if (rule.stdout) io.out(rule.stdout);
      if (rule.stderr) io.err(rule.stderr);
      code = rule.exitCode ?? 1;
    } else {
      if (rule?.delayMs) await sleep(rule.delayMs);
      /** @type {Ctx} */
      const ctx = {
        tool,
        argv,
        env,
        cwd,
        statePath: sp,
        io,
        state,
        rule: hooked ? rule : undefined,
        mutate: (fn) => withLockedState(sp, tool, fn),
      };
      code = (await mod.handle(ctx)) ?? 0;
    }
  } catch (e) {
    if (e instanceof Exit) code = e.code;
    else if (e instanceof UnsupportedError) {
      io.err(`${e.message}\n`);
      code = EXIT_UNSUPPORTED;
    } else if (e instanceof ConfigError) {
      io.err(`${e.message}\n`);
      code = EXIT_CONFIG;
    } else {
      io.err(`fake ${tool}: internal error: ${/** @type {Error} */ (e).stack ?? e}\n`);
      code = 70;
    }
  }
  if (statePath) recordCall(statePath, tool, argv, cwd, env, code, started);
  await writeAll(io, code);
}

/**
 * First injected failure matching this call; a rule with `times` is consumed
 * (under the state lock) and removed when it runs out.
 * @param {string} statePath @param {string} tool @param {string[]} argv @param {any} state
 */
function takeFailure(statePath, tool, argv, state) {
  const rules = state.failures ?? [];
  const matches = (/** @type {any} */ r) => r.tool === tool && argvMatches(argv, r.match ?? []);
  const first = rules.find(matches);
  if (!first) return undefined;
  if (first.times === undefined) return first;
  return withLockedState(statePath, tool, (s) => {
    const list = s.failures ?? [];
    const idx = list.findIndex(matches);
    if (idx < 0) return undefined; // consumed by a parallel call
    const r = list[idx];
    if (r.times !== undefined) {
      r.times -= 1;
      if (r.times <= 0) list.splice(idx, 1);
    }
    return r;
  });
}

/** One JSON line per call; O_APPEND keeps lines from parallel calls whole. */
function recordCall(statePath, tool, argv, cwd, env, exitCode, started) {
  const file = env.FAKE_CALLS || path.join(path.dirname(statePath), 'calls.jsonl');
  /** @type {Record<string, string>} */ const envSubset = {};
  for (const [k, v] of Object.entries(env)) if (RECORDED_ENV.test(k) && v !== undefined) envSubset[k] = v;
  const line =
    JSON.stringify({
      tool,
      argv,
      cwd,
      env: envSubset,
      exitCode,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
    }) + '\n';
  try {
    fs.appendFileSync(file, line);
  } catch {
    /* a missing log folder must not change the tool's behaviour */
  }
}

/** @param {Io} io @param {number} code */
async function writeAll(io, code) {
  const write = (/** @type {NodeJS.WriteStream} */ stream, /** @type {string} */ s) =>
    new Promise((resolve) => (s ? stream.write(s, () => resolve(undefined)) : resolve(undefined)));
  await write(process.stdout, io.stdout);
  await write(process.stderr, io.stderr);
  process.exitCode = code;
}
