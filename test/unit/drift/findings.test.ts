import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { attributeToSchema } from '../../../src/core/drift/attribution';
import { parseDiffScript } from '../../../src/core/drift/diffItems';
import { groupFindings } from '../../../src/core/drift/driftFindings';
import { DEMO_DRIFT_SQL, demoPaths } from '../../fixtures/demoDatabase';

describe('groupFindings', () => {
  const schemaPath = demoPaths().schema;
  const schema = { path: schemaPath, content: readFileSync(schemaPath, 'utf8') };
  const lines = schema.content.split('\n');
  const lineOf = (re: RegExp) => lines.findIndex((l) => re.test(l)) + 1;

  it('turns the demo baseline (16 items) into the 7 things a developer reads', () => {
    const items = attributeToSchema(parseDiffScript(DEMO_DRIFT_SQL), [schema]);
    assert.equal(items.length, 16);
    const findings = groupFindings(items, 'schemaVsMigrations');
    assert.deepEqual(
      findings.map((f) => [f.label, f.location?.line, f.location?.character, f.nameLength]),
      [
        ['User.activatedAt', lineOf(/^\s+activatedAt\s/), 3, 'activatedAt'.length],
        ['User.activationExpiry', lineOf(/^\s+activationExpiry\s/), 3, 'activationExpiry'.length],
        ['User.activationToken', lineOf(/^\s+activationToken\s/), 3, 'activationToken'.length],
        ['Invoice', lineOf(/^model Invoice \{/), 7, 'Invoice'.length],
        ['InvoiceItem', lineOf(/^model InvoiceItem \{/), 7, 'InvoiceItem'.length],
        ['InvoiceSequence', lineOf(/^model InvoiceSequence \{/), 7, 'InvoiceSequence'.length],
        ['InvoiceStatus', lineOf(/^enum InvoiceStatus \{/), 6, 'InvoiceStatus'.length],
      ],
    );
    const byLabel = new Map(findings.map((f) => [f.label, f]));
    assert.equal(
      byLabel.get('User.activatedAt')!.message,
      '`User.activatedAt` (column users.activatedAt) is not created by any migration',
    );
    assert.equal(
      byLabel.get('User.activationToken')!.message,
      '`User.activationToken` (column users.activationToken, with its index) is not created by any migration',
    );
    const invoice = byLabel.get('Invoice')!;
    assert.match(
      invoice.message,
      /^Model `Invoice` \(table invoices, with 4 indexes and 2 foreign keys\) is not created by any migration/,
    );
    assert.match(invoice.sql, /CREATE TABLE "invoices"[\s\S]*invoices_number_key[\s\S]*invoices_customer_id_fkey/);
  });

  it('phrases live-database drift by direction and keeps migration locations of removed objects', () => {
    const created = { file: path.join('m', '1_init', 'migration.sql'), line: 4, character: 1 };
    const findings = groupFindings(
      [
        { object: 'table', change: 'added', table: 'audit_log', sql: 'CREATE TABLE "audit_log" ();' },
        {
          object: 'table',
          change: 'removed',
          table: 'invoices',
          model: 'Invoice',
          sql: 'DROP TABLE "invoices";',
          location: created,
        },
      ],
      'databaseVsMigrations',
    );
    assert.deepEqual(
      findings.map((f) => f.message),
      [
        'Table audit_log is in the database but in no applied migration',
        'Model `Invoice` (table invoices) is in the applied migrations but not in the database',
      ],
    );
    assert.deepEqual(findings[1].location, created);
  });
});
