// The standalone server serves .next/static and public/ only when they sit
// next to it; `next build` leaves them out on purpose (meant for a CDN).
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const standalone = join(root, '.next', 'standalone');

if (!existsSync(join(standalone, 'server.js'))) {
  console.error(
    `copy-standalone-assets: ${join('.next', 'standalone', 'server.js')} is missing; ` +
      'run "npm run build" (next.config.ts must keep output: "standalone").',
  );
  process.exit(1);
}
const copies = [
  [join(root, '.next', 'static'), join(standalone, '.next', 'static')],
  [join(root, 'public'), join(standalone, 'public')],
];
for (const [from, to] of copies) {
  if (existsSync(from)) cpSync(from, to, { recursive: true, force: true });
}
console.log('copy-standalone-assets: copied .next/static and public/ into .next/standalone');
