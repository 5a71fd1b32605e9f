// The frontend's package.json and lockfile: which package manager installs it reproducibly.
// yarn: classic (v1) lockfiles only; a Berry (v2+) lockfile (it starts with `__metadata:`) needs
// Corepack to fetch Yarn itself during the build, which offline and mirror-only builds cannot do.
import path from 'node:path';
import { readText } from './files.ts';

export type PackageManager = 'npm' | 'pnpm' | 'yarn';

/** In order of precedence when a folder has more than one. */
export const LOCKFILES: ReadonlyArray<{ file: string; manager: PackageManager }> = [
  { file: 'package-lock.json', manager: 'npm' },
  { file: 'npm-shrinkwrap.json', manager: 'npm' },
  { file: 'pnpm-lock.yaml', manager: 'pnpm' },
  { file: 'yarn.lock', manager: 'yarn' },
];

export interface NodePackageFacts {
  packageJson?: { name?: string; dependencies: Record<string, string>; scripts: Record<string, string>; packageManager?: string };
  /** package.json exists but is not JSON. */
  packageJsonError?: string;
  lockfile?: { file: string; manager: PackageManager };
  /** Other lockfiles present besides the one chosen. */
  otherLockfiles: string[];
  yarnBerry: boolean;
}

export function readNodePackage(dir: string): NodePackageFacts {
  const facts: NodePackageFacts = { otherLockfiles: [], yarnBerry: false };
  const text = readText(path.join(dir, 'package.json'));
  if (text !== undefined) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      facts.packageJson = {
        name: typeof json.name === 'string' ? json.name : undefined,
        dependencies: { ...(json.devDependencies as Record<string, string>), ...(json.dependencies as Record<string, string>) },
        scripts: (json.scripts as Record<string, string>) ?? {},
        packageManager: typeof json.packageManager === 'string' ? json.packageManager : undefined,
      };
    } catch (error) {
      facts.packageJsonError = error instanceof Error ? error.message : String(error);
    }
  }
  const present = LOCKFILES.filter((l) => readText(path.join(dir, l.file)) !== undefined);
  // package.json's "packageManager" breaks a tie between lockfiles; otherwise the table's order.
  const declared = facts.packageJson?.packageManager?.split('@')[0];
  const chosen = present.find((l) => l.manager === declared) ?? present[0];
  if (chosen) {
    facts.lockfile = chosen;
    facts.otherLockfiles = present.filter((l) => l !== chosen).map((l) => l.file);
    if (chosen.manager === 'yarn') facts.yarnBerry = /^__metadata:/m.test(readText(path.join(dir, chosen.file)) ?? '');
  }
  return facts;
}
