// The frontend's content tag after a local `next build` / `npm install` in the app folder:
// the files they write are build output, so the tag must not move. The files are
// simulated (what Next.js 16 and npm 10 write), since a real `next build` needs the
// app's node_modules and a minute or more.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../lib/config.ts';
import { plannedImages } from '../lib/own-app.ts';
import { tempDir } from './support/tmp.ts';
import { REPO_ROOT } from './support/tools.ts';

/** What `next build` (and `next dev`, `npm ci`, `next lint`) leave in the app folder. */
const GENERATED: Record<string, string> = {
  // Next.js 16 rewrites next-env.d.ts on every build (build and dev differ in the import).
  'next-env.d.ts':
    '/// <reference types="next" />\n/// <reference types="next/image-types/global" />\nimport "./.next/types/routes.d.ts";\n\n// NOTE: This file should not be edited\n// see https://nextjs.org/docs/app/api-reference/config/typescript for more information.\n',
  '.next/BUILD_ID': 'x1y2z3',
  '.next/standalone/server.js': 'server',
  '.next/types/routes.d.ts': 'export {}',
  'tsconfig.tsbuildinfo': '{"program":{}}',
  '.swc/plugins/v7/x': 'x',
  '.turbo/cookies/1.cookie': 'x',
  'node_modules/.package-lock.json': '{}',
  'node_modules/next/package.json': '{}',
  'npm-debug.log': 'npm ERR!',
  '.eslintcache': '[]',
  'out/index.html': '<html></html>',
};

test('a local next build (simulated: the files it and npm write) leaves the frontend content tag unchanged', () => {
  const t = tempDir('fe-generated-');
  try {
    const fe = path.join(t.dir, 'frontend');
    cpSync(path.join(REPO_ROOT, 'app/frontend'), fe, {
      recursive: true,
      filter: (f) => !/node_modules|\.next|next-env\.d\.ts/.test(path.relative(REPO_ROOT, f)),
    });
    const config = loadConfig({ env: { FRONTEND_DIR: fe }, envFile: os.devNull, root: REPO_ROOT }).config;
    const tag = () => plannedImages(config).find((p) => p.name === 'frontend')!.ref;
    const before = tag();
    for (const [file, text] of Object.entries(GENERATED)) {
      mkdirSync(path.dirname(path.join(fe, file)), { recursive: true });
      writeFileSync(path.join(fe, file), text);
    }
    assert.is(tag(), before, 'generated files do not change the tag');
    // next dev writes the other variant of next-env.d.ts.
    writeFileSync(path.join(fe, 'next-env.d.ts'), GENERATED['next-env.d.ts']!.replace('.next/types', '.next/dev/types'));
    assert.is(tag(), before);
    // The sources still count.
    writeFileSync(path.join(fe, 'app/extra.ts'), 'export const x = 1;\n');
    assert.is.not(tag(), before, 'a source file does');
  } finally {
    t.cleanup();
  }
});

test.run();
