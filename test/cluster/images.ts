// What the registry must hold before the cluster runs anything: the sandbox (pause)
// image, made locally because registry.k8s.io cannot be reached, and the PostgreSQL
// stand-in under the chart's default reference (containerd mirrors docker.io here).
import { mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { Docker, resolveDockerCli } from '../../lib/docker.ts';
import type { Runner } from '../../lib/exec.ts';
import { ensureStandIn } from '../support/base-images.ts';
import { registryHas } from './api.ts';
import { SANDBOX_IMAGE } from './configs.ts';
import { BIN_DIR, REGISTRY, REPO_ROOT } from './layout.ts';

/** The chart's default PostgreSQL image, as docker.io/library/<repository>:<tag> resolves it. */
export function chartPostgresImage(): { repository: string; tag: string } {
  const values = parse(readFileSync(path.join(REPO_ROOT, 'helm-chart/todo-chatbot/values.yaml'), 'utf8')) as {
    postgresql: { image: { repository: string; tag: string } };
  };
  const repo = values.postgresql.image.repository;
  return { repository: repo.includes('/') ? repo : `library/${repo}`, tag: String(values.postgresql.image.tag) };
}

async function push(docker: Docker, local: string, remote: string): Promise<void> {
  await docker.exec(['tag', local, remote], { timeoutMs: 30_000 });
  await docker.exec(['push', remote], { timeoutMs: 10 * 60_000 });
}

export async function seedRegistry(opts: { run: Runner; log: (line: string) => void }): Promise<void> {
  const { run, log } = opts;
  const [sandboxRepo, sandboxTag] = SANDBOX_IMAGE.slice(REGISTRY.length + 1).split(':') as [string, string];
  const pg = chartPostgresImage();
  const [havePause, havePg] = await Promise.all([registryHas(sandboxRepo, sandboxTag), registryHas(pg.repository, pg.tag)]);
  if (havePause && havePg) return;
  const docker = new Docker(await resolveDockerCli(run), run);
  if (!(await docker.serverVersion().catch(() => undefined))) {
    throw new Error(
      'the registry needs the pause and PostgreSQL images, and building them needs a Docker engine: start Docker (dockerd), then run cluster:up again',
    );
  }
  await Promise.all([
    (async () => {
      if (havePause) return;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'todo-pause-'));
      try {
        copyFileSync(path.join(BIN_DIR, 'pause'), path.join(dir, 'pause'));
        await run('tar', ['--owner=0', '--group=0', '-C', dir, '-cf', path.join(dir, 'rootfs.tar'), 'pause']);
        await docker.exec(
          [
            'import',
            '--change',
            'ENTRYPOINT ["/pause"]',
            '--message',
            'todo-local sandbox image (test/cluster/pause)',
            path.join(dir, 'rootfs.tar'),
            SANDBOX_IMAGE,
          ],
          { timeoutMs: 60_000 },
        );
        await docker.exec(['push', SANDBOX_IMAGE], { timeoutMs: 120_000 });
        log(`registry: pushed ${SANDBOX_IMAGE}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })(),
    (async () => {
      if (havePg) return;
      log('registry: building the PostgreSQL stand-in (debootstrap; a minute or two the first time)');
      const local = await ensureStandIn('postgres', docker, { run, log });
      await push(docker, local, `${REGISTRY}/${pg.repository}:${pg.tag}`);
      log(`registry: pushed ${REGISTRY}/${pg.repository}:${pg.tag} (stand-in for docker.io/${pg.repository}:${pg.tag})`);
    })(),
  ]);
}
