// fake kubectl: version, config, get, logs, create namespace, delete, port-forward.
// Output formats: cli-runtime JSON printer (4-space indent, keys sorted as for
// unstructured objects, trailing newline), kubectl's version command (2-space
// indent), API error texts "Error from server (<Reason>): ...".
import { Exit, goJson, parseFlags, unsupported, klogHeader, sha256, nowNano } from './core.mjs';
import { resolveContext, hostPort, apiServerUp } from './cluster.mjs';
import {
  KINDS,
  kindFromResource,
  qualifiedResource,
  expandCluster,
  parseSelector,
  SelectorError,
  idOf,
  isCompact,
  labelsOf,
} from './objects.mjs';
import fs from 'node:fs';
import net from 'node:net';
import { ConfigError, readState, sleep } from './core.mjs';

const DEFAULT_CLIENT = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac5a2c6f60',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:03:59Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const GLOBAL_FLAGS = {
  context: 'string',
  namespace: 'string',
  n: ['string', 'namespace'],
  kubeconfig: 'string',
  'request-timeout': 'string',
  v: 'string',
  'v=': 'string',
};
/** Flags each subcommand accepts on top of the global ones. */
const SUB_FLAGS = {
  version: { client: 'bool', output: 'string', o: ['string', 'output'] },
  get: {
    output: 'string',
    o: ['string', 'output'],
    selector: 'string',
    l: ['string', 'selector'],
    'all-namespaces': 'bool',
    A: ['bool', 'all-namespaces'],
    'ignore-not-found': 'bool',
    'field-selector': 'string',
    'show-managed-fields': 'bool',
    'chunk-size': 'string',
  },
  logs: {
    container: 'string',
    c: ['string', 'container'],
    previous: 'bool',
    p: ['bool', 'previous'],
    tail: 'string',
    timestamps: 'bool',
    'all-containers': 'bool',
    follow: 'bool',
    f: ['bool', 'follow'],
    since: 'string',
  },
  create: {},
  delete: {
    selector: 'string',
    l: ['string', 'selector'],
    'ignore-not-found': 'bool',
    wait: 'bool',
    'grace-period': 'string',
    force: 'bool',
    timeout: 'string',
    all: 'bool',
    now: 'bool',
    cascade: 'string',
  },
  config: { minify: 'bool', raw: 'bool', flatten: 'bool', output: 'string', o: ['string', 'output'] },
  'port-forward': { address: 'string', 'pod-running-timeout': 'string' },
};

/** @param {import('./main.mjs').Ctx} ctx */
export async function handle(ctx) {
  const sub = ctx.argv.find((a, i) => !a.startsWith('-') && !isFlagValue(ctx.argv, i));
  if (!sub || !(sub in SUB_FLAGS)) throw unsupported('kubectl', ctx.argv);
  const rest = [...ctx.argv];
  rest.splice(rest.indexOf(sub), 1);
  const { flags, args, unknown } = parseFlags(rest, { ...GLOBAL_FLAGS, ...SUB_FLAGS[/** @type {keyof typeof SUB_FLAGS} */ (sub)] });
  if (unknown.length) throw unsupported('kubectl', ctx.argv);
  const c = { ...ctx, flags, args, sub };
  switch (sub) {
    case 'version':
      return version(c);
    case 'config':
      return config(c);
    case 'get':
      return get(c);
    case 'logs':
      return logs(c);
    case 'create':
      return create(c);
    case 'delete':
      return del(c);
    case 'port-forward':
      return portForward(c);
  }
  throw unsupported('kubectl', ctx.argv);
}

/** Is argv[i] the value of a preceding flag that takes one ("-n ns")? */
function isFlagValue(argv, i) {
  const prev = argv[i - 1];
  if (!prev || !prev.startsWith('-') || prev.includes('=')) return false;
  return [
    '--context',
    '-n',
    '--namespace',
    '--kubeconfig',
    '--request-timeout',
    '-o',
    '--output',
    '-l',
    '--selector',
    '-c',
    '--container',
    '--tail',
    '--field-selector',
    '--grace-period',
    '--timeout',
    '--cascade',
    '--chunk-size',
    '--address',
    '--pod-running-timeout',
  ].includes(prev);
}

/** @param {any} c */
function clientVersion(c) {
  return { ...DEFAULT_CLIENT, ...(c.state.kubectl?.clientVersion ?? {}) };
}

