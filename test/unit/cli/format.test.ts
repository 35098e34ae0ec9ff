import * as assert from 'node:assert/strict';
import { type CheckItem, formatItems } from '../../../src/cli/format';

describe('drift-guard check: human output of database drift', () => {
  const column = (change: CheckItem['change']): CheckItem => ({
    object: 'column',
    change,
    table: 'users',
    column: 'activatedAt',
    model: 'User',
    field: 'activatedAt',
    sql: '',
  });

  it('says the database is compared with the migrations it applied (a pending migration is not drift)', () => {
    assert.deepEqual(formatItems([column('added'), column('removed')], 'databaseVsMigrations', '/'), [
      '  User',
      '    + User.activatedAt (users.activatedAt) — column in the database, in no applied migration',
      '    - User.activatedAt (users.activatedAt) — column in the applied migrations, missing from the database',
    ]);
  });

  it('says schema drift in terms of what the migrations create', () => {
    assert.deepEqual(formatItems([column('added')], 'schemaVsMigrations', '/'), [
      '  User',
      '    + User.activatedAt (users.activatedAt) — column not created by any migration',
    ]);
  });
});
