import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FileRunLogStore,
  findRunLogRoot,
  formatRunLog,
  MemoryRunLogStore,
  recordWrite,
  type RunRecord,
  runLogPath,
} from '../../../src/core/app/runLog';

describe('run log — one audit trail in .drift-guard/run-log.jsonl', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dg-runlog-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends records as JSON lines, reads them back in order, and ignores a torn or foreign line', async () => {
    const store = new FileRunLogStore(runLogPath(dir));
    const who = { osUser: 'alice', gitUser: 'Alice <a@example.com>' };
    await recordWrite(store, {
      source: 'tree',
      step: 'Mark 20240101_init as applied',
      command: 'migrate resolve --applied 20240101_init',
      environment: 'production',
      target: 'postgresql://app:s3cret@db:5432/app',
      status: 'succeeded',
      who,
      proof: { ok: true, summary: 'every change is in the database' },
    });
    await recordWrite(store, {
      source: 'cli',
      step: 'Deploy 1 migration(s)',
      command: 'drift-guard deploy --url postgresql://app:s3cret@db/app',
      environment: 'db',
      target: 'db',
      status: 'failed',
      exitCode: 1,
      who,
    });
    const raw = readFileSync(store.file, 'utf8');
    assert.equal(raw.split('\n').filter(Boolean).length, 2);
    assert.ok(!raw.includes('s3cret'), 'passwords are redacted before they reach the file');
    writeFileSync(store.file, `${raw}{"torn": \n`, { flag: 'w' });
    const records = await store.read();
    assert.deepEqual(
      records.map((r) => r.step),
      ['Mark 20240101_init as applied', 'Deploy 1 migration(s)'],
    );
    assert.equal(records[0].target, 'postgresql://app:****@db:5432/app');
    assert.equal(store.skippedLines, 1);
    assert.equal(readFileSync(path.join(dir, '.drift-guard', '.gitignore'), 'utf8').split('\n')[1], '*');
  });

  it('keeps every line when two writers append at the same time (one write per record, O_APPEND)', async () => {
    const a = new FileRunLogStore(runLogPath(dir));
    const b = new FileRunLogStore(runLogPath(dir));
    const who = { osUser: 'x' };
    const long = 'x'.repeat(20_000);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        recordWrite(i % 2 ? a : b, {
          source: 'cli',
          step: `write ${i}`,
          command: long,
          environment: 'e',
          target: 't',
          status: 'succeeded',
          who,
        }),
      ),
    );
    const records = await a.read();
    assert.equal(records.length, 40);
    assert.equal(a.skippedLines, 0);
    assert.deepEqual(new Set(records.map((r) => r.step)).size, 40);
  });

  it('rotates past its size limit and reads both generations', async () => {
    const store = new FileRunLogStore(runLogPath(dir), 300);
    const who = { osUser: 'x' };
    for (let i = 0; i < 6; i++) {
      await recordWrite(store, {
        source: 'tree',
        step: `w${i}`,
        command: 'c'.repeat(100),
        environment: 'e',
        target: 't',
        status: 'succeeded',
        who,
      });
    }
    const records = await store.read();
    // One older generation is kept: the oldest records beyond it are gone, the newest are all there.
    assert.deepEqual(
      records.slice(-3).map((r) => r.step),
      ['w3', 'w4', 'w5'],
    );
    assert.ok(readFileSync(store.rotatedFile, 'utf8').length > 0);
  });

  it('records who wrote: the OS user and git user.name <user.email> of the folder', async () => {
    execFileSync('git', ['init', '-q', dir]);
    execFileSync('git', ['-C', dir, 'config', 'user.name', 'Test Person']);
    execFileSync('git', ['-C', dir, 'config', 'user.email', 'tp@example.com']);
    const store = new MemoryRunLogStore();
    const record = await recordWrite(store, {
      source: 'baseline',
      step: 's',
      command: 'c',
      environment: 'e',
      target: 't',
      status: 'succeeded',
      cwd: dir,
    });
    assert.equal(record.who?.gitUser, 'Test Person <tp@example.com>');
    assert.equal(record.who?.osUser, os.userInfo().username);
    assert.ok(record.startedAt);
  });

  it('finds the root the CLI shares with the editor: a .drift-guard folder or the git top', async () => {
    const nested = path.join(dir, 'apps', 'api');
    mkdirSync(nested, { recursive: true });
    mkdirSync(path.join(dir, '.git'));
    assert.equal(await findRunLogRoot(nested), dir);
    mkdirSync(path.join(dir, 'apps', '.drift-guard'));
    assert.equal(await findRunLogRoot(nested), path.join(dir, 'apps'));
  });

  it('exports runbook runs and the writes outside a runbook, with who, the proof, the host key and the backup', () => {
    const at = new Date(2026, 1, 17, 10, 42, 5).toISOString();
    const records: RunRecord[] = [
      {
        source: 'runbook',
        runId: 'r1',
        runbook: 'docs/MIGRATIONS.md',
        section: 'Deploy',
        stepId: 's1',
        step: 'Backup',
        command: 'pg_dump app > /b/x.sql',
        environment: 'production',
        target: 'root@h:22',
        startedAt: at,
        status: 'succeeded',
        exitCode: 0,
        who: { osUser: 'bob' },
        hostKey: 'SHA256:abc',
        backup: {
          path: '/b/x.sql',
          sizeBytes: 1234,
          sha256: 'f'.repeat(64),
          verification: 'verified',
          verificationSummary: '3 tables, 12 rows identical',
        },
      },
      {
        source: 'tree',
        step: 'Mark 20240101_init as applied',
        command: 'migrate resolve --applied 20240101_init',
        environment: 'production',
        target: 'db:5432/app',
        startedAt: at,
        status: 'succeeded',
        who: { osUser: 'bob', gitUser: 'Bob <b@x>' },
        proof: { ok: true, summary: 'all 7 changes present' },
      },
    ];
    const md = formatRunLog(records, { generatedAt: new Date(2026, 1, 17, 11, 0, 0) });
    assert.match(md, /\| Backup<br>`pg_dump app > \/b\/x\.sql` \| production \(root@h:22\) \| bob \|/);
    assert.match(md, /host key SHA256:abc/);
    assert.match(
      md,
      /- production: `\/b\/x\.sql` \(1234 bytes · sha256 f{64} · verified: 3 tables, 12 rows identical\)/,
    );
    assert.match(md, /## Writes outside a runbook/);
    assert.match(
      md,
      /\| Migrations view \| Mark 20240101_init as applied<br>`migrate resolve --applied 20240101_init` \| production \(db:5432\/app\) \| bob \(Bob <b@x>\) \|/,
    );
    assert.match(md, /proof: passed — all 7 changes present/);
  });
});