/** Serverversion from state: "v1.32.0" or a version.Info object. */
export function serverVersionInfo(cluster) {
  const v = cluster?.serverVersion ?? 'v1.32.0';
  if (typeof v !== 'string') return v;
  const m = /^v(\d+)\.(\d+)\.(\d+)/.exec(v);
  return {
    major: m?.[1] ?? '1',
    minor: m?.[2] ?? '32',
    gitVersion: v,
    gitCommit: sha256(v).slice(0, 40),
    gitTreeState: 'clean',
    buildDate: '2024-12-11T17:57:02Z',
    goVersion: 'go1.23.3',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/**
 * The API server of the selected context, or an Exit after printing exactly
 * what kubectl prints when it cannot reach it.
 * @param {any} c @param {number} memcacheLines how many discovery errors kubectl logs first (observed with v1.32)
 */
function connect(c, memcacheLines) {
  const r = resolveContext(c.state, c.flags.context);
  if (!r.ok && r.reason === 'missing') {
    c.io.err(`Error in configuration: context was not found for specified context: ${r.name}\n`);
    throw new Exit(1);
  }
  const server = r.ok ? r.server : 'http://localhost:8080';
  if (!r.ok || !apiServerUp(c.state, r.clusterName)) {
    refused(c, server, memcacheLines);
    throw new Exit(1);
  }
  const cluster = c.state.clusters[r.clusterName];
  return { ...r, backing: cluster, namespace: c.flags.namespace ?? r.namespace };
}

/** @param {any} c @param {string} server @param {number} n */
function refused(c, server, n) {
  const hp = hostPort(server);
  const base = server.replace(/\/+$/, '');
  // the dial error names the resolved address
  const dial = hp.replace(/^localhost:/, '127.0.0.1:');
  for (let i = 0; i < n; i++) {
    c.io.err(
      `${klogHeader('E')}memcache.go:265] "Unhandled Error" err="couldn't get current server API group list: Get \\"${base}/api?timeout=32s\\": dial tcp ${dial}: connect: connection refused"\n`,
    );
  }
  c.io.err(`The connection to the server ${hp} was refused - did you specify the right host or port?\n`);
}

// ---------------------------------------------------------------------------
// version (k8s.io/kubectl/pkg/cmd/version/version.go)

function version(c) {
  const out = c.flags.output;
  if (out !== undefined && out !== 'json') throw unsupported('kubectl', c.argv);
  if (c.args.length) throw unsupported('kubectl', c.argv);
  const client = clientVersion(c);
  const kustomize = c.state.kubectl?.kustomizeVersion ?? 'v5.5.0';
  /** @type {Record<string, any>} */ const v = { clientVersion: client, kustomizeVersion: kustomize };
  const print = () => {
    if (out === 'json') c.io.out(JSON.stringify(v, null, 2) + '\n');
    else {
      c.io.out(`Client Version: ${client.gitVersion}\nKustomize Version: ${kustomize}\n`);
      if (v.serverVersion) c.io.out(`Server Version: ${v.serverVersion.gitVersion}\n`);
    }
  };
  if (c.flags.client) {
    print();
    return 0;
  }
  const r = resolveContext(c.state, c.flags.context);
  if (!r.ok && r.reason === 'missing') {
    c.io.err(`Error in configuration: context was not found for specified context: ${r.name}\n`);
    return 1;
  }
  if (!r.ok || !apiServerUp(c.state, r.clusterName)) {
    print();
    refused(c, r.ok ? r.server : 'http://localhost:8080', 0);
    return 1;
  }
  v.serverVersion = serverVersionInfo(c.state.clusters[r.clusterName]);
  print();
  const skew = Math.abs(parseInt(client.minor, 10) - parseInt(v.serverVersion.minor, 10));
  if (skew > 1) {
    c.io.err(
      `WARNING: version difference between client (${client.major}.${parseInt(client.minor, 10)}) and server (${v.serverVersion.major}.${parseInt(v.serverVersion.minor, 10)}) exceeds the supported minor version skew of +/-1\n`,
    );
  }
  return 0;
}

// ---------------------------------------------------------------------------
// config (k8s.io/kubectl/pkg/cmd/config)

function config(c) {
  const [verb, ...rest] = c.args;
  const kc = c.state.kubeconfig ?? {};
  if (verb === 'current-context' && rest.length === 0 && c.flags.output === undefined) {
    if (!kc['current-context']) {
      c.io.err('error: current-context is not set\n');
      return 1;
    }
    c.io.out(`${kc['current-context']}\n`);
    return 0;
  }
  if (verb === 'get-contexts' && c.flags.output === 'name') {
    const names = (kc.contexts ?? [])
      .map((/** @type {any} */ x) => x.name)
      .filter((/** @type {string} */ n) => rest.length === 0 || rest.includes(n))
      .sort();
    for (const n of names) c.io.out(`${n}\n`);
    const missing = rest.filter((n) => !names.includes(n));
    if (missing.length) {
      c.io.err(`error: context ${missing[0]} not found\n`);
      return 1;
    }
    return 0;
  }
  if (verb === 'use-context' && rest.length === 1 && c.flags.output === undefined) {
    const name = /** @type {string} */ (rest[0]);
    if (!(kc.contexts ?? []).some((/** @type {any} */ x) => x.name === name)) {
      c.io.err(`error: no context exists with the name: "${name}"\n`);
      return 1;
    }
    c.mutate((/** @type {any} */ s) => {
      s.kubeconfig['current-context'] = name;
    });
    c.io.out(`Switched to context "${name}".\n`);
    return 0;
  }
  if (verb === 'view' && rest.length === 0 && c.flags.output === 'json') {
    if (c.flags.minify && !(c.flags.context ?? kc['current-context'])) {
      c.io.err('error: current-context must exist in order to minify\n');
      return 1;
    }
    c.io.out(goJson(viewConfig(kc, !!c.flags.minify, !!c.flags.raw, c.flags.context), { indent: 4 }) + '\n');
    return 0;
  }
  throw unsupported('kubectl', c.argv);
}

/** clientcmd v1 Config in field order, as `kubectl config view -o json` prints it. */
export function viewConfig(kc, minify, raw, contextOverride) {
  let contexts = [...(kc.contexts ?? [])].sort(byName);
  let clusters = [...(kc.clusters ?? [])].sort(byName);
  let users = [...(kc.users ?? [])].sort(byName);
  const current = contextOverride ?? kc['current-context'] ?? '';
  if (minify) {
    const ctx = contexts.find((x) => x.name === current);
    contexts = ctx ? [ctx] : [];
    clusters = clusters.filter((x) => x.name === ctx?.context?.cluster);
    users = users.filter((x) => x.name === ctx?.context?.user);
  }
  const cl = (/** @type {any} */ x) =>
    pick(
      x ?? {},
      [
        'server',
        'tls-server-name',
        'insecure-skip-tls-verify',
        'certificate-authority',
        'certificate-authority-data',
        'proxy-url',
        'disable-compression',
        'extensions',
      ],
      raw ? {} : { 'certificate-authority-data': 'DATA+OMITTED' },
    );
  const us = (/** @type {any} */ x) =>
    pick(
      x ?? {},
      [
        'client-certificate',
        'client-certificate-data',
        'client-key',
        'client-key-data',
        'token',
        'tokenFile',
        'as',
        'as-uid',
        'as-groups',
        'as-user-extra',
        'username',
        'password',
        'auth-provider',
        'exec',
        'extensions',
      ],
      raw ? {} : { 'client-certificate-data': 'DATA+OMITTED', 'client-key-data': 'DATA+OMITTED', token: 'REDACTED' },
    );
  const cx = (/** @type {any} */ x) => pick(x ?? {}, ['cluster', 'user', 'namespace', 'extensions'], {});
  return {
    kind: 'Config',
    apiVersion: 'v1',
    preferences: {},
    clusters: clusters.map((x) => ({ name: x.name, cluster: cl(x.cluster) })),
    users: users.map((x) => ({ name: x.name, user: us(x.user) })),
    contexts: contexts.map((x) => ({ name: x.name, context: cx(x.context) })),
    'current-context': current,
  };
}
const byName = (/** @type {any} */ a, /** @type {any} */ b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
/** Keep `keys` in this order, dropping empty ones (omitempty); `redact` replaces non-empty values. */
function pick(obj, keys, redact) {
  /** @type {Record<string, any>} */ const o = {};
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || v === '' || v === false || (Array.isArray(v) && !v.length)) continue;
    o[k] = k in redact ? redact[k] : v;
  }
  return o;
}

// ---------------------------------------------------------------------------
// get

/** Parse "pods", "pods a b", "pod/a pod/b", "deploy,sts [names]" into requests. */
function parseTargets(c) {
  const args = c.args;
  if (!args.length) {
    c.io.err('You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\n');
    c.io.err(
      'error: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee \'kubectl get -h\' for help and examples\n',
    );
    throw new Exit(1);
  }
  const kindOf = (/** @type {string} */ w) => {
    const k = kindFromResource(w);
    if (!k) throw unsupported('kubectl', c.argv);
    return k;
  };
  if (args.some((a) => a.includes('/'))) {
    if (!args.every((a) => a.includes('/'))) {
      c.io.err(
        `error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'\n`,
      );
      throw new Exit(1);
    }
    const targets = args.map((a) => {
      const [t, n] = a.split('/');
      return { kind: kindOf(/** @type {string} */ (t)), name: n };
    });
    return { targets, single: targets.length === 1, slashForm: true, kinds: targets.length };
  }
  const [typeWord, ...names] = /** @type {[string, ...string[]]} */ (args);
  const kinds = typeWord.split(',').map(kindOf);
  /** @type {{kind: string, name?: string}[]} */ const targets = [];
  for (const kind of kinds) {
    if (names.length) for (const name of names) targets.push({ kind, name });
    else targets.push({ kind });
  }
  return { targets, single: kinds.length === 1 && names.length === 1, slashForm: false, kinds: kinds.length };
}

/** @param {string} kind @param {string} name */
function notFound(kind, name) {
  return `Error from server (NotFound): ${qualifiedResource(kind)} "${name}" not found\n`;
}

/** Field selector: "a.b=v", "a.b!=v", comma-joined. */
function parseFieldSelector(sel) {
  const reqs = sel
    .split(',')
    .filter(Boolean)
    .map((p) => {
      const m = /^([\w.]+)\s*(!=|==|=)\s*(.*)$/.exec(p.trim());
      if (!m) throw new SelectorError(`invalid field selector: ${p}`);
      return { path: /** @type {string} */ (m[1]), neq: m[2] === '!=', value: m[3] };
    });
  return (/** @type {any} */ o) =>
    reqs.every((r) => {
      let cur = o;
      for (const part of r.path.split('.')) cur = cur?.[part];
      const v = cur === undefined ? '' : String(cur);
      return r.neq ? v !== r.value : v === r.value;
    });
}

function get(c) {
  const out = c.flags.output;
  if (out !== 'json' && out !== 'name') throw unsupported('kubectl', c.argv);
  if (c.flags['show-managed-fields']) throw unsupported('kubectl', c.argv);
  const parsed = parseTargets(c);
  const all = !!c.flags['all-namespaces'];
  if (all && parsed.targets.some((t) => t.name)) {
    c.io.err('error: a resource cannot be retrieved by name across all namespaces\n');
    return 1;
  }
  const conn = connect(c, parsed.slashForm ? 4 : 5 + parsed.kinds - 1);
  let labelSel;
  let fieldSel;
  try {
    labelSel = c.flags.selector !== undefined ? parseSelector(c.flags.selector) : undefined;
    fieldSel = c.flags['field-selector'] !== undefined ? parseFieldSelector(c.flags['field-selector']) : undefined;
  } catch (e) {
    c.io.err(`error: ${/** @type {Error} */ (e).message}\n`);
    return 1;
  }
  const objects = expandCluster(conn.backing, c.state, conn.clusterName);
  /** @type {any[]} */ const items = [];
  /** @type {string[]} */ const errors = [];
  for (const t of parsed.targets) {
    const k = KINDS[/** @type {keyof typeof KINDS} */ (t.kind)];
    const inScope = (/** @type {any} */ o) => o.kind === t.kind && (!k.namespaced || all || o.metadata.namespace === conn.namespace);
    if (t.name) {
      const o = objects.find((x) => inScope(x) && x.metadata.name === t.name);
      if (o && (!labelSel || labelSel(o.metadata.labels ?? {}))) items.push(o);
      else if (!o && !c.flags['ignore-not-found']) errors.push(notFound(t.kind, /** @type {string} */ (t.name)));
    } else {
      const list = objects.filter((o) => inScope(o) && (!labelSel || labelSel(o.metadata.labels ?? {})) && (!fieldSel || fieldSel(o)));
      list.sort((a, b) => cmp(`${a.metadata.namespace ?? ''}/${a.metadata.name}`, `${b.metadata.namespace ?? ''}/${b.metadata.name}`));
      items.push(...list);
    }
  }
  if (parsed.single && errors.length) {
    c.io.err(errors.join(''));
    return 1;
  }
  if (out === 'name') {
    for (const o of items) c.io.out(`${resourceName(o.kind)}/${o.metadata.name}\n`);
  } else if (parsed.single && items.length === 1) {
    c.io.out(goJson(items[0], { indent: 4, sortKeys: true }) + '\n');
  } else if (!(parsed.single && c.flags['ignore-not-found'] && items.length === 0)) {
    const list = { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
    c.io.out(goJson(list, { indent: 4, sortKeys: true }) + '\n');
  }
  c.io.err(errors.join(''));
  return errors.length ? 1 : 0;
}
const cmp = (/** @type {string} */ a, /** @type {string} */ b) => (a < b ? -1 : a > b ? 1 : 0);

/** "deployment.apps", "pod": the prefix of `-o name` and of delete messages. @param {string} kind */
function resourceName(kind) {
  const k = KINDS[/** @type {keyof typeof KINDS} */ (kind)];
  return k.group ? `${kind.toLowerCase()}.${k.group}` : kind.toLowerCase();
}

// ---------------------------------------------------------------------------
// logs (kubelet validateContainerLogStatus, kubectl polymorphichelpers)

function logs(c) {
  if (c.args.length !== 1 && !(c.args.length === 2 && !c.flags.container)) throw unsupported('kubectl', c.argv);
  if (c.flags['all-containers'] || c.flags.timestamps) throw unsupported('kubectl', c.argv);
  // A follow of the previous container is not modelled.
  if (c.flags.follow && c.flags.previous) throw unsupported('kubectl', c.argv);
  // --since is a Go duration flag: pflag rejects a bad one before any request (kubectl's usage error, exit 1).
  const sinceMs = c.flags.since === undefined ? undefined : goDuration(c.flags.since);
  if (c.flags.since !== undefined && sinceMs === undefined) {
    c.io.err(
      `error: invalid argument "${c.flags.since}" for "--since" flag: time: invalid duration "${c.flags.since}"\nSee 'kubectl logs --help' for usage.\n`,
    );
    return 1;
  }
  const conn = connect(c, 4);
  const ns = conn.namespace;
  const objects = expandCluster(conn.backing, c.state, conn.clusterName);
  let target = /** @type {string} */ (c.args[0]);
  let containerName = c.flags.container ?? c.args[1];
  /** @type {any} */ let pod;
  if (target.includes('/')) {
    const [type, name] = target.split('/');
    const kind = kindFromResource(/** @type {string} */ (type));
    if (kind === 'Pod') target = /** @type {string} */ (name);
    else if (kind === 'Deployment' || kind === 'StatefulSet') {
      const w = objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
      if (!w) {
        c.io.err(notFound(kind, /** @type {string} */ (name)));
        return 1;
      }
      const sel = w.spec.selector.matchLabels;
      const pods = objects.filter(
        (o) => o.kind === 'Pod' && o.metadata.namespace === ns && Object.entries(sel).every(([k, v]) => o.metadata.labels?.[k] === v),
      );
      pods.sort((a, b) => cmp(a.metadata.name, b.metadata.name));
      if (!pods.length) {
        c.io.err(`error: timed out waiting for the condition\n`);
        return 1;
      }
      pod = pods[0];
      if (pods.length > 1) c.io.err(`Found ${pods.length} pods, using pod/${pod.metadata.name}\n`);
    } else throw unsupported('kubectl', c.argv);
  }
  pod ??= objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === ns && o.metadata.name === target);
  if (!pod) {
    c.io.err(notFound('Pod', target));
    return 1;
  }
  const containers = pod.spec.containers.map((/** @type {any} */ x) => x.name);
  if (!containerName) {
    containerName = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] ?? containers[0];
    if (containers.length > 1 && !pod.metadata.annotations?.['kubectl.kubernetes.io/default-container']) {
      c.io.err(`Defaulted container "${containerName}" out of: ${containers.join(', ')}\n`);
    }
  }
  if (!containers.includes(containerName)) {
    c.io.err(`error: container ${containerName} is not valid for pod ${pod.metadata.name}\n`);
    return 1;
  }
  const st = (pod.status.containerStatuses ?? []).find((/** @type {any} */ s) => s.name === containerName) ?? { state: {}, lastState: {} };
  const where = `container "${containerName}" in pod "${pod.metadata.name}"`;
  const badRequest = (/** @type {string} */ m) => {
    c.io.err(`Error from server (BadRequest): ${m}\n`);
    return 1;
  };
  const text = logText(conn.backing, objects, pod, containerName);
  let body;
  if (c.flags.previous) {
    if (!st.lastState?.terminated) return badRequest(`previous terminated ${where} not found`);
    body = text.previous ?? '';
  } else if (st.state?.running || st.state?.terminated) {
    body = text.current ?? '';
  } else if (st.lastState?.terminated) {
    // CrashLoopBackOff: kubelet serves the last terminated container's log
    body = text.current ?? text.previous ?? '';
  } else if (st.state?.waiting) {
    const reason = st.state.waiting.reason;
    if (reason === 'ErrImagePull') return badRequest(`${where} is waiting to start: image can't be pulled`);
    if (reason === 'ImagePullBackOff') return badRequest(`${where} is waiting to start: trying and failing to pull image`);
    return badRequest(`${where} is waiting to start: ${reason}`);
  } else return badRequest(`${where} is waiting to start - no logs yet`);
  // kubelet keeps a time per line; the fake's lines all date from the container's start (state.running.startedAt).
  const startedAt = Date.parse(
    st.state?.running?.startedAt ?? st.state?.terminated?.startedAt ?? st.lastState?.terminated?.startedAt ?? '',
  );
  if (sinceMs !== undefined && startedAt < Date.now() - sinceMs) body = '';
  if (c.flags.tail !== undefined && Number(c.flags.tail) >= 0) {
    const n = Number(c.flags.tail);
    const lines = body.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    body =
      n === 0
        ? ''
        : lines
            .slice(-n)
            .map((l) => `${l}\n`)
            .join('');
  }
  // --follow of a running container streams; of one that is not running, prints what there is and ends (like kubelet).
  if (!c.flags.follow || !st.state?.running) {
    c.io.out(body);
    return 0;
  }
  return follow(c, conn, pod, containerName, st.containerID, body, (text.current ?? '').length);
}

