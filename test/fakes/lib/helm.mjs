// fake helm (v3.17 and v4.1 personas): version, list, status, history,
// get values, upgrade [--install], install, template, rollback, uninstall.
// Sources: helm/helm cmd/helm/{status,history,list,upgrade,install,rollback,
// uninstall,get_values,version}.go (v3) and pkg/cmd/*.go (v4),
// pkg/release/{release,info,hook}.go, pkg/action/{upgrade,rollback,uninstall}.go,
// pkg/strvals/parser.go (--set), pkg/cli/output (EncodeJSON: compact + "\n").
import fs from 'node:fs';
import path from 'node:path';
import { Exit, goJson, parseFlags, unsupported, nowNano, rfc3339Nano, goTimeString, ansic, deepMerge, isPlainObject } from './core.mjs';
import { resolveContext, hostPort, apiServerUp } from './cluster.mjs';
import { renderTemplate, podsFor, expandCluster, idOf, annotationsOf, labelsOf, isCompact, KINDS } from './objects.mjs';
import { goTemplate } from './docker.mjs';

const PERSONAS = {
  v3: { Version: 'v3.17.0', GitCommit: '301108edc7ac2a8ba79e4ebf5701b0b6ce6a31e4', GitTreeState: 'clean', GoVersion: 'go1.23.4' },
  v4: {
    Version: 'v4.1.1',
    GitCommit: '5caf0044d4ef3d62a955440272999e139aafbbed',
    GitTreeState: 'clean',
    GoVersion: 'go1.25.7',
    KubeClientVersion: 'v1.35',
  },
};

/** upgrade/install failures are modelled: a failed revision is recorded, --atomic rolls back. */
export function handlesFailure(argv) {
  return argv.includes('upgrade') || argv.includes('install');
}

const GLOBAL = {
  namespace: 'string',
  n: ['string', 'namespace'],
  'kube-context': 'string',
  kubeconfig: 'string',
  debug: 'bool',
  'burst-limit': 'string',
  qps: 'string',
};
const OUTPUT = { output: 'string', o: ['string', 'output'] };
const INSTALL_FLAGS = {
  ...OUTPUT,
  install: 'bool',
  i: ['bool', 'install'],
  'create-namespace': 'bool',
  values: 'list',
  f: ['list', 'values'],
  set: 'list',
  'set-string': 'list',
  'set-json': 'list',
  wait: 'optstring',
  'wait-for-jobs': 'bool',
  timeout: 'string',
  atomic: 'bool',
  'rollback-on-failure': 'bool',
  'reuse-values': 'bool',
  'reset-values': 'bool',
  version: 'string',
  description: 'string',
  'history-max': 'string',
  'cleanup-on-fail': 'bool',
  'hide-notes': 'bool',
  'dependency-update': 'bool',
  'skip-crds': 'bool',
  'no-hooks': 'bool',
  force: 'bool',
  'server-side': 'string',
};
const SUBS = {
  version: { short: 'bool', template: 'string', client: 'bool', c: ['bool', 'client'] },
  list: {
    ...OUTPUT,
    'all-namespaces': 'bool',
    A: ['bool', 'all-namespaces'],
    all: 'bool',
    a: ['bool', 'all'],
    short: 'bool',
    q: ['bool', 'short'],
    deployed: 'bool',
    failed: 'bool',
    pending: 'bool',
    superseded: 'bool',
    uninstalled: 'bool',
    uninstalling: 'bool',
    'no-headers': 'bool',
    filter: 'string',
    max: 'string',
    m: ['string', 'max'],
  },
  status: { ...OUTPUT, revision: 'string', 'show-desc': 'bool', 'show-resources': 'bool' },
  history: { ...OUTPUT, max: 'string' },
  get: { ...OUTPUT, all: 'bool', a: ['bool', 'all'], revision: 'string' },
  upgrade: INSTALL_FLAGS,
  install: INSTALL_FLAGS,
  template: { values: 'list', f: ['list', 'values'], set: 'list', 'set-string': 'list', 'set-json': 'list', 'skip-tests': 'bool' },
  rollback: {
    wait: 'optstring',
    timeout: 'string',
    'cleanup-on-fail': 'bool',
    force: 'bool',
    'history-max': 'string',
    'no-hooks': 'bool',
    'recreate-pods': 'bool',
    'wait-for-jobs': 'bool',
  },
  uninstall: {
    wait: 'optstring',
    timeout: 'string',
    'keep-history': 'bool',
    'ignore-not-found': 'bool',
    'no-hooks': 'bool',
    description: 'string',
    cascade: 'string',
  },
};
const ALIASES = { ls: 'list', hist: 'history', delete: 'uninstall', del: 'uninstall', un: 'uninstall' };

