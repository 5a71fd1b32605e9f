// The dev watcher on copies of the app: an edit maps to its image, dockerfiles/ to the
// image they build, the chart to 'chart'; node_modules/, .next/, __pycache__ and editor
// swap files never trigger; a directory created later is watched too.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../lib/config.ts';
import { devRoots, isEditorTemp, watchRoots } from '../lib/dev/watch.ts';
import type { Target } from '../lib/dev/loop.ts';
import { REPO_ROOT } from './support/tools.ts';
import { tempDir } from './support/tmp.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function copyApp() {
  const tmp = tempDir('dev-watch-');
  const skip = (src: string) => !/\/(node_modules|\.next|\.venv)(\/|$)/.test(src);
  cpSync(path.join(REPO_ROOT, 'app', 'frontend'), path.join(tmp.dir, 'frontend'), { recursive: true, filter: skip });
  cpSync(path.join(REPO_ROOT, 'app', 'backend'), path.join(tmp.dir, 'backend'), { recursive: true, filter: skip });
  cpSync(path.join(REPO_ROOT, 'dockerfiles'), path.join(tmp.dir, 'dockerfiles'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'helm-chart'), path.join(tmp.dir, 'helm-chart'), { recursive: true });
  // Ignored folders that exist before the watch starts (never entered).
  mkdirSync(path.join(tmp.dir, 'frontend', 'node_modules', 'next'), { recursive: true });
  mkdirSync(path.join(tmp.dir, 'frontend', '.next', 'cache'), { recursive: true });
  mkdirSync(path.join(tmp.dir, 'backend', 'app', '__pycache__'), { recursive: true });
  const { config } = loadConfig({
    root: tmp.dir,
    env: { FRONTEND_DIR: path.join(tmp.dir, 'frontend'), BACKEND_DIR: path.join(tmp.dir, 'backend') },
    envFile: path.join(tmp.dir, 'none.env'),
  });
  return { tmp, config };
}

test('editor temporaries are recognised', () => {
  for (const f of [
    'app/.main.py.swp',
    'app/.main.py.swx',
    'app/main.py~',
    '4913',
    'app/#main.py#',
    'app/.#main.py',
    'page.tsx___jb_tmp___',
  ])
    assert.ok(isEditorTemp(f), f);
  for (const f of ['app/main.py', 'app/page.tsx', 'swap.ts', 'app/x.sw']) assert.not.ok(isEditorTemp(f), f);
});

test('edits map to their target; ignored folders, swap files and a new folder', async () => {
  const { tmp, config } = copyApp();
  const seen: [Target, string][] = [];
  const watcher = watchRoots(
    devRoots(config, { dockerfiles: path.join(tmp.dir, 'dockerfiles'), chart: path.join(tmp.dir, 'helm-chart') }),
    (t, f) => seen.push([t, path.relative(tmp.dir, f)]),
  );
  try {
    assert.ok(watcher.count > 5 && watcher.count < 200, `${watcher.count} directories watched (node_modules is never entered)`);
    const expect = async (write: () => void, want: Target[] | [], what: string) => {
      seen.length = 0;
      write();
      await sleep(250);
      assert.equal([...new Set(seen.map(([t]) => t))], want, `${what}: ${JSON.stringify(seen)}`);
    };
    const w =
      (rel: string, text = `# ${Date.now()}\n`) =>
      () =>
        writeFileSync(path.join(tmp.dir, rel), text);
    await expect(w('backend/app/main.py', '# edited\n'), ['backend'], 'a backend source');
    await expect(w('frontend/app/page.tsx', '// edited\n'), ['frontend'], 'a frontend source');
    await expect(w('dockerfiles/backend.Dockerfile', 'FROM x\n'), ['backend'], 'the backend Dockerfile');
    await expect(w('dockerfiles/frontend.Dockerfile.dockerignore', '**/node_modules\n.next\n'), ['frontend'], 'the frontend ignore file');
    await expect(w('helm-chart/todo-chatbot/values.yaml', 'x: 1\n'), ['chart'], 'the chart');
    await expect(w('frontend/node_modules/next/index.js'), [], 'node_modules');
    await expect(w('frontend/.next/cache/x.json'), [], '.next');
    await expect(w('backend/app/__pycache__/main.cpython-311.pyc'), [], '__pycache__');
    await expect(w('backend/app/.main.py.swp'), [], 'a vim swap file');
    await expect(w('backend/app/main.py~'), [], 'a backup file');
    await expect(w('backend/tests/test_x.py'), [], 'backend tests (not in the build context)');
    await expect(() => mkdirSync(path.join(tmp.dir, 'backend', 'app', 'routes2')), ['backend'], 'a new folder');
    await sleep(50);
    await expect(w('backend/app/routes2/new.py'), ['backend'], 'a file in the new folder');
  } finally {
    watcher.close();
    tmp.cleanup();
  }
});

test.run();