/**
 * kubectl logs --follow: what the container writes next (text appended to its
 * `current` log in the state) is printed as it comes; the stream ends, exit 0,
 * when the container stops running (a restart gives a new containerID), the pod
 * goes, or the fake cluster's state file does (no orphan outlives it). kubectl
 * sets no signal handler here: SIGINT/SIGTERM kill it (recorded as 130/143).
 */
async function follow(
  /** @type {any} */ c,
  /** @type {any} */ conn,
  /** @type {any} */ pod,
  /** @type {string} */ container,
  /** @type {string} */ containerID,
  /** @type {string} */ body,
  /** @type {number} */ printed,
) {
  process.stdout.write(body);
  const ns = pod.metadata.namespace;
  /** @type {(code: number) => void} */ let finish = () => undefined;
  const ended = new Promise((resolve) => (finish = resolve));
  const bySignal = (/** @type {NodeJS.Signals} */ sig, /** @type {number} */ code) => () => {
    process.once('exit', () => process.kill(process.pid, sig));
    finish(code);
  };
  const onInt = bySignal('SIGINT', 130);
  const onTerm = bySignal('SIGTERM', 143);
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  const timer = setInterval(() => {
    let state;
    try {
      state = readState(c.statePath, 'kubectl');
    } catch {
      if (!fs.existsSync(c.statePath)) finish(0);
      return;
    }
    if (!apiServerUp(state, conn.clusterName)) return finish(0);
    const objects = expandCluster(state.clusters[conn.clusterName] ?? {}, state, conn.clusterName);
    const now = objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === ns && o.metadata.name === pod.metadata.name);
    const text = now ? (logText(state.clusters[conn.clusterName], objects, now, container).current ?? '') : '';
    if (text.length > printed) {
      process.stdout.write(text.slice(printed));
      printed = text.length;
    }
    const st = (now?.status?.containerStatuses ?? []).find((/** @type {any} */ s) => s.name === container);
    if (!now || now.metadata.deletionTimestamp || !st?.state?.running || st.containerID !== containerID) finish(0);
  }, 100);
  const code = await ended;
  clearInterval(timer);
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  return code;
}

