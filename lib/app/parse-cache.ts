// What the parser found in a JS/TS file, kept by the file's content between runs: deploy,
// build-images and dev analyse the app every time, and an unchanged file is then not parsed again
// (nor the parser loaded). The key is a hash of the file's name and text and of PARSE_FORMAT, so an
// edit, a rename or a new parser version is a miss. The store lives with the other tool caches in
// node_modules/.cache; it is only an optimisation: unreadable or unwritable, everything is parsed.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump when what a parse returns (NextConfigFacts, the env reads) changes shape or meaning. */
const PARSE_FORMAT = 1;
/** Enough for several apps' worth of files; the oldest entries go first. */
const MAX_ENTRIES = 2000;
const CACHE_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'node_modules',
  '.cache',
  'todo-chatbot-k8s',
  'app-parse.json',
);

let entries: Map<string, unknown> | undefined;

function load(): Map<string, unknown> {
  if (entries) return entries;
  try {
    const stored = JSON.parse(readFileSync(CACHE_FILE, 'utf8')) as { format?: number; entries?: [string, unknown][] };
    entries = new Map(stored.format === PARSE_FORMAT && Array.isArray(stored.entries) ? stored.entries : []);
  } catch {
    entries = new Map();
  }
  return entries;
}

function save(store: Map<string, unknown>): void {
  try {
    mkdirSync(path.dirname(CACHE_FILE), { recursive: true });
    const kept = [...store].slice(-MAX_ENTRIES);
    // Written aside, then renamed: a concurrent run reads the old store or the new one, never half of one.
    const temp = `${CACHE_FILE}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ format: PARSE_FORMAT, entries: kept }));
    renameSync(temp, CACHE_FILE);
  } catch {
    // a read-only checkout: parse each time
  }
}

/** `parse()`'s result for this file's text, from the store when the same text was parsed before. */
export function cachedParse<T>(kind: string, fileName: string, text: string, parse: () => T): T {
  const key = createHash('sha256')
    .update(JSON.stringify([kind, fileName, text]))
    .digest('hex');
  const store = load();
  if (store.has(key)) return structuredClone(store.get(key)) as T;
  const value = parse();
  store.set(key, value);
  save(store);
  return structuredClone(value);
}
