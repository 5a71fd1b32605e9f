// Whether a tool is installed, by a PATH lookup (what a shell's `command -v` does): no
// process starts, so a run that will change nothing can know its tools are there without
// paying for a version probe per tool. The version probes (lib/prereqs.ts) run only when
// a step needs them.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The first executable `name` on PATH, or undefined. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}
