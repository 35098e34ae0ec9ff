import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const REPO = path.resolve(__dirname, '../../..');
const CORE = path.join(REPO, 'src', 'core');

/** One relative import between two folders of src/core, as `engine/api.ts -> history/status`. */
interface FolderImport {
  from: string;
  to: string;
  edge: string;
}

/** Every import, re-export and dynamic import of src/core that crosses from one folder of src/core to another. */
function folderImports(): FolderImport[] {
  const found: FolderImport[] = [];
  const files = readdirSync(CORE, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const absolute = path.join(CORE, file);
    // preProcessFile is TypeScript's own import scanner: `import type`, `export … from` and `import()` included.
    const { importedFiles } = ts.preProcessFile(readFileSync(absolute, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = path.relative(CORE, path.resolve(path.dirname(absolute), fileName));
      if (target.startsWith('..')) continue;
      const from = file.split(path.sep)[0];
      const to = target.split(path.sep)[0];
      if (from === to) continue;
      found.push({ from, to, edge: `${file.split(path.sep).join('/')} -> ${target.split(path.sep).join('/')}` });
    }
  }
  return found;
}

/**
 * Imports that still break the layering, each to be removed by moving the use case up to app/ (issue 14). The
 * list only shrinks: a new breach fails the test below, and so does an entry that no longer exists (delete it).
 */
const KNOWN_BREACHES: readonly string[] = [];

/** Folders the engine must not import: it sits below them (engine → history/drift/rehearsal → … → app). */
const ABOVE_ENGINE = new Set(['drift', 'history', 'rehearsal', 'app', 'guards', 'environments', 'remote', 'runbook']);

/** The cycles of a directed graph, one path per strongly connected component of more than one folder. */
function folderCycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of edges.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return components;
}

describe('architecture of src/core', () => {
  const imports = folderImports();
  const known = new Set(KNOWN_BREACHES);

  it('sees the imports between folders, and a cycle when there is one (the checks below can fail)', () => {
    assert.ok(imports.some((i) => i.edge === 'engine/engineSession.ts -> project/prismaVersion'));
    assert.ok(
      imports.some((i) => i.edge === 'engine/index.ts -> engine/api') === false &&
        imports.some((i) => i.edge === 'engine/shadowSafety.ts -> util/pgUrl'),
      'only cross-folder imports',
    );
    const synthetic = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    assert.deepEqual(folderCycles(synthetic), [['a', 'b', 'c']]);
  });

  it('the engine imports nothing above it (no drift/, history/, rehearsal/, app/ …) beyond the known breaches', () => {
    const breaches = imports
      .filter((i) => i.from === 'engine' && ABOVE_ENGINE.has(i.to) && !known.has(i.edge))
      .map((i) => i.edge);
    assert.deepEqual(breaches, []);
  });

  it('has no folder cycle beyond the known breaches', () => {
    const edges = new Map<string, Set<string>>();
    const evidence = new Map<string, string[]>();
    for (const i of imports) {
      if (known.has(i.edge)) continue;
      if (!edges.has(i.from)) edges.set(i.from, new Set());
      edges.get(i.from)!.add(i.to);
      const key = `${i.from} -> ${i.to}`;
      evidence.set(key, [...(evidence.get(key) ?? []), i.edge]);
    }
    const cycles = folderCycles(edges).map((component) => {
      const members = new Set(component);
      const inside = [...evidence]
        .filter(([key]) => key.split(' -> ').every((f) => members.has(f)))
        .flatMap(([, files]) => files);
      return `${component.join(' ↔ ')}: ${inside.join(', ')}`;
    });
    assert.deepEqual(cycles, []);
  });

  it('lists only breaches that still exist (remove an entry once its import is gone)', () => {
    const present = new Set(imports.map((i) => i.edge));
    assert.deepEqual(
      KNOWN_BREACHES.filter((edge) => !present.has(edge)),
      [],
    );
  });
});
