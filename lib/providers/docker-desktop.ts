// Docker Desktop: its Kubernetes uses the host's image store, and NodePorts are on localhost.
import type { Runner } from '../exec.ts';
import type { ClusterProvider } from './types.ts';

export class DockerDesktopProvider implements ClusterProvider {
  readonly name = 'docker-desktop' as const;
  constructor(private readonly run: Runner) {}

  async hasImage(ref: string): Promise<boolean> {
    const result = await this.run('docker', ['image', 'inspect', '--format', '{{json .Id}}', ref], { nothrow: true, timeoutMs: 30_000 });
    return result.exitCode === 0;
  }

  async loadImage(): Promise<void> {
    // Nothing to copy: the node is the host's engine.
  }

  async nodeAddress(): Promise<string | undefined> {
    return '127.0.0.1';
  }
}
