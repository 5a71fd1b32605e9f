// Shared by the deploy and teardown tests: a fake cluster whose app images carry
// the tags deploy computes from the sources, and a way to run the real scripts on it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config.ts';
import { plannedImages } from '../../lib/own-app.ts';
import { createTodoChatbotCluster, image, type FakeCluster, type Provider, type TodoChatbotOptions } from '../fakes/kit.ts';
import { REPO_ROOT } from './tools.ts';

/** The refs deploy plans for the given environment (content tags of the sources). */
export function plannedRefs(env: NodeJS.ProcessEnv = {}): { frontend: string; backend: string } {
  const { config } = loadConfig({ root: REPO_ROOT, env, envFile: path.join(os.tmpdir(), 'no-such.env') });
  const plans = plannedImages(config);
  return { frontend: plans.find((p) => p.name === 'frontend')!.ref, backend: plans.find((p) => p.name === 'backend')!.ref };
}

export interface DeployFixture extends FakeCluster {
  /** TMPDIR of the scripts: where a leftover values file would be. */
  tmp: string;
  envFile: string;
  leftovers(): string[];
  script(
    name: 'deploy' | 'teardown' | 'status' | 'logs' | 'open',
    args: string[],
    opts?: { env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void },
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * A deployed fake cluster (namespace todo). With `built` (default true) the
 * images of the current sources are on the host and the node, so --skip-build
 * deploys change only the release.
 */
export async function deployFixture(opts: TodoChatbotOptions & { built?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<DeployFixture> {
  const refs = plannedRefs(opts.env);
  const built = opts.built ?? true;
  const fake = await createTodoChatbotCluster({
    namespace: 'todo',
    ...(built ? { frontendTag: refs.frontend.split(':')[1], backendTag: refs.backend.split(':')[1] } : {}),
    ...opts,
  });
  // Base images on the host and on every node (docker-env builds run there; no registry here).
  fake.update((s) => {
    const bases = [image('node:22-alpine', 60_000_000), image('python:3.11-slim', 130_000_000)];
    s.docker!.images!.push(...bases);
    for (const c of Object.values(s.clusters)) if (c.images) c.images.push(...structuredClone(bases));
  });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-tmp-'));
  const envFile = path.join(tmp, 'test.env');
  writeFileSync(envFile, 'NAMESPACE=todo\n');
  return {
    ...fake,
    tmp,
    envFile,
    leftovers: () => readdirSync(tmp).filter((n) => n.startsWith('todo-chatbot-values-')),
    cleanup() {
      fake.cleanup();
      rmSync(tmp, { recursive: true, force: true, maxRetries: 30, retryDelay: 100 });
    },
    script(name, args, runOpts = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', `${name}.ts`), '--dotenv', envFile, ...args],
          {
            cwd: REPO_ROOT,
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...fake.env, CI: 'true', NO_COLOR: '1', TMPDIR: tmp, ...opts.env, ...runOpts.env },
          },
        );
        runOpts.onSpawn?.(child.pid!);
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    },
  };
}

export type { Provider };
