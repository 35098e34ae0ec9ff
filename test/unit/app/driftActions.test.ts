import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  describeAction,
  planDriftActions,
  presentInFor,
  selectionKeys,
  suggestMigrationName,
} from '../../../src/core/app/driftActions';
import { attributeToSchema } from '../../../src/core/drift/attribution';
import { driftItemKey, parseDiffScript } from '../../../src/core/drift/diffItems';
import { type DriftFinding, groupFindings } from '../../../src/core/drift/driftFindings';
import { DEMO_DRIFT_SQL, demoPaths } from '../../fixtures/demoDatabase';

describe('driftActions: the right action for each drifted object', () => {
  const schemaPath = demoPaths().schema;
  const schema = { path: schemaPath, content: readFileSync(schemaPath, 'utf8') };
  /** The demo's 7 schema findings (schema vs migrations). */
  const schemaFindings = (): DriftFinding[] =>
    groupFindings(attributeToSchema(parseDiffScript(DEMO_DRIFT_SQL), [schema]), 'schemaVsMigrations');
  /** What a database that got the demo's drift with db push reports (database vs its applied migrations). */
  const pushed = (sql = DEMO_DRIFT_SQL): DriftFinding[] =>
    groupFindings(attributeToSchema(parseDiffScript(sql), [schema]), 'databaseVsMigrations');
  /** A field just typed in the schema (`User.nickname`), which no migration and no database has. */
  const typed = {
    path: schemaPath,
    content: schema.content.replace(/^model User \{\n/m, (m) => `${m}  nickname String?\n`),
  };
  const nickname = (): DriftFinding[] =>
    groupFindings(
      attributeToSchema(
        [
          {
            object: 'column',
            change: 'added',
            table: 'users',
            column: 'nickname',
            sql: 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;',
          },
        ],
        [typed],
      ),
      'schemaVsMigrations',
    );

  it('db push drift: each object present in the database is a baseline naming it, shown once (the database findings fold into it)', () => {
    const plan = planDriftActions(schemaFindings(), [{ name: 'local', findings: pushed() }]);
    assert.equal(plan.schema.length, 7);
    assert.ok(
      plan.schema.every((a) => a.action === 'baseline' && a.presentIn.join() === 'local' && a.absentFrom.length === 0),
    );
    assert.ok(plan.schema.every((a) => a.databaseFindings.length === 1 && a.databaseFindings[0].database === 'local'));
    assert.deepEqual(
      plan.databaseOnly,
      [],
      'the 7 database findings are the same 7 objects: nothing left to show on its own',
    );
    assert.equal(plan.overall, 'baseline');
    assert.equal(describeAction(plan.schema[0], plan.checked), 'already in local (db push): baseline it');
  });

  it('a field just typed that no database has is a new change (migrate); with db-pushed objects beside it, the plan is mixed', () => {
    const plan = planDriftActions(
      [...schemaFindings(), ...nickname()],
      [
        { name: 'local', findings: pushed() },
        { name: 'production', findings: [] },
      ],
    );
    const byLabel = new Map(plan.schema.map((a) => [a.finding.label, a]));
    const field = byLabel.get('User.nickname')!;
    assert.deepEqual([field.action, field.presentIn, field.absentFrom], ['migrate', [], ['local', 'production']]);
    assert.equal(
      describeAction(field, plan.checked),
      'in no checked database (local and production): a new change, create a migration',
    );
    const invoice = byLabel.get('Invoice')!;
    assert.deepEqual([invoice.action, invoice.presentIn, invoice.absentFrom], ['baseline', ['local'], ['production']]);
    assert.equal(describeAction(invoice, plan.checked), 'already in local (db push), not in production: baseline it');
    assert.equal(plan.overall, 'mixed');
  });

  it('no database checked: a new change, and the plan says no database was checked (an unreachable one is not a checked one)', () => {
    const plan = planDriftActions(nickname(), [{ name: 'production' }]);
    assert.deepEqual([plan.schema[0].action, plan.checked, plan.unchecked], ['migrate', [], ['production']]);
    assert.match(describeAction(plan.schema[0], plan.checked), /^no database checked: treated as a new change/);
    assert.equal(planDriftActions(nickname(), []).overall, 'migrate');
    assert.equal(planDriftActions([], []).overall, 'none');
  });

  it('database-only drift is one entry with every database that has it; an alteration counts as present only when it is the same change', () => {
    const audit = 'CREATE TABLE "audit_log" ("id" SERIAL NOT NULL);';
    const plan = planDriftActions(
      [],
      [
        { name: 'local', findings: pushed(audit) },
        { name: 'production', findings: pushed(audit) },
      ],
    );
    assert.deepEqual(
      plan.databaseOnly.map((d) => [d.finding.label, d.databases]),
      [['audit_log', ['local', 'production']]],
    );

    const altered = (sql: string) =>
      groupFindings(
        [{ object: 'column', change: 'altered', table: 'users', column: 'email', sql }],
        'schemaVsMigrations',
      );
    const typeText = 'ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE TEXT;';
    const other = planDriftActions(altered(typeText), [
      { name: 'local', findings: altered('ALTER TABLE "users" ALTER COLUMN "email" DROP NOT NULL;') },
    ]);
    assert.deepEqual([other.schema[0].action, other.databaseOnly.length], ['migrate', 1]);
    const same = planDriftActions(altered(typeText), [
      { name: 'local', findings: altered(typeText.replace(' SET', '  SET')) },
    ]);
    assert.deepEqual(same.schema[0].presentIn, ['local']);
  });

  it('per item (check --json): presentIn lists the databases whose items hold the same change', () => {
    const items = parseDiffScript(DEMO_DRIFT_SQL);
    const token = items.find((i) => i.column === 'activationToken' && i.object === 'column')!;
    assert.deepEqual(
      presentInFor(token, [{ name: 'local', items }, { name: 'production', items: [] }, { name: 'staging' }]),
      ['local'],
    );
  });

  it('selection keys cover a finding and what is folded into it; names are suggested for one object', () => {
    const invoice = schemaFindings().find((f) => f.label === 'Invoice')!;
    const keys = selectionKeys([invoice]);
    assert.equal(keys.length, 1 + invoice.related.length);
    assert.equal(keys[0], driftItemKey(invoice.primary));
    assert.equal(suggestMigrationName(nickname()), 'add_user_nickname');
    assert.equal(suggestMigrationName([invoice]), 'add_invoice');
    assert.equal(suggestMigrationName(schemaFindings()), '');
  });
});
