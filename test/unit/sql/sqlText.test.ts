import * as assert from 'node:assert/strict';
import { createdObjects } from '../../../src/core/drift/creationSites';
import { largeInit } from '../../../src/core/drift/largeInit';
import { LineIndex, lineIndexStats, midwayCommit, positionAt, splitStatements } from '../../../src/core/sql/sqlText';

/** The position the slow way: count newlines before the offset. */
function naive(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

describe('sqlText: line index', () => {
  it('gives the same positions as counting newlines, on LF, CRLF, blank lines and the last line', () => {
    for (const text of [
      '',
      'one line',
      'a\nb\n',
      'CREATE TABLE "a" (\r\n  "id" INT\r\n);\r\n\r\nSELECT 1;',
      '\n\n\nx',
      'last line without newline\nend',
    ]) {
      const index = new LineIndex(text);
      for (let offset = 0; offset <= text.length; offset++) {
        assert.deepEqual(index.positionAt(offset), naive(text, offset), `${JSON.stringify(text)} at ${offset}`);
        assert.deepEqual(positionAt(text, offset), naive(text, offset));
      }
    }
  });

  it('CRLF: the \\r is the last character of its line, the next line starts after the \\n', () => {
    const index = new LineIndex('a;\r\nb;');
    assert.deepEqual(index.positionAt(2), { line: 1, character: 3 });
    assert.deepEqual(index.positionAt(4), { line: 2, character: 1 });
  });

  it('an offset at or past the end is the end; before the start, the start', () => {
    const index = new LineIndex('ab\ncd\n');
    assert.deepEqual(
      index.positionAt(6),
      { line: 3, character: 1 },
      'just after the final newline: the empty last line',
    );
    assert.deepEqual(index.positionAt(600), { line: 3, character: 1 });
    assert.deepEqual(index.positionAt(-5), { line: 1, character: 1 });
    assert.equal(index.lineCount, 3);
  });

  it('locating every object of a large init migration scans the file for lines once, not once per object', () => {
    const { sql } = largeInit(300);
    const before = lineIndexStats.built;
    const created = createdObjects({ name: '20240101000000_init', sqlPath: '/p/migration.sql', sql });
    assert.equal(lineIndexStats.built - before, 1);
    assert.ok(created.length > 3000, `${created.length} objects`);
    const last = created.find((c) => c.object === 'foreignKey' && c.name === 'Model00299_parentId_fkey');
    assert.deepEqual(last?.location, {
      file: '/p/migration.sql',
      ...naive(sql, sql.indexOf('ADD CONSTRAINT "Model00299_parentId_fkey"')),
    });
  });

  it('splits statements keeping DO $$ bodies, comments, strings and BEGIN ATOMIC bodies (with CASE … END) whole', () => {
    const sql = [
      "DO $$ BEGIN RAISE NOTICE 'a;b'; END $$;",
      '-- a comment; with a semicolon',
      'CREATE FUNCTION f(i int) RETURNS int LANGUAGE SQL',
      'BEGIN ATOMIC',
      '  SELECT CASE WHEN i > 0 THEN 1 ELSE 0 END;',
      '  SELECT i;',
      'END;',
      "SELECT 'x;y';",
    ].join('\n');
    const statements = splitStatements(sql);
    assert.equal(statements.length, 3, JSON.stringify(statements));
    assert.match(statements[1].text, /^-- a comment; with a semicolon\nCREATE FUNCTION[\s\S]*SELECT i;\nEND;$/);
    assert.equal(positionAt(sql, statements[2].offset).line, 8);
  });

  it('finds an explicit COMMIT before other statements, not a final one around the whole script', () => {
    assert.deepEqual(midwayCommit('CREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);\n'), {
      line: 2,
      statement: 'COMMIT',
    });
    assert.deepEqual(
      midwayCommit('BEGIN;\nCREATE TABLE a (id int);\nEND;\nBEGIN;\nCREATE TABLE b (id int);\nCOMMIT;\n'),
      { line: 3, statement: 'END' },
    );
    assert.equal(midwayCommit('BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n-- done\n'), undefined);
    assert.equal(midwayCommit("DO $$ BEGIN PERFORM 1; END $$;\nSELECT 'COMMIT;';\n"), undefined);
    assert.equal(
      midwayCommit('CREATE FUNCTION f() RETURNS int LANGUAGE SQL BEGIN ATOMIC SELECT 1; END;\nSELECT f();\n'),
      undefined,
    );
  });
});
