// workloads: Deployments and StatefulSets available, pods Ready, no recent
// restarts, no OOMKilled container, and the images running are the release's.
import type { KubeObject } from '../kubectl.ts';
import { sameImage } from '../providers/shared.ts';
import { podReady, workloadProgress } from '../status/progress.ts';
import { containerStatuses as statuses, isWorkload, type Pod } from '../status/types.ts';
import { ago, component, list, releaseValues, servingPods, workloads } from './readers.ts';
import { fail, kubectlIn, pass, releasePods, warn, type Check } from './types.ts';

const kindName = (o: KubeObject) => `${o.kind === 'StatefulSet' ? 'statefulset' : 'deployment'}/${o.metadata.name}`;

/** Why a pod is not Ready, in kubelet's words (waiting reason, terminated reason, else the condition). */
function whyNotReady(pod: Pod): string {
  const reasons = statuses(pod)
    .filter((s) => !s.ready)
    .map((s) => {
      const r =
        s.state?.waiting?.reason ?? s.state?.terminated?.reason ?? (s.state?.running ? 'running, readiness probe failing' : 'not started');
      return `${s.name}: ${r}`;
    });
  return reasons.length ? reasons.join(', ') : `phase ${pod.status?.phase ?? 'unknown'}`;
}

/** The image a component runs according to the release values ({component}.image.{registry,repository,tag}). */
function valuesImage(values: Record<string, any>, name: string): string | undefined {
  const image = values[name]?.image ?? (name === 'postgresql' ? values.postgresql?.image : undefined);
  if (!image?.repository) return undefined;
  const repo = image.registry ? `${String(image.registry).replace(/\/+$/, '')}/${image.repository}` : image.repository;
  return image.digest ? `${repo}@${image.digest}` : `${repo}:${image.tag ?? 'latest'}`;
}

