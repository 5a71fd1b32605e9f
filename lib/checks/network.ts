// network: every Service has ready endpoints, the NodePorts are the configured
// ones and no other Service holds them, and the URLs a user uses answer.
import type { Config } from '../config.ts';
import type { KubeObject } from '../kubectl.ts';
import { request } from '../http.ts';
import { allServices, component, endpointSlices, list, ofKind } from './readers.ts';
import { fail, pass, warn, type Check } from './types.ts';

/** Which configuration key sets which component's NodePort. */
export const NODEPORTS: readonly { component: string; key: string; field: keyof Pick<Config, 'frontendNodePort' | 'backendNodePort'> }[] = [
  { component: 'frontend', key: 'FRONTEND_NODEPORT', field: 'frontendNodePort' },
  { component: 'backend', key: 'BACKEND_NODEPORT', field: 'backendNodePort' },
];

const ref = (s: KubeObject) => `${s.metadata.namespace}/${s.metadata.name}`;
const nodePortsOf = (s: KubeObject): number[] =>
  (s.spec?.ports ?? []).map((p: { nodePort?: number }) => p.nodePort).filter((p: number | undefined): p is number => Boolean(p));

export const NETWORK_CHECKS: readonly Check[] = [
  {
    id: 'network.endpoints',
    group: 'network',
    title: 'Services have ready endpoints',
    dependsOn: ['cluster.namespace'],
    hint: 'a Service without ready endpoints has no Ready pod behind it (see workloads.pods-ready) or a selector that matches no pod',
    async run(ctx) {
      const services = (await ofKind(ctx, 'Service')).filter((s) => s.spec?.selector);
      if (!services.length) return fail(`release ${ctx.target.release} has no Services in namespace ${ctx.target.namespace}`);
      const slices = await endpointSlices(ctx);
      const rows = services.map((svc) => {
        const mine = slices.filter((e) => e.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name);
        const endpoints = mine.flatMap((e) => (e.endpoints ?? []) as { conditions?: { ready?: boolean } }[]);
        // EndpointSlice: a nil ready condition means ready (discovery/v1 types.go).
        const ready = endpoints.filter((e) => e.conditions?.ready !== false).length;
        return { svc, ready, total: endpoints.length };
      });
      const empty = rows.filter((r) => r.ready === 0);
      if (empty.length)
        return fail(empty.map((r) => `${r.svc.metadata.name} has no ready endpoint${r.total ? ` (${r.total} not ready)` : ''}`).join('; '));
      return pass(rows.map((r) => `${component(r.svc)} ${r.ready}`).join(', ') + ' ready');
    },
  },
  {
    id: 'network.nodeports',
    group: 'network',
    title: 'NodePorts as configured, held by no other Service',
    dependsOn: ['cluster.namespace'],
    hint: (t) =>
      `set FRONTEND_NODEPORT / BACKEND_NODEPORT to free ports (30000-32767) and redeploy, or delete the other Service; \`kubectl --context ${t.context} get svc -A\` lists who holds which port`,
    async run(ctx) {
      const mine = await ofKind(ctx, 'Service');
      const others = (await allServices(ctx)).filter(
        (s) => !mine.some((m) => (m.metadata.uid ? m.metadata.uid === s.metadata.uid : ref(m) === ref(s))),
      );
      const problems: string[] = [];
      const seen: string[] = [];
      for (const want of NODEPORTS) {
        const svc = mine.find((s) => component(s) === want.component);
        if (!svc) continue;
        const port = ctx.config[want.field];
        const type = svc.spec?.type ?? 'ClusterIP';
        if (type !== 'NodePort' && type !== 'LoadBalancer') {
          seen.push(`${want.component} is ${type} (no NodePort)`);
          continue;
        }
        const actual = nodePortsOf(svc);
        if (port === null) {
          // auto: whatever the cluster assigned, as long as it assigned one.
          if (actual.length) seen.push(`${want.component} ${actual.join(', ')} (assigned)`);
          else problems.push(`${svc.metadata.name} has no NodePort, ${want.key}=auto`);
          continue;
        }
        const holders = others.filter((s) => nodePortsOf(s).includes(port));
        if (holders.length)
          problems.push(
            `${want.key}=${port} is held by Service ${list(holders.map(ref))}${actual.length ? `; ${svc.metadata.name} got ${actual.join(', ')}` : ''}`,
          );
        else if (!actual.includes(port))
          problems.push(`${svc.metadata.name} has NodePort ${actual.join(', ') || 'none'}, ${want.key} says ${port}`);
        else seen.push(`${want.component} ${port}`);
      }
      if (problems.length) return fail(problems.join('; '));
      if (!seen.length) return warn('the release has no frontend or backend Service');
      return pass(seen.join(', '));
    },
  },
  {
    id: 'network.urls',
    group: 'network',
    title: 'the URLs answer',
    dependsOn: ['network.endpoints'],
    hint: 'on minikube, `minikube ip` must be reachable from this machine (docker driver on macOS: use `minikube service` or port-forward); otherwise check that kubectl port-forward works',
    async run(ctx) {
      const access = await ctx.access();
      const probes = [
        { name: 'frontend', url: `${access.urls.frontend}/api/health` },
        { name: 'backend', url: `${access.urls.backend}/health` },
      ];
      const answers = await Promise.all(probes.map(async (p) => ({ ...p, status: (await request('GET', p.url, ctx.http)).status })));
      const bad = answers.filter((a) => a.status >= 500);
      if (bad.length) return fail(bad.map((a) => `${a.url} → ${a.status}`).join('; '));
      return pass(`via ${access.via}: frontend ${access.urls.frontend}, backend ${access.urls.backend}`);
    },
  },
];
