/**
 * The guard rails in a real extension host, on the demo workspace against the harness's real PostgreSQL:
 * a database whose history has the demo's ten migrations applied (the 20260214 ones fix → init → add),
 * seen both as the project's own `local` database and as a configured `production` environment.
 * - applied migrations are read-only: an unsaved edit gets an error diagnostic at once and a notification,
 *   "Restore from git" puts the committed bytes back; a deleted applied folder is flagged on the lock file
 *   and restored the same way; outside git the restore says so;
 * - the same-day ordering hazard on the three 20260214 migrations (diagnostics and the Migrations view);
 * - the terminal guard: `npx prisma db push` started in an integrated terminal (shell integration) while the
 *   project's URL is production's warns at once, naming the environment; a safe command does not;
 * - "Rehearse Deploy on a Copy…" from the command: a pending migration that fails on the copy, the real
 *   history unchanged.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../src/extension';
import { type EnvironmentNode, type MigrationNode } from '../../src/features/migrations/treeDataProvider';
import { prepareHistoryOnly } from '../fixtures/demoDatabase';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { extensionApi } from './helpers/extension';
import { waitFor, requireServices } from './helpers/wait';

const GUARD_SOURCE = 'Prisma Drift Guard (guard rails)';
const INIT = '20260127_init';
const TRIO = [
  '20260214_add_diagnostics_v2_columns',
  '20260214_fix_cascade_constraints',
  '20260214_init_assessment_module',
];

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

function migrationSql(name: string): string {
  return path.join(workspaceRoot(), 'prisma', 'migrations', name, 'migration.sql');
}

function guardDiagnostics(file: string, code?: string): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(vscode.Uri.file(file))
    .filter(
      (d) =>
        d.source === GUARD_SOURCE &&
        (code === undefined || (typeof d.code === 'object' ? d.code.value : d.code) === code),
    );
}

function git(...args: string[]): void {
  execFileSync('git', args, { cwd: workspaceRoot(), stdio: 'ignore' });
}

describe('guard rails', function () {
  this.timeout(180_000);
  let api: DriftGuardApi;
  let pg: PostgresFixture;
  let dbName: string;
  let dbUrl: string;
  let envBefore: string | undefined;
  const envFile = (): string => path.join(workspaceRoot(), '.env');

  /** Waits until both databases' histories are in (the guard rails read them). */
  async function historiesRead(): Promise<void> {
    await waitFor(
      'the histories of local and production',
      () => {
        const roots = api.migrationsTree.getChildren().filter((n): n is EnvironmentNode => n.kind === 'environment');
        const ready = ['local', 'production'].every((name) =>
          roots.some((r) => r.environment.name === name && r.result?.history && !r.running),
        );
        return ready || undefined;
      },
      120_000,
    );
  }

  before(async function () {
    requireServices(POSTGRES_ENV);
    api = await extensionApi();
    pg = await sharedPostgres();
    dbName = `dg_guards_${randomBytes(3).toString('hex')}`;
    dbUrl = await pg.createDatabase(dbName);
    await prepareHistoryOnly(dbUrl, { withData: false });
    envBefore = existsSync(envFile()) ? await fs.readFile(envFile(), 'utf8') : undefined;
    // The project's own URL and production's are the same database: what the seed's team has on a laptop
    // with a tunnel to the server.
    await fs.writeFile(envFile(), `DATABASE_URL="${dbUrl}"\nPROD_DATABASE_URL="${dbUrl}"\n`);
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update(
        'environments',
        [{ name: 'production', kind: 'production', url: { from: 'env', variable: 'PROD_DATABASE_URL' } }],
        vscode.ConfigurationTarget.Workspace,
      );
    await vscode.commands.executeCommand('driftGuard.refreshMigrations');
    await historiesRead();
  });

  after(async () => {
    if (!api) return;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    if (envBefore === undefined) await fs.rm(envFile(), { force: true });
    else await fs.writeFile(envFile(), envBefore);
    rmSync(path.join(workspaceRoot(), '.git'), { recursive: true, force: true });
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('shows the same-day ordering hazard of the 20260214 migrations on their migration.sql and in the Migrations view', async () => {
    // One diagnostic for the group, at the first migration out of place, pointing at the two others.
    const diagnostic = await waitFor(
      'the same-day order warning on 20260214_fix_cascade_constraints, from both histories',
      () =>
        guardDiagnostics(migrationSql(TRIO[1]), 'migration-same-day-order').find((d) =>
          d.message.includes('local, production'),
        ),
    );
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(diagnostic.range.start.line, 0, 'on the first line');
    assert.match(
      diagnostic.message,
      /Same-day migrations of 20260214 run in name order on a fresh database \(add_diagnostics_v2_columns → fix_cascade_constraints → init_assessment_module\), but local, production applied them fix_cascade_constraints → init_assessment_module → add_diagnostics_v2_columns/,
    );
    assert.deepEqual(
      (diagnostic.relatedInformation ?? []).map((r) => [r.message, r.location.uri.fsPath]),
      [TRIO[0], TRIO[2]].map((name) => [name, migrationSql(name)]),
    );
    for (const name of [TRIO[0], TRIO[2]]) {
      assert.equal(
        guardDiagnostics(migrationSql(name), 'migration-same-day-order').length,
        0,
        `not repeated on ${name}`,
      );
    }
    const dateOnly = guardDiagnostics(migrationSql('20260128_add_aria_conversations'), 'migration-date-only');
    assert.equal(dateOnly[0]?.severity, vscode.DiagnosticSeverity.Hint, 'a date-only name alone is a hint');
    const production = api.migrationsTree
      .getChildren()
      .find((n): n is EnvironmentNode => n.kind === 'environment' && n.environment.name === 'production')!;
    const row = api.migrationsTree
      .getChildren(production)
      .find((n): n is MigrationNode => n.kind === 'migration' && n.status.name === TRIO[0])!;
    const treeItem = api.migrationsTree.getTreeItem(row);
    assert.match(String(treeItem.description), /⚠ ordering hazard$/, 'the row says it once');
    assert.match(
      (treeItem.tooltip as vscode.MarkdownString).value,
      /Same\\-day migrations of 20260214/,
      'the tooltip explains',
    );
  });

  it('restoring outside git says there is nothing committed', async () => {
    rmSync(path.join(workspaceRoot(), '.git'), { recursive: true, force: true });
    // The workspace copy may itself lie inside a repository (TMPDIR in a clone): git must not look above it.
    const ceiling = process.env.GIT_CEILING_DIRECTORIES;
    process.env.GIT_CEILING_DIRECTORIES = path.dirname(workspaceRoot());
    try {
      await assert.rejects(
        api.guardRails.service.restoreFromGit(workspaceRoot(), INIT),
        /is not in a git repository: there is no committed version to restore/,
      );
    } finally {
      if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
      else process.env.GIT_CEILING_DIRECTORIES = ceiling;
    }
  });

  it('an applied migration edited in the editor (unsaved): an error at once, a notification, and Restore from git puts the committed bytes back', async () => {
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.email=guards@test', '-c', 'user.name=guards', 'commit', '-qm', 'demo');
    const file = migrationSql(INIT);
    const original = readFileSync(file);
    const before = api.guardRails.service.notifications.length;
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '-- tweak\n');
    await vscode.workspace.applyEdit(edit);
    assert.ok(doc.isDirty);
    const [diagnostic] = await waitFor(
      'the read-only error on the edited migration',
      () => {
        const found = guardDiagnostics(file, 'applied-migration-edited');
        return found.length > 0 ? found : undefined;
      },
      5_000,
    );
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.match(
      diagnostic.message,
      /^20260127_init was applied on local, production: it is read-only\. Its content no longer matches what was applied/,
    );
    const notification = await waitFor('the notification', () =>
      api.guardRails.service.notifications.slice(before).find((n) => n.migration === INIT),
    );
    assert.equal(notification.kind, 'edited');
    assert.deepEqual(notification.environments, ['local', 'production']);

    // Saved: still read-only (the file itself now differs).
    // Awaited: the guard rails' re-read after the save (the file watcher's rediscovery), so that "stays" is judged
    // on the saved file, not before anything happened.
    let rechecks = 0;
    const counting = api.guardRails.service.onDidChange(() => rechecks++);
    try {
      await doc.save();
      await waitFor('the guard rails to re-read the saved migration', () => rechecks > 0, 30_000);
    } finally {
      counting.dispose();
    }
    assert.equal(guardDiagnostics(file, 'applied-migration-edited').length, 1, 'the error stays after saving');

    await vscode.commands.executeCommand('driftGuard.restoreMigrationFromGit', workspaceRoot(), INIT);
    assert.deepEqual(readFileSync(file), original, 'the committed bytes are back');
    await waitFor(
      'the read-only error to go',
      () => guardDiagnostics(file, 'applied-migration-edited').length === 0 || undefined,
      30_000,
    );
    assert.equal(
      api.guardRails.service.notifications.slice(before).filter((n) => n.migration === INIT).length,
      1,
      'one notification for one edit',
    );
  });

  it('a deleted applied migration: an error on migration_lock.toml, a notification, and Restore from git brings the folder back', async () => {
    const name = '20260129_add_badges_and_reports';
    const file = migrationSql(name);
    const original = readFileSync(file);
    const lock = path.join(workspaceRoot(), 'prisma', 'migrations', 'migration_lock.toml');
    const before = api.guardRails.service.notifications.length;
    await fs.rm(path.dirname(file), { recursive: true });
    const [diagnostic] = await waitFor(
      'the deleted-migration error on the lock file',
      () => {
        const found = guardDiagnostics(lock, 'applied-migration-deleted');
        return found.length > 0 ? found : undefined;
      },
      30_000,
    );
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.match(
      diagnostic.message,
      /^20260129_add_badges_and_reports was deleted, but local, production recorded it as applied: never delete an applied migration/,
    );
    // The databases cannot replay the migrations without it now: the error stays on the last history read.
    await vscode.commands.executeCommand('driftGuard.refreshMigrations');
    assert.equal(
      guardDiagnostics(lock, 'applied-migration-deleted').length,
      1,
      'still flagged after a refresh whose analyses fail',
    );
    const notification = await waitFor('the notification', () =>
      api.guardRails.service.notifications.slice(before).find((n) => n.migration === name),
    );
    assert.equal(notification.kind, 'deleted');
    await vscode.workspace.openTextDocument(lock);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      vscode.Uri.file(lock),
      diagnostic.range,
    );
    assert.ok(
      actions.some((a) => a.title === `Restore ${name} from git`),
      actions.map((a) => a.title).join(', '),
    );

    await vscode.commands.executeCommand('driftGuard.restoreMigrationFromGit', workspaceRoot(), name);
    assert.deepEqual(readFileSync(file), original);
    await waitFor(
      'the deleted-migration error to go',
      () => guardDiagnostics(lock, 'applied-migration-deleted').length === 0 || undefined,
      30_000,
    );
  });

  it('warns at once when an integrated terminal starts `npx prisma db push` while the project URL is production', async function () {
    const terminal = vscode.window.createTerminal({ name: 'guard test', cwd: workspaceRoot() });
    try {
      const integration = await new Promise<vscode.TerminalShellIntegration | undefined>((resolve) => {
        if (terminal.shellIntegration) return resolve(terminal.shellIntegration);
        const timer = setTimeout(() => {
          sub.dispose();
          resolve(terminal.shellIntegration);
        }, 30_000);
        const sub = vscode.window.onDidChangeTerminalShellIntegration((e) => {
          if (e.terminal !== terminal) return;
          clearTimeout(timer);
          sub.dispose();
          resolve(e.shellIntegration);
        });
      });
      if (!integration) {
        console.log('    (no shell integration in this terminal: skipped)');
        this.skip();
      }
      const before = api.guardRails.terminal.warnings.length;
      // A safe command first: no warning. Its end tells us the shell is ready for the next one.
      const safe = integration.executeCommand('echo npx prisma migrate status');
      await new Promise<void>((resolve) => {
        const sub = vscode.window.onDidEndTerminalShellExecution((e) => {
          if (e.execution === safe) {
            sub.dispose();
            resolve();
          }
        });
      });
      assert.equal(api.guardRails.terminal.warnings.length, before, 'no warning for a safe command');
      // It only has to start: npx cannot fetch Prisma here, and we interrupt it anyway.
      // With a password inline (a real habit): the warning and the log show the command without it.
      integration.executeCommand('PGPASSWORD=hunter2-inline npx --no-install prisma db push --accept-data-loss');
      const warning = await waitFor(
        'the terminal warning',
        () => api.guardRails.terminal.warnings.slice(before)[0],
        30_000,
      );
      assert.match(warning.commandLine, /^PGPASSWORD=\*\*\*\* npx --no-install prisma db push/);
      assert.doesNotMatch(JSON.stringify(warning), /hunter2-inline/);
      assert.equal(warning.environment, 'production');
      assert.equal(warning.command, 'prisma db push');
      assert.match(warning.reason, /same variable|same host, port and database/);
      assert.match(warning.message, /"prisma db push" is running against the PRODUCTION database production/);
      terminal.sendText('\u0003', false);
    } finally {
      terminal.dispose();
    }
  });

  it('a meaningless name is flagged on its file and in the tree; Rehearse Deploy on a Copy… reports it failing on the copy, the real history unchanged', async () => {
    const name = '20260301090000_new_migration';
    const folder = path.join(workspaceRoot(), 'prisma', 'migrations', name);
    await fs.mkdir(folder);
    try {
      await fs.writeFile(
        path.join(folder, 'migration.sql'),
        '-- CreateTable\nCREATE TABLE "users" ("id" TEXT NOT NULL);\n',
      );
      await waitFor(
        `${name} in the project`,
        async () =>
          (await vscode.workspace.findFiles(`prisma/migrations/${name}/migration.sql`)).length > 0 || undefined,
      );
      const history = await pg.psql(
        'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
        dbName,
      );
      await waitFor(
        `${name} discovered`,
        () =>
          api.migrationsTree
            .getChildren()
            .some((n) => n.kind === 'environment' && n.project.migrations.some((m) => m.name === name)) || undefined,
      );
      const [meaningless] = await waitFor('the meaningless-name warning', () => {
        const found = guardDiagnostics(path.join(folder, 'migration.sql'), 'migration-name-meaningless');
        return found.length > 0 ? found : undefined;
      });
      assert.match(meaningless.message, /"new_migration" does not say what it changes/);
      const row = await waitFor('the pending row with its guard label', () => {
        const production = api.migrationsTree
          .getChildren()
          .find((n): n is EnvironmentNode => n.kind === 'environment' && n.environment.name === 'production');
        const found =
          production &&
          api.migrationsTree
            .getChildren(production)
            .find((n): n is MigrationNode => n.kind === 'migration' && n.status.name === name);
        return found && /meaningless name/.test(String(api.migrationsTree.getTreeItem(found).description))
          ? found
          : undefined;
      });
      assert.match(String(api.migrationsTree.getTreeItem(row).description), /^pending · ⚠ meaningless name$/);
      await vscode.commands.executeCommand('driftGuard.rehearseDeploy', workspaceRoot(), 'production');
      const outcome = api.guardRails.lastRehearsal;
      assert.ok(outcome, 'the command ran a rehearsal');
      const { report } = outcome;
      assert.equal(report.target, 'production');
      assert.equal(report.ok, false);
      const failed = report.migrations.find((m) => m.name === name);
      assert.equal(failed?.status, 'failed');
      assert.match(failed?.error?.message ?? '', /relation "users" already exists/);
      const markdown = (await vscode.workspace.openTextDocument(outcome.uri)).getText();
      assert.match(markdown, /# Deploy rehearsal on a copy of production/);
      assert.match(markdown, /✗ \*\*failed\*\*/);
      assert.equal(
        await pg.psql(
          'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
          dbName,
        ),
        history,
        'nothing recorded on the real database',
      );
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
  it('rule 4: a migration whose adding commit does not describe it gets a hint on its file and in the Migrations view; a described one does not', async () => {
    const vague = '20260301110000_add_invoice_reminders';
    const described = '20260301120000_add_invoice_notes';
    const folders = [vague, described].map((name) => path.join(workspaceRoot(), 'prisma', 'migrations', name));
    try {
      if (!existsSync(path.join(workspaceRoot(), '.git'))) git('init', '-q');
      await fs.mkdir(folders[0]);
      await fs.writeFile(
        path.join(folders[0], 'migration.sql'),
        'CREATE TABLE "invoice_reminders" ("id" TEXT NOT NULL);\n',
      );
      git('add', '-A');
      git('-c', 'user.email=guards@test', '-c', 'user.name=guards', 'commit', '-qm', 'wip');
      await fs.mkdir(folders[1]);
      await fs.writeFile(
        path.join(folders[1], 'migration.sql'),
        'CREATE TABLE "invoice_notes" ("id" TEXT NOT NULL);\n',
      );
      git('add', '-A');
      git('-c', 'user.email=guards@test', '-c', 'user.name=guards', 'commit', '-qm', 'Notes on invoices');
      await waitFor(
        `${described} discovered`,
        () =>
          api.migrationsTree
            .getChildren()
            .some((n) => n.kind === 'environment' && n.project.migrations.some((m) => m.name === described)) ||
          undefined,
      );
      await api.guardRails.service.refresh();
      const [hint] = await waitFor('the rule-4 hint', () => {
        const found = guardDiagnostics(migrationSql(vague), 'migration-commit-undocumented');
        return found.length > 0 ? found : undefined;
      });
      assert.equal(hint.severity, vscode.DiagnosticSeverity.Hint);
      assert.match(
        hint.message,
        new RegExp(
          `^The commit that added ${vague} \\([0-9a-f]{7}\\) does not document it: its message "wip" says nothing about what it changes\\. Team rule 4`,
        ),
      );
      assert.equal(
        guardDiagnostics(migrationSql(described), 'migration-commit-undocumented').length,
        0,
        'a message naming the subject is fine',
      );
      const row = await waitFor('the pending row on production', () => {
        const production = api.migrationsTree
          .getChildren()
          .find((n): n is EnvironmentNode => n.kind === 'environment' && n.environment.name === 'production');
        return (
          production &&
          api.migrationsTree
            .getChildren(production)
            .find((n): n is MigrationNode => n.kind === 'migration' && n.status.name === vague)
        );
      });
      const tooltip = (api.migrationsTree.getTreeItem(row).tooltip as vscode.MarkdownString).value;
      assert.match(tooltip, /\$\(info\) The commit that added/);
    } finally {
      for (const folder of folders) await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