/** Logs of a container: by pod name, else by the workload that owns the pod. */
function logText(cluster, objects, pod, container) {
  const ns = pod.metadata.namespace;
  const logs = cluster.logs ?? {};
  const direct = logs[`${ns}/${pod.metadata.name}/${container}`];
  if (direct) return direct;
  for (const w of objects.filter((o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && o.metadata.namespace === ns)) {
    const sel = w.spec.selector.matchLabels;
    if (Object.entries(sel).every(([k, v]) => pod.metadata.labels?.[k] === v)) {
      const byOwner = logs[`${ns}/${w.metadata.name}/${container}`];
      if (byOwner) return byOwner;
    }
  }
  return {};
}

// ---------------------------------------------------------------------------
// create namespace

function create(c) {
  const [what, name, ...rest] = c.args;
  if (!['namespace', 'ns'].includes(what ?? '') || !name || rest.length) throw unsupported('kubectl', c.argv);
  const conn = connect(c, 0);
  const exists = c.mutate((/** @type {any} */ s) => {
    const cl = s.clusters[conn.clusterName];
    cl.objects ??= [];
    if (cl.objects.some((/** @type {any} */ o) => o.kind === 'Namespace' && idOf(o).name === name)) return true;
    cl.objects.push({ kind: 'Namespace', name, createdAt: nowNano() });
    return false;
  });
  if (exists) {
    c.io.err(`Error from server (AlreadyExists): namespaces "${name}" already exists\n`);
    return 1;
  }
  c.io.out(`namespace/${name} created\n`);
  return 0;
}

// ---------------------------------------------------------------------------
// delete

function del(c) {
  if (!c.args.length) throw unsupported('kubectl', c.argv);
  if (c.flags.all || c.flags.cascade) throw unsupported('kubectl', c.argv);
  /** @type {{kind: string, name?: string}[]} */ let targets;
  if (c.args.every((/** @type {string} */ a) => a.includes('/'))) {
    targets = c.args.map((/** @type {string} */ a) => {
      const [t, n] = a.split('/');
      const kind = kindFromResource(/** @type {string} */ (t));
      if (!kind) throw unsupported('kubectl', c.argv);
      return { kind, name: n };
    });
  } else {
    const [typeWord, ...names] = c.args;
    const kind = kindFromResource(typeWord);
    if (!kind || typeWord.includes(',')) throw unsupported('kubectl', c.argv);
    if (!names.length && c.flags.selector === undefined) {
      c.io.err('error: resource(s) were provided, but no name was specified\n');
      return 1;
    }
    targets = names.length ? names.map((/** @type {string} */ n) => ({ kind, name: n })) : [{ kind }];
  }
  if (targets.some((t) => t.kind === 'Node' || t.kind === 'Endpoints' || t.kind === 'EndpointSlice')) throw unsupported('kubectl', c.argv);
  const conn = connect(c, 5);
  let sel;
  try {
    sel = c.flags.selector !== undefined ? parseSelector(c.flags.selector) : undefined;
  } catch (e) {
    c.io.err(`error: ${/** @type {Error} */ (e).message}\n`);
    return 1;
  }
  const force = c.flags.force && c.flags['grace-period'] === '0';
  if (force)
    c.io.err(
      'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n',
    );
  /** @type {string[]} */ const deleted = [];
  /** @type {string[]} */ const missing = [];
  c.mutate((/** @type {any} */ s) => {
    const cl = s.clusters[conn.clusterName];
    for (const t of targets) {
      const namespaced = KINDS[/** @type {keyof typeof KINDS} */ (t.kind)].namespaced;
      const matches = (/** @type {any} */ o) => {
        const id = idOf(o);
        return (
          id.kind === t.kind &&
          (!namespaced || id.namespace === conn.namespace) &&
          (t.name ? id.name === t.name : true) &&
          (!sel || sel(labelsOf(o)))
        );
      };
      const found = (cl.objects ?? []).filter(matches);
      if (!found.length && t.name) {
        if (!c.flags['ignore-not-found']) missing.push(notFound(t.kind, t.name));
        continue;
      }
      for (const o of found) {
        deleted.push(`${resourceName(t.kind)} "${idOf(o).name}" ${force ? 'force deleted' : 'deleted'}\n`);
        removeObject(s, conn.clusterName, o);
      }
    }
  });
  if (!deleted.length && !missing.length && !targets.some((t) => t.name)) c.io.out('No resources found\n');
  c.io.out(deleted.join(''));
  c.io.err(missing.join(''));
  return missing.length ? 1 : 0;
}

/**
 * Remove an object the way the API server and controllers would: a Namespace
 * takes everything in it (helm releases included: they are Secrets there), a
 * workload takes its pods, a deleted pod owned by a live controller comes back
 * under a new name (ReplicaSet) or the same name (StatefulSet).
 * @param {any} s state @param {string} clusterName @param {any} o
 */
export function removeObject(s, clusterName, o) {
  const cl = s.clusters[clusterName];
  const id = idOf(o);
  cl.objects = cl.objects.filter((/** @type {any} */ x) => x !== o);
  if (id.kind === 'Namespace') {
    cl.objects = cl.objects.filter((/** @type {any} */ x) => idOf(x).namespace !== id.name);
    for (const key of Object.keys(cl.logs ?? {})) if (key.startsWith(`${id.name}/`)) delete cl.logs[key];
    if (s.helm?.releases)
      s.helm.releases = s.helm.releases.filter(
        (/** @type {any} */ r) => !(r.namespace === id.name && (r.cluster ?? clusterName) === clusterName),
      );
    return;
  }
  if (id.kind === 'Deployment' || id.kind === 'StatefulSet') {
    const sel = isCompact(o) ? (o.selector ?? o.labels ?? { app: o.name }) : (o.spec?.selector?.matchLabels ?? {});
    cl.objects = cl.objects.filter(
      (/** @type {any} */ x) =>
        !(idOf(x).kind === 'Pod' && idOf(x).namespace === id.namespace && Object.entries(sel).every(([k, v]) => labelsOf(x)[k] === v)),
    );
    return;
  }
  if (id.kind === 'Pod' && isCompact(o) && o.ownerKind) {
    const ownerKind = o.ownerKind === 'ReplicaSet' ? 'Deployment' : o.ownerKind;
    const owner = cl.objects.find(
      (/** @type {any} */ x) =>
        idOf(x).kind === ownerKind &&
        idOf(x).namespace === id.namespace &&
        Object.entries(isCompact(x) ? (x.selector ?? x.labels ?? {}) : (x.spec?.selector?.matchLabels ?? {})).every(
          ([k, v]) => labelsOf(o)[k] === v,
        ),
    );
    if (owner) {
      const createdAt = nowNano();
      const name =
        o.ownerKind === 'StatefulSet'
          ? o.name
          : `${o.ownerName}-${sha256(`${o.name}/${createdAt}`)
              .slice(0, 5)
              .replace(/[aeiou]/g, 'x')}`;
      const containers = (o.containers ?? []).map((/** @type {any} */ k) => {
        const { restartCount, lastState, startedAt, ...rest } = k;
        return rest;
      });
      cl.objects.push({ ...o, name, createdAt, uid: undefined, containers });
    }
  }
}

// ---------------------------------------------------------------------------
// port-forward (kubectl pkg/cmd/portforward/portforward.go, polymorphichelpers
// GetFirstPod + podutils.ActivePods, util/service_port.go, client-go
// tools/portforward/portforward.go). What answers on the pod's container port is
// a real local server: clusters.<name>.podPorts maps "ns/<pod>:<port>" (or
// "ns/<its Deployment or StatefulSet>:<port>", which survives pod restarts) to
// "127.0.0.1:<port>". The fake listens on 127.0.0.1 / ::1 only and dials 127.0.0.1 only.

const LOOPBACK_UPSTREAM = /^127\.0\.0\.1:(\d{1,5})$/;

/** time.ParseDuration for the forms people write ("1m0s", "500ms", "2s"); undefined when not one or not > 0. @param {string} s */
function goDuration(s) {
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(s)) return undefined;
  const unit = /** @type {Record<string, number>} */ ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 });
  const total = [...s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce(
    (sum, m) => sum + Number(m[1]) * /** @type {number} */ (unit[/** @type {string} */ (m[2])]),
    0,
  );
  return total > 0 ? total : undefined;
}

