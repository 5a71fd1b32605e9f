// What the parser found in a JS/TS file, kept by the file's content between runs: deploy,
// build-images and dev analyse the app every time, and an unchanged file is then not parsed again
// (nor the parser loaded). The key is a hash of the file's name and text and of PARSE_FORMAT, so an
// edit, a rename or a new parser version is a miss; the hash is salted per store (a source file may hold
// a secret, and no secret goes into an unsalted hash). The store lives with the other tool caches in
// node_modules/.cache; it is only an optimisation: unreadable or unwritable, everything is parsed.
import { createHash, randomBytes } from 'node:crypto';
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

interface Store {
  salt: string;
  entries: Map<string, unknown>;
}
let loaded: Store | undefined;

function load(): Store {
  if (loaded) return loaded;
  try {
    const stored = JSON.parse(readFileSync(CACHE_FILE, 'utf8')) as { format?: number; salt?: string; entries?: [string, unknown][] };
    if (stored.format === PARSE_FORMAT && typeof stored.salt === 'string' && Array.isArray(stored.entries))
      loaded = { salt: stored.salt, entries: new Map(stored.entries) };
  } catch {
    // none yet, or unreadable: a new store
  }
  loaded ??= { salt: randomBytes(16).toString('hex'), entries: new Map() };
  return loaded;
}

function save(store: Store): void {
  try {
    mkdirSync(path.dirname(CACHE_FILE), { recursive: true });
    const kept = [...store.entries].slice(-MAX_ENTRIES);
    // Written aside, then renamed: a concurrent run reads the old store or the new one, never half of one.
    const temp = `${CACHE_FILE}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ format: PARSE_FORMAT, salt: store.salt, entries: kept }), { mode: 0o600 });
    renameSync(temp, CACHE_FILE);
  } catch {
    // a read-only checkout: parse each time
  }
}

/** `parse()`'s result for this file's text, from the store when the same text was parsed before. */
export function cachedParse<T>(kind: string, fileName: string, text: string, parse: () => T): T {
  const store = load();
  const key = createHash('sha256')
    .update(JSON.stringify([store.salt, kind, fileName, text]))
    .digest('hex');
  if (store.entries.has(key)) return structuredClone(store.entries.get(key)) as T;
  const value = parse();
  store.entries.set(key, value);
  save(store);
  return structuredClone(value);
}
