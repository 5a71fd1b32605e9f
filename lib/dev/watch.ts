// Which files feed which target, and watching them. The app folders are filtered by the
// same .dockerignore rules the build context uses (a file the image never sees cannot
// need a rebuild): node_modules/, .next/, __pycache__ never trigger a cycle, nor do
// editor swap and backup files.
//
// Why not fs.watch({recursive: true}): on Linux, Node 20 implements it by adding an
// inotify watch for every directory under the root, node_modules included (tens of
// thousands for a Next.js app: past the default fs.inotify.max_user_watches of 8192,
// and seconds to set up). Here each kept directory gets its own non-recursive
// fs.watch, ignored directories are never entered, and a new directory is picked up
// when its parent reports it. Events are per directory, so an editor's save by rename
// is seen too. A poller would cost a stat of every kept file every interval instead.
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { ignoreFileFor, isIgnored, parseDockerignore, type IgnoreRule } from '../images/dockerignore.ts';
import { IMAGE_SPECS, type ImageName } from '../images/plan.ts';
import type { Target } from './loop.ts';

/** Editor temporaries: vim (.swp/.swx/.swo, 4913 probe, ~ backups), emacs (#x#, .#x lock links), JetBrains ___jb_tmp___. */
const EDITOR_TEMP = /(^|\/)(\.[^/]*\.sw[a-px]|[^/]*~|4913|#[^/]*#|\.#[^/]*|[^/]*___jb_(tmp|old)___)$/;

export function isEditorTemp(rel: string): boolean {
  return EDITOR_TEMP.test(rel);
}

export interface WatchRoot {
  dir: string;
  /** The target a changed path (relative, slash-separated) belongs to; undefined: none. */
  targetOf(rel: string): Target | undefined;
  /** Directories never entered (relative). */
  skipDir(rel: string): boolean;
}

/** An app folder: every file its build context keeps. The ignore rules are read again on every event (the file may have changed). */
function appRoot(name: ImageName, config: Config, dockerfilesDir: string): WatchRoot {
  const dir = path.resolve(IMAGE_SPECS[name].dir(config));
  const dockerfile = path.join(dockerfilesDir, IMAGE_SPECS[name].dockerfile);
  const rules = (): IgnoreRule[] => {
    const file = ignoreFileFor(dockerfile, dir);
    return file ? parseDockerignore(readFileSync(file, 'utf8')) : [];
  };
  const startRules = rules();
  const canPrune = !startRules.some((r) => r.negate);
  return {
    dir,
    targetOf: (rel) => (isEditorTemp(rel) || isIgnored(rules(), rel) ? undefined : name),
    skipDir: (rel) => canPrune && isIgnored(startRules, rel),
  };
}

/** The four places `npm run dev` watches: both app folders, dockerfiles/ and the chart. */
export function devRoots(config: Config, dirs: { dockerfiles: string; chart: string }): WatchRoot[] {
  const dockerfileTarget = Object.fromEntries(Object.entries(IMAGE_SPECS).map(([name, spec]) => [spec.dockerfile, name as ImageName]));
  return [
    appRoot('frontend', config, dirs.dockerfiles),
    appRoot('backend', config, dirs.dockerfiles),
    {
      dir: path.resolve(dirs.dockerfiles),
      // frontend.Dockerfile and frontend.Dockerfile.dockerignore → frontend.
      targetOf: (rel) => dockerfileTarget[rel.replace(/\.dockerignore$/, '')],
      skipDir: () => true,
    },
    { dir: path.resolve(dirs.chart), targetOf: (rel) => (isEditorTemp(rel) ? undefined : 'chart'), skipDir: () => false },
  ];
}

export interface Watcher {
  /** Directories watched now. */
  readonly count: number;
  close(): void;
}

/** Watches every root; calls onChange(target, path) for each relevant event (the loop debounces). */
export function watchRoots(
  roots: readonly WatchRoot[],
  onChange: (target: Target, file: string) => void,
  onError?: (error: Error) => void,
): Watcher {
  const watchers = new Map<string, FSWatcher>();
  const add = (root: WatchRoot, rel: string) => {
    const full = rel ? path.join(root.dir, rel) : root.dir;
    if (watchers.has(full)) return;
    let w: FSWatcher;
    try {
      w = watch(full, { persistent: true }, (_event, name) => {
        if (!name) return;
        const childRel = rel ? `${rel}/${name.toString()}` : name.toString();
        const childFull = path.join(root.dir, childRel);
        let isDir = false;
        try {
          isDir = statSync(childFull).isDirectory();
        } catch {
          // Deleted: its watcher (if a directory) goes below.
          const gone = watchers.get(childFull);
          gone?.close();
          watchers.delete(childFull);
        }
        if (isDir) {
          if (root.skipDir(childRel)) return;
          walk(root, childRel);
        }
        const target = root.targetOf(childRel);
        if (target) onChange(target, childFull);
      });
    } catch (error) {
      onError?.(error as Error);
      return;
    }
    w.on('error', () => {
      w.close();
      watchers.delete(full);
    });
    watchers.set(full, w);
  };
  const walk = (root: WatchRoot, rel: string) => {
    add(root, rel);
    let entries;
    try {
      entries = readdirSync(rel ? path.join(root.dir, rel) : root.dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (!root.skipDir(childRel)) walk(root, childRel);
    }
  };
  for (const root of roots) if (existsSync(root.dir)) walk(root, '');
  return {
    get count() {
      return watchers.size;
    },
    close() {
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
