import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

/** Every literal passed to `vscode.l10n.t(…)` (features) or `l10n.t(…)` of @vscode/l10n (core, CLI) in src/. */
function runtimeStrings(): Map<string, string> {
  const found = new Map<string, string>();
  const call = /l10n\.t\(\s*(['"])((?:\\.|(?!\1).)*)\1/g;
  for (const file of sourceFiles(path.join(REPO, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(call)) {
      const value = m[2].replace(/\\(['"\\])/g, '$1');
      if (!found.has(value)) found.set(value, path.relative(REPO, file));
    }
  }
  return found;
}

/** A template literal's text without its `${…}` parts (braces balanced), `$(icon)` names and escapes (`\n`). */
function literalText(literal: string): string {
  let out = '';
  for (let i = 0; i < literal.length; i++) {
    if (literal.startsWith('${', i)) {
      let depth = 0;
      for (; i < literal.length; i++) {
        if (literal[i] === '{') depth++;
        else if (literal[i] === '}' && --depth === 0) break;
      }
      continue;
    }
    out += literal[i];
  }
  return out.replace(/\$\([\w~-]+\)/g, '').replace(/\\./g, '');
}

/**
 * `title:` properties and `appendMarkdown(…)` texts (tooltips) in src/features whose own words are written out
 * instead of going through `vscode.l10n.t` (the product's name aside).
 */
function unlocalisedTexts(): string[] {
  const found: string[] = [];
  const written = /(?:\btitle:\s*|\.appendMarkdown\(\s*)(['`])((?:\\.|(?!\1)[\s\S])*)\1/g;
  for (const file of sourceFiles(path.join(REPO, 'src', 'features'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(written)) {
      if (/[A-Za-z]/.test(literalText(m[2]).replace(/Prisma Drift Guard/g, ''))) {
        found.push(`${path.relative(REPO, file)}: ${m[0]}`);
      }
    }
  }
  return found;
}

function json(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(REPO, file), 'utf8')) as Record<string, unknown>;
}

describe('localisation (English and French)', () => {
  it('has a French translation for every runtime string, with the same placeholders', () => {
    const fr = json('l10n/bundle.l10n.fr.json');
    const missing: string[] = [];
    for (const [text, file] of runtimeStrings()) {
      const translated = fr[text];
      if (typeof translated !== 'string') {
        missing.push(`${file}: ${text}`);
        continue;
      }
      const placeholders = (s: string) => (s.match(/\{\d+\}/g) ?? []).sort().join(',');
      assert.equal(placeholders(translated), placeholders(text), `placeholders differ for "${text}"`);
    }
    assert.deepEqual(missing, [], `missing from l10n/bundle.l10n.fr.json:\n${missing.join('\n')}`);
  });

  it('keeps no stale entry in l10n/bundle.l10n.fr.json: every key is still a message of src/', () => {
    const used = runtimeStrings();
    const stale = Object.keys(json('l10n/bundle.l10n.fr.json')).filter((key) => !used.has(key));
    assert.deepEqual(
      stale,
      [],
      `no l10n.t call uses these any more (reworded or removed? update or delete them):\n${stale.join('\n')}`,
    );
  });

  it('localises src/core and src/cli through @vscode/l10n, never the vscode API', () => {
    const wrong: string[] = [];
    for (const dir of ['core', 'cli']) {
      for (const file of sourceFiles(path.join(REPO, 'src', dir))) {
        const text = readFileSync(file, 'utf8');
        if (/l10n\.t\(/.test(text) && !/import \* as l10n from '@vscode\/l10n';/.test(text)) {
          wrong.push(path.relative(REPO, file));
        }
        if (/vscode\.l10n\.t\(/.test(text)) wrong.push(`${path.relative(REPO, file)} (vscode.l10n)`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('writes no title (CodeLens, input box, progress) nor tooltip text in English only: each goes through vscode.l10n.t', () => {
    assert.deepEqual(unlocalisedTexts(), []);
  });

  it('resolves every %key% of package.json in package.nls.json and package.nls.fr.json', () => {
    const manifest = readFileSync(path.join(REPO, 'package.json'), 'utf8');
    const keys = [...manifest.matchAll(/"%([\w.-]+)%"/g)].map((m) => m[1]);
    assert.ok(keys.length > 5);
    for (const file of ['package.nls.json', 'package.nls.fr.json']) {
      const nls = json(file);
      const missing = keys.filter((k) => typeof nls[k] !== 'string');
      assert.deepEqual(missing, [], `${file} lacks ${missing.join(', ')}`);
    }
  });
});
