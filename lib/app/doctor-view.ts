// `doctor` on screen: per app what the toolkit found (Dockerfile and base images, entry, ports, health
// paths, the env the code reads, build-time values), each with where it came from, then every problem
// with its fix. The analysis holds names only, never a value from .env, so nothing here can print a secret.
import path from 'node:path';
import pc from 'picocolors';
import { loadConfig } from '../config.ts';
import { ExitCode, type ExitCodeValue } from '../errors.ts';
import type { Logger } from '../log.ts';
import { redact } from '../redact.ts';
import { analyzeApps } from './analyze.ts';
import type { AnalyzeOptions } from './settings.ts';
import type { AppAnalysis, AppName, BuildTimeValue, DockerfileChoice, EnvRead, Fact } from './types.ts';

type Colors = ReturnType<typeof pc.createColors>;

const SUPPLY_TEXT: Record<EnvRead['suppliedBy'], string> = {
  toolkit: 'set by the chart/toolkit',
  APP_SECRETS: 'from .env via APP_SECRETS',
  APP_ENV: 'from .env via APP_ENV',
  dockerfile: 'set by your Dockerfile',
  'default-in-code': 'has a default in the code',
  missing: 'NOT SET',
};

function shown(file: string, root: string): string {
  const rel = path.relative(root, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function origin<T>(fact: Fact<T>, c: Colors): string {
  const text = fact.source === 'setting' ? `setting ${fact.from}` : fact.source === 'detected' ? `found: ${fact.from}` : 'default';
  return c.dim(`(${text})`);
}

function dockerfileLine(fact: Fact<DockerfileChoice>, app: AppName, root: string, c: Colors): string {
  const d = fact.value;
  const why =
    d.kind === 'user'
      ? fact.source === 'setting'
        ? `yours, from ${fact.from}`
        : `yours, found in the ${app} folder`
      : fact.source === 'setting'
        ? `ours, from ${fact.from}`
        : `ours: no Dockerfile in the ${app} folder`;
  return `${shown(d.path, root)} ${c.dim(`(${why})`)}${d.baseImages.length ? ` · base ${d.baseImages.join(', ')}` : ''}`;
}

function envLines(env: readonly EnvRead[], c: Colors): string[] {
  if (!env.length) return [`  ${'Env read'.padEnd(13)}${c.dim('none found')}`];
  const width = Math.max(...env.map((e) => e.name.length));
  return env.map((e, i) => {
    const supply = e.suppliedBy === 'missing' ? c.yellow(SUPPLY_TEXT.missing) : SUPPLY_TEXT[e.suppliedBy];
    return `  ${(i === 0 ? 'Env read' : '').padEnd(13)}${e.name.padEnd(width)}  ${(e.secretLike ? 'secret' : '').padEnd(6)}  ${supply} ${c.dim(`(${e.from})`)}`;
  });
}

function buildTimeLines(values: readonly BuildTimeValue[], c: Colors): string[] {
  return values.flatMap((b, i) => [
    `  ${(i === 0 ? 'Build-time' : '').padEnd(13)}${b.name} = ${b.value === '' ? c.dim(b.audience === 'browser' ? '"" (same origin, or set at deploy)' : '""') : b.value} ${c.dim(`(${b.audience}, ${b.from})`)}`,
    `  ${''.padEnd(13)}${c.dim(b.why)}`,
  ]);
}

export function renderDoctor(a: AppAnalysis, opts: { color?: boolean; root: string }): string {
  const c = pc.createColors(Boolean(opts.color));
  const { root } = opts;
  const row = (label: string, text: string) => `  ${label.padEnd(13)}${text}`;
  const lines: string[] = [];
  const f = a.frontend;
  lines.push(c.bold(`Frontend  ${shown(f.dir, root)}`));
  lines.push(row('Dockerfile', dockerfileLine(f.dockerfile, 'frontend', root, c)));
  lines.push(row('Port', `${f.port.value} ${origin(f.port, c)}`));
  lines.push(row('Health', `${f.healthPath.value ?? '-'} ${origin(f.healthPath, c)}`));
  lines.push(
    row('Readiness', f.readyPath.value === null ? c.dim('none: uses the health path') : `${f.readyPath.value} ${origin(f.readyPath, c)}`),
  );
  lines.push(row('Packages', `${f.packageManager.value} ${origin(f.packageManager, c)}`));
  lines.push(row('Standalone', `${f.standalone.value ? 'yes' : 'no'} ${origin(f.standalone, c)}`));
  lines.push(...envLines(f.env, c), ...buildTimeLines(f.buildTime, c));
  const b = a.backend;
  lines.push('', c.bold(`Backend   ${shown(b.dir, root)}`));
  lines.push(row('Dockerfile', dockerfileLine(b.dockerfile, 'backend', root, c)));
  lines.push(row('Entry', `${b.entry.value}${b.appDir ? ` (from ${b.appDir}/)` : ''} ${origin(b.entry, c)}`));
  lines.push(row('Port', `${b.port.value} ${origin(b.port, c)}`));
  lines.push(row('Health', `${b.healthPath.value} ${origin(b.healthPath, c)}`));
  lines.push(
    row('Readiness', b.readyPath.value === null ? c.dim('none: uses the health path') : `${b.readyPath.value} ${origin(b.readyPath, c)}`),
  );
  lines.push(row('Requirements', `${shown(b.requirements.value.path, root)} ${origin(b.requirements, c)}`));
  lines.push(...envLines(b.env, c));

  const blocking = a.problems.filter((p) => p.blocking);
  const warnings = a.problems.filter((p) => !p.blocking);
  if (a.problems.length) {
    lines.push('', c.bold('Problems'));
    for (const p of a.problems) {
      lines.push(`  ${p.blocking ? c.red('✗') : c.yellow('⚠')} ${p.app}: ${p.message} ${c.dim(`[${p.code}]`)}`);
      lines.push(`    ${c.dim('fix:')} ${p.fix}`);
    }
  }
  lines.push('');
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(
    a.deployable
      ? `${c.green('✓')} deployable${warnings.length ? ` (${plural(warnings.length, 'warning')})` : ''}`
      : `${c.red('✗')} not deployable: ${plural(blocking.length, 'problem')} to fix first${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

export interface DoctorCommandOptions {
  configFlags: Record<string, string>;
  envFile?: string;
  root: string;
  json: boolean;
  env?: NodeJS.ProcessEnv;
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  analyze?: AnalyzeOptions;
}

/** Exit 0 when deployable (warnings allowed), 2 when a blocking problem must be fixed first. */
export function doctorCommand(log: Logger, opts: DoctorCommandOptions): ExitCodeValue {
  const { config, warnings } = loadConfig({ flags: opts.configFlags, envFile: opts.envFile, root: opts.root, env: opts.env });
  for (const w of warnings) log.warn(w);
  const analysis = analyzeApps(config, opts.analyze);
  const out = opts.out ?? process.stdout;
  if (opts.json) out.write(`${redact(JSON.stringify(analysis, null, 2))}\n`);
  else out.write(redact(renderDoctor(analysis, { color: log.mode === 'pretty' && pc.isColorSupported, root: opts.root })));
  return analysis.deployable ? ExitCode.ok : ExitCode.usage;
}
