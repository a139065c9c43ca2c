// io/ must stay a tree: a loop between its modules (as source ↔ http ↔ node-fs ↔ json-weights once was) makes
// evaluation order matter and drags the Node-only module into places it must not reach. Imports are read from
// the syntax tree, so multi-line imports, comments and strings cannot fool the check.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const IO = join(SRC, 'io');

interface Imports {
  /** `import`/`export ... from` specifiers, type-only ones included. */
  static: string[];
  /** The static specifiers that bring in values, not just types (which are erased). */
  values: string[];
  /** `import('...')` specifiers. */
  dynamic: string[];
  /** Names the module exports (declarations with `export`). */
  exports: string[];
}

function parse(path: string): Imports {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: Imports = { static: [], values: [], dynamic: [], exports: [] };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      out.static.push(node.moduleSpecifier.text);
      if (!isTypeOnly(node)) out.values.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      // A computed specifier would hide an edge from this check; io/ has none, and must not grow one.
      expect(arg !== undefined && ts.isStringLiteral(arg), `${path}: import() with a computed specifier`).toBe(true);
      out.dynamic.push((arg as ts.StringLiteral).text);
    }
    const exported = ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported && (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name !== undefined) out.exports.push(node.name.text);
    if (exported && ts.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) if (ts.isIdentifier(d.name)) out.exports.push(d.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly;
  const clause = node.importClause;
  if (clause === undefined) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

/** `./x.js` → `x.ts`; anything outside io/ (`../errors.js`, `node:fs`) is not a node of the graph. */
function ioTarget(spec: string): string | undefined {
  const m = /^\.\/([\w.-]+)\.js$/.exec(spec);
  return m === null ? undefined : `${m[1]}.ts`;
}

const modules = new Map(readdirSync(IO).filter((f) => f.endsWith('.ts')).map((f) => [f, parse(join(IO, f))]));

/** One cycle as a path `a → b → ... → a`, or undefined when the graph is acyclic. */
function findCycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const walk = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = walk(next);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...edges.keys()].sort()) {
    const cycle = walk(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

describe('io/ import graph', () => {
  it('is read from every module, and every io import names a module that exists', () => {
    expect(modules.size).toBeGreaterThan(10);
    for (const [file, { static: s, dynamic: d }] of modules) {
      for (const spec of [...s, ...d]) {
        const target = ioTarget(spec);
        if (target !== undefined) expect(modules.has(target), `${file} imports ${spec}`).toBe(true);
      }
    }
    // The parser sees what matters: the lazy door to node-fs and a type-only import.
    expect(modules.get('resolve.ts')?.dynamic).toContain('./node-fs.js');
    expect(modules.get('http.ts')?.static).toContain('./file-source.js');
  });

  it('has no cycle, counting type-only and dynamic imports', () => {
    const edges = new Map([...modules].map(([file, { static: s, dynamic: d }]) => [
      file,
      [...s, ...d].map(ioTarget).filter((t): t is string => t !== undefined),
    ]));
    expect(findCycle(edges)?.join(' → ')).toBeUndefined();
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const loop = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(findCycle(loop)).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts']);
    expect(findCycle(new Map([['a.ts', ['b.ts', 'c.ts']], ['b.ts', ['c.ts']], ['c.ts', []]]))).toBeUndefined();
  });

  it('imports node-fs only dynamically, anywhere in src/', () => {
    const staticImporters: string[] = [];
    const dynamicImporters: string[] = [];
    for (const path of tsFiles(SRC)) {
      const { static: s, dynamic: d } = parse(path);
      const name = relative(SRC, path);
      if (s.some((spec) => /(^|\/)node-fs\.js$/.test(spec))) staticImporters.push(name);
      if (d.some((spec) => /(^|\/)node-fs\.js$/.test(spec))) dynamicImporters.push(name);
    }
    expect(staticImporters).toEqual([]);
    // Folders are read through resolveSource, files written through saveJson and quantize; each loads node-fs on first use.
    expect(dynamicImporters.sort()).toEqual([join('io', 'json-weights.ts'), join('io', 'resolve.ts'), join('model', 'quantize.ts')]);
  });

  it('keeps Node built-ins in node-fs.ts, which imports only types from the rest of io/', () => {
    const builtins = new Set(builtinModules);
    for (const [file, { static: s, dynamic: d }] of modules) {
      if (file === 'node-fs.ts') continue;
      expect([...s, ...d].filter((spec) => spec.startsWith('node:') || builtins.has(spec)), file).toEqual([]);
    }
    const nodeFs = modules.get('node-fs.ts');
    expect(nodeFs?.static.filter((spec) => ioTarget(spec) !== undefined).length).toBeGreaterThan(0);
    expect(nodeFs?.values.filter((spec) => ioTarget(spec) !== undefined), 'node-fs.ts must stay a leaf of fs primitives').toEqual([]);
  });

  it('has a browser stand-in for node-fs.ts with the same exports', () => {
    const node = modules.get('node-fs.ts')?.exports.sort();
    expect(node).toEqual(expect.arrayContaining(['folderSource', 'isFolder', 'writeTextFile']));
    expect(modules.get('node-fs.browser.ts')?.exports.sort()).toEqual(node);
  });
});
