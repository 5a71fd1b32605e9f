// JavaScript/TypeScript sources read with the TypeScript compiler's own parser (syntax only, no
// type checking, no program): comments and strings are what they are, never mistaken for code.
import type * as TS from 'typescript';
import { cachedParse } from './parse-cache.ts';
import { ts } from './typescript-lazy.ts';

export function parseSource(fileName: string, text: string): TS.SourceFile {
  const kind = /\.tsx$/.test(fileName)
    ? ts.ScriptKind.TSX
    : /\.(jsx)$/.test(fileName)
      ? ts.ScriptKind.JSX
      : /\.ts$|\.mts$|\.cts$/.test(fileName)
        ? ts.ScriptKind.TS
        : ts.ScriptKind.JS;
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
}

export function lineOf(sf: TS.SourceFile, node: TS.Node): number {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

export interface JsEnvRead {
  name: string;
  line: number;
  /** `process.env.X ?? 'd'` / `|| 'd'`, or a destructuring default. */
  hasDefault: boolean;
  /** `||` (not `??`): an empty value also falls back. */
  orFallback: boolean;
  node: TS.Node;
}

/** An env read as plain data (no syntax node), as the parse cache keeps it. */
export type EnvReadFact = Omit<JsEnvRead, 'node'>;

/** The env reads of one file, parsed once per content (lib/app/parse-cache.ts). */
export function envReadsOf(fileName: string, text: string): EnvReadFact[] {
  return cachedParse('env-reads', fileName, text, () =>
    processEnvReads(parseSource(fileName, text)).map(({ node: _node, ...read }) => read),
  );
}

function isProcessEnv(node: TS.Node): boolean {
  return (
    ts.isPropertyAccessExpression(node) &&
    node.name.text === 'env' &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'process'
  );
}

/** `process.env.X`, `process.env['X']` and `const { X = 'd' } = process.env` under `root`. */
export function processEnvReads(sf: TS.SourceFile, root: TS.Node = sf): JsEnvRead[] {
  const reads: JsEnvRead[] = [];
  const visit = (node: TS.Node) => {
    let name: string | undefined;
    if (ts.isPropertyAccessExpression(node) && isProcessEnv(node.expression)) name = node.name.text;
    else if (ts.isElementAccessExpression(node) && isProcessEnv(node.expression) && ts.isStringLiteralLike(node.argumentExpression))
      name = node.argumentExpression.text;
    if (name) {
      const parent = node.parent;
      const fallback = parent && ts.isBinaryExpression(parent) && parent.left === node ? parent.operatorToken.kind : undefined;
      const hasDefault = fallback === ts.SyntaxKind.QuestionQuestionToken || fallback === ts.SyntaxKind.BarBarToken;
      reads.push({ name, line: lineOf(sf, node), hasDefault, orFallback: fallback === ts.SyntaxKind.BarBarToken, node });
    }
    if (ts.isVariableDeclaration(node) && node.initializer && isProcessEnv(node.initializer) && ts.isObjectBindingPattern(node.name)) {
      for (const element of node.name.elements) {
        const key = element.propertyName ?? element.name;
        if (ts.isIdentifier(key) || ts.isStringLiteral(key))
          reads.push({
            name: key.text,
            line: lineOf(sf, element),
            hasDefault: Boolean(element.initializer),
            orFallback: false,
            node: element,
          });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(root);
  return reads;
}

/** Identifiers used under `root` (to follow a module-level `const API = process.env.X` into a function). */
export function identifiersUsed(root: TS.Node): Set<string> {
  const names = new Set<string>();
  const visit = (node: TS.Node) => {
    if (ts.isIdentifier(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(root);
  return names;
}

/** Module-level `const NAME = <expr>` declarations, by name. */
export function topLevelConstants(sf: TS.SourceFile): Map<string, TS.VariableDeclaration> {
  const out = new Map<string, TS.VariableDeclaration>();
  for (const statement of sf.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) out.set(d.name.text, d);
  }
  return out;
}

/** The text of a string literal or of a template's literal parts (placeholders kept as `${…}`). */
export function literalText(node: TS.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((s) => `\${…}${s.literal.text}`).join('');
  return undefined;
}