/** sort.Reverse(podutils.ActivePods): assigned, Running, Ready, fewer restarts, older first. */
function mostActiveFirst(/** @type {any} */ a, /** @type {any} */ b) {
  const phase = (/** @type {any} */ p) => ({ Pending: 0, Unknown: 1, Running: 2 })[/** @type {'Pending'} */ (p.status?.phase)] ?? 0;
  const ready = (/** @type {any} */ p) =>
    (p.status?.conditions ?? []).some((/** @type {any} */ x) => x.type === 'Ready' && x.status === 'True') ? 1 : 0;
  const restarts = (/** @type {any} */ p) =>
    Math.max(0, ...(p.status?.containerStatuses ?? []).map((/** @type {any} */ s) => s.restartCount ?? 0));
  return (
    (b.spec?.nodeName ? 1 : 0) - (a.spec?.nodeName ? 1 : 0) ||
    phase(b) - phase(a) ||
    ready(b) - ready(a) ||
    restarts(a) - restarts(b) ||
    cmp(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '') ||
    cmp(a.metadata.name, b.metadata.name)
  );
}

/** An error kubectl prints as "error: <message>". */
class PortError extends Error {}

/** LookupContainerPortNumberByName (util/pod_port.go). @param {any} pod @param {string} name */
function containerPortByName(pod, name) {
  for (const k of pod.spec.containers ?? []) for (const p of k.ports ?? []) if (p.name === name) return p.containerPort;
  throw new PortError(`Pod '${pod.metadata.name}' does not have a named port '${name}'`);
}

