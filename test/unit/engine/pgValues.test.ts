import * as assert from 'node:assert/strict';
import { ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import {
  convertRow,
  normalizeTimestamptz,
  parseBytea,
  parsePgArray,
  pgTypeMapping,
} from '../../../src/core/engine/pgValues';

describe('engine/pgValues', () => {
  it('maps catalog types the engine reads: internal "char", name, oid, regclass', () => {
    assert.equal(pgTypeMapping(18).columnType, ColumnTypeEnum.Character);
    assert.equal(pgTypeMapping(19).columnType, ColumnTypeEnum.Text);
    assert.equal(pgTypeMapping(26).columnType, ColumnTypeEnum.Int64);
    assert.equal(pgTypeMapping(2205).columnType, ColumnTypeEnum.Text);
    // Unknown OIDs (user enums, extension types) are text, never an error.
    assert.equal(pgTypeMapping(987_654).columnType, ColumnTypeEnum.Text);
  });

  it('converts scalars from PostgreSQL text output', () => {
    const row = convertRow(
      ['t', '42', '9007199254740993', '1.5', 'r', '{"a":1}', null],
      [16, 23, 20, 701, 18, 3802, 25].map(pgTypeMapping),
    );
    assert.deepEqual(row, [true, 42, '9007199254740993', 1.5, 'r', { a: 1 }, null]);
  });

  it('parses arrays: quoted, NULL, nested, bounds, and typed elements', () => {
    assert.deepEqual(parsePgArray('{a,"b c",NULL,"x\\"y","NULL"}'), ['a', 'b c', null, 'x"y', 'NULL']);
    assert.deepEqual(parsePgArray('{{1,2},{3,4}}', Number), [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(parsePgArray('[0:1]={7,8}', Number), [7, 8]);
    assert.deepEqual(parsePgArray('{}'), []);
    const names = pgTypeMapping(1003); // name[]
    assert.equal(names.columnType, ColumnTypeEnum.TextArray);
    assert.deepEqual(names.convert('{id,"Weird Name"}'), ['id', 'Weird Name']);
    const chars = pgTypeMapping(1002); // "char"[]
    assert.equal(chars.columnType, ColumnTypeEnum.CharacterArray);
    const ints = pgTypeMapping(1005); // int2[] (indkey-like)
    assert.deepEqual(ints.convert('{1,3}'), [1, 3]);
    assert.deepEqual(pgTypeMapping(1000).convert('{t,f,NULL}'), [true, false, null]);
  });

  it('normalises timestamptz to RFC 3339 with a full offset, keeping microseconds', () => {
    assert.equal(normalizeTimestamptz('2026-02-17 10:00:00.123456+00'), '2026-02-17T10:00:00.123456+00:00');
    assert.equal(normalizeTimestamptz('2026-02-17 10:00:00+05:30'), '2026-02-17T10:00:00+05:30');
    assert.equal(normalizeTimestamptz('infinity'), 'infinity');
  });

  it('decodes bytea hex and escape formats', () => {
    assert.deepEqual(parseBytea('\\x00ff10'), [0, 255, 16]);
    assert.deepEqual(parseBytea('a\\000\\\\'), [97, 0, 92]);
  });
});
