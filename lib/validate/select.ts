// Which checks a run selects: --only/--skip groups, --url (the app checks only),
// --disruptive; and the check count that --help and the docs state.
import type { BaseUrls } from '../access.ts';
import { CHECKS, type Check } from '../checks/index.ts';
import { UsageError } from '../errors.ts';
import { closest } from '../suggest.ts';
import { GROUPS, type CheckGroup } from './report.ts';

export interface Selection {
  /** --url: only the app checks, against these base URLs. */
  urls?: BaseUrls;
  only?: readonly string[];
  skip?: readonly string[];
  disruptive?: boolean;
  /** Default: every check (lib/checks). */
  checks?: readonly Check[];
}

/** "23 checks, 24 with --disruptive": the words every help and doc uses, from the checks table. */
export function checkCount(checks: readonly Check[] = CHECKS): string {
  const always = checks.filter((c) => !c.disruptive).length;
  return always === checks.length ? `${always} checks` : `${always} checks, ${checks.length} with --disruptive`;
}

/** Group names from repeatable, comma-separated flags; unknown ones are a usage error naming the closest group. */
export function parseGroups(values: readonly string[] | undefined, flag: string): CheckGroup[] {
  const names = (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(GROUPS as readonly string[]).includes(n));
  if (bad.length) {
    const near = closest(bad[0]!, GROUPS);
    throw new UsageError(
      `--${flag} ${bad.join(', ')}: not a check group${near ? ` (did you mean ${near}?)` : ''}`,
      `groups: ${GROUPS.join(', ')}`,
    );
  }
  return names as CheckGroup[];
}

/** `frontend=http://…,backend=http://…` → base URLs; both are required. */
export function parseUrlFlag(value: string): BaseUrls {
  const urls: Partial<BaseUrls> = {};
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    if (eq < 0 || (name !== 'frontend' && name !== 'backend'))
      throw new UsageError(
        `--url ${part}: expected frontend=<url> or backend=<url>`,
        'example: --url frontend=http://127.0.0.1:3000,backend=http://127.0.0.1:8000',
      );
    try {
      if (!/^https?:$/.test(new URL(url).protocol)) throw new Error('not http');
    } catch {
      throw new UsageError(
        `--url ${name}=${url}: not an http(s) URL`,
        'example: --url frontend=http://127.0.0.1:3000,backend=http://127.0.0.1:8000',
      );
    }
    urls[name] = url.replace(/\/+$/, '');
  }
  const missing = (['frontend', 'backend'] as const).filter((n) => !urls[n]);
  if (missing.length)
    throw new UsageError(
      `--url lacks ${missing.join(' and ')}=<url>`,
      'give both: --url frontend=http://127.0.0.1:3000,backend=http://127.0.0.1:8000',
    );
  return urls as BaseUrls;
}

/** The checks a run selects, in table order. */
export function selectChecks(opts: Selection): Check[] {
  const only = parseGroups(opts.only, 'only');
  const skip = parseGroups(opts.skip, 'skip');
  if (opts.urls) {
    const other = only.filter((g) => g !== 'app');
    if (other.length)
      throw new UsageError(`--url runs only the app checks; --only ${other.join(',')} needs a cluster`, 'drop --url to check the cluster');
  }
  const groups = new Set<CheckGroup>(opts.urls ? ['app'] : only.length ? only : GROUPS);
  for (const g of skip) groups.delete(g);
  const chosen = (opts.checks ?? CHECKS).filter((c) => groups.has(c.group) && (!c.disruptive || opts.disruptive));
  if (!chosen.length) throw new UsageError('no checks left to run after --only/--skip', `groups: ${GROUPS.join(', ')}`);
  return chosen;
}