/**
 * translateServicePortToTargetPort / convertPodNamedPortToNumber: [local, remote]
 * with remote the container port ("" local = a random one).
 * @param {any} obj Service or Pod @param {any} pod @param {string} spec "[LOCAL]:REMOTE" or "REMOTE"
 */
function translatePort(obj, pod, spec) {
  const parts = spec.split(':');
  if (parts.length > 2) throw new PortError(`invalid port format '${spec}'`);
  let [local, remote] = parts.length === 2 ? parts : [parts[0], parts[0]];
  if (obj.kind === 'Pod') {
    if (!remote) throw new PortError('remote port cannot be empty');
    return [local, /^\d+$/.test(remote) ? Number(remote) : containerPortByName(pod, remote)];
  }
  let port = Number(remote);
  if (!/^\d+$/.test(/** @type {string} */ (remote))) {
    const named = obj.spec.ports.find((/** @type {any} */ p) => p.name === remote);
    if (!named) throw new PortError(`Service '${obj.metadata.name}' does not have a named port '${remote}'`);
    port = named.port;
    if (local === remote) local = String(port);
  }
  if (obj.spec.clusterIP === 'None') return [local, port];
  const sp = obj.spec.ports.find((/** @type {any} */ p) => p.port === port);
  if (!sp) throw new PortError(`Service ${obj.metadata.name} does not have a service port ${port}`);
  if (typeof sp.targetPort === 'string' && !/^\d+$/.test(sp.targetPort)) return [local, containerPortByName(pod, sp.targetPort)];
  return [local, Number(sp.targetPort) || sp.port];
}

