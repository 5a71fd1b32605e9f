// Docker's .dockerignore rules: which files of a build context the engine receives.
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface IgnoreRule {
  pattern: string;
  negate: boolean;
  regex: RegExp;
}

/** Docker's .dockerignore syntax: Go filepath.Match patterns plus `**`, `!` exceptions, last match wins. */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    let pattern = path.posix.normalize(line).replace(/\/+$/, '');
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    if (!pattern || pattern === '.') continue;
    rules.push({ pattern, negate, regex: patternToRegex(pattern) });
  }
  return rules;
}

function patternToRegex(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        out += i + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) out += escapeRegex(pattern[++i]!);
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += escapeRegex(ch);
  }
  return new RegExp(`${out}$`);
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/** Whether Docker leaves `rel` (slash-separated, relative to the context) out of the context. */
export function isIgnored(rules: readonly IgnoreRule[], rel: string): boolean {
  const parents: string[] = [];
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join('/'));
  let ignored = false;
  for (const rule of rules) {
    const match = rule.regex.test(rel) || parents.some((p) => rule.regex.test(p));
    if (match) ignored = !rule.negate;
  }
  return ignored;
}

/** The ignore file BuildKit uses: <Dockerfile>.dockerignore beside the Dockerfile, else the context's .dockerignore. */
export function ignoreFileFor(dockerfile: string, contextDir: string): string | undefined {
  return [`${dockerfile}.dockerignore`, path.join(contextDir, '.dockerignore')].find((f) => existsSync(f));
}
