// app: the HTTP checks of the app through the URLs a user uses (ctx.access():
// NodePort or port-forward on a cluster, the given URLs with --url or in
// build-images --test), and with --disruptive a task that must survive a backend
// pod restart. Each check cleans up what it created under a dedicated smoke user.
import { cleanupOptions, elapsed, expectStatus, getJson, joinUrl, json, request, smokeUser, tryJson, type HttpOptions } from '../http.ts';
import { releaseSelector, type KubeList, type KubeObject } from '../kubectl.ts';
import { sleep } from '../sleep.ts';
import { podReady as ready } from '../status/progress.ts';
import { ownAppChecks, type AppPaths } from '../app-checks.ts';
import { isReferenceApp } from '../images/own-app.ts';
import { CheckFailure, logsHint, pass, type Check, type CheckContext } from './types.ts';

interface Task {
  id: number;
  user_id: string;
  title: string;
  completed: boolean;
}

/** Our reference app's HTTP checks. */
const OUR_APP_CHECKS: readonly Check[] = [
  {
    id: 'app.backend-health',
    group: 'app',
    title: 'backend /health',
    hint: logsHint('the backend process is not serving: look at the backend logs', 'backend'),
    // In cluster mode nothing answers without the namespace; with --url this is not selected, so ignored.
    dependsOn: ['cluster.namespace'],
    async run(ctx) {
      const { backend } = (await ctx.access()).urls;
      const opts = ctx.http;
      const { body, answer } = await getJson<{ status?: string; version?: string }>(joinUrl(backend, '/health'), 'GET /health', opts);
      if (body.status !== 'ok') throw new CheckFailure(`GET /health answered status "${body.status}", expected "ok"`);
      return pass(`ok, version ${body.version ?? '?'} (${elapsed(answer)})`);
    },
  },
  {
    id: 'app.backend-ready',
    group: 'app',
    title: 'backend /ready (database)',
    hint: logsHint('the backend cannot reach its database: check DATABASE_URL and the database pod or file', 'backend'),
    dependsOn: ['app.backend-health'],
    async run(ctx) {
      const { backend } = (await ctx.access()).urls;
      const opts = ctx.http;
      // A 503 is the backend's own verdict, retried while it may still change; then quoted.
      const answer = await request('GET', joinUrl(backend, '/ready'), opts);
      if (answer.status === 503) {
        const body = tryJson<{ status?: string; reason?: string }>(answer.text);
        throw new CheckFailure(`GET /ready → 503 ${body?.status ?? ''}: ${body?.reason ?? answer.text.slice(0, 200)}`.replace(/ +:/, ':'));
      }
      expectStatus(answer, 200, 'GET /ready');
      const body = json<{ status?: string; reason?: string }>(answer, 'GET /ready');
      if (body.status !== 'ready') throw new CheckFailure(`GET /ready answered "${body.status}"${body.reason ? `: ${body.reason}` : ''}`);
      return pass(`ready (${elapsed(answer)})`);
    },
  },
  {
    id: 'app.frontend-health',
    group: 'app',
    title: 'frontend /api/health',
    hint: logsHint('the frontend server is not serving: look at the frontend logs', 'frontend'),
    // In cluster mode nothing answers without the namespace; with --url this is not selected, so ignored.
    dependsOn: ['cluster.namespace'],
    async run(ctx) {
      const { frontend } = (await ctx.access()).urls;
      const opts = ctx.http;
      const { body, answer } = await getJson<{ status?: string }>(joinUrl(frontend, '/api/health'), 'GET /api/health', opts);
      if (body.status !== 'ok') throw new CheckFailure(`GET /api/health answered status "${body.status}", expected "ok"`);
      return pass(`ok (${elapsed(answer)})`);
    },
  },
  {
    id: 'app.frontend-home',
    group: 'app',
    title: 'home page',
    hint: logsHint('the page does not render: look at the frontend logs for a server error', 'frontend'),
    dependsOn: ['app.frontend-health'],
    async run(ctx) {
      const { frontend } = (await ctx.access()).urls;
      const opts = ctx.http;
      const answer = await request('GET', joinUrl(frontend, '/'), { ...opts, headers: { accept: 'text/html' } });
      expectStatus(answer, 200, 'GET /');
      if (!/text\/html/.test(answer.headers.get('content-type') ?? ''))
        throw new CheckFailure(`GET / answered ${answer.headers.get('content-type')}, expected text/html`);
      if (!answer.text.includes('<title>Todo Chatbot</title>')) throw new CheckFailure('GET / has no <title>Todo Chatbot</title>');
      return pass(`HTML with <title>Todo Chatbot</title>, ${Math.round(answer.text.length / 1024)} KiB (${elapsed(answer)})`);
    },
  },
  {
    id: 'app.frontend-proxy',
    group: 'app',
    title: 'frontend → backend proxy',
    hint: logsHint('the frontend cannot reach the backend: check BACKEND_URL in the frontend and the backend Service', 'frontend'),
    // Not on backend-health: with the backend down, the proxy's 502 is the cause worth showing.
    dependsOn: ['app.frontend-health'],
    async run(ctx) {
      const { frontend } = (await ctx.access()).urls;
      const opts = ctx.http;
      const user = smokeUser();
      // The frontend names the user by the todo_user cookie and forwards to /api/<user>/tasks.
      // No retry on 502: the proxy's "Backend unavailable" is the answer to report.
      const answer = await request('GET', joinUrl(frontend, '/api/tasks'), {
        ...opts,
        retryOn: [503, 504],
        headers: { cookie: `todo_user=${user}` },
      });
      expectStatus(answer, 200, 'GET /api/tasks through the frontend');
      const body = json<unknown>(answer, 'GET /api/tasks through the frontend');
      if (!Array.isArray(body)) throw new CheckFailure('GET /api/tasks through the frontend did not answer a list');
      return pass(`backend reached, ${body.length} tasks for ${user} (${elapsed(answer)})`);
    },
  },
  {
    id: 'app.task-roundtrip',
    group: 'app',
    title: 'task create/read/complete/delete',
    hint: logsHint('the task API fails: look at the backend logs and /ready', 'backend'),
    dependsOn: ['app.backend-ready'],
    async run(ctx) {
      const { backend } = (await ctx.access()).urls;
      const opts = ctx.http;
      const user = smokeUser();
      const base = joinUrl(backend, `/api/${user}/tasks`);
      const title = `smoke test ${new Date().toISOString()}`;
      let created: Task | undefined;
      try {
        const post = await request('POST', base, { ...opts, body: { title, description: 'created by the smoke checks' } });
        expectStatus(post, 201, `POST /api/${user}/tasks`);
        created = json<Task>(post, 'POST tasks');
        if (created.title !== title || created.completed !== false)
          throw new CheckFailure(`POST tasks returned ${post.text.slice(0, 200)}`);
        const read = await getJson<Task>(`${base}/${created.id}`, `GET tasks/${created.id}`, opts);
        if (read.body.title !== title) throw new CheckFailure(`GET tasks/${created.id} returned title "${read.body.title}"`);
        const done = await request('PATCH', `${base}/${created.id}/complete`, { ...opts, body: { completed: true } });
        expectStatus(done, 200, `PATCH tasks/${created.id}/complete`);
        if (json<Task>(done, 'PATCH complete').completed !== true) throw new CheckFailure('PATCH complete did not mark the task completed');
        const del = await request('DELETE', `${base}/${created.id}`, opts);
        expectStatus(del, 204, `DELETE tasks/${created.id}`);
        const gone = await request('GET', `${base}/${created.id}`, opts);
        expectStatus(gone, 404, `GET tasks/${created.id} after DELETE`);
        const id = created.id;
        created = undefined;
        return pass(`task ${id} created, read, completed and deleted as ${user}`);
      } finally {
        // Cleanup gets its own short budget: it must run even when the caller's ran out.
        if (created) await request('DELETE', `${base}/${created.id}`, cleanupOptions(opts)).catch(() => undefined);
      }
    },
  },
  {
    id: 'app.chat-roundtrip',
    group: 'app',
    title: 'chat adds a task',
    hint: logsHint(
      'the chat agent fails: look at the backend logs (with OPENAI_API_KEY set, check the key and OPENAI_BASE_URL)',
      'backend',
    ),
    dependsOn: ['app.backend-ready'],
    async run(ctx) {
      const { backend } = (await ctx.access()).urls;
      const opts = ctx.http;
      const user = smokeUser();
      const tasksUrl = joinUrl(backend, `/api/${user}/tasks`);
      const leftovers = async (o?: HttpOptions) => (await getJson<Task[]>(tasksUrl, `GET /api/${user}/tasks`, o)).body;
      try {
        const chat = await request('POST', joinUrl(backend, `/api/${user}/chat`), { ...opts, body: { message: 'add smoke-test task' } });
        expectStatus(chat, 200, `POST /api/${user}/chat`);
        const reply = json<{ conversation_id?: number; response?: string; tool_calls?: { name: string }[] }>(chat, 'POST chat');
        if (!reply.tool_calls?.some((c) => c.name === 'add_task')) {
          throw new CheckFailure(
            `chat "add smoke-test task" called ${JSON.stringify(reply.tool_calls?.map((c) => c.name) ?? [])}, expected add_task; reply: ${String(reply.response).slice(0, 120)}`,
          );
        }
        const tasks = await leftovers(opts);
        const task = tasks.find((t) => /smoke-test/.test(t.title));
        if (!task) throw new CheckFailure(`chat reported add_task but ${user} has no task titled like "smoke-test task"`);
        const del = await request('DELETE', `${tasksUrl}/${task.id}`, opts);
        expectStatus(del, 204, `DELETE tasks/${task.id}`);
        return pass(`conversation ${reply.conversation_id}: add_task created task ${task.id} ("${task.title}"), deleted`);
      } finally {
        // Whatever happened above, leave no smoke tasks behind.
        const cleanup = cleanupOptions(opts);
        const rest = await leftovers(cleanup).catch(() => [] as Task[]);
        await Promise.all(rest.map((t) => request('DELETE', `${tasksUrl}/${t.id}`, cleanup).catch(() => undefined)));
      }
    },
  },
];

