import * as assert from 'node:assert/strict';
import {
  matchingParen,
  quotedEnd,
  splitStatements,
  splitTopLevel,
  splitTopLevelWithOffsets,
  statementEnd,
  stripSqlComments,
} from '../../../src/core/sql/sqlText';

// The cases on which the three former scanners (sqlText, diffItems' and creationSites' quote toggles) disagreed:
// the toggles knew neither E'' escapes nor dollar quotes.
describe('sql scanner: one scanner for strings, identifiers, dollar bodies', () => {
  it('finds the end of each kind of quote, and nothing at a parameter or inside a word', () => {
    assert.equal(quotedEnd(`'it''s' x`, 0), 7);
    assert.equal(quotedEnd(`E'it\\'s' x`, 1), 8);
    assert.equal(quotedEnd(`"a""b" x`, 0), 6);
    assert.equal(quotedEnd(`$$a;b$$ x`, 0), 7);
    assert.equal(quotedEnd(`$fn$ $$inner$$ $fn$ x`, 0), 19);
    assert.equal(quotedEnd(`$1, $2`, 0), undefined);
    assert.equal(quotedEnd(`a$b$`, 1), undefined);
    assert.equal(quotedEnd(`x`, 0), undefined);
  });

  it('splits at top-level commas, not inside E strings with an escaped quote', () => {
    assert.deepEqual(splitTopLevel(`a DEFAULT E'x\\', y', b INT`), [`a DEFAULT E'x\\', y'`, ` b INT`]);
  });

  it('splits at top-level commas, not inside dollar-quoted bodies (nested tags too)', () => {
    assert.deepEqual(splitTopLevel(`a TEXT DEFAULT $$it's, here$$, b INT`), [
      `a TEXT DEFAULT $$it's, here$$`,
      ` b INT`,
    ]);
    assert.deepEqual(splitTopLevel(`$o$ $$x,y$$ , $o$, z`), [`$o$ $$x,y$$ , $o$`, ` z`]);
    assert.deepEqual(splitTopLevelWithOffsets(`f(a, b), "c,d", 'e,f'`), [
      { text: 'f(a, b)', offset: 0 },
      { text: ' "c,d"', offset: 8 },
      { text: ` 'e,f'`, offset: 15 },
    ]);
  });

  it('matches parentheses and finds statement ends past quotes of every kind', () => {
    const code = `CREATE TABLE t (a TEXT DEFAULT ')', b TEXT DEFAULT $$)$$, c TEXT DEFAULT E'\\')'); SELECT 1;`;
    assert.equal(code[matchingParen(code, code.indexOf('('))], ')');
    assert.equal(matchingParen(code, code.indexOf('(')), code.indexOf(';') - 1);
    assert.equal(statementEnd(`SELECT ';', $$;$$, E'\\';'; SELECT 2`, 0), 25);
    assert.equal(statementEnd(`SELECT 1`, 0), 8);
  });

  it('leaves comment markers inside strings, identifiers and dollar bodies alone', () => {
    const sql = `SELECT '-- no', "/* no */", $$-- no$$, E'\\'-- no'; -- yes\nSELECT 1 /* yes */;`;
    const stripped = stripSqlComments(sql);
    assert.equal(stripped.length, sql.length);
    assert.ok(stripped.includes(`'-- no'`) && stripped.includes(`"/* no */"`) && stripped.includes(`$$-- no$$`));
    assert.ok(stripped.includes(`E'\\'-- no'`));
    assert.ok(!stripped.includes('yes'));
    assert.deepEqual(
      splitStatements(sql).map((s) => s.offset),
      [0, sql.indexOf('SELECT 1')],
    );
  });
});
