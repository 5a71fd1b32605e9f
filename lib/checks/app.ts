// app: the HTTP smoke checks of lib/smoke.ts through the URLs a user uses, and
// with --disruptive a task that must survive a backend pod restart.
import { releaseSelector, type KubeList, type KubeObject } from '../kubectl.ts';
import { request, SMOKE_CHECKS, SmokeFailure, smokeUser } from '../smoke.ts';
import { sleep } from '../sleep.ts';
import { podReady as ready } from '../status/progress.ts';
import { CheckFailure, kubectlIn, pass, releasePods, type Check, type CheckContext, type CheckTarget } from './types.ts';

/** Smoke checks become app checks; those that depend on nothing need the cluster (ignored with --url). */
const SMOKE_AS_CHECKS: readonly Check[] = SMOKE_CHECKS.map((smoke) => ({
  id: `app.${smoke.id}`,
  group: 'app' as const,
  title: smoke.name,
  hint: (t: CheckTarget) => (smoke.logs ? `${smoke.hint}: \`${kubectlIn(t)} logs ${releasePods(t)},app.kubernetes.io/component=${smoke.logs} --all-containers --tail 50\`` : smoke.hint),
  dependsOn: smoke.dependsOn?.length ? smoke.dependsOn.map((id) => `app.${id}`) : ['cluster.namespace'],
  async run(ctx: CheckContext) {
    const access = await ctx.access();
    return pass(await smoke.run(access.urls, ctx.http));
  },
}));

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
