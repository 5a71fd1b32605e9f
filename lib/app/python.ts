// What a FastAPI backend's Python files say: where the app object is made, its routes, the
// environment it reads (os.getenv/os.environ and pydantic BaseSettings fields).
//
// A careful line scanner, not a Python parser: the toolkit runs on hosts without Python and Node has
// no maintained Python parser, while everything asked here sits on one logical line (a decorator, an
// assignment, a call). The scanner joins bracketed and backslash-continued lines, drops comments and
// triple-quoted strings (docstrings), and keeps ordinary string literals, so `# app = FastAPI()` or a
// docstring mentioning os.getenv("X") never counts. Dynamic code (getattr, env names built at
// run time) is out of reach of any static reader; BACKEND_APP and APP_ENV/APP_SECRETS cover it.

export interface LogicalLine {
  /** 1-based line where it starts. */
  line: number;
  indent: number;
  code: string;
}

/** Logical lines of a Python file: comments and triple-quoted strings removed, continuations joined. */
export function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let code = '';
  let depth = 0;
  let line = 1;
  let start = 1;
  let indent = 0;
  let atLineStart = true;
  const flush = () => {
    if (code.trim()) out.push({ line: start, indent, code: code.trim() });
    code = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (atLineStart) {
      let j = i;
      while (text[j] === ' ' || text[j] === '\t') j++;
      if (depth === 0 && !code) {
        indent = j - i;
        start = line;
      }
      atLineStart = false;
    }
    if (c === '#') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < text.length && !text.startsWith(quote, j)) {
        if (text[j] === '\\') j++;
        else if (text[j] === '\n') {
          line++;
          if (!triple) break; // an unclosed short string: stop at the line end
        }
        j++;
      }
      code += triple ? '""' : text.slice(i, Math.min(j + 1, text.length));
      i = j + quote.length - 1;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      i++;
      line++;
      atLineStart = false;
      code += ' ';
      continue;
    }
    if (c === '\n') {
      line++;
      atLineStart = true;
      if (depth === 0) flush();
      else code += ' ';
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    code += c;
  }
  flush();
  return out;
}

export interface PyEnvRead {
  name: string;
  line: number;
  hasDefault: boolean;
}

export interface PyRoute {
  /** The object the route hangs on (`app`, `router`). */
  owner: string;
  method: string;
  path: string;
  line: number;
}

export interface PyFileFacts {
  /** Module-level names bound to a FastAPI application (directly, or through a factory defined here). */
  apps: Array<{ attr: string; line: number }>;
  /** FastAPI(openapi_url=None): the docs route cannot stand in for a health route. */
  openapiDisabled: boolean;
  routes: PyRoute[];
  /** APIRouter objects and their prefix ('' when none). */
  routers: Record<string, string>;
  /** include_router calls: the router expression (`health.router`, `router`) and the literal prefix. */
  includes: Array<{ router: string; prefix: string }>;
  env: PyEnvRead[];
}

