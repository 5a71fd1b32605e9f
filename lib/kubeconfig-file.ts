// The kubeconfig read straight from its files: the same merge kubectl does for
// KUBECONFIG (clientcmd's loading rules: the first file to set current-context wins it,
// the first file to name a context or cluster wins that name; files that do not exist
// are skipped), without starting `kubectl config view`, a process deploy and status need
// only for this. Anything this reader is unsure of returns undefined, and the caller
// asks kubectl, which also names the problem (KUBECONFIG_INVALID).
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

interface Named<T> {
  name: string;
  [key: string]: unknown;
  context?: T;
  cluster?: T;
}
export interface KubeconfigFileView {
  'current-context'?: string;
  contexts: { name: string; context: { cluster: string } }[];
  clusters: {
    name: string;
    cluster: { server?: string; 'certificate-authority'?: string; extensions?: { name: string; extension?: { provider?: string } }[] };
  }[];
}

/** The files kubectl reads: $KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(path.delimiter).filter(Boolean);
  return [path.join(env.HOME ?? os.homedir(), '.kube', 'config')];
}

/** The merged view, or undefined when a file cannot be read as a kubeconfig (kubectl then says why). */
export function readKubeconfigFiles(env: NodeJS.ProcessEnv = process.env): KubeconfigFileView | undefined {
  const files = kubeconfigFiles(env).filter((f) => existsSync(f));
  if (!files.length) return undefined;
  const view: KubeconfigFileView = { contexts: [], clusters: [] };
  for (const file of files) {
    let doc: Record<string, unknown> | null;
    try {
      doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
    } catch {
      return undefined;
    }
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== 'object' || Array.isArray(doc)) return undefined;
    const current = doc['current-context'];
    if (typeof current === 'string' && current && !view['current-context']) view['current-context'] = current;
    const contexts = (doc.contexts ?? []) as Named<{ cluster: string }>[];
    const clusters = (doc.clusters ?? []) as Named<KubeconfigFileView['clusters'][number]['cluster']>[];
    if (!Array.isArray(contexts) || !Array.isArray(clusters)) return undefined;
    for (const c of contexts) {
      if (!c || typeof c.name !== 'string' || !c.context) return undefined;
      if (!view.contexts.some((x) => x.name === c.name)) view.contexts.push({ name: c.name, context: c.context });
    }
    for (const c of clusters) {
      if (!c || typeof c.name !== 'string' || !c.cluster) return undefined;
      if (view.clusters.some((x) => x.name === c.name)) continue;
      // kubectl config view prints file paths made absolute against the file's folder.
      const ca = c.cluster['certificate-authority'];
      const cluster =
        typeof ca === 'string' && ca && !path.isAbsolute(ca)
          ? { ...c.cluster, 'certificate-authority': path.resolve(path.dirname(file), ca) }
          : c.cluster;
      view.clusters.push({ name: c.name, cluster });
    }
  }
  return view;
}