/** @param {import('./main.mjs').Ctx} ctx */
export async function handle(ctx) {
  const idx = ctx.argv.findIndex(
    (a, i) => !a.startsWith('-') && !['-n', '--namespace', '--kube-context', '--kubeconfig'].includes(ctx.argv[i - 1] ?? ''),
  );
  const raw = idx >= 0 ? /** @type {string} */ (ctx.argv[idx]) : '';
  const sub = /** @type {keyof typeof SUBS} */ (ALIASES[/** @type {keyof typeof ALIASES} */ (raw)] ?? raw);
  if (!(sub in SUBS)) throw unsupported('helm', ctx.argv);
  const rest = ctx.argv.filter((_, i) => i !== idx);
  const persona = ctx.state.helm?.persona === 'v4' ? 'v4' : 'v3';
  const { flags, args, unknown } = parseFlags(rest, { ...GLOBAL, ...SUBS[sub] });
  if (unknown.length) {
    // cobra's message for a flag this helm version does not have (e.g. --rollback-on-failure on v3)
    const flag = /** @type {string} */ (unknown[0]);
    if (flag === '--rollback-on-failure' || flag.startsWith('--rollback-on-failure=')) {
      ctx.io.err(`Error: unknown flag: --rollback-on-failure\n`);
      return 1;
    }
    throw unsupported('helm', ctx.argv);
  }
  if (persona === 'v3' && flags['rollback-on-failure'] !== undefined) {
    ctx.io.err('Error: unknown flag: --rollback-on-failure\n');
    return 1;
  }
  if (typeof flags.wait === 'string' && persona === 'v3' && !['true', 'false'].includes(flags.wait)) throw unsupported('helm', ctx.argv);
  const c = { ...ctx, flags, args, sub, persona };
  switch (sub) {
    case 'version':
      return version(c);
    case 'list':
      return list(c);
    case 'status':
      return status(c);
    case 'history':
      return history(c);
    case 'get':
      return getValues(c);
    case 'upgrade':
      return upgrade(c, false);
    case 'install':
      return upgrade(c, true);
    case 'template':
      return template(c);
    case 'rollback':
      return rollback(c);
    case 'uninstall':
      return uninstall(c);
  }
  throw unsupported('helm', ctx.argv);
}

// ---------------------------------------------------------------------------
// context, namespace, storage

/** Cluster and namespace of this call, or Exit after helm's "cluster unreachable" error. */
function target(c) {
  const r = resolveContext(c.state, c.flags['kube-context'] ?? c.env.HELM_KUBECONTEXT);
  if (!r.ok && r.reason === 'missing') {
    c.io.err(`Error: Kubernetes cluster unreachable: context "${r.name}" does not exist\n`);
    throw new Exit(1);
  }
  const server = r.ok ? r.server : 'http://localhost:8080';
  if (!r.ok || !apiServerUp(c.state, r.clusterName)) {
    const hp = hostPort(server).replace(/^localhost:/, '127.0.0.1:');
    c.io.err(
      `Error: Kubernetes cluster unreachable: Get "${server.replace(/\/+$/, '')}/version": dial tcp ${hp}: connect: connection refused\n`,
    );
    throw new Exit(1);
  }
  const namespace = c.flags.namespace ?? c.env.HELM_NAMESPACE ?? r.namespace;
  return { clusterName: r.clusterName, namespace };
}

/** @param {any} s @param {string} cluster @param {string} ns @param {string} name */
function findRelease(s, cluster, ns, name) {
  return (s.helm?.releases ?? []).find(
    (/** @type {any} */ r) => r.name === name && r.namespace === ns && (r.cluster ?? cluster) === cluster,
  );
}
/** @param {any} rel */
function latest(rel) {
  return rel.revisions.reduce((/** @type {any} */ a, /** @type {any} */ b) => (b.revision > a.revision ? b : a));
}
/** @param {any} rel @param {number} n */
function revisionOf(rel, n) {
  return rel.revisions.find((/** @type {any} */ r) => r.revision === n);
}

/** helm's "release: not found" (pkg/storage/driver ErrReleaseNotFound). */
function notFound(c) {
  c.io.err('Error: release: not found\n');
  return 1;
}

// ---------------------------------------------------------------------------
// version

function version(c) {
  if (c.args.length) throw unsupported('helm', c.argv);
  const v = { ...PERSONAS[/** @type {'v3'|'v4'} */ (c.persona)], ...(c.state.helm?.version ?? {}) };
  if (c.flags.template !== undefined) {
    c.io.out(goTemplate(c.flags.template, v)); // text/template output, no newline added
    return 0;
  }
  if (c.flags.short) {
    c.io.out(`${v.GitCommit.length >= 7 ? `${v.Version}+g${v.GitCommit.slice(0, 7)}` : v.Version}\n`);
    return 0;
  }
  // fmt.Sprintf("%#v", version.BuildInfo{...})
  const fields = Object.entries(v)
    .map(([k, x]) => `${k}:${JSON.stringify(x)}`)
    .join(', ');
  c.io.out(`version.BuildInfo{${fields}}\n`);
  return 0;
}

// ---------------------------------------------------------------------------
// JSON shapes

