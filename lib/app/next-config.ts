// next.config.{js,mjs,ts,cjs,mts} read with the TypeScript parser: `output: 'standalone'`, basePath,
// and the environment variables rewrites()/redirects()/headers() read. Next.js evaluates those
// functions during `next build` and bakes their result into the routes manifest, so a value read
// there must be passed at build time; the in-cluster Service URL is known then.
import type * as TS from 'typescript';
import { cachedParse } from './parse-cache.ts';
import { ts } from './typescript-lazy.ts';
import { identifiersUsed, lineOf, literalText, parseSource, processEnvReads, topLevelConstants } from './js-source.ts';

export const NEXT_CONFIG_FILES = ['next.config.ts', 'next.config.mjs', 'next.config.js', 'next.config.cjs', 'next.config.mts'] as const;
const BUILD_TIME_FUNCTIONS = new Set(['rewrites', 'redirects', 'headers']);

export interface NextConfigFacts {
  /** Line of a plain `output: 'standalone'` (a commented-out one is no node, so it never counts). */
  standaloneLine?: number;
  basePath?: string;
  /** Env reads inside rewrites()/redirects()/headers(), directly or through a module-level constant. */
  buildTimeReads: Array<{ name: string; line: number; in: string }>;
  /** rewrites() entries whose destination starts with an env-read URL: the path the browser calls. */
  proxies: Array<{ source: string; destinationPath: string; name: string }>;
}

function propertyName(node: TS.Node): string | undefined {
  if (
    (ts.isPropertyAssignment(node) || ts.isMethodDeclaration(node) || ts.isShorthandPropertyAssignment(node)) &&
    (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))
  )
    return node.name.text;
  return undefined;
}

/** readNextConfig, parsed once per content (lib/app/parse-cache.ts). */
export function nextConfigFacts(fileName: string, text: string): NextConfigFacts {
  return cachedParse('next-config', fileName, text, () => readNextConfig(fileName, text));
}

export function readNextConfig(fileName: string, text: string): NextConfigFacts {
  const sf = parseSource(fileName, text);
  const facts: NextConfigFacts = { buildTimeReads: [], proxies: [] };
  const constants = topLevelConstants(sf);
  const functions = new Map<string, TS.Node>();
  for (const s of sf.statements) if (ts.isFunctionDeclaration(s) && s.name) functions.set(s.name.text, s);
  const buildTimeBodies: Array<{ name: string; body: TS.Node }> = [];

  const visit = (node: TS.Node) => {
    const name = propertyName(node);
    if (name === 'output' && ts.isPropertyAssignment(node) && literalText(node.initializer) === 'standalone')
      facts.standaloneLine ??= lineOf(sf, node);
    if (name === 'basePath' && ts.isPropertyAssignment(node)) facts.basePath ??= literalText(node.initializer);
    // nextConfig.output = 'standalone'
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.name.text === 'output' &&
      literalText(node.right) === 'standalone'
    )
      facts.standaloneLine ??= lineOf(sf, node);
    if (name && BUILD_TIME_FUNCTIONS.has(name)) {
      const body = ts.isShorthandPropertyAssignment(node)
        ? (functions.get(name) ?? constants.get(name))
        : ts.isPropertyAssignment(node) && ts.isIdentifier(node.initializer)
          ? (functions.get(node.initializer.text) ?? constants.get(node.initializer.text))
          : node;
      if (body) buildTimeBodies.push({ name, body });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);

  for (const { name, body } of buildTimeBodies) {
    // Module-level constants the function uses: `const API = process.env.BACKEND_URL ?? '…'` above the config.
    const viaConstant = new Map<string, string>();
    for (const id of identifiersUsed(body)) {
      const decl = constants.get(id);
      if (!decl || (decl.pos >= body.pos && decl.end <= body.end)) continue;
      for (const read of processEnvReads(sf, decl)) {
        facts.buildTimeReads.push({ name: read.name, line: read.line, in: `${name}()` });
        viaConstant.set(id, read.name);
      }
    }
    for (const read of processEnvReads(sf, body)) facts.buildTimeReads.push({ name: read.name, line: read.line, in: `${name}()` });
    if (name === 'rewrites') facts.proxies.push(...proxiesIn(sf, body, viaConstant));
  }
  facts.buildTimeReads = facts.buildTimeReads.filter((r, i, all) => all.findIndex((o) => o.name === r.name) === i);
  return facts;
}

/** `{ source: '/api/:path*', destination: `${process.env.BACKEND_URL}/api/:path*` }` → source + the path after the URL. */
function proxiesIn(sf: TS.SourceFile, body: TS.Node, viaConstant: Map<string, string>): NextConfigFacts['proxies'] {
  const out: NextConfigFacts['proxies'] = [];
  const visit = (node: TS.Node) => {
    if (ts.isObjectLiteralExpression(node)) {
      const prop = (key: string) =>
        node.properties.find((p): p is TS.PropertyAssignment => ts.isPropertyAssignment(p) && propertyName(p) === key)?.initializer;
      const source = literalText(prop('source'));
      const destination = prop('destination');
      if (source !== undefined && destination && ts.isTemplateExpression(destination)) {
        const first = destination.templateSpans[0];
        const expression = first?.expression;
        const envName =
          expression &&
          (processEnvReads(sf, expression)[0]?.name ?? (ts.isIdentifier(expression) ? viaConstant.get(expression.text) : undefined));
        if (first && envName && destination.head.text === '')
          out.push({
            source,
            destinationPath:
              first.literal.text +
              destination.templateSpans
                .slice(1)
                .map((s) => `\${…}${s.literal.text}`)
                .join(''),
            name: envName,
          });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return out;
}

/** The fixed leading path of a Next.js route pattern: `/api/:path*` → `/api`. */
export function fixedPrefix(pattern: string): string {
  return pattern.split(/[:(*]/)[0]!.replace(/\/+$/, '');
}