/**
 * The real server behind pod:port from state.clusters.<name>.podPorts, by pod name
 * first, then by the workload that owns the pod (like logs).
 * @returns {number | undefined} the 127.0.0.1 port
 */
function upstreamFor(/** @type {any} */ state, /** @type {string} */ clusterName, /** @type {any} */ pod, /** @type {number} */ remote) {
  const cluster = state.clusters?.[clusterName] ?? {};
  const map = cluster.podPorts ?? {};
  const ns = pod.metadata.namespace;
  let value = map[`${ns}/${pod.metadata.name}:${remote}`];
  if (value === undefined) {
    const owners = expandCluster(cluster, state, clusterName).filter(
      (o) =>
        (o.kind === 'Deployment' || o.kind === 'StatefulSet') &&
        o.metadata.namespace === ns &&
        Object.entries(o.spec.selector?.matchLabels ?? {}).every(([k, v]) => pod.metadata.labels?.[k] === v),
    );
    value = owners.map((w) => map[`${ns}/${w.metadata.name}:${remote}`]).find((v) => v !== undefined);
  }
  if (value === undefined) return undefined;
  const m = LOOPBACK_UPSTREAM.exec(String(value));
  if (!m)
    throw new ConfigError(
      `fake kubectl: clusters.${clusterName}.podPorts value ${JSON.stringify(value)} for ${pod.metadata.name}:${remote} must be "127.0.0.1:<port>" (the fake dials nothing else)`,
    );
  return Number(m[1]);
}

/** Go's net.OpError text for a failed listen. @param {string} address @param {number} port @param {any} e */
function listenError(address, port, e) {
  const why =
    {
      EADDRINUSE: 'address already in use',
      EADDRNOTAVAIL: 'cannot assign requested address',
      EACCES: 'permission denied',
      EAFNOSUPPORT: 'address family not supported by protocol',
    }[/** @type {'EADDRINUSE'} */ (e.code)] ?? e.message;
  const host = address.includes(':') ? `[${address}]` : address;
  return `unable to create listener: Error listen ${address.includes(':') ? 'tcp6' : 'tcp4'} ${host}:${port}: bind: ${why}`;
}

/** @param {string} address @param {number} port @returns {Promise<net.Server>} */
function listen(address, port) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host: address, port, ipv6Only: address.includes(':') }, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}