/** release.Release as status -o json prints it (chart stripped). */
function releaseJson(c, rel, rev) {
  const first = revisionOf(rel, Math.min(...rel.revisions.map((/** @type {any} */ r) => r.revision))) ?? rev;
  /** @type {Record<string, any>} */
  const info = { first_deployed: rfc3339Nano(rev.firstDeployed ?? first.updated), last_deployed: rfc3339Nano(rev.updated) };
  if (c.persona === 'v3') info.deleted = '';
  if (rev.description) info.description = rev.description;
  info.status = rev.status;
  if (rev.notes) info.notes = rev.notes;
  /** @type {Record<string, any>} */
  const out = { name: rel.name, info };
  if (rev.values && Object.keys(rev.values).length) out.config = rev.values;
  if (rev.manifest) out.manifest = rev.manifest;
  if (rev.hooks?.length) out.hooks = rev.hooks.map(hookJson);
  out.version = rev.revision;
  out.namespace = rel.namespace;
  if (c.persona === 'v4') out.apply_method = rev.applyMethod ?? 'ssa';
  // config is map[string]interface{}: Go sorts its keys
  if (out.config) out.config = sortKeys(out.config);
  return out;
}
/** @param {any} h */
function hookJson(h) {
  return {
    name: h.name,
    kind: h.kind ?? 'Pod',
    path: h.path,
    manifest: h.manifest,
    events: h.events ?? ['test'],
    last_run: {
      started_at: h.lastRun?.startedAt ? rfc3339Nano(h.lastRun.startedAt) : '',
      completed_at: h.lastRun?.completedAt ? rfc3339Nano(h.lastRun.completedAt) : '',
      phase: h.lastRun?.phase ?? '',
    },
    ...(h.deletePolicies ? { delete_policies: h.deletePolicies } : {}),
  };
}
/** @param {any} v @returns {any} */
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isPlainObject(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  return v;
}

/** statusPrinter.WriteTable (v3.17 cmd/helm/status.go; v4 pkg/cmd/status.go adds DESCRIPTION). */
function statusTable(c, rel, rev, showDesc) {
  let s = `NAME: ${rel.name}\n`;
  s += `LAST DEPLOYED: ${ansic(rev.updated)}\n`;
  s += `NAMESPACE: ${rel.namespace}\n`;
  s += `STATUS: ${rev.status}\n`;
  s += `REVISION: ${rev.revision}\n`;
  if (showDesc || c.persona === 'v4') s += `DESCRIPTION: ${rev.description ?? ''}\n`;
  const tests = (rev.hooks ?? []).filter((/** @type {any} */ h) => (h.events ?? ['test']).includes('test'));
  if (!tests.length) s += 'TEST SUITE: None\n';
  else {
    for (const h of tests) {
      if (!h.lastRun?.startedAt) continue; // never run: helm prints nothing for it
      s += `TEST SUITE:     ${h.name}\nLast Started:   ${ansic(h.lastRun.startedAt)}\nLast Completed: ${ansic(h.lastRun.completedAt ?? h.lastRun.startedAt)}\nPhase:          ${h.lastRun.phase}\n`;
    }
  }
  if (rev.notes && !c.flags['hide-notes']) s += `NOTES:\n${rev.notes.trim()}\n`;
  return s;
}

/** github.com/gosuri/uitable: cells padded to column width, "\t" between, "\n" between rows. */
function uitable(rows) {
  const widths = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...String(cell)].length)));
  return rows.map((r) => r.map((cell, i) => String(cell).padEnd(widths[i] ?? 0)).join('\t')).join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// list / status / history / get values

function list(c) {
  const out = c.flags.output ?? 'table';
  if (c.args.length || c.flags.filter || !['json', 'table'].includes(out)) throw unsupported('helm', c.argv);
  const t = target(c);
  const states = ['deployed', 'failed', 'pending', 'superseded', 'uninstalled', 'uninstalling'].filter((x) => c.flags[x]);
  const mask = c.flags.all ? null : states.length ? states : ['deployed', 'failed'];
  const rels = (c.state.helm?.releases ?? [])
    .filter(
      (/** @type {any} */ r) =>
        (r.cluster ?? t.clusterName) === t.clusterName && (c.flags['all-namespaces'] || r.namespace === t.namespace),
    )
    .map((/** @type {any} */ r) => ({ rel: r, rev: latest(r) }))
    .filter(
      (/** @type {any} */ x) => !mask || mask.some((m) => (m === 'pending' ? x.rev.status.startsWith('pending-') : x.rev.status === m)),
    )
    .sort((/** @type {any} */ a, /** @type {any} */ b) => (a.rel.name < b.rel.name ? -1 : a.rel.name > b.rel.name ? 1 : 0));
  if (c.flags.short) {
    if (out === 'json') c.io.out(goJson(rels.map((/** @type {any} */ x) => x.rel.name)) + '\n');
    else for (const x of rels) c.io.out(`${x.rel.name}\n`);
    return 0;
  }
  const elements = rels.map((/** @type {any} */ x) => ({
    name: x.rel.name,
    namespace: x.rel.namespace,
    revision: String(x.rev.revision),
    updated: goTimeString(x.rev.updated),
    status: x.rev.status,
    chart: `${x.rev.chart.name}-${x.rev.chart.version}`,
    app_version: x.rev.chart.appVersion ?? '',
  }));
  if (out === 'json') c.io.out(goJson(elements) + '\n');
  else {
    const rows = c.flags['no-headers'] ? [] : [['NAME', 'NAMESPACE', 'REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION']];
    for (const e of elements) rows.push([e.name, e.namespace, e.revision, e.updated, e.status, e.chart, e.app_version]);
    c.io.out(rows.length ? uitable(rows) : '\n');
  }
  return 0;
}

function status(c) {
  const out = c.flags.output ?? 'table';
  if (c.args.length !== 1 || !['json', 'table'].includes(out) || c.flags['show-resources']) throw unsupported('helm', c.argv);
  const t = target(c);
  const rel = findRelease(c.state, t.clusterName, t.namespace, /** @type {string} */ (c.args[0]));
  if (!rel) return notFound(c);
  const rev = c.flags.revision ? revisionOf(rel, Number(c.flags.revision)) : latest(rel);
  if (!rev) return notFound(c);
  if (out === 'json') c.io.out(goJson(releaseJson(c, rel, rev)) + '\n');
  else c.io.out(statusTable(c, rel, rev, !!c.flags['show-desc']));
  return 0;
}

