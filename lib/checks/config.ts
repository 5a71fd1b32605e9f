// config: the ConfigMap keys the apps need, the Secret keys the pods reference
// (names only: a value is never read into a message), PVCs Bound.
import type { KubeObject } from '../kubectl.ts';
import { component, list, named, ofKind, templateContainers, workloads, type KeyRef } from './readers.ts';
import { fail, kubectlIn, pass, releasePods, type Check } from './types.ts';

/**
 * Keys each component's ConfigMap must hold, and why: the reference app reads
 * them at start (the chart sets them; a hand-edited ConfigMap may lose one).
 */
export const REQUIRED_CONFIG_KEYS: readonly { component: string; keys: readonly string[]; why: string }[] = [
  {
    component: 'frontend',
    keys: ['BACKEND_URL', 'PORT', 'HOSTNAME'],
    why: 'the proxy reads BACKEND_URL at request time; HOSTNAME=0.0.0.0 lets port-forward reach the server',
  },
  { component: 'backend', keys: ['PORT', 'DATA_DIR'], why: 'the root filesystem is read-only: DATA_DIR must point at the writable volume' },
];

interface Refs {
  /** ConfigMap or Secret name → keys referenced (non-optional). */
  keys: Map<string, Set<string>>;
  /** Whole objects referenced by envFrom (non-optional). */
  whole: Set<string>;
  /** name → workloads referencing it, for messages. */
  by: Map<string, Set<string>>;
}

/** What the release's workloads reference from ConfigMaps or Secrets. */
function references(all: KubeObject[], kind: 'configMap' | 'secret'): Refs {
  const refs: Refs = { keys: new Map(), whole: new Set(), by: new Map() };
  const note = (name: string, w: KubeObject) => (refs.by.get(name) ?? refs.by.set(name, new Set()).get(name)!).add(w.metadata.name);
  for (const w of all) {
    for (const c of templateContainers(w)) {
      for (const e of c.env ?? []) {
        const ref: KeyRef | undefined = kind === 'configMap' ? e.valueFrom?.configMapKeyRef : e.valueFrom?.secretKeyRef;
        if (!ref || ref.optional) continue;
        (refs.keys.get(ref.name) ?? refs.keys.set(ref.name, new Set()).get(ref.name)!).add(ref.key);
        note(ref.name, w);
      }
      for (const e of c.envFrom ?? []) {
        const ref = kind === 'configMap' ? e.configMapRef : e.secretRef;
        if (!ref || ref.optional) continue;
        refs.whole.add(ref.name);
        note(ref.name, w);
      }
    }
  }
  return refs;
}

export const CONFIG_CHECKS: readonly Check[] = [
  {
    id: 'config.configmap-keys',
    group: 'config',
    title: 'ConfigMap keys the apps need',
    dependsOn: ['cluster.namespace'],
    hint: "rerun deploy to restore the chart's ConfigMaps (kubectl edit changes are overwritten on upgrade; set values instead)",
    async run(ctx) {
      const all = await workloads(ctx);
      const refs = references(all, 'configMap');
      const owned = await ofKind(ctx, 'ConfigMap');
      const external = await named(
        ctx,
        'configmaps',
        [...refs.keys.keys(), ...refs.whole].filter((n) => !owned.some((o) => o.metadata.name === n)),
      );
      const byName = new Map([...owned, ...external].map((o) => [o.metadata.name, o]));
      const problems: string[] = [];
      let checked = 0;
      for (const need of REQUIRED_CONFIG_KEYS) {
        if (!all.some((w) => component(w) === need.component)) continue;
        const cm = owned.find((o) => component(o) === need.component);
        if (!cm) {
          problems.push(`no ConfigMap of component ${need.component}`);
          continue;
        }
        const missing = need.keys.filter((k) => !(k in (cm.data ?? {})));
        checked += need.keys.length;
        if (missing.length) problems.push(`${cm.metadata.name} lacks ${missing.join(', ')} (${need.why})`);
      }
      for (const name of refs.whole)
        if (!byName.has(name)) problems.push(`ConfigMap ${name} (envFrom of ${list([...refs.by.get(name)!])}) does not exist`);
      for (const [name, keys] of refs.keys) {
        const cm = byName.get(name);
        const missing = [...keys].filter((k) => !(k in (cm?.data ?? {})));
        checked += keys.size;
        if (!cm) problems.push(`ConfigMap ${name} (referenced by ${list([...refs.by.get(name)!])}) does not exist`);
        else if (missing.length) problems.push(`${name} lacks ${missing.join(', ')} (referenced by ${list([...refs.by.get(name)!])})`);
      }
      if (problems.length) return fail(problems.join('; '));
      return pass(`${checked} keys present in ${list([...new Set([...owned.map((o) => o.metadata.name), ...refs.whole])])}`);
    },
  },
  {
    id: 'config.secret-keys',
    group: 'config',
    title: 'Secret keys present',
    dependsOn: ['cluster.namespace'],
    hint: (t) =>
      `create the Secret or the key the pods reference (\`${kubectlIn(t)} create secret generic <name> --from-file …\`), or rerun deploy; values are never printed`,
    async run(ctx) {
      const refs = references(await workloads(ctx), 'secret');
      const names = [...new Set([...refs.keys.keys(), ...refs.whole])];
      if (!names.length) return pass('no Secret referenced by the workloads');
      // Only key names and whether a value is empty leave this function.
      const secrets = new Map(
        (await named(ctx, 'secrets', names)).map((s) => [
          s.metadata.name,
          Object.entries(s.data ?? {}).map(([k, v]) => ({ key: k, empty: !v })),
        ]),
      );
      const problems: string[] = [];
      const present: string[] = [];
      for (const name of names) {
        const keys = secrets.get(name);
        const who = list([...refs.by.get(name)!]);
        if (!keys) {
          problems.push(`Secret ${name} (referenced by ${who}) does not exist`);
          continue;
        }
        for (const key of refs.keys.get(name) ?? []) {
          const found = keys.find((k) => k.key === key);
          if (!found) problems.push(`Secret ${name} has no key ${key} (referenced by ${who})`);
          else if (found.empty) problems.push(`Secret ${name} key ${key} is empty`);
          else present.push(`${name}/${key}`);
        }
        if (refs.whole.has(name)) present.push(`${name} (${keys.length} keys)`);
      }
      if (problems.length) return fail(problems.join('; '));
      return pass(`present: ${list(present)}`);
    },
  },
  {
    id: 'config.pvcs-bound',
    group: 'config',
    title: 'PVCs Bound',
    dependsOn: ['cluster.namespace'],
    hint: (t) =>
      `a Pending claim needs a StorageClass that can provision it: \`kubectl --context ${t.context} get storageclass\` (minikube: \`minikube addons enable storage-provisioner default-storageclass\`), and \`${kubectlIn(t)} describe pvc ${releasePods(t)}\``,
    async run(ctx) {
      const pvcs = await ofKind(ctx, 'PersistentVolumeClaim');
      if (!pvcs.length) return pass('the release has no PersistentVolumeClaims');
      const bad = pvcs.filter((p) => p.status?.phase !== 'Bound');
      if (bad.length)
        return fail(
          bad
            .map(
              (p) =>
                `${p.metadata.name} is ${p.status?.phase ?? 'Pending'}${p.spec?.storageClassName ? ` (storageClass ${p.spec.storageClassName})` : ' (no storageClass)'}`,
            )
            .join('; '),
        );
      return pass(pvcs.map((p) => `${p.metadata.name} ${p.status?.capacity?.storage ?? ''}`.trim()).join(', '));
    },
  },
];
