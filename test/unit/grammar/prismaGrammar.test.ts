import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, type IGrammar, Registry, parseRawGrammar } from 'vscode-textmate';

const REPO = path.resolve(__dirname, '../../../..');
const GRAMMAR = path.join(REPO, 'syntaxes', 'prisma.tmLanguage.json');

const SCHEMA = `/// The users of the app.
generator client {
  provider = "prisma-client-js" // the default
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model User {
  id          Int       @id @default(autoincrement())
  email       String    @unique @db.VarChar(255)
  activatedAt DateTime? @map("activated_at")
  tags        String[]
  role        Role      @default(MEMBER)
  posts       Post[]
  profile     Profile?  @relation(fields: [profileId], references: [id], onDelete: Cascade)

  @@index([email, role])
  @@map("users")
}

enum Role {
  ADMIN
  MEMBER // the default
}

view ActiveUser {
  id Int @unique
}

type Address {
  street String
}
`;

/** [text, scopes] of every token of one line, whitespace-only tokens left out. */
type Token = [string, string[]];

async function loadGrammar(): Promise<IGrammar> {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: (scopeName: string) =>
      Promise.resolve(scopeName === 'source.prisma' ? parseRawGrammar(readFileSync(GRAMMAR, 'utf8'), GRAMMAR) : null),
  });
  const grammar = await registry.loadGrammar('source.prisma');
  assert.ok(grammar, 'the grammar loads');
  return grammar;
}

function tokenize(grammar: IGrammar, text: string): Token[][] {
  let state = INITIAL;
  return text.split('\n').map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens
      .map((t): Token => [line.slice(t.startIndex, t.endIndex), t.scopes])
      .filter(([t]) => t.trim() !== '');
  });
}

/** The scopes of the first token of `line` whose text is `text` (fails when there is none). */
function scopesOf(lines: Token[][], lineText: string, text: string, occurrence = 0): string[] {
  const index = SCHEMA.split('\n').findIndex((l) => l.includes(lineText));
  assert.ok(index >= 0, `no line with ${lineText}`);
  const token = lines[index].filter(([t]) => t.trim() === text)[occurrence];
  assert.ok(token, `no token "${text}" on line ${index + 1}: ${JSON.stringify(lines[index])}`);
  return token[1];
}

function assertScope(lines: Token[][], lineText: string, text: string, scope: string, occurrence = 0): void {
  const scopes = scopesOf(lines, lineText, text, occurrence);
  assert.ok(
    scopes.some((s) => s === scope || s.startsWith(`${scope}.`) || s.split(' ').includes(scope)),
    `"${text}" on "${lineText.trim()}": expected ${scope}, got ${scopes.join(', ')}`,
  );
}

