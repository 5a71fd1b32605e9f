// fake docker: version, info, build, tag, image rm/rmi, image inspect, images /
// image ls, push. Which daemon a call talks to follows the environment like
// the real client: DOCKER_HOST/DOCKER_TLS_VERIFY/DOCKER_CERT_PATH as set by
// `minikube docker-env` select that profile's node daemon, otherwise the host's.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  goJson,
  parseFlags,
  unsupported,
  sha256,
  nowNano,
  normalizeImageRef,
  humanSize,
  humanDuration,
  goTimeString,
  rfc3339,
  rfc3339Nano as goRfc3339Nano,
} from './core.mjs';
import { clusterFor } from './cluster.mjs';

const DEFAULT_CLIENT = {
  Version: '28.2.2',
  ApiVersion: '1.50',
  DefaultAPIVersion: '1.50',
  GitCommit: 'e6534b4',
  GoVersion: 'go1.24.3',
  Os: 'linux',
  Arch: 'amd64',
  BuildTime: 'Fri May 30 12:07:14 2025',
  Context: 'default',
};
const DEFAULT_SERVER = {
  version: '28.2.2',
  apiVersion: '1.50',
  minAPIVersion: '1.24',
  gitCommit: '45873be',
  goVersion: 'go1.24.3',
  os: 'linux',
  arch: 'amd64',
  kernelVersion: '6.8.0-generic',
  buildTime: '2025-05-30T12:07:14.000000000+00:00',
  platform: 'Docker Engine - Community',
  containerd: '1.7.27',
  containerdCommit: '05044ec0a9a75232cad458027ca83437aae3f4da',
  runc: '1.2.5',
  runcCommit: 'v1.2.5-0-g59923ef',
};

/** Commands whose injected failures the handler models itself (none for docker: failures are plain). */
export function handlesFailure() {
  return false;
}

/** @param {import('./main.mjs').Ctx} ctx */
export async function handle(ctx) {
  const [sub, ...rest] = ctx.argv;
  const c = { ...ctx };
  switch (sub) {
    // docker/cli cli/cobra.go: "Docker version {{.Version}}, build {{.GitCommit}}"
    case '--version': {
      const client = clientInfo(c);
      c.io.out(`Docker version ${client.Version}, build ${client.GitCommit}\n`);
      return 0;
    }
    // docker/buildx commands/version.go: package, version, revision
    case 'buildx': {
      if (rest[0] === 'version' && rest.length === 1) {
        c.io.out('github.com/docker/buildx v0.24.0 d0e5e86c8b88ae4865040bc96917c338f4dd673c\n');
        return 0;
      }
      if (rest[0] === 'build' && rest.includes('--load')) return build(c, rest.slice(1));
      break;
    }
    case 'version':
      return version(c, rest);
    case 'info':
      return info(c, rest);
    case 'build':
      return build(c, rest);
    case 'tag':
      return tag(c, rest);
    case 'rmi':
      return rmi(c, rest);
    case 'images':
      return images(c, rest);
    case 'push':
      return push(c, rest);
    case 'image': {
      const [verb, ...r] = rest;
      if (verb === 'inspect') return inspect(c, r);
      if (verb === 'rm') return rmi(c, r);
      if (verb === 'ls' || verb === 'list') return images(c, r);
      if (verb === 'tag') return tag(c, r);
      if (verb === 'push') return push(c, r);
      if (verb === 'build') return build(c, r);
      break;
    }
  }
  throw unsupported('docker', ctx.argv);
}

// ---------------------------------------------------------------------------
// Which daemon?

/**
 * @param {any} c
 * @returns {{ok: true, host: string, store: any[], where: (s: any) => any[], persona: any} | {ok: false, host: string, initError?: string}}
 */
