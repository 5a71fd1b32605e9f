// The backend's declared dependencies: requirements.txt, else pyproject.toml's PEP 621
// `[project] dependencies`. Lock files (uv.lock, poetry.lock, Pipfile.lock) are not read: the image
// installs from requirements.txt or the PEP 621 list, so those are what must name fastapi and uvicorn.

export type RequirementsKind = 'requirements.txt' | 'pyproject.toml';

export interface DeclaredDeps {
  kind: RequirementsKind;
  path: string;
  /** Normalised distribution names (PEP 503: lower case, runs of -_. as -), with their extras. */
  packages: Array<{ name: string; extras: string[] }>;
  /** pyproject.toml with Poetry's own table but no PEP 621 list. */
  poetryOnly?: boolean;
}

const REQUIREMENT = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?/;

export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function parseRequirement(spec: string): { name: string; extras: string[] } | undefined {
  const m = REQUIREMENT.exec(spec.trim());
  if (!m) return undefined;
  return {
    name: normaliseName(m[1]!),
    extras: (m[2] ?? '')
      .split(',')
      .map((e) => normaliseName(e.trim()))
      .filter(Boolean),
  };
}

/** requirements.txt lines: `name[extras] op version ; marker  # comment`; options (-r, -e, --hash…) and URLs skipped. */
export function parseRequirementsTxt(text: string): DeclaredDeps['packages'] {
  return text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line && !line.startsWith('-') && !/^\w+:\/\//.test(line))
    .flatMap((line) => parseRequirement(line) ?? []);
}

/**
 * The `dependencies` array of the `[project]` table. A small reader of the one TOML shape PEP 621
 * uses here (an array of strings, possibly over several lines), not a TOML parser.
 */
export function parsePyprojectDeps(text: string): { packages: DeclaredDeps['packages']; hasProjectDeps: boolean; poetry: boolean } {
  const lines = text.split('\n');
  let table = '';
  let collecting = false;
  let buffer = '';
  let hasProjectDeps = false;
  let poetry = false;
  for (const raw of lines) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (collecting) {
      buffer += ` ${line}`;
      if (closes(buffer)) collecting = false;
      continue;
    }
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      table = header[1]!.trim();
      if (table === 'tool.poetry.dependencies') poetry = true;
      continue;
    }
    if (table === 'project' && /^dependencies\s*=/.test(line)) {
      hasProjectDeps = true;
      buffer = line.replace(/^dependencies\s*=\s*/, '');
      collecting = !closes(buffer);
    }
  }
  const packages = [...buffer.matchAll(/"((?:\\.|[^"\\])*)"|'([^']*)'/g)].flatMap((m) => parseRequirement(m[1] ?? m[2] ?? '') ?? []);
  return { packages, hasProjectDeps, poetry };
}

function closes(buffer: string): boolean {
  const withoutStrings = buffer.replace(/"(?:\\.|[^"\\])*"|'[^']*'/g, '');
  return withoutStrings.includes(']');
}

export function hasPackage(deps: DeclaredDeps, name: string, viaExtra?: { of: string; extra: string }): boolean {
  return deps.packages.some((p) => p.name === name || (viaExtra && p.name === viaExtra.of && p.extras.includes(viaExtra.extra)));
}
