import * as assert from 'node:assert/strict';
import { type AttributedItem } from '../../../src/core/drift/driftFindings';
import {
  DRIFTED_OBJECTS,
  countDriftedObjects,
  driftedObjects,
  formatCount,
  sqlStatements,
} from '../../../src/core/drift/counts';

const item = (over: Partial<AttributedItem>): AttributedItem => ({
  object: 'table',
  change: 'added',
  sql: '',
  ...over,
});

describe('drift counts: one vocabulary (drifted objects; SQL statements only next to SQL)', () => {
  it('words a count of objects and a count of statements, singular and plural', () => {
    assert.equal(driftedObjects(1), '1 drifted object');
    assert.equal(driftedObjects(7), '7 drifted objects');
    assert.equal(driftedObjects(0), '0 drifted objects');
    assert.equal(sqlStatements(1), '1 SQL statement');
    assert.equal(sqlStatements(16), '16 SQL statements');
  });

  it('takes the editor’s translation of the same two forms', () => {
    const fr = { one: '1 objet en dérive', many: (n: string) => `${n} objets en dérive` };
    assert.equal(driftedObjects(1, fr), '1 objet en dérive');
    assert.equal(driftedObjects(7, fr), '7 objets en dérive');
    assert.equal(formatCount(2, DRIFTED_OBJECTS), '2 drifted objects');
  });

  it('counts objects, not statements: a new table with its index and foreign key, a new column with its unique index, an enum', () => {
    const items = [
      item({ object: 'table', table: 'invoices', model: 'Invoice', sql: 'CREATE TABLE "invoices" ();' }),
      item({ object: 'index', table: 'invoices', name: 'invoices_number_key', sql: 'CREATE UNIQUE INDEX …;' }),
      item({
        object: 'foreignKey',
        table: 'invoices',
        column: 'customer_id',
        name: 'invoices_customer_id_fkey',
        sql: 'ALTER TABLE … ADD CONSTRAINT …;',
      }),
      item({
        object: 'column',
        table: 'users',
        column: 'activationToken',
        model: 'User',
        field: 'activationToken',
        sql: 'ALTER TABLE "users" ADD COLUMN …;',
      }),
      item({
        object: 'index',
        table: 'users',
        column: 'activationToken',
        name: 'users_activationToken_key',
        sql: 'CREATE UNIQUE INDEX …;',
      }),
      item({ object: 'enum', enum: 'InvoiceStatus', model: 'InvoiceStatus', sql: 'CREATE TYPE …;' }),
      // An index on an existing table is an object of its own.
      item({ object: 'index', table: 'sessions', name: 'sessions_starts_at_idx', sql: 'CREATE INDEX …;' }),
    ];
    assert.equal(items.length, 7);
    assert.equal(countDriftedObjects(items, 'schemaVsMigrations'), 4);
    assert.equal(driftedObjects(countDriftedObjects(items, 'schemaVsMigrations')), '4 drifted objects');
    assert.equal(sqlStatements(items.length), '7 SQL statements');
  });
});
