/**
 * Verified backups and checked restores in a real extension host, over the harness's real sshd, against a real
 * PostgreSQL database with rows: the backup step's dump is restored into a scratch database on the server and
 * compared with the source (size, sha256 and row counts recorded); a dump that does not give the source back
 * keeps the production deploy gate closed; after a restore step the database is compared with the backup, and
 * a restore that leaves it different is red. Every step is in the workspace's run log file and its export.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../src/extension';
import { type RunbookPrompts } from '../../src/features/runbook/prompts';
import { type RunbookService } from '../../src/features/runbook/runbookService';
import { type RunbookSession } from '../../src/features/runbook/runbookSession';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { SSHD_ENV, sharedSshd, type SshdFixture } from '../fixtures/sshd';
import { extensionApi } from './helpers/extension';
import { requireServices } from './helpers/wait';

describe('runbook — verified backups and checked restores', function () {
  this.timeout(180_000);
  let api: DriftGuardApi;
  let service: RunbookService;
  let session: RunbookSession;
  let sshd: SshdFixture;
  let pg: PostgresFixture;
  let tmp: string;
  let shared: string;
  let dbName: string;
  let runbookFile: string;
  let previousPrompts: RunbookPrompts | undefined;
  const folder = (): vscode.WorkspaceFolder | undefined => vscode.workspace.workspaceFolders?.[0];
  const stepId = (title: string): string => {
    const step = session.runbook.sections.flatMap((s) => s.steps).find((s) => s.title === title);
    assert.ok(step, `no step "${title}"`);
    return step.id;
  };
  const viewOf = (id: string) =>
    session
      .view()
      .sections.flatMap((s) => s.steps)
      .find((s) => s.id === id)!;
  const scratchDatabases = async (): Promise<string> =>
    (
      await pg.psql(
        "SELECT coalesce(string_agg(datname, ','), '') FROM pg_database WHERE datname LIKE 'drift_guard_verify_%'",
      )
    ).trim();

  before(async function () {
    requireServices(POSTGRES_ENV, SSHD_ENV);
    api = await extensionApi();
    service = await api.runbook.service();
    previousPrompts = service.prompts;
    service.prompts = {
      variable: (_variable, defaultValue) => Promise.resolve(defaultValue ?? 'value'),
      confirmTyped: () => Promise.resolve(true),
      confirmWrite: () => Promise.resolve(true),
      manualStep: () => Promise.resolve(true),
      skipReason: () => Promise.resolve('not today'),
    };
    [sshd, pg] = await Promise.all([sharedSshd(), sharedPostgres()]);
    dbName = `dg_verified_${randomBytes(3).toString('hex')}`;
    await pg.createDatabase(dbName);
    await pg.psql(
      `CREATE TABLE "User" (id int primary key, name text); INSERT INTO "User" SELECT g, 'u' || g FROM generate_series(1, 40) g;
       CREATE TABLE "Post" (id int primary key, "userId" int references "User"(id)); INSERT INTO "Post" SELECT g, 1 + g % 40 FROM generate_series(1, 120) g;`,
      dbName,
    );
    tmp = mkdtempSync(path.join(os.tmpdir(), 'dg-verified-'));
    const trusted = path.join(tmp, 'known_hosts');
    writeFileSync(trusted, `${sshd.knownHostsLine}\n`);
    shared = path.join(os.tmpdir(), `dg-vb-${randomBytes(4).toString('hex')}`);
    mkdirSync(path.join(shared, 'bin'), { recursive: true });
    writeFileSync(path.join(shared, 'bin', 'npx'), `#!/bin/sh\necho "$*" >> ${shared}/ran\n`);
    chmodSync(shared, 0o777);
    chmodSync(path.join(shared, 'bin', 'npx'), 0o755);
    const ssh = {
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      auth: 'key',
      keyPath: sshd.clientKeyPath,
      database: `127.0.0.1:${pg.port}`,
    };
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('knownHostsFiles', [trusted], vscode.ConfigurationTarget.Global);
    await api.environments.storeSecret(
      folder(),
      'vprod',
      'url',
      `postgresql://${pg.superuser}@127.0.0.1:${pg.port}/${dbName}`,
    );
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update(
        'environments',
        [{ name: 'vprod', kind: 'production', url: { from: 'secret' }, ssh }],
        vscode.ConfigurationTarget.Workspace,
      );

    const conn = `-h 127.0.0.1 -p ${pg.port} -U ${pg.superuser}`;
    runbookFile = path.join(folder()!.uri.fsPath, 'docs', 'verified-backup-runbook.md');
    mkdirSync(path.dirname(runbookFile), { recursive: true });
    writeFileSync(
      runbookFile,
      [
        '# Verified backup runbook',
        '',
        '## Deploy',
        '<!-- env: vprod -->',
        '```bash',
        '# Backup of one table only',
        `pg_dump --clean --if-exists ${conn} -t '"User"' ${dbName} > ${shared}/partial_$(date +%Y%m%d_%H%M%S).sql`,
        '',
        '# Backup',
        `pg_dump --clean --if-exists ${conn} ${dbName} > ${shared}/pre_deploy_$(date +%Y%m%d_%H%M%S).sql`,
        '',
        '# Deploy',
        `PATH=${shared}/bin:$PATH npx prisma migrate deploy`,
        '```',
        '',
        '## Rollback',
        '<!-- env: vprod -->',
        '```bash',
        '# Restore',
        `psql -v ON_ERROR_STOP=1 --single-transaction ${conn} -d ${dbName} < ${shared}/pre_deploy_YYYYMMDD_HHMMSS.sql`,
        '```',
        '',
      ].join('\n'),
    );
    const opened = await service.open(vscode.Uri.file(runbookFile));
    assert.ok(opened);
    session = opened;
  });

  after(async () => {
    if (!service) return;
    if (previousPrompts) service.prompts = previousPrompts;
    service.panel(vscode.Uri.file(runbookFile))?.dispose();
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('knownHostsFiles', undefined, vscode.ConfigurationTarget.Global);
    await api.environments.deleteSecrets(folder(), 'vprod');
    for (const t of vscode.window.terminals.filter((t) => t.name.startsWith('Runbook'))) t.dispose();
    api.environments.resetPool();
    if (runbookFile) rmSync(runbookFile, { force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (shared) rmSync(shared, { recursive: true, force: true });
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('a backup that does not give the source back fails its verification, says what differs, and keeps the deploy gate closed', async () => {
    const result = await session.runStep(stepId('Backup of one table only'));
    assert.equal(result.status, 'failed', JSON.stringify(result));
    assert.equal(result.state?.exitCode, 0, 'the dump itself worked');
    assert.match(
      result.message ?? '',
      /did not verify: Not verified: the restored copy differs from dg_verified_\w+: table public\.Post \(120 rows in dg_verified_\w+\) is missing in the restored copy/,
    );
    assert.equal(await scratchDatabases(), '', 'the scratch database was dropped');
    const deploy = await session.runStep(stepId('Deploy'));
    assert.equal(deploy.status, 'refused');
    assert.match(
      deploy.message ?? '',
      /^The backup of vprod taken in this run is not verified — Not verified: the restored copy differs/,
    );
    assert.throws(() => readFileSync(path.join(shared, 'ran')), 'the deploy did not run');
  });

  it('a backup restored into a scratch database on the server and identical to the source opens the gate; size and sha256 are recorded', async () => {
    const result = await session.runStep(stepId('Backup'));
    assert.equal(result.status, 'succeeded', JSON.stringify(result));
    const record = session.run.backups.at(-1)!;
    const file = readFileSync(record.path);
    assert.equal(record.sizeBytes, file.length);
    assert.equal(record.sha256, execFileSync('sha256sum', [record.path], { encoding: 'utf8' }).slice(0, 64));
    assert.equal(record.verification?.status, 'verified');
    assert.match(
      record.verification?.summary ?? '',
      /^Verified: restored into scratch database drift_guard_verify_\d{14}_\w+ on the server of the backup; 2 tables, 160 rows, 0 applied migrations — identical to dg_verified_\w+\.$/,
    );
    assert.deepEqual(record.census?.tables, { 'public.Post': 120, 'public.User': 40 });
    assert.equal(viewOf(stepId('Backup')).backup?.verification?.status, 'verified');
    assert.equal(viewOf(stepId('Backup')).backup?.sha256, record.sha256);
    assert.equal(await scratchDatabases(), '');
    // The backup gate is open: what may still hold the deploy is another rule (the rehearsal, the deploy plan).
    assert.doesNotMatch(viewOf(stepId('Deploy')).gate ?? '', /backup/i);
    const deploy = await session.runStep(stepId('Deploy'));
    assert.doesNotMatch(deploy.message ?? '', /backup/i, JSON.stringify(deploy));
  });

  it('after a restore the database is compared with the backup: rows deleted after it come back (green); a table the restore leaves behind is red', async () => {
    await pg.psql('DELETE FROM "Post" WHERE id > 100', dbName);
    const restored = await session.runStep(stepId('Restore'));
    assert.equal(restored.status, 'succeeded', JSON.stringify(restored));
    assert.equal(
      (await pg.psql('SELECT count(*) FROM "Post"', dbName)).trim(),
      '120',
      'the rows deleted after the backup are back',
    );
    assert.equal(restored.state?.verification?.ok, true);
    assert.match(
      restored.state?.verification?.summary ?? '',
      /^Restore verified: dg_verified_\w+ matches the backup \(2 tables, 160 rows/,
    );

    // A table created after the backup: the dump's DROP … IF EXISTS does not know it, the restore leaves it.
    await pg.psql('CREATE TABLE "Later" (id int); INSERT INTO "Later" VALUES (1);', dbName);
    const red = await session.runStep(stepId('Restore'));
    assert.equal(red.status, 'failed', JSON.stringify(red));
    assert.equal(red.state?.exitCode, 0);
    assert.match(
      red.message ?? '',
      /The restore did not give the backup back: .*table public\.Later is in dg_verified_\w+ but not in the backup/,
    );
    assert.equal(viewOf(stepId('Restore')).status, 'failed');
  });

  it("keeps every step in the workspace run log file, with the backup's sha256 and verification, the host key and the restore's check", async () => {
    const records = (await service.runRecords()).filter((r) => r.runbook === 'docs/verified-backup-runbook.md');
    const backup = records.find((r) => r.step === 'Backup' && r.status === 'succeeded');
    assert.ok(backup?.backup?.sha256 && backup.backup.verification === 'verified', JSON.stringify(backup));
    assert.match(backup.hostKey ?? '', /^SHA256:/);
    assert.ok(backup.who?.osUser);
    assert.ok(records.some((r) => r.step === 'Restore' && r.status === 'failed' && r.proof?.ok === false));
    const file = path.join(folder()!.uri.fsPath, '.drift-guard', 'run-log.jsonl');
    assert.ok(readFileSync(file, 'utf8').includes(backup.backup.sha256));
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('driftGuard.exportRunLog');
    const text = doc.getText();
    assert.ok(text.includes(`sha256 ${backup.backup.sha256}`), text);
    assert.match(text, /verified: Verified: restored into scratch database/);
    assert.match(text, /proof: failed — The restored database differs from the backup/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
