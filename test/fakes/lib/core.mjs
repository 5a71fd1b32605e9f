// Shared machinery of the fake tools: the state file (read, locked update,
// atomic write), Go-compatible JSON, small argv helpers and time formats.
// Plain ESM with JSDoc so that each fake call starts without a TypeScript step.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

/** Exit codes of the fakes themselves (not of the tools they imitate). */
export const EXIT_UNSUPPORTED = 64; // sysexits EX_USAGE: argv the fake does not model
export const EXIT_CONFIG = 78; // sysexits EX_CONFIG: FAKE_STATE missing or unreadable

/** Thrown by handlers to end the call with an exit code (after printing). */
export class Exit extends Error {
  /** @param {number} code */
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/**
 * Output collected during a call, written at the end in one piece so that a
 * failure half-way never leaves a half-printed JSON document behind.
 */
export class Io {
  constructor() {
    /** @type {string[]} */ this.outParts = [];
    /** @type {string[]} */ this.errParts = [];
  }
  /** @param {string} s */ out(s) {
    this.outParts.push(s);
  }
  /** @param {string} s */ err(s) {
    this.errParts.push(s);
  }
  get stdout() {
    return this.outParts.join('');
  }
  get stderr() {
    return this.errParts.join('');
  }
}

/** @param {string} tool @param {string[]} argv */
export function unsupported(tool, argv) {
  const e = new UnsupportedError(`fake ${tool}: unsupported: ${argv.join(' ')}`);
  return e;
}
export class UnsupportedError extends Error {}

// ---------------------------------------------------------------------------
// State file

/** @param {NodeJS.ProcessEnv} env @param {string} tool */
export function statePathFrom(env, tool) {
  const p = env.FAKE_STATE;
  if (!p) {
    throw new ConfigError(
      `fake ${tool}: FAKE_STATE is not set. Point it at the JSON state file of a fake cluster ` +
        `(createFakeCluster() in test/fakes/kit.ts sets it, with PATH, FAKE_CALLS and KUBECONFIG).`,
    );
  }
  return path.resolve(p);
}
export class ConfigError extends Error {}

/** @param {string} file @param {string} tool */
export function readState(file, tool) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `fake ${tool}: cannot read FAKE_STATE file ${file}: ${/** @type {Error} */ (e).message}. Create it with createFakeCluster() or write a state JSON there.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      `fake ${tool}: FAKE_STATE file ${file} is not valid JSON (${/** @type {Error} */ (e).message}); fix or recreate it.`,
    );
  }
}

/** Write the state atomically: a temporary file in the same folder, then rename. */
export function writeState(file, state) {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  fs.renameSync(tmp, file);
  // Mirror the kubeconfig part, so KUBECONFIG (and a real kubectl) see the same contexts.
  if (state.kubeconfigPath && state.kubeconfig) {
    const ktmp = `${state.kubeconfigPath}.${process.pid}.tmp`;
    fs.writeFileSync(ktmp, JSON.stringify(state.kubeconfig, null, 2) + '\n');
    fs.renameSync(ktmp, state.kubeconfigPath);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** @param {number} ms */
export function sleepSync(ms) {
  Atomics.wait(sleeper, 0, 0, ms);
}
/** @param {number} ms */
export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Run fn(state) under an exclusive lock (a directory next to the state file:
 * mkdir is atomic), then write the result atomically. Parallel fake calls
 * therefore never lose each other's updates.
 * @template T
 * @param {string} file
 * @param {string} tool
 * @param {(state: any) => T} fn
 * @returns {T}
 */
export function withLockedState(file, tool, fn) {
  const lock = `${file}.lock`;
  const deadline = Date.now() + 20000;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      try {
        // A lock older than 30 s belongs to a killed process.
        if (Date.now() - fs.statSync(lock).mtimeMs > 30000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        /* removed meanwhile */
      }
      if (Date.now() > deadline)
        throw new ConfigError(`fake ${tool}: state lock ${lock} held for more than 20 s; remove it if no fake is running`);
      sleepSync(2 + Math.floor(Math.random() * 8));
    }
  }
  try {
    const state = readState(file, tool);
    const result = fn(state);
    writeState(file, state);
    return result;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Go-compatible JSON

/**
 * encoding/json output: HTML-sensitive characters and U+2028/9 escaped like
 * Go's default encoder, keys sorted when the Go value was a map (unstructured
 * objects, map[string]interface{} values).
 * @param {unknown} value
 * @param {{indent?: number|string, sortKeys?: boolean, escapeHtml?: boolean}} [opts]
 */
export function goJson(value, opts = {}) {
  const v = opts.sortKeys ? sortKeysDeep(value) : value;
  let s = JSON.stringify(v, null, opts.indent || undefined) ?? 'null';
  s = s.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  if (opts.escapeHtml !== false) s = s.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return s;
}

/** @param {unknown} v @returns {unknown} */
export function sortKeysDeep(v) {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v && typeof v === 'object') {
    /** @type {Record<string, unknown>} */ const o = {};
    for (const k of Object.keys(v).sort()) {
      const x = /** @type {Record<string, unknown>} */ (v)[k];
      if (x !== undefined) o[k] = sortKeysDeep(x);
    }
    return o;
  }
  return v;
}

// ---------------------------------------------------------------------------
// Time formats (all in UTC: the fakes behave like a machine with TZ=UTC)

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (/** @type {number} */ n) => String(n).padStart(2, '0');

/** Now as an RFC 3339 string with nanoseconds (the fakes' stored timestamp form). */
export function nowNano() {
  const d = new Date();
  const ns = String(process.hrtime.bigint() % 1000000n).padStart(6, '0');
  return d.toISOString().replace(/\.(\d{3})Z$/, `.$1${ns}Z`);
}

/** @param {string} iso @returns {{date: Date, frac: string}} frac = 9 digits */
function parseIso(iso) {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) throw new Error(`bad timestamp in fake state: ${iso} (want RFC 3339, e.g. 2025-01-02T15:04:05.123456789Z)`);
  const date = new Date(`${m[1]}${m[3]}`);
  return { date, frac: (m[2] ?? '').padEnd(9, '0').slice(0, 9) };
}

/** Go time.Time.MarshalJSON (RFC3339Nano, trailing zeros trimmed), UTC. */
export function rfc3339Nano(iso) {
  const { date, frac } = parseIso(iso);
  const f = frac.replace(/0+$/, '');
  return date.toISOString().slice(0, 19) + (f ? `.${f}` : '') + 'Z';
}

/** RFC 3339 with seconds only, as Kubernetes metav1.Time prints. */
export function rfc3339(iso) {
  return parseIso(iso).date.toISOString().slice(0, 19) + 'Z';
}

/** Go time.Time.String(): "2006-01-02 15:04:05.999999999 +0000 UTC". */
export function goTimeString(iso) {
  const { date, frac } = parseIso(iso);
  const f = frac.replace(/0+$/, '');
  return date.toISOString().slice(0, 10) + ' ' + date.toISOString().slice(11, 19) + (f ? `.${f}` : '') + ' +0000 UTC';
}

/** Go time.ANSIC: "Mon Jan _2 15:04:05 2006". */
export function ansic(iso) {
  const d = parseIso(iso).date;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** klog header "E1126 19:30:54.040674    6550 " for the current time. */
export function klogHeader(severity = 'E') {
  const ns = process.hrtime.bigint();
  const d = new Date();
  const us = String(d.getUTCMilliseconds() * 1000 + Number((ns / 1000n) % 1000n)).padStart(6, '0');
  return `${severity}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${us} ${String(process.pid).padStart(7, ' ')} `;
}

// ---------------------------------------------------------------------------
// Sizes (github.com/docker/go-units)

const DECIMAL_ABBRS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
/** go-units HumanSizeWithPrecision: "%.*g%s" with decimal (1000) units. */
export function humanSize(size, precision = 4) {
  let s = size;
  let i = 0;
  while (s >= 1000 && i < DECIMAL_ABBRS.length - 1) {
    s /= 1000;
    i++;
  }
  return goG(s, precision) + DECIMAL_ABBRS[i];
}

/** Go's %.Ng for the magnitudes used here (no exponent form below 1e21 is needed). */
export function goG(x, precision) {
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= precision) {
    const [m, e] = x.toExponential(precision - 1).split('e');
    const mant = (m ?? '').includes('.') ? (m ?? '').replace(/0+$/, '').replace(/\.$/, '') : m;
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  let t = x.toPrecision(precision);
  if (t.includes('.')) t = t.replace(/0+$/, '').replace(/\.$/, '');
  return t;
}

/** go-units HumanDuration. @param {number} ms */
export function humanDuration(ms) {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3600000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3600000 / 24 / 365)} years`;
}

