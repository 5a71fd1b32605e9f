// The app folders' source files, listed once and read once per analysis. Folders that hold
// installed packages, build output or tests are skipped: what they read is not what the app reads.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SKIPPED_DIRS = new Set([
  'node_modules',
  '.next',
  '.git',
  '.venv',
  'venv',
  'env',
  '.env',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
  '.tox',
  'dist',
  'build',
  'out',
  'coverage',
  'test',
  'tests',
  'e2e',
  '__tests__',
  '.turbo',
  '.vercel',
  'site-packages',
]);
/** A user's folder may be big (a checked-in virtualenv under another name): stop listing here rather than stall doctor. */
const MAX_FILES = 5000;

export interface SourceTree {
  dir: string;
  /** Paths relative to `dir`, with `/` separators. */
  files: string[];
  truncated: boolean;
  read(rel: string): string | undefined;
  exists(rel: string): boolean;
}

export function sourceTree(dir: string, extensions: readonly string[]): SourceTree {
  const files: string[] = [];
  let truncated = false;
  const walk = (rel: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(child);
      } else if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext))) {
        if (files.length >= MAX_FILES) {
          truncated = true;
          return;
        }
        files.push(child);
      }
    }
  };
  if (isDirectory(dir)) walk('');
  const cache = new Map<string, string | undefined>();
  return {
    dir,
    files,
    truncated,
    read(rel) {
      if (!cache.has(rel)) cache.set(rel, readText(path.join(dir, rel)));
      return cache.get(rel);
    },
    exists: (rel) => existsSync(path.join(dir, rel)),
  };
}

export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