async function portForward(/** @type {any} */ c) {
  const [resource, ...specs] = c.args;
  if (!resource || !specs.length) {
    c.io.err("error: TYPE/NAME and list of ports are required for port-forward\nSee 'kubectl port-forward -h' for help and examples\n");
    return 1;
  }
  // One port per call (what lib/access uses); addresses on loopback only, so a test never opens a port to the network.
  if (specs.length !== 1) throw unsupported('kubectl', c.argv);
  // parseAddresses: localhost = 127.0.0.1 and ::1 where one success is enough ("all"); an explicit IP must work ("any"); sorted.
  /** @type {Map<string, 'all' | 'any'>} */ const modes = new Map();
  for (const a of String(c.flags.address ?? 'localhost').split(',')) {
    if (a === 'localhost')
      for (const ip of ['127.0.0.1', '::1']) {
        if (!modes.has(ip)) modes.set(ip, 'all');
      }
    else modes.set(a, 'any');
  }
  const addresses = [...modes.keys()].sort();
  if (!addresses.every((a) => a === '127.0.0.1' || a === '::1')) throw unsupported('kubectl', c.argv);
  const waitMs = c.flags['pod-running-timeout'] === undefined ? 60_000 : goDuration(c.flags['pod-running-timeout']);
  if (waitMs === undefined) throw unsupported('kubectl', c.argv);
  const [type, name] = resource.includes('/') ? resource.split('/') : ['pod', resource];
  const kind = kindFromResource(/** @type {string} */ (type));
  if (kind !== 'Service' && kind !== 'Pod') throw unsupported('kubectl', c.argv);
  const conn = connect(c, 4);
  const ns = conn.namespace;
  const current = () => {
    const s = readState(c.statePath, 'kubectl');
    return { state: s, objects: expandCluster(s.clusters[conn.clusterName] ?? {}, s, conn.clusterName) };
  };
  let { state, objects } = { state: c.state, objects: expandCluster(conn.backing, c.state, conn.clusterName) };
  const obj = objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
  if (!obj) {
    c.io.err(notFound(kind, /** @type {string} */ (name)));
    return 1;
  }
  let pod = obj;
  if (kind === 'Service') {
    const sel = obj.spec.selector ?? {};
    if (!Object.keys(sel).length) {
      c.io.err(`error: cannot attach to *v1.Service: invalid service '${name}': Service is defined without a selector\n`);
      return 1;
    }
    // GetFirstPod: the most active pod the selector matches; none yet: watch for one until --pod-running-timeout.
    const deadline = Date.now() + waitMs;
    for (;;) {
      const pods = objects.filter(
        (o) => o.kind === 'Pod' && o.metadata.namespace === ns && Object.entries(sel).every(([k, v]) => o.metadata.labels?.[k] === v),
      );
      if (pods.length) {
        pod = pods.sort(mostActiveFirst)[0];
        break;
      }
      if (Date.now() >= deadline) {
        c.io.err('error: timed out waiting for the condition\n');
        return 1;
      }
      await sleep(Math.min(200, deadline - Date.now()));
      ({ state, objects } = current());
    }
  }
  let local;
  let remote;
  try {
    [local, remote] = translatePort(obj, pod, /** @type {string} */ (specs[0]));
  } catch (e) {
    if (!(e instanceof PortError)) throw e;
    c.io.err(`error: ${e.message}\n`);
    return 1;
  }
  if (!/^\d*$/.test(local) || Number(local) > 65535) throw unsupported('kubectl', c.argv);
  if (pod.status?.phase !== 'Running') {
    c.io.err(`error: unable to forward port because pod is not running. Current status=${pod.status?.phase ?? ''}\n`);
    return 1;
  }
  upstreamFor(state, conn.clusterName, pod, remote); // a bad podPorts value is a state error (78), before listening

  // listenOnPort: every address, the first one fixes a random port; "all" (localhost) needs one success, "any" (explicit IPs) all of them.
  let port = Number(local || 0);
  /** @type {net.Server[]} */ const servers = [];
  /** @type {string[]} */ const errors = [];
  const count = { allOk: 0, allFailed: 0, anyFailed: 0 };
  for (const address of addresses) {
    const mode = modes.get(address);
    try {
      const srv = await listen(address, port);
      port = /** @type {net.AddressInfo} */ (srv.address()).port;
      servers.push(srv);
      if (mode === 'all') count.allOk++;
      process.stdout.write(`Forwarding from ${address.includes(':') ? `[${address}]` : address}:${port} -> ${remote}\n`);
    } catch (e) {
      errors.push(listenError(address, port, e));
      if (mode === 'all') count.allFailed++;
      else count.anyFailed++;
    }
  }
  if ((count.allOk === 0 && count.allFailed > 0) || count.anyFailed > 0) {
    for (const s of servers) s.close();
    c.io.err(`Unable to listen on port ${port}: Listeners failed to create with the following errors: [${errors.join(' ')}]\n`);
    c.io.err(`error: unable to listen on any of the requested ports: [{${port} ${remote}}]\n`);
    return 1;
  }

  /** @type {Set<net.Socket>} */ const sockets = new Set();
  /** @type {NodeJS.Timeout | undefined} */ let watch;
  /** @type {(how: number | 'SIGTERM') => void} */ let finish = () => undefined;
  const ended = new Promise((resolve) => {
    finish = (how) => {
      finish = () => undefined;
      clearInterval(watch);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      for (const s of servers) s.close();
      for (const s of sockets) s.destroy();
      resolve(how);
    };
  });
  const onInt = () => finish(0);
  const onTerm = () => finish('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  let over = false;
  void ended.then(() => (over = true));
  const lost = (/** @type {string} */ before = '') => {
    if (over) return; // once, even when several connections fail together
    over = true;
    c.io.err(`${before}error: lost connection to pod\n`);
    finish(1);
  };
  // The stream ends with the pod (deleted, no longer Running) or the API server.
  watch = setInterval(() => {
    let now;
    try {
      now = current();
    } catch {
      if (!fs.existsSync(c.statePath)) lost(); // the fake cluster was deleted (kit cleanup): no orphan outlives it
      return;
    }
    const same = now.objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === ns && o.metadata.name === pod.metadata.name);
    if (!apiServerUp(now.state, conn.clusterName) || !same || same.metadata.deletionTimestamp || same.status?.phase !== 'Running') lost();
  }, 200);
  for (const srv of servers) {
    srv.on('connection', (sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      process.stdout.write(`Handling connection for ${port}\n`);
      let upstream;
      try {
        upstream = upstreamFor(current().state, conn.clusterName, pod, remote);
      } catch {
        upstream = undefined;
      }
      // Nothing listens on the pod's port: kubelet reports it on the error stream and kubectl gives up (shape of containerd's message).
      const refused = () => {
        sock.destroy();
        lost(
          `${klogHeader('E')}portforward.go:424] "Unhandled Error" err="an error occurred forwarding ${port} -> ${remote}: error forwarding port ${remote} to pod ${sha256(pod.metadata.uid ?? pod.metadata.name)}, uid : failed to execute portforward in network namespace \\"/var/run/netns/cni-${pod.metadata.uid ?? ''}\\": failed to connect to localhost:${remote} inside namespace \\"${pod.metadata.name}\\", IPv4: dial tcp4 127.0.0.1:${remote}: connect: connection refused "\n`,
        );
      };
      if (upstream === undefined) return refused();
      const up = net.connect({ host: '127.0.0.1', port: upstream });
      sockets.add(up);
      up.on('close', () => sockets.delete(up));
      let connected = false;
      up.on('connect', () => {
        connected = true;
      });
      up.on('error', () => (connected ? sock.destroy() : refused()));
      sock.on('error', () => up.destroy());
      sock.pipe(up).pipe(sock);
    });
  }
  const how = await ended;
  if (how !== 'SIGTERM') return how;
  // Go's default action for SIGTERM: the process dies by the signal. Die the same way once the call is recorded.
  process.once('exit', () => process.kill(process.pid, 'SIGTERM'));
  return 143;
}