describe('Prisma TextMate grammar (syntaxes/prisma.tmLanguage.json, vscode-textmate + oniguruma)', function () {
  let lines: Token[][];

  before(async function () {
    lines = tokenize(await loadGrammar(), SCHEMA);
  });

  it('declares the scope name and language Prisma uses, so VS Code keeps one grammar for .prisma', function () {
    const raw = JSON.parse(readFileSync(GRAMMAR, 'utf8')) as { scopeName: string };
    assert.equal(raw.scopeName, 'source.prisma');
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      contributes: { grammars: { language: string; scopeName: string; path: string }[] };
    };
    assert.deepEqual(manifest.contributes.grammars, [
      { language: 'prisma', scopeName: 'source.prisma', path: './syntaxes/prisma.tmLanguage.json' },
    ]);
  });

  it("leaves the language to Prisma's own grammar when the Prisma extension is installed: it is loaded after ours", function () {
    // VS Code registers grammars extension by extension, installed ones sorted by folder name
    // (`<publisher>.<name>-<version>`, ExtensionDescriptionRegistry's extensionCmp), and the last one registered for a
    // scope name and a language is the only one used. Ours must sort before Prisma.prisma's (`prisma.prisma-…`).
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      publisher: string;
      name: string;
      version: string;
    };
    const ours = `${manifest.publisher}.${manifest.name}-${manifest.version}`.toLowerCase();
    for (const prisma of ['prisma.prisma-6.19.0', 'prisma.prisma-31.0.0', 'prisma.prisma-insider-31.0.1107']) {
      assert.ok(ours < prisma, `${ours} sorts after ${prisma}`);
    }
  });

  it('colours block keywords and names: model, enum, datasource, generator, view, type', function () {
    assertScope(lines, 'model User', 'model', 'keyword.other.model');
    assertScope(lines, 'model User', 'User', 'entity.name.type.model');
    assertScope(lines, 'enum Role', 'enum', 'keyword.other.enum');
    assertScope(lines, 'enum Role', 'Role', 'entity.name.type.enum');
    assertScope(lines, 'datasource db', 'datasource', 'keyword.other.datasource');
    assertScope(lines, 'generator client', 'generator', 'keyword.other.generator');
    assertScope(lines, 'view ActiveUser', 'view', 'keyword.other.view');
    assertScope(lines, 'type Address', 'type', 'keyword.other.type');
  });

  it('colours fields, scalar types, relations, list and optional markers', function () {
    assertScope(lines, 'email       String', 'email', 'variable.other.field');
    assertScope(lines, 'email       String', 'String', 'support.type.primitive');
    assertScope(lines, 'activatedAt DateTime?', 'DateTime', 'support.type.primitive');
    assertScope(lines, 'activatedAt DateTime?', '?', 'keyword.operator.optional');
    assertScope(lines, 'tags        String[]', '[]', 'keyword.operator.list');
    assertScope(lines, 'posts       Post[]', 'Post', 'entity.name.type.reference');
    assertScope(lines, 'role        Role', 'Role', 'entity.name.type.reference');
  });

  it('colours @ and @@ attributes, their arguments and functions', function () {
    assertScope(lines, 'id          Int', 'id', 'variable.other.field');
    assertScope(lines, 'id          Int', 'id', 'entity.name.function.attribute', 1);
    assertScope(lines, 'id          Int', '@', 'punctuation.definition.attribute');
    assertScope(lines, 'id          Int', 'default', 'entity.name.function.attribute');
    assertScope(lines, 'id          Int', 'autoincrement', 'support.function');
    assertScope(lines, '@db.VarChar', 'db.VarChar', 'entity.name.function.attribute');
    assertScope(lines, '@db.VarChar', '255', 'constant.numeric');
    assertScope(lines, '@relation(', 'fields', 'variable.parameter.name');
    assertScope(lines, '@relation(', 'Cascade', 'variable.other.constant');
    assertScope(lines, '@@index', 'index', 'entity.name.function.attribute.block');
    assertScope(lines, '@@map', 'map', 'entity.name.function.attribute.block');
    assertScope(lines, 'url      = env(', 'env', 'support.function');
    assertScope(lines, 'url      = env(', 'url', 'variable.other.property');
  });

  it('colours strings and comments, and a comment does not swallow the next line', function () {
    assertScope(lines, 'provider = "postgresql"', 'postgresql', 'string.quoted.double');
    assertScope(lines, '@@map("users")', 'users', 'string.quoted.double');
    assertScope(lines, '/// The users', '/// The users of the app.', 'comment.line.documentation');
    assertScope(lines, 'prisma-client-js', '// the default', 'comment.line.double-slash');
    assertScope(lines, 'MEMBER // the default', '// the default', 'comment.line.double-slash');
    assertScope(lines, 'MEMBER // the default', 'MEMBER', 'variable.other.enummember');
    assertScope(lines, '  ADMIN', 'ADMIN', 'variable.other.enummember');
  });

  it('closes each block: what follows a model is top level again', function () {
    // `enum` after the model's closing brace is a keyword, not a field of User.
    const scopes = scopesOf(lines, 'enum Role', 'enum');
    assert.ok(!scopes.some((s) => s.includes('field')), scopes.join(', '));
    assert.deepEqual(scopesOf(lines, 'enum Role', 'Role').slice(0, 1), ['source.prisma']);
  });
});
