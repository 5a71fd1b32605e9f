#!/usr/bin/env zx
// Can this app be deployed? Reads the app folders, changes nothing: npx zx scripts/doctor.ts --help
import { REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';

export const spec = defineScript({
  name: 'doctor',
  summary:
    'reads your frontend and backend folders and says what build and deploy will do with them (Dockerfile, entry, ports, health paths, env the code reads, build-time values) and what to fix first; no Docker, no cluster',
  json: 'print one JSON document (the analysis: names and paths, never a value from .env) on stdout instead of text',
  usage: 'npx zx scripts/doctor.ts [--frontend <dir>] [--backend <dir>] [options]',
  flags: [
    { name: 'frontend', type: 'string', placeholder: 'dir', configKey: 'FRONTEND_DIR', description: 'the Next.js app folder' },
    { name: 'backend', type: 'string', placeholder: 'dir', configKey: 'BACKEND_DIR', description: 'the FastAPI app folder' },
  ],
  examples: [
    'npm run doctor',
    'npm run doctor -- --frontend ../my-app/web --backend ../my-app/api',
    'npx zx scripts/doctor.ts --json | jq .problems',
  ],
  notes: [
    'Exit 0 when the apps can be deployed (warnings allowed), 2 when a problem must be fixed first.',
    'Each problem has a code explained in docs/troubleshooting.md.',
  ],
});

await runScript(spec, async ({ args, log }) => {
  // Loaded here, not at the top: --help and usage errors need only lib/cli.ts (the analysis loads TypeScript's parser).
  const { doctorCommand } = await import('../lib/app/doctor-view.ts');
  return doctorCommand(log, {
    configFlags: args.configFlags,
    envFile: args.flags.dotenv,
    root: REPO_ROOT,
    json: args.flags.json,
  });
});