export const WORKLOAD_CHECKS: readonly Check[] = [
  {
    id: 'workloads.available',
    group: 'workloads',
    title: 'Deployments and StatefulSets available',
    dependsOn: ['cluster.namespace'],
    hint: (t) =>
      `\`${kubectlIn(t)} describe deployments,statefulsets ${releasePods(t)}\` and \`${kubectlIn(t)} get events --sort-by=.lastTimestamp\` show scheduling and image problems`,
    async run(ctx) {
      const all = (await workloads(ctx)).filter(isWorkload);
      if (!all.length) return fail(`no Deployment or StatefulSet of release ${ctx.target.release} in namespace ${ctx.target.namespace}`);
      const rows = all.map((w) => {
        // Rolled out by the rollout watch's rules (workloadProgress): one definition of "ready" for deploy, validate and status.
        const state = workloadProgress(w);
        return {
          w,
          want: state.desired,
          ok: state.done,
          text: `${component(w)} ${Math.min(state.ready, state.available)}/${state.desired}`,
        };
      });
      const bad = rows.filter((r) => !r.ok);
      if (bad.length) {
        return fail(
          bad
            .map((r) => {
              const stalled = (r.w.status?.conditions ?? []).find(
                (c: { type: string; reason?: string }) => c.reason === 'ProgressDeadlineExceeded',
              );
              return `${kindName(r.w)} ${r.text.split(' ')[1]} available${stalled ? ' (ProgressDeadlineExceeded)' : ''}`;
            })
            .join('; '),
        );
      }
      return pass(rows.map((r) => r.text).join(', '));
    },
  },
  {
    id: 'workloads.pods-ready',
    group: 'workloads',
    title: 'pods Ready',
    dependsOn: ['cluster.namespace'],
    hint: (t) =>
      `\`${kubectlIn(t)} describe pod <pod>\` and \`${kubectlIn(t)} logs pod/<pod> --all-containers\` (add --previous after a crash), with <pod> from the result; ImagePullBackOff means the image is not on the node: rerun deploy to load it`,
    async run(ctx) {
      const pods = await servingPods(ctx);
      if (!pods.length) return fail(`no pods of release ${ctx.target.release} in namespace ${ctx.target.namespace}`);
      const notReady = pods.filter((p) => !podReady(p));
      if (notReady.length)
        return fail(
          `${notReady.length}/${pods.length} not Ready: ${list(
            notReady.map((p) => `${p.metadata.name} (${whyNotReady(p)})`),
            3,
          )}`,
        );
      return pass(`${pods.length}/${pods.length} Ready`);
    },
  },
  {
    id: 'workloads.restarts',
    group: 'workloads',
    title: 'no recent container restarts',
    dependsOn: ['cluster.namespace'],
    hint: (t) =>
      `\`${kubectlIn(t)} logs pod/<pod> --container <container> --previous\` (names from the result) shows why the container stopped; a failing liveness probe or a crash at start are the usual causes`,
    async run(ctx) {
      const now = Date.now();
      const window = ctx.restartWindowMs;
      const minutes = `${Math.round(window / 60_000)} min`;
      const recent: string[] = [];
      const older: string[] = [];
      for (const pod of await servingPods(ctx)) {
        for (const s of statuses(pod)) {
          if (!s.restartCount) continue;
          const finished = s.lastState?.terminated?.finishedAt;
          const text = `${pod.metadata.name}/${s.name} ${s.restartCount}× (last ${s.lastState?.terminated?.reason ?? 'restart'} ${ago(finished, now)})`;
          // Without a finish time, count it as recent: it cannot be shown to be old.
          if (!finished || now - Date.parse(finished) <= window) recent.push(text);
          else older.push(text);
        }
      }
      if (recent.length) return fail(`restarted within the last ${minutes}: ${list(recent, 3)}`);
      if (older.length) return warn(`none within the last ${minutes}; earlier: ${list(older, 3)}`);
      return pass(`no restarts`);
    },
  },
  {
    id: 'workloads.oomkilled',
    group: 'workloads',
    title: 'no OOMKilled containers',
    dependsOn: ['cluster.namespace'],
    hint: 'raise the memory limit of that component (resources.limits.memory in the chart values), or find what uses the memory',
    async run(ctx) {
      const killed: string[] = [];
      for (const pod of await servingPods(ctx)) {
        for (const s of statuses(pod)) {
          const t = [s.state?.terminated, s.lastState?.terminated].find((x) => x?.reason === 'OOMKilled');
          if (t) killed.push(`${pod.metadata.name}/${s.name} (exit ${t.exitCode ?? 137}, ${ago(t.finishedAt)})`);
        }
      }
      if (killed.length) return fail(`OOMKilled: ${list(killed, 3)}`);
      return pass('none');
    },
  },
  {
    id: 'workloads.images',
    group: 'workloads',
    title: "running images are the release's",
    dependsOn: ['cluster.namespace', 'release.deployed'],
    hint: 'the pods run other images than the release names: rerun deploy (it loads the images and upgrades the release), or wait for the rollout to finish',
    async run(ctx) {
      const values = await releaseValues(ctx);
      const pods = await servingPods(ctx);
      const seen: string[] = [];
      const wrong: string[] = [];
      for (const pod of pods) {
        const want = valuesImage(values, component(pod));
        if (!want) continue;
        // The running container, as the kubelet reports it; the spec only says what was asked for.
        // A digest-pinned image is reported by containerd as its config ID in `image`, and by
        // repository digest in `imageID`: either may name what the release asked for.
        const running = statuses(pod).flatMap((s) => [s.image, s.imageID].filter((i): i is string => Boolean(i)));
        if (!running.length) continue;
        if (running.some((image) => sameImage(image, want))) seen.push(`${component(pod)} ${want}`);
        else wrong.push(`${pod.metadata.name} runs ${running.join(', ')}, the release has ${want}`);
      }
      if (wrong.length) return fail(list(wrong, 3));
      if (!seen.length) return fail('no pod runs an image the release values name ({component}.image.repository/tag)');
      return pass(list([...new Set(seen)], 4));
    },
  },
];