/**
 * An own app's probe paths, as its release runs them: the liveness and readiness paths of each
 * Deployment's container (what deploy set from the app analysis), read once.
 */
async function releasePaths(ctx: CheckContext): Promise<AppPaths> {
  const list = await ctx.kube.json<KubeList>(['deployments', '--selector', releaseSelector(ctx.target.release)], { signal: ctx.signal });
  const side = (component: string) => {
    const container = list.items.find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === component)?.spec?.template?.spec
      ?.containers?.[0];
    const healthPath = (container?.livenessProbe?.httpGet?.path as string | undefined) ?? '/';
    return { healthPath, readyPath: (container?.readinessProbe?.httpGet?.path as string | undefined) ?? null };
  };
  return { frontend: side('frontend'), backend: side('backend') };
}

/**
 * On a cluster running your own app (FRONTEND_DIR / BACKEND_DIR), a check of ours runs as the own-app
 * check of the same id on the paths its release probes, or says it does not apply (our task/chat API).
 * Run on their own (build-images --test, --url: no context), the caller chose the checks already.
 */
function orOwnApp(check: Check): Check {
  return {
    ...check,
    async run(ctx) {
      if (!ctx.target.context || isReferenceApp(ctx.config)) return check.run(ctx);
      const own = ownAppChecks(await ctx.once('app.release-paths', () => releasePaths(ctx))).find((c) => c.id === check.id);
      if (!own) return pass("not applicable: your own app (FRONTEND_DIR / BACKEND_DIR) has not our app's API");
      const outcome = await own.run(ctx);
      return { ...outcome, detail: `${own.title}: ${outcome.detail}` };
    },
  };
}

/** The HTTP checks of the app, as build-images --test runs them against containers and validate against the cluster. */
export const SMOKE_CHECKS: readonly Check[] = OUR_APP_CHECKS.map(orOwnApp);

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
    if (!isReferenceApp(ctx.config)) return pass("not applicable: your own app (FRONTEND_DIR / BACKEND_DIR) has not our app's task API");
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
      if (read.status !== 200)
        throw new CheckFailure(`task ${task.id} is gone after the restart: GET → ${read.status} ${read.text.slice(0, 120)}`);
      return pass(`task ${task.id} read back after ${victim} was replaced by ${fresh.metadata.name} (Ready in ${took}s)`);
    } finally {
      await request('DELETE', `${tasks(urls.backend)}/${task.id}`, { timeoutMs: 5000, retries: 2 }).catch(() => undefined);
    }
  },
};

export const APP_CHECKS: readonly Check[] = [...SMOKE_CHECKS, RESTART];
