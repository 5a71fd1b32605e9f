// release: the Helm release is deployed; its revision, chart and app version.
import { ago, latestRevision } from './readers.ts';
import { fail, pass, type Check } from './types.ts';

/** Release states (helm pkg/release/status.go) with the cause and what to do. */
const STATES: Record<string, { ok: boolean; advice: string }> = {
  deployed: { ok: true, advice: '' },
  failed: { ok: false, advice: 'the last install/upgrade failed' },
  'pending-install': { ok: false, advice: 'an install is in progress or was interrupted' },
  'pending-upgrade': { ok: false, advice: 'an upgrade is in progress or was interrupted' },
  'pending-rollback': { ok: false, advice: 'a rollback is in progress or was interrupted' },
  superseded: { ok: false, advice: 'a newer revision replaced it' },
  uninstalling: { ok: false, advice: 'it is being uninstalled' },
  uninstalled: { ok: false, advice: 'it was uninstalled with --keep-history' },
};

export const RELEASE_CHECKS: readonly Check[] = [
  {
    id: 'release.deployed',
    group: 'release',
    title: 'Helm release deployed',
    dependsOn: ['cluster.namespace'],
    hint: (t) =>
      `rerun the deploy (npx zx scripts/deploy.ts); for a stuck pending-* release, \`helm rollback ${t.release} --kube-context ${t.context} -n ${t.namespace}\` first; \`helm history ${t.release} --kube-context ${t.context} -n ${t.namespace}\` shows every revision`,
    async run(ctx) {
      const rev = await latestRevision(ctx);
      const { release, namespace } = ctx.target;
      if (!rev) return fail(`release ${release} not found in namespace ${namespace}`);
      const what = `revision ${rev.revision}, chart ${rev.chart}, app ${rev.app_version || '?'}`;
      const state = STATES[rev.status] ?? { ok: false, advice: 'unknown state' };
      if (!state.ok) return fail(`${release} ${what} is ${rev.status} (${state.advice})${rev.description ? `: ${rev.description}` : ''}`);
      return pass(`${release} ${what}, deployed ${ago(rev.updated)}`);
    },
  },
];
