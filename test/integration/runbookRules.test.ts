/**
 * The team's rules in the runbook, in a real extension host against a real PostgreSQL: rule 3 ("test the
 * migration on a copy of the prod database before deploying") holds a production `migrate deploy` until a deploy
 * rehearsal of that environment passed for the same pending migrations (same checksums) — offered by the gate,
 * run for real on an embedded copy — and the panel names the rule each gate enforces. The questions are answered
 * by a test double of RunbookPrompts; everything else is the extension as shipped.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, promises as fs, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readRehearsals, REHEARSALS_FILE } from '../../src/core/app/rehearsals';
import { migrationChecksum } from '../../src/core/history/checksums';
import { type DriftGuardApi } from '../../src/extension';
import { type EnvironmentNode } from '../../src/features/migrations/treeDataProvider';
import { defaultPrompts, type RunbookPrompts } from '../../src/features/runbook/prompts';
import { type RunbookService } from '../../src/features/runbook/runbookService';
import { type RunbookSession } from '../../src/features/runbook/runbookSession';
import { prepareHistoryOnly } from '../fixtures/demoDatabase';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { extensionApi } from './helpers/extension';
import { waitFor, requireServices } from './helpers/wait';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

describe('runbook: the team rules', function () {
  this.timeout(240_000);
  const migration = '20260301100000_add_invoice_notes';
  let api: DriftGuardApi;
  let service: RunbookService;
  let session: RunbookSession;
  let pg: PostgresFixture;
  let dbName: string;
  let shared: string;
  let runbookFile: string;
  let envBefore: string | undefined;
  let previousPrompts: RunbookPrompts = defaultPrompts;
  let offerAnswer = false;
  const offers: string[] = [];
  const envFile = (): string => path.join(workspaceRoot(), '.env');
  const sqlFile = (): string => path.join(workspaceRoot(), 'prisma', 'migrations', migration, 'migration.sql');
  const stepId = (title: string): string =>
    session.runbook.sections.flatMap((s) => s.steps).find((s) => s.title === title)!.id;
  const viewOf = (id: string) =>
    session
      .view()
      .sections.flatMap((s) => s.steps)
      .find((s) => s.id === id)!;
  const ran = (): string =>
    existsSync(path.join(shared, 'ran')) ? readFileSync(path.join(shared, 'ran'), 'utf8') : '';

  before(async function () {
    requireServices(POSTGRES_ENV);
    api = await extensionApi();
    service = await api.runbook.service();
    previousPrompts = service.prompts;
    service.prompts = {
      variable: (_variable, defaultValue) => Promise.resolve(defaultValue ?? 'value'),
      confirmTyped: () => Promise.resolve(true),
      confirmWrite: () => Promise.resolve(true),
      manualStep: () => Promise.resolve(true),
      skipReason: () => Promise.resolve(''),
      offerRehearsal: (environment, reason) => {
        offers.push(`${environment}: ${reason}`);
        return Promise.resolve(offerAnswer);
      },
    };
    pg = await sharedPostgres();
    dbName = `dg_rules_${randomBytes(3).toString('hex')}`;
    const url = await pg.createDatabase(dbName);
    await prepareHistoryOnly(url, { withData: false });
    await fs.rm(path.join(workspaceRoot(), REHEARSALS_FILE), { force: true });
    envBefore = existsSync(envFile()) ? await fs.readFile(envFile(), 'utf8') : undefined;
    await fs.writeFile(envFile(), `DATABASE_URL="${url}"\nPROD_DATABASE_URL="${url}"\n`);
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update(
        'environments',
        [{ name: 'production', kind: 'production', url: { from: 'env', variable: 'PROD_DATABASE_URL' } }],
        vscode.ConfigurationTarget.Workspace,
      );
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('runbookLocalSteps', 'process', vscode.ConfigurationTarget.Workspace);
    // A new migration, pending on production; it applies on the copy.
    mkdirSync(path.dirname(sqlFile()), { recursive: true });
    writeFileSync(
      sqlFile(),
      '-- CreateTable\nCREATE TABLE "invoice_notes" ("id" TEXT NOT NULL, CONSTRAINT "invoice_notes_pkey" PRIMARY KEY ("id"));\n',
    );
    await waitFor(
      `${migration} discovered`,
      () =>
        api.migrationsTree
          .getChildren()
          .some((n) => n.kind === 'environment' && n.project.migrations.some((m) => m.name === migration)) || undefined,
      60_000,
    );
    await waitFor(
      'production in the Migrations view',
      () =>
        api.migrationsTree
          .getChildren()
          .find((n): n is EnvironmentNode => n.kind === 'environment' && n.environment.name === 'production'),
      60_000,
    );

    shared = path.join(os.tmpdir(), `dg-rules-${randomBytes(4).toString('hex')}`);
    mkdirSync(path.join(shared, 'bin'), { recursive: true });
    writeFileSync(path.join(shared, 'bin', 'npx'), `#!/bin/sh\necho "fake npx: $*"\necho "$*" >> ${shared}/ran\n`);
    chmodSync(path.join(shared, 'bin', 'npx'), 0o755);
    runbookFile = path.join(workspaceRoot(), 'docs', 'rules-runbook.md');
    mkdirSync(path.dirname(runbookFile), { recursive: true });
    writeFileSync(
      runbookFile,
      [
        '# Rules runbook',
        '',
        '## Deploy to production',
        '<!-- env: production -->',
        '```bash',
        '# Backup before deploy',
        `pg_dump --clean --if-exists -h 127.0.0.1 -p ${pg.port} -U ${pg.superuser} ${dbName} > ${shared}/pre_deploy.sql`,
        '',
        '# Apply the migrations',
        `PATH=${shared}/bin:$PATH npx prisma migrate deploy`,
        '',
        '# Check the status',
        `PATH=${shared}/bin:$PATH npx prisma migrate status`,
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
    service.prompts = previousPrompts;
    service.panel(vscode.Uri.file(runbookFile))?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('runbookLocalSteps', undefined, vscode.ConfigurationTarget.Workspace);
    if (envBefore === undefined) await fs.rm(envFile(), { force: true });
    else await fs.writeFile(envFile(), envBefore);
    await fs.rm(path.dirname(sqlFile()), { recursive: true, force: true });
    await fs.rm(path.join(workspaceRoot(), REHEARSALS_FILE), { force: true });
    if (runbookFile) rmSync(runbookFile, { force: true });
    if (shared) rmSync(shared, { recursive: true, force: true });
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('refuses migrate deploy on production without a passing rehearsal (rule 3); the rehearsal it offers opens it; a changed migration closes it again', async () => {
    const backup = await session.runStep(stepId('Backup before deploy'));
    assert.equal(backup.status, 'succeeded', JSON.stringify(backup));
    const deploy = stepId('Apply the migrations');
    assert.deepEqual(viewOf(deploy).rules, [1, 3, 5], 'the panel names the rules of the deploy gate');

    // No rehearsal recorded: declined offer, refused, nothing ran.
    const refused = await session.runStep(deploy);
    assert.equal(refused.status, 'refused', JSON.stringify(refused));
    assert.match(refused.message ?? '', /No deploy rehearsal of production was recorded.*rule 3/);
    assert.equal(offers.length, 1, 'the gate offered to rehearse');
    assert.equal(ran(), '', 'nothing ran');
    assert.match(viewOf(deploy).gate ?? '', /No deploy rehearsal of production/);

    // Accepted: the rehearsal runs on a copy, passes, is recorded with the file's checksum, and the deploy runs.
    offerAnswer = true;
    const opened = await session.runStep(deploy);
    assert.equal(opened.status, 'succeeded', JSON.stringify(opened));
    assert.equal(ran(), 'prisma migrate deploy\n');
    assert.equal(
      api.guardRails.lastRehearsal?.report.ok,
      true,
      JSON.stringify(api.guardRails.lastRehearsal?.report.migrations),
    );
    const records = await readRehearsals(workspaceRoot());
    const record = records.at(-1)!;
    assert.equal(record.environment, 'production');
    assert.deepEqual(
      record.migrations.map((m) => [m.name, m.checksum, m.status]),
      [[migration, migrationChecksum(readFileSync(sqlFile())), 'passed']],
    );
    assert.equal(viewOf(deploy).gate, undefined);

    // The migration changes after the rehearsal: the same gate refuses again, naming it.
    offerAnswer = false;
    writeFileSync(
      sqlFile(),
      `${readFileSync(sqlFile(), 'utf8')}-- CreateIndex\nCREATE INDEX "invoice_notes_id_idx" ON "invoice_notes"("id");\n`,
    );
    const again = await session.runStep(deploy);
    assert.equal(again.status, 'refused', JSON.stringify(again));
    assert.match(again.message ?? '', new RegExp(`changed since: ${migration}`));
    assert.equal(ran(), 'prisma migrate deploy\n', 'the deploy did not run again');
  });

  it("offers the engine's status beside a migrate status step, runs it instead of the Prisma CLI, and logs it as that equivalent", async () => {
    const id = stepId('Check the status');
    assert.deepEqual(viewOf(id).equivalent, { kind: 'status' });
    assert.equal(viewOf(stepId('Apply the migrations')).equivalent, undefined);
    const result = await session.runEquivalent(id);
    // As `migrate status` (exit 1 unless up to date): the new migration is pending on production.
    assert.equal(result.status, 'failed', JSON.stringify(result));
    assert.match(result.message ?? '', /^10 applied · 1 pending/);
    assert.match(result.state?.output ?? '', new RegExp(`pending: ${migration}`));
    assert.equal(result.state?.command, 'Prisma Drift Guard: migration status of production (engine)');
    assert.doesNotMatch(ran(), /migrate status/, 'the Prisma CLI did not run');
    const record = (await service.runRecords())
      .filter((r) => r.runbook === 'docs/rules-runbook.md' && r.step === 'Check the status')
      .at(-1);
    assert.equal(record?.equivalentOf, `PATH=${shared}/bin:$PATH npx prisma migrate status`);
    assert.equal(record?.command, 'Prisma Drift Guard: migration status of production (engine)');
    assert.equal(record?.environment, 'production');
  });
});
