/**
 * The team's whole procedure (strategie-migrations.md), end to end, in a real extension host against the
 * harness's real sshd and two real PostgreSQL clusters: dev (the shared cluster) and production (a cluster of
 * its own, reached only through the SSH tunnel), both in the "db push" state, production with rows.
 *
 * Baseline → the deploy plan refuses the baseline where its objects exist (nothing written) → Mark Applied with
 * proof on dev and on production (the runbook's equivalents of `migrate resolve --applied`) → backup → a later
 * migration deployed on production by our CLI on the server, behind the gates (backup, rehearsal on a copy) →
 * Verify → rows deleted after the backup → the rollback restores them. Every database fact is asserted with SQL.
 * The runbook's questions are answered by a test double of RunbookPrompts; the rest is the extension as shipped.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, promises as fs, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DeployPlan } from '../../src/core/app/deployPlan';
import { type DriftGuardApi } from '../../src/extension';
import { type RunbookPrompts } from '../../src/features/runbook/prompts';
import { type RunbookService } from '../../src/features/runbook/runbookService';
import { type RunbookSession } from '../../src/features/runbook/runbookSession';
import { DEMO_DRIFT_SQL, prepareProdLike } from '../fixtures/demoDatabase';
import { POSTGRES_ENV, sharedPostgres, startPostgres, type PostgresFixture } from '../fixtures/postgres';
import { SSHD_ENV, sharedSshd, type SshdFixture } from '../fixtures/sshd';
import { EXTENSION_ID, extensionApi } from './helpers/extension';
import { waitFor, requireServices } from './helpers/wait';

const BASELINE = '20260217000000_baseline_invoicing_and_drift';
const LATER = '20260301000000_add_invoice_due_reminder';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

describe("the team's procedure end to end", function () {
  this.timeout(600_000);
  let api: DriftGuardApi;
  let service: RunbookService;
  let session: RunbookSession;
  let sshd: SshdFixture;
  let dev: PostgresFixture;
  let prod: PostgresFixture | undefined;
  let devDb = '';
  const prodDb = 'nexus_prod';
  let tmp = '';
  let shared = '';
  let runbookFile = '';
  let envBefore: string | undefined;
  let schemaBefore: string | undefined;
  let previousPrompts: RunbookPrompts | undefined;
  const confirmations: string[] = [];
  const root = (): string => workspaceRoot();
  const envFile = (): string => path.join(root(), '.env');
  const schemaFile = (): string => path.join(root(), 'prisma', 'schema.prisma');
  const migrationsDir = (): string => path.join(root(), 'prisma', 'migrations');
  const folder = (): vscode.WorkspaceFolder | undefined => vscode.workspace.workspaceFolders?.[0];
  const stepId = (title: string): string => {
    const step = session.runbook.sections.flatMap((s) => s.steps).find((s) => s.title === title);
    assert.ok(step, `no step "${title}"`);
    return step.id;
  };
  const onProd = (sql: string): Promise<string> => prod!.psql(sql, prodDb).then((s) => s.trim());
  const onDev = (sql: string): Promise<string> => dev.psql(sql, devDb).then((s) => s.trim());
  const recorded = (name: string): string =>
    `SELECT count(*) FROM _prisma_migrations WHERE migration_name = '${name}' AND finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const history = "SELECT count(*), count(finished_at), coalesce(max(migration_name), '') FROM _prisma_migrations";

  before(async function () {
    requireServices(POSTGRES_ENV, SSHD_ENV);
    api = await extensionApi();
    service = await api.runbook.service();
    previousPrompts = service.prompts;
    service.prompts = {
      variable: (_variable, defaultValue) => Promise.resolve(defaultValue ?? 'value'),
      confirmTyped: (request) => {
        confirmations.push(`typed ${request.expected}: ${request.reason}`);
        return Promise.resolve(true);
      },
      confirmWrite: (environment, action) => {
        confirmations.push(`write ${environment.name}: ${action}`);
        return Promise.resolve(true);
      },
      manualStep: () => Promise.resolve(true),
      skipReason: () => Promise.resolve(''),
      offerRehearsal: (environment) => {
        confirmations.push(`rehearse ${environment}`);
        return Promise.resolve(true);
      },
    };
    [sshd, dev] = await Promise.all([sharedSshd(), sharedPostgres()]);
    prod = await startPostgres();
    devDb = `dg_team_dev_${randomBytes(3).toString('hex')}`;
    const devUrl = await dev.createDatabase(devDb);
    const prodUrl = await prod.createDatabase(prodDb);
    await Promise.all([prepareProdLike(devUrl), prepareProdLike(prodUrl)]);

    tmp = mkdtempSync(path.join(os.tmpdir(), 'dg-team-'));
    const trusted = path.join(tmp, 'known_hosts');
    writeFileSync(trusted, `${sshd.knownHostsLine}\n`);
    // The server's side (the SSH user writes and reads there): backups, and our CLI installed as `drift-guard`.
    shared = path.join(os.tmpdir(), `dg-team-srv-${randomBytes(4).toString('hex')}`);
    mkdirSync(path.join(shared, 'bin'), { recursive: true });
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    execFileSync('cp', ['-r', path.join(extension.extensionPath, 'dist'), path.join(shared, 'dist')]);
    writeFileSync(
      path.join(shared, 'bin', 'drift-guard'),
      `#!/bin/sh\nexport XDG_CACHE_HOME=${shared}/cache\nexec node ${shared}/dist/cli.js "$@"\n`,
    );
    chmodSync(path.join(shared, 'bin', 'drift-guard'), 0o755);

    envBefore = existsSync(envFile()) ? await fs.readFile(envFile(), 'utf8') : undefined;
    schemaBefore = await fs.readFile(schemaFile(), 'utf8');
    await fs.writeFile(envFile(), `DATABASE_URL="${devUrl}"\n`);
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('knownHostsFiles', [trusted], vscode.ConfigurationTarget.Global);
    await api.environments.storeSecret(
      folder(),
      'production',
      'url',
      `postgresql://${prod.superuser}@127.0.0.1:${prod.port}/${prodDb}`,
    );
    await vscode.workspace.getConfiguration('driftGuard').update(
      'environments',
      [
        {
          name: 'production',
          kind: 'production',
          url: { from: 'secret' },
          ssh: {
            host: sshd.host,
            port: sshd.port,
            user: sshd.user,
            auth: 'key',
            keyPath: sshd.clientKeyPath,
            database: `127.0.0.1:${prod.port}`,
          },
        },
      ],
      vscode.ConfigurationTarget.Workspace,
    );

    const connect = `-h 127.0.0.1 -p ${prod.port} -U ${prod.superuser}`;
    runbookFile = path.join(root(), 'docs', 'team-procedure.md');
    mkdirSync(path.dirname(runbookFile), { recursive: true });
    writeFileSync(
      runbookFile,
      [
        '# Plan de retour à prisma migrate',
        '',
        '## Étape 2 — Marquer la baseline en dev',
        '```bash',
        '# Marquer comme appliquée en dev',
        `npx prisma migrate resolve --applied ${BASELINE}`,
        '```',
        '',
        '## Étape 4 — Déployer en prod',
        '<!-- env: production -->',
        '```bash',
        '# Marquer la baseline en prod',
        `npx prisma migrate resolve --applied ${BASELINE}`,
        '',
        '# Backup avant migration',
        `pg_dump --clean --if-exists ${connect} ${prodDb} > ${shared}/pre_deploy_$(date +%Y%m%d_%H%M%S).sql`,
        '',
        '# Appliquer les migrations',
        `PATH=${shared}/bin:$PATH drift-guard deploy --project ${shared}/project --url postgresql://${prod.superuser}@127.0.0.1:${prod.port}/${prodDb}`,
        '```',
        '',
        '## Rollback',
        '<!-- env: production -->',
        '```bash',
        '# Restaurer le backup',
        `psql -v ON_ERROR_STOP=1 --single-transaction ${connect} -d ${prodDb} < ${shared}/pre_deploy_YYYYMMDD_HHMMSS.sql`,
        '```',
        '',
      ].join('\n'),
    );
    const opened = await service.open(vscode.Uri.file(runbookFile));
    assert.ok(opened);
    session = opened;
    // The SSH user reads and writes the server's folder.
    execFileSync('chmod', ['-R', 'a+rwX', shared]);
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
    await api.environments.deleteSecrets(folder(), 'production');
    for (const t of vscode.window.terminals.filter((t) => t.name.startsWith('Runbook'))) t.dispose();
    api.environments.resetPool();
    for (const name of [BASELINE, LATER]) {
      await fs.rm(path.join(migrationsDir(), name), { recursive: true, force: true });
    }
    await fs.rm(path.join(root(), '.drift-guard'), { recursive: true, force: true });
    if (schemaBefore !== undefined) await fs.writeFile(schemaFile(), schemaBefore);
    if (envBefore === undefined) await fs.rm(envFile(), { force: true });
    else await fs.writeFile(envFile(), envBefore);
    if (runbookFile) rmSync(runbookFile, { force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (shared) rmSync(shared, { recursive: true, force: true });
    if (devDb) await dev.dropDatabase(devDb).catch(() => undefined);
    await prod?.stop();
  });

  it('creates the baseline; the deploy plan refuses it where its objects already exist, and writes nothing', async () => {
    const drafts = path.join(root(), '.drift-guard', 'drafts', BASELINE);
    await fs.mkdir(drafts, { recursive: true });
    await fs.writeFile(path.join(drafts, 'migration.sql'), DEMO_DRIFT_SQL);
    const created = await vscode.commands.executeCommand<{ created: boolean; migrationName: string } | undefined>(
      'driftGuard.createBaselineFromDraft',
      root(),
      vscode.Uri.file(path.join(drafts, 'migration.sql')),
    );
    assert.deepEqual([created?.created, created?.migrationName], [true, BASELINE]);

    // The Migrations view shows it pending on dev (where its objects are): Deploy Pending is where a user goes next.
    await waitFor('the baseline pending on dev', () =>
      api.analysis
        .get(root())
        ?.databases.find((d) => d.environment.name === 'local')
        ?.history?.migrations.some((m) => m.name === BASELINE && m.state === 'pending'),
    );
    const devBefore = await onDev(history);
    const planned = await vscode.commands.executeCommand<{ refused: boolean; plan: DeployPlan } | undefined>(
      'driftGuard.deployPending',
      root(),
      'local',
    );
    assert.equal(planned?.refused, true);
    assert.deepEqual(
      planned?.plan.steps.map((s) => [s.migration, s.action]),
      [[BASELINE, 'markApplied']],
    );
    assert.equal(await onDev(history), devBefore, 'the refused deploy wrote nothing on dev');
  });

  it('marks the baseline applied on dev, with its proof, from the runbook (the equivalent of migrate resolve --applied)', async () => {
    const result = await session.runEquivalent(stepId('Marquer comme appliquée en dev'));
    assert.equal(result.status, 'succeeded', JSON.stringify(result));
    assert.equal(await onDev(recorded(BASELINE)), '1');
    assert.ok(
      confirmations.some((c) => c.startsWith('write local: Mark')),
      confirmations.join(' | '),
    );
  });

  it('refuses the production deploy while the baseline is not recorded there (the plan), executing nothing; marks it applied on production', async () => {
    const backup = await session.runStep(stepId('Backup avant migration'));
    assert.equal(backup.status, 'succeeded', JSON.stringify(backup));
    const before = await onProd(history);
    const refused = await session.runStep(stepId('Appliquer les migrations'));
    assert.equal(refused.status, 'refused', JSON.stringify(refused));
    assert.match(refused.message ?? '', /not every pending migration can be deployed there\. Nothing was executed\./);
    assert.equal(await onProd(history), before, 'nothing was written on production');

    const marked = await session.runEquivalent(stepId('Marquer la baseline en prod'));
    assert.equal(marked.status, 'succeeded', JSON.stringify(marked));
    assert.equal(await onProd(recorded(BASELINE)), '1');
    assert.ok(
      confirmations.some((c) => c.startsWith('write production: Mark')),
      confirmations.join(' | '),
    );
  });

  it('deploys a later migration to production with our CLI on the server, after the backup and a rehearsal on a copy; Verify says so', async () => {
    const schema = await fs.readFile(schemaFile(), 'utf8');
    await fs.writeFile(
      schemaFile(),
      schema.replace(
        /^(\s*paidAt\s+DateTime\?\s+@map\("paid_at"\)\n)/m,
        '$1  dueReminderAt    DateTime?     @map("due_reminder_at")\n',
      ),
    );
    await fs.mkdir(path.join(migrationsDir(), LATER), { recursive: true });
    await fs.writeFile(
      path.join(migrationsDir(), LATER, 'migration.sql'),
      '-- AlterTable\nALTER TABLE "invoices" ADD COLUMN "due_reminder_at" TIMESTAMP(3);\n',
    );
    // The server's checkout of the project (`git pull` in the team's runbook).
    await fs.mkdir(path.join(shared, 'project'), { recursive: true });
    await fs.cp(path.join(root(), 'prisma'), path.join(shared, 'project', 'prisma'), { recursive: true });
    await fs.copyFile(path.join(root(), 'package.json'), path.join(shared, 'project', 'package.json'));
    execFileSync('chmod', ['-R', 'a+rwX', path.join(shared, 'project')]);
    await waitFor('the new migration to be seen', () =>
      api.analysis.get(root())?.project.migrations.some((m) => m.name === LATER),
    );
    // A backup right before this deploy (the one the rollback restores): the baseline is recorded in it.
    const backup = await session.runStep(stepId('Backup avant migration'));
    assert.equal(backup.status, 'succeeded', JSON.stringify(backup));

    const deploy = await session.runStep(stepId('Appliquer les migrations'));
    assert.equal(deploy.status, 'succeeded', JSON.stringify(deploy));
    assert.match(deploy.state?.output ?? '', new RegExp(`Applied 1 migration\\(s\\): ${LATER}`));
    assert.ok(confirmations.includes('rehearse production'), 'the rehearsal on a copy was offered and run first');
    assert.equal(await onProd(recorded(LATER)), '1');
    assert.equal(
      await onProd(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'invoices' AND column_name = 'due_reminder_at'",
      ),
      '1',
    );

    await session.verify(stepId('Appliquer les migrations'));
    const verification = session
      .view()
      .sections.flatMap((s) => s.steps)
      .find((s) => s.title === 'Appliquer les migrations')?.verification;
    assert.equal(verification?.status, 'done', JSON.stringify(verification));
    assert.equal(verification?.summary, '12 applied · 0 pending · no drift');
  });

  it('rolls back: the restore of the backup brings back the rows deleted after it, and the history before the deploy', async () => {
    await onProd('DELETE FROM invoice_items');
    assert.equal(await onProd('SELECT count(*) FROM invoice_items'), '0');
    const restore = await session.runStep(stepId('Restaurer le backup'));
    assert.equal(restore.status, 'succeeded', JSON.stringify(restore));
    assert.equal(await onProd('SELECT count(*) FROM invoice_items'), '2', 'the rows are back');
    assert.equal(
      await onProd(recorded(LATER)),
      '0',
      "the history is the backup's: the later migration is not recorded",
    );
    assert.equal(await onProd(recorded(BASELINE)), '1');
    assert.equal(
      await onProd(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'invoices' AND column_name = 'due_reminder_at'",
      ),
      '0',
    );
    assert.ok(
      confirmations.some((c) => c.startsWith('typed production: restores a backup')),
      confirmations.join(' | '),
    );
  });
});
