// The cluster's dynamic volume provisioner, run on the host like minikube's
// storage-provisioner: a PVC of the default StorageClass gets a hostPath PV in a
// directory of its own under the cluster's state; a released PV is deleted with its
// directory. Directories are world-writable, because hostPath volumes do not honour
// fsGroup and the chart's pods run as non-root users.
//   node --import tsx test/cluster/provisioner.ts      (started by cluster:up)
import { mkdirSync, rmSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { api } from './api.ts';
import { paths } from './layout.ts';

export const PROVISIONER = 'todo.local/hostpath';
export const STORAGE_CLASS = 'todo-local';

interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  annotations?: Record<string, string>;
}
interface Pvc {
  metadata: Meta;
  spec: { storageClassName?: string; volumeName?: string; accessModes?: string[]; resources?: { requests?: { storage?: string } } };
  status?: { phase?: string };
}
interface Pv {
  metadata: Meta;
  spec: { hostPath?: { path: string; type?: string }; persistentVolumeReclaimPolicy?: string };
  status?: { phase?: string };
}

/** The PV that satisfies a claim: same size and modes, bound to it by claimRef. */
export function volumeFor(pvc: Pvc, root = paths.volumes): Pv & { apiVersion: string; kind: string; spec: Record<string, unknown> } {
  const dir = path.join(root, `${pvc.metadata.namespace}-${pvc.metadata.name}-${pvc.metadata.uid.slice(0, 8)}`);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `pvc-${pvc.metadata.uid}`, uid: '', annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
    spec: {
      capacity: { storage: pvc.spec.resources?.requests?.storage ?? '1Gi' },
      accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: STORAGE_CLASS,
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: pvc.metadata.namespace,
        name: pvc.metadata.name,
        uid: pvc.metadata.uid,
      },
      hostPath: { path: dir, type: 'DirectoryOrCreate' },
    },
  };
}

const wantsUs = (pvc: Pvc) =>
  pvc.status?.phase === 'Pending' &&
  !pvc.spec.volumeName &&
  (pvc.spec.storageClassName === STORAGE_CLASS || pvc.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'] === PROVISIONER);

export async function reconcile(log: (line: string) => void): Promise<void> {
  const claims = await api('GET', '/api/v1/persistentvolumeclaims');
  const volumes = await api('GET', '/api/v1/persistentvolumes');
  if (claims.status !== 200 || volumes.status !== 200) throw new Error(`list failed: ${claims.status}/${volumes.status}`);
  const pvs = (JSON.parse(volumes.body) as { items: Pv[] }).items;
  for (const pvc of (JSON.parse(claims.body) as { items: Pvc[] }).items.filter(wantsUs)) {
    const pv = volumeFor(pvc);
    if (pvs.some((v) => v.metadata.name === pv.metadata.name)) continue;
    const dir = (pv.spec.hostPath as { path: string }).path;
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    const { uid: _uid, ...metadata } = pv.metadata;
    const created = await api('POST', '/api/v1/persistentvolumes', { ...pv, metadata });
    log(
      `${created.status === 201 ? 'provisioned' : `could not provision (${created.status})`} ${pv.metadata.name} for ${pvc.metadata.namespace}/${pvc.metadata.name} at ${dir}`,
    );
  }
  for (const pv of pvs) {
    if (pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] !== PROVISIONER) continue;
    if (!['Released', 'Failed'].includes(pv.status?.phase ?? '') || pv.spec.persistentVolumeReclaimPolicy !== 'Delete') continue;
    const dir = pv.spec.hostPath?.path;
    if (dir && dir.startsWith(paths.volumes + path.sep)) rmSync(dir, { recursive: true, force: true });
    const deleted = await api('DELETE', `/api/v1/persistentvolumes/${pv.metadata.name}`);
    log(`${deleted.status < 300 ? 'deleted' : `could not delete (${deleted.status})`} ${pv.metadata.name}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, () => {
      stopping = true;
    });
  log(`provisioner ${PROVISIONER} for StorageClass ${STORAGE_CLASS}, volumes under ${paths.volumes}`);
  while (!stopping) {
    await reconcile(log).catch((error: unknown) => log(`reconcile: ${error instanceof Error ? error.message : String(error)}`));
    await sleep(1000);
  }
  process.exit(0);
}
