/**
 * The Migrations view in a real extension host, against the harness's real PostgreSQL and sshd: a
 * `_prisma_migrations` holding every state, read directly (`local`, from the project's .env) and through an
 * SSH tunnel (a configured environment); then the SSH failures the issue names — a changed host key, a wrong
 * password, and sshd stopped mid-session (the tree shows the error, and recovers once sshd is back).
 * Assertions go through the tree provider the extension exports: children, labels, descriptions,
 * contextValues and icons, exactly what VS Code renders.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../src/extension';
import { type ConnectionHop } from '../../src/features/environments/environmentService';
import {
  type EnvironmentNode,
  type MessageNode,
  type MigrationNode,
  type MigrationsNode,
} from '../../src/features/migrations/treeDataProvider';
import { EVERY_STATE as EXPECTED, prepareEveryState } from '../fixtures/explorerDatabase';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { SSHD_ENV, sharedSshd, startSshd, disposeSshd, type SshdFixture } from '../fixtures/sshd';
import { extensionApi } from './helpers/extension';
import { knownHostsWithChangedKey } from './helpers/ssh';
import { waitFor, requireServices } from './helpers/wait';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

function item(api: DriftGuardApi, node: MigrationsNode): vscode.TreeItem {
  return api.migrationsTree.getTreeItem(node);
}

function icon(treeItem: vscode.TreeItem): { id: string; color?: string } {
  const themeIcon = treeItem.iconPath as vscode.ThemeIcon;
  assert.ok(themeIcon instanceof vscode.ThemeIcon, `${label(treeItem)}: icon is not a ThemeIcon`);
  return { id: themeIcon.id, ...(themeIcon.color ? { color: (themeIcon.color as unknown as { id: string }).id } : {}) };
}

function label(treeItem: vscode.TreeItem): string {
  return typeof treeItem.label === 'string' ? treeItem.label : (treeItem.label?.label ?? '');
}

function environmentNode(api: DriftGuardApi, name: string): EnvironmentNode | undefined {
  return api.migrationsTree
    .getChildren()
    .find((n): n is EnvironmentNode => n.kind === 'environment' && n.environment.name === name);
}

/** Waits until the environment's latest analysis is in (not running) and `accept` likes it. */
async function settled(
  api: DriftGuardApi,
  name: string,
  what: string,
  accept: (node: EnvironmentNode) => boolean,
  timeoutMs = 90_000,
): Promise<EnvironmentNode> {
  return waitFor(
    `${name}: ${what}`,
    () => {
      const node = environmentNode(api, name);
      return node && node.result && !node.running && accept(node) ? node : undefined;
    },
    timeoutMs,
  );
}

async function refresh(): Promise<void> {
  await vscode.commands.executeCommand('driftGuard.refreshMigrations');
}

/** Checks every migration row of an environment against {@link EXPECTED}. */
function assertEveryState(api: DriftGuardApi, env: EnvironmentNode, deployable: boolean): void {
  const children = api.migrationsTree.getChildren(env);
  const migrations = children.filter((n): n is MigrationNode => n.kind === 'migration');
  assert.deepEqual(
    migrations.map((m) => m.status.name),
    EXPECTED.map(([name]) => name),
    'migrations in apply order, the one missing locally placed by name',
  );
  for (const [name, state, iconId, description] of EXPECTED) {
    const node = migrations.find((m) => m.status.name === name)!;
    const treeItem = item(api, node);
    assert.equal(label(treeItem), name);
    const contextState = state === 'pending' && deployable ? 'pendingDeployable' : state;
    assert.equal(treeItem.contextValue, `driftGuard.migration.${contextState}`, `${name}: contextValue`);
    assert.equal(icon(treeItem).id, iconId, `${name}: icon`);
    assert.match(String(treeItem.description), description, `${name}: description`);
    if (state === 'missingLocally') assert.equal(treeItem.command, undefined, 'a ghost row opens nothing');
    else assert.equal(treeItem.command?.command, 'driftGuard.openMigration', `${name}: click opens migration.sql`);
  }
  const failed = item(api, migrations.find((m) => m.status.state === 'failed')!);
  assert.equal(icon(failed).color, 'testing.iconFailed');
  assert.ok(
    (failed.tooltip as vscode.MarkdownString).value.includes('relation "assessments" already exists'),
    'the failed row shows its logs in the tooltip',
  );
  const baseline = item(api, migrations.find((m) => m.status.name === '20260127_init')!);
  assert.match((baseline.tooltip as vscode.MarkdownString).value, /Baseline/);
  const hazard = item(api, migrations.find((m) => m.status.name === '20260214_add_diagnostics_v2_columns')!);
  assert.match(
    (hazard.tooltip as vscode.MarkdownString).value,
    /was applied after 20260214\\_fix\\_cascade\\_constraints/,
  );
}