/** A one-line string literal: group `q` the quote, the next group its text. Used once per pattern (named group). */
const STRING = String.raw`(?:[rRbBuUfF]{0,2})(?<q>["'])((?:\\.|(?!\k<q>).)*)\k<q>`;
/** Env reads: os.getenv / os.environ.get / os.environ[...] / os.environ.setdefault (also after `from os import …`). */
const ENV_CALLS: ReadonlyArray<{ pattern: RegExp; defaultGroup?: number }> = [
  { pattern: new RegExp(String.raw`(?<![\w.])(?:os\.)?getenv\(\s*${STRING}\s*(,\s*([^,)]+))?`, 'g'), defaultGroup: 4 },
  { pattern: new RegExp(String.raw`(?<![\w.])(?:os\.)?environ\.get\(\s*${STRING}\s*(,\s*([^,)]+))?`, 'g'), defaultGroup: 4 },
  { pattern: new RegExp(String.raw`(?<![\w.])(?:os\.)?environ\.setdefault\(\s*${STRING}\s*(,\s*([^,)]+))?`, 'g'), defaultGroup: 4 },
  { pattern: new RegExp(String.raw`(?<![\w.])(?:os\.)?environ\[\s*${STRING}\s*\]`, 'g') },
];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FASTAPI_CALL = /^(\w+)\s*(?::[^=]+)?=\s*(?:fastapi\.)?FastAPI\(/;
const CALL_ASSIGN = /^(\w+)\s*(?::[^=]+)?=\s*(\w+)\(/;
const DEF = /^(?:async\s+)?def\s+(\w+)\s*\(/;
const ROUTE_DECORATOR = new RegExp(String.raw`^@(\w+)\.(get|head|api_route)\(\s*(?:path\s*=\s*)?${STRING}`);
const ADD_ROUTE = new RegExp(String.raw`^(\w+)\.add_api_route\(\s*${STRING}`);
const ROUTER = /^(\w+)\s*(?::[^=]+)?=\s*(?:fastapi\.)?APIRouter\((.*)\)\s*$/;
const INCLUDE = /\b\w+\.include_router\(\s*([\w.]+)\s*(?:,(.*))?\)/;
const PREFIX = new RegExp(String.raw`\bprefix\s*=\s*${STRING}`);

export function scanPython(text: string): PyFileFacts {
  const facts: PyFileFacts = { apps: [], openapiDisabled: false, routes: [], routers: {}, includes: [], env: [] };
  const lines = logicalLines(text);
  // Functions (any depth) whose body makes a FastAPI app: `app = create_app()` at module level is an app too.
  const factories = new Set<string>();
  const defStack: Array<{ name: string; indent: number }> = [];
  for (const l of lines) {
    while (defStack.length && defStack.at(-1)!.indent >= l.indent) defStack.pop();
    const def = DEF.exec(l.code);
    if (def) defStack.push({ name: def[1]!, indent: l.indent });
    if (/(?<![\w.])(?:fastapi\.)?FastAPI\(/.test(l.code)) {
      if (/\bopenapi_url\s*=\s*None\b/.test(l.code)) facts.openapiDisabled = true;
      const made = FASTAPI_CALL.exec(l.code);
      if (made && l.indent === 0) facts.apps.push({ attr: made[1]!, line: l.line });
      for (const d of defStack) factories.add(d.name);
    }
    const decorator = ROUTE_DECORATOR.exec(l.code);
    if (decorator) facts.routes.push({ owner: decorator[1]!, method: decorator[2]!, path: decorator[4]!, line: l.line });
    const added = ADD_ROUTE.exec(l.code);
    if (added) facts.routes.push({ owner: added[1]!, method: 'get', path: added[3]!, line: l.line });
    const router = ROUTER.exec(l.code);
    if (router) facts.routers[router[1]!] = PREFIX.exec(router[2]!)?.[2] ?? '';
    const include = INCLUDE.exec(l.code);
    if (include) facts.includes.push({ router: include[1]!, prefix: PREFIX.exec(include[2] ?? '')?.[2] ?? '' });
    for (const { pattern, defaultGroup } of ENV_CALLS) {
      for (const m of l.code.matchAll(pattern)) {
        const name = m[2]!;
        if (!ENV_NAME.test(name)) continue;
        const fallback = defaultGroup ? m[defaultGroup]?.trim() : undefined;
        facts.env.push({ name, line: l.line, hasDefault: Boolean(fallback && fallback !== 'None') });
      }
    }
  }
  for (const l of lines) {
    const call = l.indent === 0 ? CALL_ASSIGN.exec(l.code) : null;
    if (call && factories.has(call[2]!) && !facts.apps.some((a) => a.attr === call[1])) facts.apps.push({ attr: call[1]!, line: l.line });
  }
  facts.env.push(...settingsFields(lines));
  return facts;
}

const SETTINGS_CLASS = /^class\s+(\w+)\s*\(([^)]*)\)\s*:/;
const FIELD = /^(\w+)\s*:\s*([^=]+?)\s*(?:=\s*(.+))?$/;
const ENV_PREFIX = new RegExp(String.raw`\benv_prefix\s*=\s*${STRING}`);
const ALIAS = new RegExp(String.raw`\b(?:validation_alias|alias)\s*=\s*${STRING}`);

/**
 * pydantic-settings: each field of a BaseSettings class is read from the environment variable of the
 * same name (case-insensitive, so shown upper-cased), after env_prefix when it is a plain string.
 * A field without a default is required: the app fails at start-up without it.
 */
export function settingsFields(lines: readonly LogicalLine[]): PyEnvRead[] {
  const reads: PyEnvRead[] = [];
  for (let i = 0; i < lines.length; i++) {
    const cls = SETTINGS_CLASS.exec(lines[i]!.code);
    if (!cls || !/\bBaseSettings\b/.test(cls[2]!)) continue;
    const classIndent = lines[i]!.indent;
    const body: LogicalLine[] = [];
    for (let j = i + 1; j < lines.length && lines[j]!.indent > classIndent; j++) body.push(lines[j]!);
    const bodyIndent = body[0]?.indent ?? 0;
    const prefix = body.map((l) => ENV_PREFIX.exec(l.code)?.[2]).find((p) => p !== undefined) ?? '';
    for (const l of body) {
      if (l.indent !== bodyIndent) continue;
      const field = FIELD.exec(l.code);
      if (!field || field[1]!.startsWith('_') || field[1] === 'model_config' || /^ClassVar\b/.test(field[2]!)) continue;
      const value = field[3]?.trim();
      const isField = value?.startsWith('Field(');
      const hasDefault =
        value !== undefined && (!isField || /\bdefault(?:_factory)?\s*=/.test(value) || !/^Field\(\s*(?:\.\.\.|\)|\w+\s*=)/.test(value));
      const alias = isField ? ALIAS.exec(value!)?.[2] : undefined;
      reads.push({ name: alias ?? `${prefix}${field[1]}`.toUpperCase(), line: l.line, hasDefault });
    }
  }
  return reads;
}

/** `app/main.py` → `app.main`; `pkg/__init__.py` → `pkg`. */
export function moduleOf(rel: string): string {
  return rel
    .replace(/\.py$/, '')
    .replace(/\/__init__$/, '')
    .split('/')
    .join('.');
}
