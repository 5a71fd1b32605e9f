// JavaScript/TypeScript sources read with the TypeScript compiler's own parser (syntax only, no
// type checking, no program): comments and strings are what they are, never mistaken for code.
import ts from 'typescript';

export function parseSource(fileName: string, text: string): ts.SourceFile {
  const kind = /\.tsx$/.test(fileName)
    ? ts.ScriptKind.TSX
    : /\.(jsx)$/.test(fileName)
      ? ts.ScriptKind.JSX
      : /\.ts$|\.mts$|\.cts$/.test(fileName)
        ? ts.ScriptKind.TS
        : ts.ScriptKind.JS;
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
}

export function lineOf(sf: ts.SourceFile, node: ts.Node): number {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

export interface JsEnvRead {
  name: string;
  line: number;
  /** `process.env.X ?? 'd'` / `|| 'd'`, or a destructuring default. */
  hasDefault: boolean;
  /** `||` (not `??`): an empty value also falls back. */
  orFallback: boolean;
  node: ts.Node;
}

function isProcessEnv(node: ts.Node): boolean {
  return (
    ts.isPropertyAccessExpression(node) &&
    node.name.text === 'env' &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'process'
  );
}

/** `process.env.X`, `process.env['X']` and `const { X = 'd' } = process.env` under `root`. */
export function processEnvReads(sf: ts.SourceFile, root: ts.Node = sf): JsEnvRead[] {
  const reads: JsEnvRead[] = [];
  const visit = (node: ts.Node) => {
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
export function identifiersUsed(root: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(root);
  return names;
}

/** Module-level `const NAME = <expr>` declarations, by name. */
export function topLevelConstants(sf: ts.SourceFile): Map<string, ts.VariableDeclaration> {
  const out = new Map<string, ts.VariableDeclaration>();
  for (const statement of sf.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) out.set(d.name.text, d);
  }
  return out;
}

/** The text of a string literal or of a template's literal parts (placeholders kept as `${…}`). */
export function literalText(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((s) => `\${…}${s.literal.text}`).join('');
  return undefined;
}