describe('migrations explorer', function () {
  this.timeout(240_000);
  let api: DriftGuardApi;
  let pg: PostgresFixture;
  let sshd: SshdFixture;
  let dbName: string;
  let dbUrl: string;
  let tmp: string;
  const envFile = (): string => path.join(workspaceRoot(), '.env');

  before(async function () {
    requireServices(POSTGRES_ENV, SSHD_ENV);
    api = await extensionApi();
    [pg, sshd] = await Promise.all([sharedPostgres(), sharedSshd()]);
    dbName = `dg_explorer_${randomBytes(3).toString('hex')}`;
    dbUrl = await pg.createDatabase(dbName);
    await prepareEveryState(dbUrl);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'dg-explorer-'));
    const trusted = path.join(tmp, 'known_hosts');
    writeFileSync(trusted, `${sshd.knownHostsLine}\n`);
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('knownHostsFiles', [trusted], vscode.ConfigurationTarget.Global);
    // `local`: the project's own DATABASE_URL; STAGING_URL is the same database as the SSH server sees it.
    await fs.writeFile(
      envFile(),
      `DATABASE_URL="${dbUrl}"\nSTAGING_URL="postgresql://${pg.superuser}@127.0.0.1:${pg.port}/${dbName}"\n`,
    );
    await vscode.workspace.getConfiguration('driftGuard').update(
      'environments',
      [
        {
          name: 'staging',
          kind: 'staging',
          url: { from: 'env', variable: 'STAGING_URL' },
          ssh: {
            host: sshd.host,
            port: sshd.port,
            user: sshd.user,
            auth: 'key',
            keyPath: sshd.clientKeyPath,
            database: `127.0.0.1:${pg.port}`,
          },
        },
      ],
      vscode.ConfigurationTarget.Workspace,
    );
  });

  after(async () => {
    if (!api) return;
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('knownHostsFiles', undefined, vscode.ConfigurationTarget.Global);
    await fs.rm(envFile(), { force: true });
    for (const name of ['staging', 'production', 'volatile']) {
      await api.environments.deleteSecrets(vscode.workspace.workspaceFolders?.[0], name);
    }
    api.environments.resetPool();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('shows every state of the local database: labels, descriptions, contextValues, icons', async () => {
    await refresh();
    const local = await settled(api, 'local', 'history read', (n) => !!n.result?.history);
    const envItem = item(api, local);
    assert.equal(label(envItem), 'local');
    assert.equal(
      envItem.contextValue,
      'driftGuard.environment.localDeployable',
      'development + pending: deploy offered',
    );
    assert.match(
      String(envItem.description),
      /^development · 1 failed · 1 pending · 1 rolled back · 2 modified · 1 missing locally/,
    );
    assert.equal(icon(envItem).id, 'database');
    assertEveryState(api, local, true);
  });

  it('redraws only when what it shows changes (a redraw drops the rows VS Code holds, and a click on one then reaches no row)', async () => {
    await settled(api, 'local', 'history read', (n) => !!n.result?.history);
    let redraws = 0;
    const listener = api.migrationsTree.onDidChangeTreeData(() => redraws++);
    try {
      api.migrationsTree.refresh();
      const afterFirst = redraws;
      api.migrationsTree.refresh();
      api.migrationsTree.refresh();
      assert.equal(redraws, afterFirst, 'nothing changed: no redraw');
      // A real change (the analysis running, then its result) is drawn.
      await refresh();
      await settled(api, 'local', 'history read again', (n) => !!n.result?.history);
      assert.ok(redraws > afterFirst, 'the refresh was drawn');
    } finally {
      listener.dispose();
    }
  });

  it('follows the migrations folder: a new migration appears as pending without a refresh, and goes when deleted', async () => {
    const name = '20260301000000_add_invoice_notes';
    const folder = path.join(workspaceRoot(), 'prisma', 'migrations', name);
    await fs.mkdir(folder);
    try {
      await fs.writeFile(path.join(folder, 'migration.sql'), 'ALTER TABLE "users" ADD COLUMN "notes" TEXT;\n');
      const local = await settled(api, 'local', `${name} pending`, (n) =>
        api.migrationsTree
          .getChildren(n)
          .some((c) => c.kind === 'migration' && c.status.name === name && c.status.state === 'pending'),
      );
      const rows = api.migrationsTree.getChildren(local).filter((c): c is MigrationNode => c.kind === 'migration');
      assert.equal(rows[rows.length - 1].status.name, name, 'last in apply order');
      assert.match(String(item(api, local).description), /· 2 pending ·/);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
    await settled(
      api,
      'local',
      `${name} gone`,
      (n) => !api.migrationsTree.getChildren(n).some((c) => c.kind === 'migration' && c.status.name === name),
    );
  });

  it('shows the same through an SSH tunnel to the fixture sshd, and Test Connection reports each hop', async () => {
    const staging = await settled(api, 'staging', 'history read through the tunnel', (n) => !!n.result?.history);
    const envItem = item(api, staging);
    assert.equal(icon(envItem).id, 'cloud', 'an SSH environment has the cloud icon');
    assert.equal(envItem.contextValue, 'driftGuard.environment.configuredDeployable');
    assert.match(String(envItem.description), /1 failed · 1 pending/);
    assertEveryState(api, staging, true);
    assert.ok(api.environments.openTunnels >= 1, 'the tunnel stays open for the next refresh');

    const hops = await vscode.commands.executeCommand<ConnectionHop[]>(
      'driftGuard.testConnection',
      staging.project.root,
      'staging',
    );
    assert.deepEqual(
      hops.map((h) => [h.hop, h.status]),
      [
        ['url', 'ok'],
        ['ssh', 'ok'],
        ['tunnel', 'ok'],
        ['database', 'ok'],
        ['migrationsTable', 'warning'],
      ],
      JSON.stringify(hops, null, 1),
    );
    assert.match(
      hops[1].message,
      new RegExp(`connected to ${sshd.user}@127\\.0\\.0\\.1:${sshd.port} \\(key; host key SHA256:\\S+ known\\)`),
    );
    assert.match(hops[2].message, new RegExp(`reaches 127\\.0\\.0\\.1:${pg.port}`));
    assert.match(
      hops[3].message,
      /^PostgreSQL 15\.\d+, database dg_explorer_\w+ as postgres \(through the tunnel on 127\.0\.0\.1:\d+\)$/,
    );
    assert.match(hops[4].message, /_prisma_migrations found: 10 recorded, 8 applied, 1 failed, 1 rolled back/);

    // What the engine says of the tunnelled URL (Mark Applied's and Deploy's notifications) names the server's
    // database, not the tunnel's local port, which changes every time.
    const environment = api.environments.environments(staging.project).find((e) => e.name === 'staging');
    assert.ok(environment);
    const acquired = await environment.acquire();
    try {
      const local = new URL(acquired.url).host;
      assert.match(local, /^127\.0\.0\.1:\d+$/);
      assert.notEqual(local, `127.0.0.1:${pg.port}`, 'the tunnel has its own local port');
      assert.equal(
        acquired.readable?.(`Recorded 20260101000000_init as applied on ${local}/${dbName}.`),
        `Recorded 20260101000000_init as applied on ${sshd.user}@127.0.0.1:${sshd.port} → 127.0.0.1:${pg.port}/${dbName}.`,
      );
    } finally {
      acquired.release();
    }
  });

  it('refuses a changed host key and says so in the tree', async () => {
    const mismatching = knownHostsWithChangedKey(tmp, sshd);
    const config = vscode.workspace.getConfiguration('driftGuard');
    await config.update('knownHostsFiles', [mismatching], vscode.ConfigurationTarget.Global);
    try {
      await refresh();
      const staging = await settled(
        api,
        'staging',
        'the host key refusal',
        (n) => n.result?.error?.code === 'host-key-changed',
      );
      const [row] = api.migrationsTree.getChildren(staging) as MessageNode[];
      assert.equal(row.variant, 'error');
      const rowItem = item(api, row);
      assert.match(label(rowItem), /WARNING: the SSH host key of \[127\.0\.0\.1\]:\d+ has CHANGED/);
      assert.equal(icon(rowItem).id, 'shield');
      assert.equal(rowItem.contextValue, 'driftGuard.status.errorConfigured');
      assert.match((rowItem.tooltip as vscode.MarkdownString).value, /man-in-the-middle/);
      assert.equal(String(item(api, staging).description), 'unreachable');
      // The local database is not affected.
      assert.ok(environmentNode(api, 'local')?.result?.history);
    } finally {
      await config.update('knownHostsFiles', [path.join(tmp, 'known_hosts')], vscode.ConfigurationTarget.Global);
    }
    await refresh();
    await settled(api, 'staging', 'recovery with the right key', (n) => !!n.result?.history);
  });

  it('reports a wrong SSH password on the row, and Test Connection names the SSH hop', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const environments = vscode.workspace.getConfiguration('driftGuard').get<unknown[]>('environments') ?? [];
    await api.environments.storeSecret(
      folder,
      'production',
      'url',
      `postgresql://${pg.superuser}@127.0.0.1:${pg.port}/${dbName}`,
    );
    await api.environments.storeSecret(folder, 'production', 'sshPassword', `${sshd.password}-wrong`);
    await vscode.workspace.getConfiguration('driftGuard').update(
      'environments',
      [
        ...environments,
        {
          name: 'production',
          kind: 'production',
          url: { from: 'secret' },
          ssh: {
            host: sshd.host,
            port: sshd.port,
            user: sshd.user,
            auth: 'password',
            database: `127.0.0.1:${pg.port}`,
          },
        },
      ],
      vscode.ConfigurationTarget.Workspace,
    );
    await refresh();
    const production = await settled(api, 'production', 'the authentication failure', (n) => !!n.result?.error);
    assert.equal(production.result?.error?.code, 'auth-failed');
    const [row] = api.migrationsTree.getChildren(production) as MessageNode[];
    assert.match(
      label(item(api, row)),
      new RegExp(`Authentication failed for ${sshd.user}@127\\.0\\.0\\.1:${sshd.port} \\(methods tried: password`),
    );
    assert.equal(
      item(api, production).contextValue,
      'driftGuard.environment.configured',
      'production never offers deploy',
    );

    const hops = await vscode.commands.executeCommand<ConnectionHop[]>(
      'driftGuard.testConnection',
      production.project.root,
      'production',
    );
    assert.deepEqual(
      hops.map((h) => h.status),
      ['ok', 'failed', 'skipped', 'skipped', 'skipped'],
    );
    assert.equal(hops[1].hop, 'ssh');
    assert.match(hops[1].message, /Authentication failed/);

    // The right password fixes it; production pending rows are not deployable.
    await api.environments.storeSecret(folder, 'production', 'sshPassword', sshd.password);
    await refresh();
    const fixed = await settled(api, 'production', 'history with the right password', (n) => !!n.result?.history);
    const pending = api.migrationsTree
      .getChildren(fixed)
      .find((n): n is MigrationNode => n.kind === 'migration' && n.status.state === 'pending')!;
    assert.equal(item(api, pending).contextValue, 'driftGuard.migration.pending');
  });

  it('shows the error when sshd stops mid-session and recovers after it restarts', async () => {
    const own = await startSshd();
    try {
      const known = path.join(tmp, 'known_hosts');
      writeFileSync(known, `${sshd.knownHostsLine}\n${own.knownHostsLine}\n`);
      api.environments.resetPool();
      const environments = (
        vscode.workspace.getConfiguration('driftGuard').get<unknown[]>('environments') ?? []
      ).filter((e) => (e as { name?: string }).name === 'staging');
      await vscode.workspace.getConfiguration('driftGuard').update(
        'environments',
        [
          ...environments,
          {
            name: 'volatile',
            kind: 'development',
            url: { from: 'env', variable: 'STAGING_URL' },
            ssh: {
              host: own.host,
              port: own.port,
              user: own.user,
              auth: 'key',
              keyPath: own.clientKeyPath,
              database: `127.0.0.1:${pg.port}`,
            },
          },
        ],
        vscode.ConfigurationTarget.Workspace,
      );
      await refresh();
      await settled(api, 'volatile', 'history through the private sshd', (n) => !!n.result?.history);

      await own.stop();
      await refresh();
      const down = await settled(api, 'volatile', 'the connection error', (n) => !!n.result?.error);
      assert.match(String(down.result?.error?.code), /connection-refused|connection-lost|forward-failed/);
      const [row] = api.migrationsTree.getChildren(down) as MessageNode[];
      assert.equal(row.variant, 'error');
      assert.match(label(item(api, row)), new RegExp(`127\\.0\\.0\\.1:${own.port}`));
      assert.equal(icon(item(api, down)).color, 'errorForeground');
      assert.ok(environmentNode(api, 'staging')?.result?.history, 'the other tunnel keeps working');

      await own.start();
      await refresh();
      const back = await settled(api, 'volatile', 'recovery after restart', (n) => !!n.result?.history);
      assertEveryState(api, back, true);
    } finally {
      await disposeSshd(own);
    }
  });

  it('shows names and logs read from the database without control characters (label, description, tooltip)', async () => {
    const ghost = EXPECTED.find(([, state]) => state === 'missingLocally')![0];
    const evil = String.raw`E'\u001b]0;pwned\u0007\u001b[2J\u001b[H\rAll clear\u009b31m'`;
    await pg.psql(`UPDATE _prisma_migrations SET logs = logs || ${evil} WHERE logs IS NOT NULL`, dbName);
    await pg.psql(
      `UPDATE _prisma_migrations SET migration_name = migration_name || ${evil} WHERE migration_name = '${ghost}'`,
      dbName,
    );
    await refresh();
    const local = await settled(
      api,
      'local',
      'the hostile history read',
      (n) => !!n.result?.history?.migrations.some((m) => m.name.includes('pwned')),
    );
    const texts: string[] = [];
    for (const node of [local, ...api.migrationsTree.getChildren(local)]) {
      const treeItem = item(api, node);
      const tooltip =
        treeItem.tooltip instanceof vscode.MarkdownString ? treeItem.tooltip.value : (treeItem.tooltip ?? '');
      texts.push(label(treeItem), String(treeItem.description ?? ''), tooltip);
    }
    const all = texts.join('\n');
    assert.match(all, /pwned/, 'the hostile row is shown');
    assert.match(all, /All clear/, 'its logs are shown');
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    assert.doesNotMatch(all, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, JSON.stringify(all));
  });
});
