// The values deploy applies: --values files read as maps (exit 2 naming a bad one) and
// merged the way Helm merges user values.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ExitCode, ToolkitError } from './errors.ts';

/** A --values file as a map; exit 2 naming it when it is not YAML or not a map (Helm would refuse it too). */
export function readValuesFile(f: { given: string; file: string }): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(f.file, 'utf8')) ?? {};
  } catch (error) {
    throw new ToolkitError(
      `--values ${f.given}: not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      ExitCode.usage,
      'fix the YAML at the line named',
      'VALUES_INVALID',
    );
  }
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ToolkitError(
      `--values ${f.given}: the top level must be a map of keys (it is a ${Array.isArray(doc) ? 'list' : typeof doc})`,
      ExitCode.usage,
      'a values file looks like `frontend:\n  replicaCount: 2`',
      'VALUES_INVALID',
    );
  return doc as Record<string, unknown>;
}

/** Helm's merge of user values (pkg/cli/values mergeMaps): maps merge, anything else is replaced. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[key] = isMap(prev) && isMap(value) ? mergeValues(prev, value) : value;
  }
  return out;
}