function daemon(c) {
  const env = c.env;
  const s = c.state;
  const certPath = env.DOCKER_CERT_PATH;
  if (
    env.DOCKER_HOST &&
    env.DOCKER_TLS_VERIFY &&
    env.DOCKER_TLS_VERIFY !== '0' &&
    certPath &&
    !fs.existsSync(path.join(certPath, 'ca.pem'))
  ) {
    return {
      ok: false,
      host: env.DOCKER_HOST,
      initError: `Failed to initialize: unable to resolve docker endpoint: open ${path.join(certPath, 'ca.pem')}: no such file or directory\n`,
    };
  }
  if (env.DOCKER_HOST && env.DOCKER_HOST !== (s.docker?.host ?? 'unix:///var/run/docker.sock')) {
    // A minikube node daemon (docker-env): find the profile serving this endpoint.
    const profile = (s.minikube?.profiles ?? []).find(
      (/** @type {any} */ p) =>
        dockerEndpoint(p) === env.DOCKER_HOST && (!env.MINIKUBE_ACTIVE_DOCKERD || env.MINIKUBE_ACTIVE_DOCKERD === p.name),
    );
    if (!profile || (profile.status?.Host ?? 'Running') !== 'Running') return { ok: false, host: env.DOCKER_HOST };
    const backing = clusterFor(s, 'minikube', profile.name);
    if (!backing) return { ok: false, host: env.DOCKER_HOST };
    return {
      ok: true,
      host: env.DOCKER_HOST,
      store: backing.cluster.images ?? [],
      where: (/** @type {any} */ st) => (st.clusters[backing.name].images ??= []),
      persona: { ...DEFAULT_SERVER, ...(profile.dockerServer ?? {}) },
    };
  }
  const host = s.docker?.host ?? 'unix:///var/run/docker.sock';
  if ((s.docker?.daemon ?? 'up') !== 'up') return { ok: false, host };
  return {
    ok: true,
    host,
    store: s.docker?.images ?? [],
    where: (/** @type {any} */ st) => ((st.docker ??= {}).images ??= []),
    persona: { ...DEFAULT_SERVER, ...(s.docker?.server ?? {}) },
  };
}

/** DOCKER_HOST that `minikube docker-env` prints for a profile. @param {any} p */
export function dockerEndpoint(p) {
  if (p.dockerHost) return p.dockerHost;
  const driver = p.driver ?? 'docker';
  // The docker and podman drivers publish the node's 2376 on a localhost port.
  return driver === 'docker' || driver === 'podman' ? `tcp://127.0.0.1:${p.dockerPort ?? 32772}` : `tcp://${p.ip ?? '192.168.49.2'}:2376`;
}

/** @param {any} c @param {{ok: false, host: string, initError?: string}} d */
function down(c, d) {
  c.io.err(d.initError ?? `Cannot connect to the Docker daemon at ${d.host}. Is the docker daemon running?\n`);
  return 1;
}

/** @param {any} c */
function clientInfo(c) {
  return { ...DEFAULT_CLIENT, ...(c.state.docker?.client ?? {}) };
}

// ---------------------------------------------------------------------------
// A subset of Go text/template: literal text, {{.A.B}}, {{json .A}}, {{json .}}

/**
 * @param {string} tmpl @param {any} data
 * @param {boolean} htmlEscape docker's `json` template function does not escape HTML
 */
export function goTemplate(tmpl, data, htmlEscape = false) {
  return tmpl.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, expr) => {
    const m = /^(json\s+)?(\.[\w.]*)$/.exec(expr);
    if (!m) throw new TemplateUnsupported(expr);
    let cur = data;
    for (const part of (m[2] ?? '.').split('.').filter(Boolean)) {
      if (cur === null || cur === undefined) {
        cur = undefined;
        break;
      }
      const key = part in cur ? part : Object.keys(cur).find((k) => k.toLowerCase() === part.toLowerCase());
      cur = key === undefined ? undefined : cur[key];
    }
    if (m[1]) return goJson(cur === undefined ? null : cur, { escapeHtml: htmlEscape });
    if (cur === undefined || cur === null) return '';
    if (typeof cur === 'object') return goJson(cur, { escapeHtml: false });
    return String(cur);
  });
}
export class TemplateUnsupported extends Error {}