function history(c) {
  const out = c.flags.output ?? 'table';
  if (c.args.length !== 1 || !['json', 'table'].includes(out)) throw unsupported('helm', c.argv);
  const t = target(c);
  const rel = findRelease(c.state, t.clusterName, t.namespace, /** @type {string} */ (c.args[0]));
  if (!rel) return notFound(c);
  const max = Number(c.flags.max ?? 256);
  const revs = [...rel.revisions].sort((a, b) => a.revision - b.revision).slice(-max);
  const items = revs.map((r) => ({
    revision: r.revision,
    updated: rfc3339Nano(r.updated),
    status: r.status,
    chart: `${r.chart.name}-${r.chart.version}`,
    app_version: r.chart.appVersion ?? '',
    description: r.description ?? '',
  }));
  if (out === 'json') c.io.out(goJson(items) + '\n');
  else {
    const rows = [['REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION', 'DESCRIPTION']];
    for (const [i, it] of items.entries())
      rows.push([String(it.revision), ansic(/** @type {any} */ (revs[i]).updated), it.status, it.chart, it.app_version, it.description]);
    c.io.out(uitable(rows));
  }
  return 0;
}

function getValues(c) {
  const [what, name, ...extra] = c.args;
  if (what !== 'values' || !name || extra.length || c.flags.output !== 'json') throw unsupported('helm', c.argv);
  const t = target(c);
  const rel = findRelease(c.state, t.clusterName, t.namespace, name);
  if (!rel) return notFound(c);
  const rev = c.flags.revision ? revisionOf(rel, Number(c.flags.revision)) : latest(rel);
  if (!rev) return notFound(c);
  // An install without values stores no config: it reads back as nil -> "null".
  const vals = c.flags.all
    ? deepMerge(rev.chartValues ?? {}, rev.values ?? {})
    : rev.values && Object.keys(rev.values).length
      ? rev.values
      : null;
  c.io.out(goJson(vals === null ? null : sortKeys(vals)) + '\n');
  return 0;
}

// ---------------------------------------------------------------------------
// values: -f files, --set (pkg/strvals)

/** strvals typedVal: true/false/null, integers without a leading zero, else string. @param {string} v */
function typedVal(v) {
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  if (/^null$/i.test(v)) return null;
  if (v === '0') return 0;
  if (v.length && v[0] !== '0' && /^[+-]?\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  return v;
}

/** Split on `sep` outside braces, honouring backslash escapes. */
function splitUnescaped(s, sep) {
  /** @type {string[]} */ const parts = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = /** @type {string} */ (s[i]);
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[++i];
      continue;
    }
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === sep && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}
const unescape = (/** @type {string} */ s) => s.replace(/\\(.)/g, '$1');

