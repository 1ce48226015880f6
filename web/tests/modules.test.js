// The PWA's modules as the hub serves them: every static import resolves to a file of web/ spelled as the hub
// rewrites it (an absolute '/lib/x.js' or, inside one directory, './x.js'), no import cycle (the hub hashes a module
// after the ones it names), and no module over 400 lines (the tests' own scripts included).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIPPED = new Set(['tests', 'node_modules', 'icons']);

/** The served modules (tests and icons aside), or with `tests` every script of web/, tests included. */
function modules(directory = WEB, { tests = false } = {}) {
  const found = [];
  for (const name of readdirSync(directory)) {
    if (name.startsWith('.') || name === 'node_modules' || (!tests && SKIPPED.has(name))) continue;
    const path = join(directory, name);
    if (statSync(path).isDirectory()) found.push(...modules(path, { tests }));
    else if (name.endsWith('.js') || (tests && name.endsWith('.mjs'))) found.push(relative(WEB, path));
  }
  return found.sort();
}

/** The web/-relative files a module imports, statically or by import() with a literal. */
function importsOf(source) {
  const text = readFileSync(join(WEB, source), 'utf8');
  const specifiers = [...text.matchAll(/(?:^import\b[^;'"]*?\bfrom\s*|^import\s*|^export\b[^;'"]*?\bfrom\s*|\bimport\(\s*)['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  return specifiers.map((specifier) => {
    if (specifier.startsWith('/')) return { specifier, target: specifier.slice(1) };
    const base = dirname(source);
    assert.ok(specifier.startsWith('./'), `${source}: '${specifier}' must be absolute or ./ (the hub rewrites only those)`);
    return { specifier, target: base === '.' ? specifier.slice(2) : join(base, specifier.slice(2)) };
  });
}

test('every import resolves to a file of web/', () => {
  for (const source of modules()) {
    for (const { specifier, target } of importsOf(source)) assert.ok(existsSync(join(WEB, target)), `${source} imports ${specifier}: no such file`);
  }
});

test('no static import cycle', () => {
  const graph = new Map(modules().map((source) => [source, importsOf(source).map((i) => i.target)]));
  const state = new Map();
  const visit = (node, trail) => {
    if (state.get(node) === 'done') return;
    assert.notEqual(state.get(node), 'open', `import cycle: ${[...trail, node].join(' → ')}`);
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
});

test('no module over 400 lines, tests included', () => {
  for (const source of modules(WEB, { tests: true })) {
    const lines = readFileSync(join(WEB, source), 'utf8').split('\n').length - 1;
    assert.ok(lines <= 400, `${source}: ${lines} lines`);
  }
});
