// The TypeScript compiler API, loaded on first use: `typescript` takes about 0.3 s to load, and an
// analysis whose files were all parsed before (lib/app/parse-cache.ts) parses nothing.
import { createRequire } from 'node:module';
import type * as TS from 'typescript';

const require = createRequire(import.meta.url);
let loaded: typeof TS | undefined;

/** `ts` as if imported; the package is required the first time one of its members is read. */
export const ts: typeof TS = new Proxy({} as typeof TS, {
  get: (_target, key) => (loaded ??= require('typescript') as typeof TS)[key as keyof typeof TS],
});

/** Whether the parser has been loaded in this process (tests: a cached analysis must not load it). */
export function typescriptLoaded(): boolean {
  return loaded !== undefined;
}