/** Apply one --set / --set-string argument ("a.b=1,c[0]=x") to `vals`. */
export function applySet(vals, arg, asString) {
  for (const pair of splitUnescaped(arg, ',')) {
    if (!pair) continue;
    const eq = splitUnescaped(pair, '=');
    if (eq.length < 2) throw new Error(`key "${unescape(pair)}" has no value`);
    const key = /** @type {string} */ (eq[0]);
    const rawVal = eq.slice(1).join('=');
    let value;
    if (!asString && rawVal.startsWith('{') && rawVal.endsWith('}'))
      value = splitUnescaped(rawVal.slice(1, -1), ',')
        .filter((x) => x !== '')
        .map((x) => typedVal(unescape(x)));
    else value = asString ? unescape(rawVal) : typedVal(unescape(rawVal));
    /** @type {any} */ let cur = vals;
    const segs = splitUnescaped(key, '.').map(unescape);
    segs.forEach((seg, i) => {
      const last = i === segs.length - 1;
      const m = /^([^[]*)((?:\[\d+\])+)$/.exec(seg);
      if (m) {
        const name = /** @type {string} */ (m[1]);
        const idxs = [...(m[2] ?? '').matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
        if (!Array.isArray(cur[name])) cur[name] = [];
        let arr = cur[name];
        idxs.forEach((ix, j) => {
          while (arr.length <= ix) arr.push(null);
          if (j === idxs.length - 1) {
            if (last) arr[ix] = value;
            else {
              if (!isPlainObject(arr[ix])) arr[ix] = {};
              cur = arr[ix];
            }
          } else {
            if (!Array.isArray(arr[ix])) arr[ix] = [];
            arr = arr[ix];
          }
        });
      } else if (last) cur[seg] = value;
      else {
        if (!isPlainObject(cur[seg])) cur[seg] = {};
        cur = cur[seg];
      }
    });
  }
  return vals;
}

/** values.Options.MergeValues: -f files in order, then --set-json, --set, --set-string. */
async function mergeValues(c) {
  /** @type {Record<string, any>} */ let vals = {};
  for (const f of c.flags.values ?? []) {
    let text;
    try {
      text = f === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(path.resolve(c.cwd, f), 'utf8');
    } catch {
      c.io.err(`Error: open ${f}: no such file or directory\n`);
      throw new Exit(1);
    }
    const YAML = await import('yaml');
    let doc;
    try {
      doc = YAML.parse(text) ?? {};
    } catch (e) {
      c.io.err(`Error: failed to parse ${f}: error converting YAML to JSON: ${/** @type {Error} */ (e).message.split('\n')[0]}\n`);
      throw new Exit(1);
    }
    if (!isPlainObject(doc)) {
      c.io.err(
        `Error: failed to parse ${f}: error unmarshaling JSON: json: cannot unmarshal into Go value of type map[string]interface {}\n`,
      );
      throw new Exit(1);
    }
    vals = deepMerge(vals, doc);
  }
  try {
    for (const j of c.flags['set-json'] ?? []) {
      const eq = j.indexOf('=');
      applySet(vals, `${j.slice(0, eq)}=__JSON__`, true);
      const parsed = JSON.parse(j.slice(eq + 1));
      const fix = (/** @type {any} */ o) => {
        for (const [k, v] of Object.entries(o)) {
          if (v === '__JSON__') o[k] = parsed;
          else if (isPlainObject(v)) fix(v);
        }
      };
      fix(vals);
    }
    for (const s of c.flags.set ?? []) applySet(vals, s, false);
    for (const s of c.flags['set-string'] ?? []) applySet(vals, s, true);
  } catch (e) {
    c.io.err(`Error: failed parsing --set data: ${/** @type {Error} */ (e).message}\n`);
    throw new Exit(1);
  }
  return vals;
}

/** Chart metadata and default values: a chart directory, or state.helm.charts[ref]. */
async function loadChart(c, ref) {
  const dir = path.resolve(c.cwd, ref);
  if (fs.existsSync(path.join(dir, 'Chart.yaml'))) {
    const YAML = await import('yaml');
    const meta = YAML.parse(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')) ?? {};
    const valuesFile = path.join(dir, 'values.yaml');
    const values = fs.existsSync(valuesFile) ? (YAML.parse(fs.readFileSync(valuesFile, 'utf8')) ?? {}) : {};
    const testsDir = path.join(dir, 'templates', 'tests');
    const tests = fs.existsSync(testsDir)
      ? fs
          .readdirSync(testsDir)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
      : [];
    return {
      name: String(meta.name),
      version: String(meta.version),
      appVersion: meta.appVersion === undefined ? '' : String(meta.appVersion),
      values,
      tests,
    };
  }
  const known = c.state.helm?.charts?.[ref];
  if (known) return { tests: [], values: {}, appVersion: '', ...known };
  if (path.isAbsolute(ref) || ref.startsWith('.')) {
    c.io.err(`Error: path "${ref}" not found\n`);
    throw new Exit(1);
  }
  throw unsupported('helm', c.argv);
}

/** The chart's fullname helper as `helm create` writes it. */
function fullname(chart, releaseName, values) {
  if (values.fullnameOverride) return String(values.fullnameOverride).slice(0, 63).replace(/-$/, '');
  const name = values.nameOverride || chart.name;
  return (releaseName.includes(name) ? releaseName : `${releaseName}-${name}`).slice(0, 63).replace(/-$/, '');
}

// ---------------------------------------------------------------------------
// template: renders the objects an upgrade of this release would apply
// (state.helm.onUpgrade), expanded to their real shape, as helm prints them
// (---, # Source:, YAML). Not modelled: the chart's values.schema.json (tests
// of schema errors run the real helm) and the cluster is never contacted.

async function template(c) {
  if (c.args.length !== 2) throw unsupported('helm', c.argv);
  const [name, chartRef] = /** @type {[string, string]} */ (c.args);
  const namespace = c.flags.namespace ?? c.env.HELM_NAMESPACE ?? 'default';
  const chart = await loadChart(c, chartRef);
  const merged = deepMerge(chart.values ?? {}, await mergeValues(c));
  const spec = (c.state.helm?.onUpgrade ?? []).find(
    (/** @type {any} */ u) => (u.release ?? name) === name && (u.namespace ?? namespace) === namespace,
  );
  const scope = {
    Values: merged,
    Release: { Name: name, Namespace: namespace, Revision: 1, Service: 'Helm' },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    fullname: fullname(chart, name, merged),
  };
  const rendered = spec
    ? renderTemplate(spec.objects ?? [], scope).map((/** @type {any} */ o) => ({
        ...o,
        namespace: KINDS[/** @type {keyof typeof KINDS} */ (o.kind)]?.namespaced === false ? undefined : (o.namespace ?? namespace),
      }))
    : [];
  const kinds = new Set(rendered.map((/** @type {any} */ o) => o.kind));
  const objects = expandCluster({ objects: rendered, nodes: [] }, c.state).filter((o) => kinds.has(o.kind) && o.kind !== 'Pod');
  const YAML = await import('yaml');
  for (const o of objects) {
    delete o.status;
    // Fields the API server fills in, which a rendered manifest does not have.
    if (o.kind === 'Service')
      for (const k of [
        'clusterIP',
        'clusterIPs',
        'internalTrafficPolicy',
        'ipFamilies',
        'ipFamilyPolicy',
        'sessionAffinity',
        'externalTrafficPolicy',
      ])
        delete o.spec[k];
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields']) delete o.metadata[k];
    c.io.out(`---\n# Source: ${chart.name}/templates/${o.kind.toLowerCase()}.yaml\n${YAML.stringify(o)}`);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// upgrade / install

async function upgrade(c, installOnly) {
  if (c.args.length !== 2) {
    c.io.err(
      `Error: "helm ${installOnly ? 'install' : 'upgrade'}" requires 2 arguments\n\nUsage:  helm ${installOnly ? 'install [NAME] [CHART]' : 'upgrade [RELEASE] [CHART]'} [flags]\n`,
    );
    return 1;
  }
  if (c.flags.output && c.flags.output !== 'table') throw unsupported('helm', c.argv);
  const [name, chartRef] = /** @type {[string, string]} */ (c.args);
  const v4 = c.persona === 'v4';
  if (v4 && c.flags.atomic) c.io.err('Flag --atomic has been deprecated, use --rollback-on-failure instead\n');
  const atomic = !!(c.flags.atomic || c.flags['rollback-on-failure']);
  const wait = atomic || (c.flags.wait !== undefined && c.flags.wait !== 'false' && c.flags.wait !== false);
  const t = target(c);
  const existing = findRelease(c.state, t.clusterName, t.namespace, name);
  const install = installOnly || (c.flags.install && (!existing || latest(existing).status === 'uninstalled'));
  if (!installOnly && !c.flags.install && !existing) {
    c.io.err(`Error: UPGRADE FAILED: "${name}" has no deployed releases\n`);
    return 1;
  }
  if (installOnly && existing) {
    c.io.err('Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n');
    return 1;
  }
  if (install && !installOnly) c.io.out(`Release "${name}" does not exist. Installing it now.\n`);
  const chart = await loadChart(c, chartRef);
  let userVals = await mergeValues(c);
  const prefix = install ? 'INSTALLATION FAILED' : 'UPGRADE FAILED';
  if (!install) {
    const last = latest(existing);
    if (last.status.startsWith('pending-')) {
      c.io.err(`Error: ${prefix}: another operation (install/upgrade/rollback) is in progress\n`);
      return 1;
    }
    const current = [...existing.revisions].reverse().find((/** @type {any} */ r) => r.status === 'deployed') ?? last;
    if (c.flags['reuse-values']) userVals = deepMerge(current.values ?? {}, userVals);
    else if (!c.flags['reset-values'] && !Object.keys(userVals).length) userVals = structuredClone(current.values ?? {});
  }
  const nsExists = (c.state.clusters[t.clusterName].objects ?? []).some(
    (/** @type {any} */ o) => idOf(o).kind === 'Namespace' && idOf(o).name === t.namespace,
  );
  if (install && !nsExists && !c.flags['create-namespace']) {
    c.io.err(`Error: ${prefix}: create: failed to create: namespaces "${t.namespace}" not found\n`);
    return 1;
  }
  const merged = deepMerge(chart.values ?? {}, userVals);
  const now = nowNano();
  const spec = (c.state.helm?.onUpgrade ?? []).find(
    (/** @type {any} */ u) => (u.release ?? name) === name && (u.namespace ?? t.namespace) === t.namespace,
  );

  /** @type {{status: string, error?: string, revision: number}} */
  const result = c.mutate((s) => {
    const cl = s.clusters[t.clusterName];
    s.helm ??= {};
    s.helm.releases ??= [];
    if (install && !cl.objects.some((/** @type {any} */ o) => idOf(o).kind === 'Namespace' && idOf(o).name === t.namespace)) {
      cl.objects.push({ kind: 'Namespace', name: t.namespace, labels: { name: t.namespace }, createdAt: now });
    }
    let rel = findRelease(s, t.clusterName, t.namespace, name);
    if (install && rel) s.helm.releases.splice(s.helm.releases.indexOf(rel), 1);
    if (install || !rel) {
      rel = { name, namespace: t.namespace, cluster: t.clusterName, revisions: [] };
      s.helm.releases.push(rel);
    }
    const revision = rel.revisions.length ? latest(rel).revision + 1 : 1;
    const scope = {
      Values: merged,
      Release: { Name: name, Namespace: t.namespace, Revision: revision, Service: 'Helm' },
      Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
      fullname: fullname(chart, name, merged),
    };
    const rendered = spec
      ? renderTemplate(spec.objects ?? [], scope).map((/** @type {any} */ o) => ({
          ...o,
          namespace: KINDS[/** @type {keyof typeof KINDS} */ (o.kind)]?.namespaced === false ? undefined : (o.namespace ?? t.namespace),
        }))
      : undefined;
    /** @type {any} */
    const rev = {
      revision,
      status: 'deployed',
      chart: { name: chart.name, version: chart.version, appVersion: chart.appVersion },
      values: userVals,
      chartValues: chart.values ?? {},
      description: c.flags.description ?? (install ? 'Install complete' : 'Upgrade complete'),
      updated: now,
      firstDeployed: install ? now : (latest(rel)?.firstDeployed ?? rel.revisions[0]?.updated ?? now),
      notes: spec?.notes ? renderTemplate(spec.notes, scope) : undefined,
      hooks: (chart.tests ?? []).map((/** @type {string} */ f) => ({
        name: `${scope.fullname}-${f.replace(/\.ya?ml$/, '')}`,
        kind: 'Pod',
        path: `${chart.name}/templates/tests/${f}`,
        manifest: '',
        events: ['test'],
        deletePolicies: ['before-hook-creation', 'hook-succeeded'],
      })),
      manifest: rendered
        ? rendered
            .map((/** @type {any} */ o) => `---\n# Source: ${chart.name}/templates/${o.kind.toLowerCase()}.yaml\n${JSON.stringify(o)}`)
            .join('\n')
        : '',
      objects: rendered,
      ...(v4 ? { applyMethod: 'ssa' } : {}),
    };
    const previousDeployed = rel.revisions.filter((/** @type {any} */ r) => r.status === 'deployed');
    if (rendered) applyObjects(s, t.clusterName, t.namespace, name, rendered, now);
    let error = c.rule ? (c.rule.error ?? 'context deadline exceeded') : undefined;
    if (!error && wait && rendered && !releaseReady(s, t.clusterName, t.namespace, rendered)) error = 'context deadline exceeded';
    if (!error) {
      for (const r of previousDeployed) r.status = 'superseded';
      rel.revisions.push(rev);
      return { status: 'deployed', revision };
    }
    rev.status = 'failed';
    rev.description = install ? `Release "${name}" failed: ${error}` : `Upgrade "${name}" failed: ${error}`;
    rel.revisions.push(rev);
    if (!atomic) return { status: 'failed', error, revision };
    if (install) {
      // atomic install: uninstall what was created and purge the release
      removeReleaseObjects(s, t.clusterName, t.namespace, name);
      s.helm.releases.splice(s.helm.releases.indexOf(rel), 1);
      return {
        status: 'failed',
        error: `release ${name} failed, and has been uninstalled due to ${v4 ? 'rollback-on-failure' : 'atomic'} being set: ${error}`,
        revision,
      };
    }
    const good =
      previousDeployed[previousDeployed.length - 1] ??
      [...rel.revisions].reverse().find((/** @type {any} */ r) => r.status === 'superseded');
    if (!good) return { status: 'failed', error, revision };
    rollbackTo(s, t.clusterName, rel, good, nowNano());
    return {
      status: 'failed',
      error: `release ${name} failed, and has been rolled back due to ${v4 ? 'rollback-on-failure' : 'atomic'} being set: ${error}`,
      revision,
    };
  });

  if (result.status !== 'deployed') {
    if (c.rule?.stdout) c.io.out(c.rule.stdout);
    c.io.err(c.rule?.stderr ?? `Error: ${prefix}: ${result.error}\n`);
    return c.rule?.exitCode ?? 1;
  }
  if (!install) c.io.out(`Release "${name}" has been upgraded. Happy Helming!\n`);
  const after = readRel(c, t, name);
  c.io.out(statusTable(c, after, latest(after), false));
  return 0;
}

function readRel(c, t, name) {
  const s = JSON.parse(fs.readFileSync(c.statePath, 'utf8'));
  return findRelease(s, t.clusterName, t.namespace, name);
}

/** Objects helm manages for a release: annotated meta.helm.sh/release-name. */
function isReleaseObject(o, ns, name) {
  const a = annotationsOf(o);
  return a['meta.helm.sh/release-name'] === name && (idOf(o).namespace ?? ns) === ns;
}

/** Workload selector of a compact or full object. */
function selectorOf(o) {
  return isCompact(o) ? (o.selector ?? o.labels ?? { app: o.name }) : (o.spec?.selector?.matchLabels ?? {});
}
const podOf = (/** @type {any} */ sel, /** @type {any} */ p, /** @type {string} */ ns) =>
  idOf(p).kind === 'Pod' && idOf(p).namespace === ns && Object.entries(sel).every(([k, v]) => labelsOf(p)[k] === v);

/** Remove a release's objects and the pods of its workloads (PVCs of StatefulSets stay, as in a real cluster). */
function removeReleaseObjects(s, clusterName, ns, name) {
  const cl = s.clusters[clusterName];
  const gone = cl.objects.filter((/** @type {any} */ o) => isReleaseObject(o, ns, name));
  const sels = gone.filter((/** @type {any} */ o) => ['Deployment', 'StatefulSet'].includes(idOf(o).kind)).map(selectorOf);
  cl.objects = cl.objects.filter((/** @type {any} */ o) => !gone.includes(o) && !sels.some((sel) => podOf(sel, o, ns)));
}

/**
 * Apply rendered objects as helm + controllers would: replace the release's
 * objects, keep the pods of unchanged workloads, create pods for changed or
 * new ones, create StatefulSet PVCs that do not exist yet.
 */
function applyObjects(s, clusterName, ns, name, rendered, now) {
  const cl = s.clusters[clusterName];
  cl.objects ??= [];
  const old = cl.objects.filter((/** @type {any} */ o) => isReleaseObject(o, ns, name));
  const key = (/** @type {any} */ o) => `${idOf(o).kind}/${idOf(o).name}`;
  const sameWorkload = (/** @type {any} */ a, /** @type {any} */ b) =>
    a && b && JSON.stringify([a.containers, a.replicas, a.selector]) === JSON.stringify([b.containers, b.replicas, b.selector]);
  const oldByKey = new Map(old.map((/** @type {any} */ o) => [key(o), o]));
  /** @type {any[]} */ const keepPodsOf = [];
  for (const o of old) {
    if (['Deployment', 'StatefulSet'].includes(idOf(o).kind)) {
      const next = rendered.find((/** @type {any} */ r) => key(r) === key(o));
      if (sameWorkload(o, next)) keepPodsOf.push(selectorOf(o));
    }
  }
  const oldSels = old.filter((/** @type {any} */ o) => ['Deployment', 'StatefulSet'].includes(idOf(o).kind)).map(selectorOf);
  cl.objects = cl.objects.filter(
    (/** @type {any} */ o) =>
      !old.includes(o) && !(oldSels.some((sel) => podOf(sel, o, ns)) && !keepPodsOf.some((sel) => podOf(sel, o, ns))),
  );
  for (const r of rendered) {
    const o = structuredClone(r);
    if (idOf(o).kind === 'Pod') {
      cl.objects.push({ ...o, createdAt: o.createdAt ?? now });
      continue;
    }
    o.annotations = { ...(o.annotations ?? {}), 'meta.helm.sh/release-name': name, 'meta.helm.sh/release-namespace': ns };
    o.labels = { ...(o.labels ?? {}), 'app.kubernetes.io/managed-by': 'Helm' };
    const prev = oldByKey.get(key(o));
    o.createdAt = prev?.createdAt ?? now;
    if (o.kind === 'Deployment') o.revision = prev ? (sameWorkload(prev, o) ? (prev.revision ?? 1) : (prev.revision ?? 1) + 1) : 1;
    if (['Deployment', 'StatefulSet'].includes(o.kind))
      o.generation = prev ? (sameWorkload(prev, o) ? (prev.generation ?? 1) : (prev.generation ?? 1) + 1) : 1;
    cl.objects.push(o);
    if (['Deployment', 'StatefulSet'].includes(o.kind)) {
      const sel = selectorOf(o);
      const explicit = rendered.some((/** @type {any} */ p) => podOf(sel, p, ns));
      const kept = keepPodsOf.some((k) => JSON.stringify(k) === JSON.stringify(sel));
      if (!explicit && !kept) cl.objects.push(...podsFor(o, now));
      if (o.kind === 'StatefulSet') {
        for (const v of o.volumeClaimTemplates ?? []) {
          for (let i = 0; i < (o.replicas ?? 1); i++) {
            const pvc = `${v.name}-${o.name}-${i}`;
            if (
              !cl.objects.some(
                (/** @type {any} */ x) => idOf(x).kind === 'PersistentVolumeClaim' && idOf(x).namespace === ns && idOf(x).name === pvc,
              )
            ) {
              cl.objects.push({
                kind: 'PersistentVolumeClaim',
                name: pvc,
                namespace: ns,
                labels: { ...sel },
                storage: v.storage ?? '1Gi',
                createdAt: now,
              });
            }
          }
        }
      }
    }
  }
}

/** Would `helm --wait` succeed? Every workload of the release has its replicas ready. */
function releaseReady(s, clusterName, ns, rendered) {
  const objs = expandCluster(s.clusters[clusterName], s);
  for (const r of rendered) {
    if (!['Deployment', 'StatefulSet'].includes(r.kind)) continue;
    const o = objs.find((x) => x.kind === r.kind && x.metadata.namespace === ns && x.metadata.name === r.name);
    if (!o || (o.status?.readyReplicas ?? 0) < (o.spec?.replicas ?? 1)) return false;
  }
  return true;
}

/** Rollback: new revision copying `target`, deployed ones superseded (pkg/action/rollback.go). */
function rollbackTo(s, clusterName, rel, targetRev, now) {
  const revision = latest(rel).revision + 1;
  for (const r of rel.revisions) if (r.status === 'deployed') r.status = 'superseded';
  const rev = {
    ...structuredClone(targetRev),
    revision,
    status: 'deployed',
    description: `Rollback to ${targetRev.revision}`,
    updated: now,
  };
  rel.revisions.push(rev);
  if (targetRev.objects) applyObjects(s, clusterName, rel.namespace, rel.name, targetRev.objects, now);
  return rev;
}

function rollback(c) {
  if (c.args.length < 1 || c.args.length > 2) throw unsupported('helm', c.argv);
  const [name, revArg] = /** @type {[string, string|undefined]} */ (c.args);
  const t = target(c);
  const rel = findRelease(c.state, t.clusterName, t.namespace, name);
  if (!rel) return notFound(c);
  const cur = latest(rel);
  const want = revArg === undefined || Number(revArg) === 0 ? cur.revision - 1 : Number(revArg);
  if (!revisionOf(rel, want)) {
    c.io.err(`Error: release has no ${want} version\n`);
    return 1;
  }
  c.mutate((s) => {
    const r = findRelease(s, t.clusterName, t.namespace, name);
    rollbackTo(s, t.clusterName, r, revisionOf(r, want), nowNano());
  });
  c.io.out('Rollback was a success! Happy Helming!\n');
  return 0;
}

function uninstall(c) {
  if (!c.args.length || c.flags['keep-history']) throw unsupported('helm', c.argv);
  const t = target(c);
  for (const name of c.args) {
    const rel = findRelease(c.state, t.clusterName, t.namespace, name);
    if (!rel && !c.flags['ignore-not-found']) {
      c.io.err(`Error: uninstall: Release not loaded: ${name}: release: not found\n`);
      return 1;
    }
    if (rel) {
      c.mutate((s) => {
        removeReleaseObjects(s, t.clusterName, t.namespace, name);
        const r = findRelease(s, t.clusterName, t.namespace, name);
        s.helm.releases.splice(s.helm.releases.indexOf(r), 1);
      });
    }
    c.io.out(`release "${name}" uninstalled\n`);
  }
  return 0;
}