/** @param {any} c @param {string} tmpl @param {any} data */
function format(c, tmpl, data) {
  try {
    return goTemplate(tmpl, data);
  } catch (e) {
    if (e instanceof TemplateUnsupported) throw unsupported('docker', c.argv);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// version / info (docker/cli cli/command/system/version.go, info.go)

function version(c, rest) {
  const { flags, args, unknown } = parseFlags(rest, { format: 'string', f: ['string', 'format'] });
  if (unknown.length || args.length || flags.format === undefined) throw unsupported('docker', c.argv);
  const d = daemon(c);
  const client = clientInfo(c);
  if (!d.ok) {
    if (d.initError) return down(c, d);
    c.io.out(format(c, flags.format, { Client: client, Server: null }) + '\n');
    return down(c, d);
  }
  const p = d.persona;
  const server = {
    Platform: { Name: p.platform },
    Components: [
      {
        Name: 'Engine',
        Version: p.version,
        Details: {
          ApiVersion: p.apiVersion,
          Arch: p.arch,
          BuildTime: p.buildTime,
          Experimental: 'false',
          GitCommit: p.gitCommit,
          GoVersion: p.goVersion,
          KernelVersion: p.kernelVersion,
          MinAPIVersion: p.minAPIVersion,
          Os: p.os,
        },
      },
      { Name: 'containerd', Version: p.containerd, Details: { GitCommit: p.containerdCommit } },
      { Name: 'runc', Version: p.runc, Details: { GitCommit: p.runcCommit } },
      { Name: 'docker-init', Version: '0.19.0', Details: { GitCommit: 'de40ad0' } },
    ],
    Version: p.version,
    ApiVersion: p.apiVersion,
    MinAPIVersion: p.minAPIVersion,
    GitCommit: p.gitCommit,
    GoVersion: p.goVersion,
    Os: p.os,
    Arch: p.arch,
    KernelVersion: p.kernelVersion,
    BuildTime: p.buildTime,
  };
  // The client negotiates down to the daemon's API version.
  const negotiated = Number(p.apiVersion) < Number(client.ApiVersion) ? p.apiVersion : client.ApiVersion;
  c.io.out(format(c, flags.format, { Client: { ...client, ApiVersion: negotiated }, Server: server }) + '\n');
  return 0;
}

/** `docker info` with the daemon down prints zero values (recorded from docker CLI 28.2.2). */
function zeroInfo(client) {
  return {
    ID: '',
    Containers: 0,
    ContainersRunning: 0,
    ContainersPaused: 0,
    ContainersStopped: 0,
    Images: 0,
    Driver: '',
    DriverStatus: null,
    Plugins: { Volume: null, Network: null, Authorization: null, Log: null },
    MemoryLimit: false,
    SwapLimit: false,
    CpuCfsPeriod: false,
    CpuCfsQuota: false,
    CPUShares: false,
    CPUSet: false,
    PidsLimit: false,
    IPv4Forwarding: false,
    Debug: false,
    NFd: 0,
    OomKillDisable: false,
    NGoroutines: 0,
    SystemTime: '',
    LoggingDriver: '',
    CgroupDriver: '',
    NEventsListener: 0,
    KernelVersion: '',
    OperatingSystem: '',
    OSVersion: '',
    OSType: '',
    Architecture: '',
    IndexServerAddress: '',
    RegistryConfig: null,
    NCPU: 0,
    MemTotal: 0,
    GenericResources: null,
    DockerRootDir: '',
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: '',
    Labels: null,
    ExperimentalBuild: false,
    ServerVersion: '',
    Runtimes: null,
    DefaultRuntime: '',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: '', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: '' },
    InitCommit: { ID: '' },
    SecurityOptions: null,
    CDISpecDirs: null,
    Warnings: null,
    ClientInfo: clientInfoBlock(client),
  };
}
function clientInfoBlock(client) {
  const { ApiVersion: _a, ...rest } = client;
  return { Debug: false, ...rest, Plugins: [], Warnings: null };
}

function info(c, rest) {
  const { flags, args, unknown } = parseFlags(rest, { format: 'string', f: ['string', 'format'] });
  if (unknown.length || args.length || flags.format === undefined) throw unsupported('docker', c.argv);
  const d = daemon(c);
  const client = clientInfo(c);
  if (!d.ok) {
    if (d.initError) return down(c, d);
    c.io.out(format(c, flags.format, zeroInfo(client)) + '\n');
    return down(c, d);
  }
  const p = d.persona;
  const data = {
    ...zeroInfo(client),
    ID: sha256(d.host)
      .slice(0, 36)
      .toUpperCase()
      .replace(/(.{4})(?=.)/g, '$1:'),
    Images: d.store.length,
    Driver: 'overlay2',
    Plugins: {
      Volume: ['local'],
      Network: ['bridge', 'host', 'ipvlan', 'macvlan', 'null', 'overlay'],
      Authorization: null,
      Log: ['json-file', 'local'],
    },
    KernelVersion: p.kernelVersion,
    OperatingSystem: p.operatingSystem ?? 'Ubuntu 24.04.2 LTS',
    OSType: 'linux',
    Architecture: 'x86_64',
    NCPU: p.ncpu ?? 2,
    MemTotal: p.memTotal ?? 8217280512,
    DockerRootDir: '/var/lib/docker',
    Name: p.name ?? 'fake-docker',
    ServerVersion: p.version,
    CgroupDriver: 'systemd',
    LoggingDriver: 'json-file',
    DefaultRuntime: 'runc',
    IndexServerAddress: 'https://index.docker.io/v1/',
  };
  c.io.out(format(c, flags.format, data) + '\n');
  return 0;
}

// ---------------------------------------------------------------------------
// images

/** @param {any[]} store @param {string} ref */
function findImage(store, ref) {
  const want = normalizeImageRef(ref);
  const bare = ref.replace(/^sha256:/, '');
  return store.find(
    (img) =>
      (img.repoTags ?? []).some((/** @type {string} */ t) => normalizeImageRef(t) === want) ||
      (bare.length >= 12 && /^[0-9a-f]+$/.test(bare) && img.id.replace(/^sha256:/, '').startsWith(bare)),
  );
}

/** Docker Engine ImageInspect (api/types/image) for an image record. */
function inspectJson(img) {
  const created = rfc3339Nano(img.created);
  return {
    Id: img.id,
    RepoTags: img.repoTags ?? [],
    RepoDigests: img.repoDigests ?? [],
    Parent: '',
    Comment: img.comment ?? 'buildkit.dockerfile.v0',
    Created: created,
    DockerVersion: '',
    Author: '',
    Config: {
      Hostname: '',
      Domainname: '',
      User: img.user ?? '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ...(img.exposedPorts ? { ExposedPorts: Object.fromEntries(img.exposedPorts.map((/** @type {string} */ p) => [p, {}])) } : {}),
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: img.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: img.cmd ?? null,
      Image: '',
      Volumes: null,
      WorkingDir: img.workingDir ?? '',
      Entrypoint: img.entrypoint ?? null,
      OnBuild: null,
      Labels: img.labels ?? null,
    },
    Architecture: 'amd64',
    Os: 'linux',
    Size: img.size ?? 0,
    GraphDriver: {
      Data: {
        MergedDir: `/var/lib/docker/overlay2/${img.id.slice(7, 32)}/merged`,
        UpperDir: `/var/lib/docker/overlay2/${img.id.slice(7, 32)}/diff`,
        WorkDir: `/var/lib/docker/overlay2/${img.id.slice(7, 32)}/work`,
      },
      Name: 'overlay2',
    },
    RootFS: { Type: 'layers', Layers: img.layers ?? [img.id] },
    Metadata: { LastTagTime: img.lastTagTime ? rfc3339Nano(img.lastTagTime) : '0001-01-01T00:00:00Z' },
  };
}
/** @param {string | undefined} iso */
function rfc3339Nano(iso) {
  return iso ? goRfc3339Nano(iso) : '0001-01-01T00:00:00Z';
}

function inspect(c, rest) {
  const { flags, args, unknown } = parseFlags(rest, { format: 'string', f: ['string', 'format'] });
  if (unknown.length || !args.length) throw unsupported('docker', c.argv);
  const d = daemon(c);
  if (!d.ok) {
    if (d.initError) return down(c, d);
    if (flags.format === undefined) c.io.out('[]\n');
    return down(c, d);
  }
  /** @type {any[]} */ const found = [];
  /** @type {string[]} */ const errs = [];
  for (const ref of args) {
    const img = findImage(d.store, ref);
    if (img) found.push(inspectJson(img));
    else errs.push(`Error response from daemon: No such image: ${normalizeImageRef(ref)}`);
  }
  if (flags.format !== undefined) {
    for (const f of found) c.io.out(format(c, flags.format, f) + '\n');
    if (!found.length) c.io.out('\n');
  } else {
    // cli/command/inspect: elements re-indented with 4 spaces inside one array.
    c.io.out(found.length ? goJson(found, { indent: 4 }) + '\n' : '[]\n');
  }
  if (errs.length) {
    c.io.err(errs.join('\n') + '\n');
    return 1;
  }
  return 0;
}

/** Rows of `docker images`: one per tag, newest first (cli/command/formatter/image.go). */
function images(c, rest) {
  const { flags, args, unknown } = parseFlags(rest, {
    format: 'string',
    'no-trunc': 'bool',
    all: 'bool',
    a: ['bool', 'all'],
    filter: 'list',
  });
  if (unknown.length || flags.format === undefined || flags.filter || args.length > 1) throw unsupported('docker', c.argv);
  const d = daemon(c);
  if (!d.ok) return down(c, d);
  const now = Date.now();
  const sorted = [...d.store].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  for (const img of sorted) {
    const tags = (img.repoTags ?? []).length ? img.repoTags : ['<none>:<none>'];
    for (const t of tags) {
      const i = t.lastIndexOf(':');
      const repo = t.slice(0, i);
      const tagName = t.slice(i + 1);
      if (args[0] && !(args[0].includes(':') ? normalizeImageRef(t) === normalizeImageRef(args[0]) : repo === args[0])) continue;
      const created = new Date(img.created ?? 0);
      const row = {
        Containers: 'N/A',
        CreatedAt: goTimeString(rfc3339(img.created ?? '1970-01-01T00:00:00Z')),
        CreatedSince: humanDuration(now - created.getTime()) + ' ago',
        Digest: (img.repoDigests ?? [])[0]?.split('@')[1] ?? '<none>',
        ID: flags['no-trunc'] ? img.id : img.id.replace(/^sha256:/, '').slice(0, 12),
        Repository: repo,
        SharedSize: 'N/A',
        Size: humanSize(img.size ?? 0, 3),
        Tag: tagName,
        UniqueSize: 'N/A',
        VirtualSize: humanSize(img.size ?? 0, 4),
      };
      // imageContext.MarshalJSON goes through json.Marshal (HTML-escaped), then docker's json func.
      c.io.out(flags.format.trim() === '{{json .}}' ? goJson(row, { escapeHtml: true }) + '\n' : format(c, flags.format, row) + '\n');
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------
// build / tag / rmi / push

function build(c, rest) {
  const { flags, args, unknown } = parseFlags(rest, {
    tag: 'list',
    t: ['list', 'tag'],
    file: 'string',
    f: ['string', 'file'],
    'build-arg': 'list',
    target: 'string',
    platform: 'string',
    label: 'list',
    'no-cache': 'bool',
    pull: 'bool',
    quiet: 'bool',
    q: ['bool', 'quiet'],
    progress: 'string',
    load: 'bool',
    secret: 'list',
  });
  if (unknown.length || args.length !== 1) throw unsupported('docker', c.argv);
  const d = daemon(c);
  const ctxDir = path.resolve(c.cwd, /** @type {string} */ (args[0]));
  if (!fs.existsSync(ctxDir)) {
    c.io.err(`unable to prepare context: path "${args[0]}" not found\n`);
    return 1;
  }
  const dockerfile = path.resolve(flags.file ? path.resolve(c.cwd, flags.file) : path.join(ctxDir, 'Dockerfile'));
  if (!fs.existsSync(dockerfile)) {
    c.io.err(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dockerfile}: no such file or directory\n`);
    return 1;
  }
  if (!d.ok) return down(c, d);
  const tags = (flags.tag ?? []).map(normalizeImageRef);
  if (c.state.docker?.realBuildCli) return realBuild(c, d, c.state.docker.realBuildCli, rest, tags);
  // The image id is a hash of everything that went in: Dockerfile, context files, args.
  const h = [
    fs.readFileSync(dockerfile, 'utf8'),
    ...(flags['build-arg'] ?? []).map((/** @type {string} */ a) => a.split('=')[0] ?? ''),
    flags.target ?? '',
    flags.platform ?? '',
    ...(flags.label ?? []),
  ];
  for (const f of listContext(ctxDir)) h.push(f, sha256(fs.readFileSync(path.join(ctxDir, f)).toString('latin1')));
  const id = `sha256:${sha256(h.join('\0'))}`;
  recordBuilt(c, d, id, tags, 50_000_000 + (parseInt(id.slice(7, 13), 16) % 200_000_000));
  if (flags.quiet) c.io.out(`${id}\n`);
  else {
    c.io.err('#0 building with "default" instance using docker driver\n\n');
    c.io.err(`#1 [internal] load build definition from ${path.basename(dockerfile)}\n#1 DONE 0.0s\n\n`);
    c.io.err(
      `#2 exporting to image\n#2 writing image ${id} done\n${tags.map((t) => `#2 naming to docker.io/${t.includes('/') ? t : `library/${t}`} done`).join('\n')}\n#2 DONE 0.1s\n`,
    );
  }
  return 0;
}

/**
 * A built image in the daemon's store: its tags move to it from the images that had them.
 * @param {any} c @param {any} d @param {string} id @param {string[]} tags @param {number} size
 */
function recordBuilt(c, d, id, tags, size) {
  const created = nowNano();
  c.mutate((s) => {
    const store = d.where(s);
    for (const img of store) img.repoTags = (img.repoTags ?? []).filter((/** @type {string} */ t) => !tags.includes(normalizeImageRef(t)));
    const existing = store.find((/** @type {any} */ i) => i.id === id);
    if (existing) existing.repoTags = [...new Set([...(existing.repoTags ?? []), ...tags])];
    else store.push({ id, repoTags: tags, repoDigests: [], size, created, layers: [`sha256:${sha256(`${id}/layer`)}`] });
    // dangling images (no tags left) stay, as after a real rebuild
  });
}

/**
 * The build on the real engine (state.docker.realBuildCli, benchmarks): `docker build` with
 * BuildKit and the same flags (buildx's --load dropped: the classic CLI loads anyway), its output
 * passed on, then the image recorded here under the real id, so the fake kind/minikube load it.
 * @param {any} c @param {any} d @param {string} cli @param {string[]} rest @param {string[]} tags
 */
function realBuild(c, d, cli, rest, tags) {
  const env = { ...c.env, DOCKER_BUILDKIT: '1' };
  const built = spawnSync(cli, ['build', ...rest.filter((a) => a !== '--load')], {
    cwd: c.cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (built.stdout) c.io.out(built.stdout);
  if (built.stderr) c.io.err(built.stderr);
  if (built.status !== 0) return built.status ?? 1;
  const inspected = spawnSync(cli, ['image', 'inspect', '--format', '{{.Id}} {{.Size}}', tags[0] ?? ''], { env, encoding: 'utf8' });
  const [id = '', size = '0'] = inspected.stdout.trim().split(' ');
  if (inspected.status !== 0 || !id) throw new Error(`real build: cannot inspect ${tags[0]}: ${inspected.stderr}`);
  recordBuilt(c, d, id, tags, Number(size));
  return 0;
}

/** Context files (relative paths), skipping .dockerignore'd basics and heavy folders. */
function listContext(dir) {
  /** @type {string[]} */ const out = [];
  const skip = new Set(['node_modules', '.git', '.next', '__pycache__', '.venv']);
  const walk = (/** @type {string} */ rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (skip.has(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && out.length < 5000) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

function tag(c, rest) {
  const { args, unknown } = parseFlags(rest, {});
  if (unknown.length || args.length !== 2) throw unsupported('docker', c.argv);
  const [src, dst] = /** @type {[string, string]} */ (args);
  const d = daemon(c);
  if (!d.ok) return down(c, d);
  const ok = c.mutate((s) => {
    const store = d.where(s);
    const img = findImage(store, src);
    if (!img) return false;
    const t = normalizeImageRef(dst);
    for (const other of store) other.repoTags = (other.repoTags ?? []).filter((/** @type {string} */ x) => normalizeImageRef(x) !== t);
    img.repoTags.push(t);
    img.lastTagTime = nowNano();
    return true;
  });
  if (!ok) {
    c.io.err(`Error response from daemon: No such image: ${normalizeImageRef(src)}\n`);
    return 1;
  }
  return 0;
}

function rmi(c, rest) {
  const { flags, args, unknown } = parseFlags(rest, { force: 'bool', f: ['bool', 'force'], 'no-prune': 'bool' });
  if (unknown.length || !args.length) throw unsupported('docker', c.argv);
  const d = daemon(c);
  if (!d.ok) return down(c, d);
  /** @type {string[]} */ const lines = [];
  /** @type {string[]} */ const errs = [];
  c.mutate((s) => {
    const store = d.where(s);
    for (const ref of args) {
      const img = findImage(store, ref);
      if (!img) {
        if (!flags.force) errs.push(`Error response from daemon: No such image: ${normalizeImageRef(ref)}`);
        continue;
      }
      const byTag = (img.repoTags ?? []).some((/** @type {string} */ t) => normalizeImageRef(t) === normalizeImageRef(ref));
      if (byTag && img.repoTags.length > 1) {
        img.repoTags = img.repoTags.filter((/** @type {string} */ t) => normalizeImageRef(t) !== normalizeImageRef(ref));
        lines.push(`Untagged: ${normalizeImageRef(ref)}`);
        continue;
      }
      for (const t of img.repoTags ?? []) lines.push(`Untagged: ${t}`);
      lines.push(`Deleted: ${img.id}`);
      store.splice(store.indexOf(img), 1);
    }
  });
  if (lines.length) c.io.out(lines.join('\n') + '\n');
  if (errs.length) {
    c.io.err(errs.join('\n') + '\n');
    return 1;
  }
  return 0;
}

function push(c, rest) {
  const { args, unknown } = parseFlags(rest, { quiet: 'bool', q: ['bool', 'quiet'] });
  if (unknown.length || args.length !== 1) throw unsupported('docker', c.argv);
  const ref = /** @type {string} */ (args[0]);
  const d = daemon(c);
  if (!d.ok) return down(c, d);
  const norm = normalizeImageRef(ref);
  const repo = norm.slice(0, norm.lastIndexOf(':'));
  const qualified =
    repo.includes('/') && /[.:]/.test(repo.split('/')[0] ?? '') ? repo : `docker.io/${repo.includes('/') ? repo : `library/${repo}`}`;
  if (!ref.includes(':') || ref.lastIndexOf(':') < ref.lastIndexOf('/')) c.io.out('Using default tag: latest\n');
  c.io.out(`The push refers to repository [${qualified}]\n`);
  const img = findImage(d.store, ref);
  if (!img) {
    c.io.err(`An image does not exist locally with the tag: ${ref.replace(/:latest$/, '')}\n`);
    return 1;
  }
  const digest = `sha256:${sha256(`${img.id}/manifest`)}`;
  c.mutate((s) => {
    ((s.registry ??= {}).images ??= []).includes(norm) || s.registry.images.push(norm);
  });
  for (const l of img.layers ?? []) c.io.out(`${l.slice(7, 19)}: Pushed\n`);
  c.io.out(`${norm.slice(norm.lastIndexOf(':') + 1)}: digest: ${digest} size: 1234\n`);
  return 0;
}
