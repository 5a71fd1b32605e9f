// app: the HTTP smoke checks of lib/smoke.ts through the URLs a user uses, and
// with --disruptive a task that must survive a backend pod restart.
import { ownAppChecks, type AppPaths } from '../app-checks.ts';
import { isReferenceApp } from '../images/own-app.ts';
import { releaseSelector, type KubeList, type KubeObject } from '../kube.ts';
import { request, SMOKE_CHECKS, SmokeFailure, smokeUser } from '../smoke.ts';
import { sleep } from '../sleep.ts';
import { CheckFailure, kubectlIn, pass, releasePods, type Check, type CheckContext, type CheckTarget } from './types.ts';

/**
 * An own app's probe paths, as its release runs them: the liveness and readiness paths of each
 * Deployment's container (what deploy set from the app analysis), read once.
 */
async function releasePaths(ctx: CheckContext): Promise<AppPaths> {
  const list = await ctx.kube.json<KubeList>(['deployments', '--selector', releaseSelector(ctx.target.release)], { signal: ctx.signal });
  const side = (component: string) => {
    const container = list.items.find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === component)?.spec?.template?.spec?.containers?.[0];
    const healthPath = (container?.livenessProbe?.httpGet?.path as string | undefined) ?? '/';
    return { healthPath, readyPath: (container?.readinessProbe?.httpGet?.path as string | undefined) ?? null };
  };
  return { frontend: side('frontend'), backend: side('backend') };
}

/** Smoke checks become app checks; those that depend on nothing need the cluster (ignored with --url). */
const SMOKE_AS_CHECKS: readonly Check[] = SMOKE_CHECKS.map((smoke) => ({
  id: `app.${smoke.id}`,
  group: 'app' as const,
  title: smoke.name,
  hint: (t: CheckTarget) => (smoke.logs ? `${smoke.hint}: \`${kubectlIn(t)} logs ${releasePods(t)},app.kubernetes.io/component=${smoke.logs} --all-containers --tail 50\`` : smoke.hint),
  dependsOn: smoke.dependsOn?.length ? smoke.dependsOn.map((id) => `app.${id}`) : ['cluster.namespace'],
  async run(ctx: CheckContext) {
    const access = await ctx.access();
    if (isReferenceApp(ctx.config)) return pass(await smoke.run(access.urls, ctx.http));
    // Your own app: the same check on the paths its release probes; our app's API checks do not apply.
    const own = ownAppChecks(await ctx.once('app.release-paths', () => releasePaths(ctx))).find((c) => c.id === smoke.id);
    if (!own) return pass('not applicable: your own app (FRONTEND_DIR / BACKEND_DIR) has not our app\'s API');
    return pass(`${own.name}: ${await own.run(access.urls, ctx.http)}`);
  },
}));

const ready = (p: KubeObject) => (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');

async function backendPods(ctx: CheckContext): Promise<KubeObject[]> {
  const selector = `${releaseSelector(ctx.target.release)},app.kubernetes.io/component=backend`;
  return (await ctx.kube.json<KubeList>(['pods', '--selector', selector], { signal: ctx.signal })).items;
}

const RESTART: Check = {
  id: 'app.restart-survival',
  group: 'app',
  title: 'a task survives a backend pod restart',
  disruptive: true,
  last: true,
  dependsOn: ['app.task-roundtrip'],
  hint: 'the task was lost with the pod: the database is not persistent (database.mode=sqlite needs its PVC; postgres needs its StatefulSet volume)',
  async run(ctx) {
    if (!isReferenceApp(ctx.config)) return pass('not applicable: your own app (FRONTEND_DIR / BACKEND_DIR) has not our app\'s task API');
    const access = await ctx.access();
    const user = smokeUser();
    const tasks = (base: string) => `${base.replace(/\/+$/, '')}/api/${user}/tasks`;
    const post = await request('POST', tasks(access.urls.backend), { ...ctx.http, body: { title: 'smoke restart survivor' } });
    if (post.status !== 201) throw new CheckFailure(`POST /api/${user}/tasks → ${post.status}: ${post.text.slice(0, 200)}`);
    const task = JSON.parse(post.text) as { id: number };
    let urls = access.urls;
    try {
      const before = (await backendPods(ctx)).filter((p) => !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp);
      if (!before.length) throw new CheckFailure('no backend pod to restart');
      const victim = before[0]!.metadata.name;
      const started = performance.now();
      await ctx.kube.exec(['delete', 'pod', victim, '--wait=false'], { signal: ctx.signal });
      // Ready again: a pod other than the deleted one is Ready, as many as before.
      let fresh: KubeObject | undefined;
      while (!ctx.signal.aborted) {
        const now = await backendPods(ctx);
        const readyNow = now.filter((p) => p.metadata.name !== victim && ready(p));
        fresh = readyNow.find((p) => !before.some((b) => b.metadata.uid === p.metadata.uid && b.metadata.name === p.metadata.name));
        if (fresh && readyNow.length >= before.length) break;
        fresh = undefined;
        await sleep(1000, ctx.signal);
      }
      if (!fresh) throw new CheckFailure(`no new backend pod became Ready after deleting ${victim}`);
      const took = ((performance.now() - started) / 1000).toFixed(1);
      urls = await access.reconnect();
      const read = await request('GET', `${tasks(urls.backend)}/${task.id}`, ctx.http);
      if (read.status !== 200) throw new SmokeFailure(`task ${task.id} is gone after the restart: GET → ${read.status} ${read.text.slice(0, 120)}`);
      return pass(`task ${task.id} read back after ${victim} was replaced by ${fresh.metadata.name} (Ready in ${took}s)`);
    } finally {
      await request('DELETE', `${tasks(urls.backend)}/${task.id}`, { timeoutMs: 5000, retries: 2 }).catch(() => undefined);
    }
  },
};

export const APP_CHECKS: readonly Check[] = [...SMOKE_AS_CHECKS, RESTART];