// ---------------------------------------------------------------------------
// argv parsing

/**
 * A small cobra/pflag-like parser. `spec` maps each accepted flag (long or
 * short, without dashes) to 'bool' | 'string' | 'list' | 'optstring' and an
 * optional canonical name: { n: ['string', 'namespace'], namespace: 'string' }.
 * Unknown flags make the call unsupported (the caller turns that into exit 64).
 * @param {string[]} argv
 * @param {Record<string, string | [string, string]>} spec
 * @returns {{flags: Record<string, any>, args: string[], unknown: string[]}}
 */
export function parseFlags(argv, spec) {
  /** @type {Record<string, any>} */ const flags = {};
  /** @type {string[]} */ const args = [];
  /** @type {string[]} */ const unknown = [];
  const lookup = (/** @type {string} */ name) => {
    const s = spec[name];
    if (s === undefined) return undefined;
    return Array.isArray(s) ? { type: s[0], key: s[1] } : { type: s, key: name };
  };
  const set = (/** @type {{type: string, key: string}} */ f, /** @type {any} */ v) => {
    if (f.type === 'list') (flags[f.key] ??= []).push(v);
    else flags[f.key] = v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const f = lookup(name);
      if (!f) {
        unknown.push(a);
        continue;
      }
      if (f.type === 'bool') set(f, eq >= 0 ? a.slice(eq + 1) !== 'false' : true);
      else if (f.type === 'optstring') set(f, eq >= 0 ? a.slice(eq + 1) : true);
      else if (eq >= 0) set(f, a.slice(eq + 1));
      else if (i + 1 < argv.length) set(f, argv[++i]);
      else unknown.push(a);
    } else if (a.startsWith('-') && a.length > 1) {
      // -n ns, -nns, -n=ns, and bundles of bool shorts like -A
      const name = /** @type {string} */ (a[1]);
      const f = lookup(name);
      if (!f) {
        unknown.push(a);
        continue;
      }
      if (f.type === 'bool') {
        set(f, true);
        for (const c of a.slice(2)) {
          const g = lookup(c);
          if (g && g.type === 'bool') set(g, true);
          else unknown.push(`-${c}`);
        }
      } else {
        let v = a.slice(2);
        if (v.startsWith('=')) v = v.slice(1);
        if (v === '' && f.type !== 'optstring') {
          if (i + 1 < argv.length) v = /** @type {string} */ (argv[++i]);
          else {
            unknown.push(a);
            continue;
          }
        }
        set(f, v === '' ? true : v);
      }
    } else args.push(a);
  }
  return { flags, args, unknown };
}

