// The digest of a build context: exactly the files the ignore rules keep, so the
// same inputs give the same image tag.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { isIgnored, type IgnoreRule } from './dockerignore.ts';

export interface ContextDigest {
  digest: string;
  /** The kept files, relative, sorted. */
  files: string[];
}

/** Hashes every entry the ignore rules keep: path, kind, executable bit and content (symlinks: their target). */
export function hashContext(dir: string, rules: readonly IgnoreRule[]): ContextDigest {
  const hash = createHash('sha256');
  const files: string[] = [];
  const canPrune = !rules.some((r) => r.negate);
  const walk = (relDir: string) => {
    const entries = readdirSync(path.join(dir, relDir), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const full = path.join(dir, rel);
      const ignored = isIgnored(rules, rel);
      if (entry.isDirectory()) {
        if (ignored && canPrune) continue;
        if (!ignored) hash.update(`d ${rel}\n`);
        walk(rel);
      } else if (!ignored) {
        if (entry.isSymbolicLink()) hash.update(`l ${rel} ${readlinkSync(full)}\n`);
        else if (entry.isFile()) {
          const mode = lstatSync(full).mode & 0o111 ? 'x' : '-';
          hash.update(`f ${rel} ${mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}\n`);
          files.push(rel);
        }
      }
    }
  };
  walk('');
  return { digest: hash.digest('hex'), files };
}
