/**
 * Rule 3 as a gate: a production deploy needs a passing rehearsal of that environment, for the same pending
 * migrations (same checksums), recent enough; and the store both the extension and the CLI read.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  readRehearsals,
  rehearsalGate,
  rehearsalRecord,
  type RehearsalRecord,
  REHEARSALS_FILE,
  saveRehearsal,
} from '../../../src/core/app/rehearsals';
import { migrationChecksum } from '../../../src/core/history/checksums';
import { type RehearsalReport } from '../../../src/core/rehearsal/report';

const NOW = new Date('2026-02-17T12:00:00Z');
const pending = [
  { name: '20260217_baseline', checksum: 'a'.repeat(64) },
  { name: '20260218_add_invoices_due_date', checksum: 'b'.repeat(64) },
];

function record(fields: Partial<RehearsalRecord> = {}): RehearsalRecord {
  return {
    environment: 'production',
    at: '2026-02-17T10:00:00Z',
    ok: true,
    migrations: pending.map((m) => ({ ...m, status: 'passed' as const })),
    source: 'pg_dump',
    via: 'cli',
    ...fields,
  };
}

describe('app: rehearsal gate (rule 3)', () => {
  it('refuses without any rehearsal of the environment, pointing at rehearse', () => {
    const verdict = rehearsalGate([record({ environment: 'staging' })], 'production', pending, NOW, 24);
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.reason, 'none');
    assert.match(verdict.message, /No deploy rehearsal of production/);
    assert.match(verdict.message, /drift-guard rehearse --env production/);
  });

  it('opens on a passing rehearsal of the same migrations with the same checksums, within the age', () => {
    const verdict = rehearsalGate([record()], 'production', pending, NOW, 24);
    assert.equal(verdict.ok, true);
    assert.match(verdict.message, /2\.0 h ago/);
  });

  it('refuses a rehearsal older than the maximum age', () => {
    const verdict = rehearsalGate([record({ at: '2026-02-16T10:00:00Z' })], 'production', pending, NOW, 24);
    assert.equal(!verdict.ok && verdict.reason, 'stale');
    assert.equal(rehearsalGate([record({ at: '2026-02-16T10:00:00Z' })], 'production', pending, NOW, 48).ok, true);
  });

  it('refuses when a migration changed since the rehearsal, or another one is pending', () => {
    const changed = rehearsalGate(
      [record()],
      'production',
      [pending[0], { ...pending[1], checksum: 'c'.repeat(64) }],
      NOW,
      24,
    );
    assert.equal(!changed.ok && changed.reason, 'different');
    assert.match(changed.message, /changed since: 20260218_add_invoices_due_date/);
    const added = rehearsalGate(
      [record()],
      'production',
      [...pending, { name: '20260219_more', checksum: 'd'.repeat(64) }],
      NOW,
      24,
    );
    assert.match(added.message, /not rehearsed: 20260219_more/);
  });

  it('refuses when the newest rehearsal of these migrations failed, even after an earlier pass', () => {
    const failed = record({
      at: '2026-02-17T11:00:00Z',
      ok: false,
      migrations: [
        { ...pending[0], status: 'failed' },
        { ...pending[1], status: 'notRun' },
      ],
    });
    const verdict = rehearsalGate([record(), failed], 'production', pending, NOW, 24);
    assert.equal(!verdict.ok && verdict.reason, 'failed');
    assert.match(verdict.message, /failed at 20260217_baseline/);
  });

  it('needs nothing when nothing is pending', () => {
    assert.equal(rehearsalGate([], 'production', [], NOW, 24).ok, true);
  });

  it('records a report with the checksums of its files and reads it back', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-rehearsals-'));
    try {
      const sqlPath = path.join(root, 'prisma', 'migrations', '20260217_baseline', 'migration.sql');
      await fs.mkdir(path.dirname(sqlPath), { recursive: true });
      await fs.writeFile(sqlPath, 'CREATE TABLE "invoices" ("id" TEXT);\n');
      const report = {
        target: 'production',
        startedAt: '2026-02-17T11:30:00Z',
        ok: true,
        source: { description: 'pg_dump 15' },
        migrations: [{ name: '20260217_baseline', status: 'passed', warnings: [], sqlPath }],
      } as unknown as RehearsalReport;
      assert.deepEqual(await readRehearsals(root), []);
      await saveRehearsal(root, await rehearsalRecord(report, 'cli'));
      const records = await readRehearsals(root);
      assert.equal(records.length, 1);
      assert.equal(records[0].migrations[0].checksum, migrationChecksum('CREATE TABLE "invoices" ("id" TEXT);\n'));
      assert.ok((await fs.readFile(path.join(root, REHEARSALS_FILE), 'utf8')).includes('"version": 1'));
      assert.equal(
        rehearsalGate(
          records,
          'production',
          [{ name: '20260217_baseline', checksum: records[0].migrations[0].checksum }],
          NOW,
          24,
        ).ok,
        true,
      );
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