/** Stable short hash for ids and names. @param {string} s */
export function sha256(s) {
  return crypto.createHash('sha256').update(s).digest('hex');
}

/** Deep merge b into a copy of a (maps merge, everything else replaces), as helm coalesces values. */
export function deepMerge(a, b) {
  if (!isPlainObject(a) || !isPlainObject(b)) return structuredClone(b);
  /** @type {Record<string, unknown>} */ const out = structuredClone(a);
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
  return out;
}
/** @param {unknown} v @returns {v is Record<string, any>} */
export function isPlainObject(v) {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Read "a.b.c" out of nested maps. */
export function getPath(obj, dotted) {
  let cur = obj;
  for (const part of dotted.split('.')) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Docker reference in its familiar form with a tag: "docker.io/library/x" -> "x:latest". @param {string} ref */
export function normalizeImageRef(ref) {
  let r = ref;
  if (r.startsWith('docker.io/library/')) r = r.slice('docker.io/library/'.length);
  else if (r.startsWith('docker.io/')) r = r.slice('docker.io/'.length);
  else if (r.startsWith('library/')) r = r.slice('library/'.length);
  if (r.includes('@')) return r;
  const lastSlash = r.lastIndexOf('/');
  if (!r.slice(lastSlash + 1).includes(':')) r += ':latest';
  return r;
}

/** Fully qualified form used by containerd and `minikube image ls`: "x:1" -> "docker.io/library/x:1". @param {string} ref */
export function qualifyImageRef(ref) {
  const r = normalizeImageRef(ref);
  const first = r.split('/')[0] ?? '';
  const hasRegistry = r.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return r;
  return r.includes('/') ? `docker.io/${r}` : `docker.io/library/${r}`;
}

/** Does argv contain `words` in order (not necessarily adjacent)? */
export function argvMatches(argv, words) {
  let i = 0;
  for (const a of argv) if (i < words.length && a === words[i]) i++;
  return i === words.length;
}
