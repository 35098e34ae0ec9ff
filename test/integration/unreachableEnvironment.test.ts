/**
 * One database that does not answer must not hold the others back. In a real extension host, against the
 * harness's real PostgreSQL: `local` (the project's DATABASE_URL) next to an environment whose SSH server is a
 * real TCP listener that accepts connections and never says a word (a host behind a dead VPN, a hung sshd).
 * `local` is published — result in, no longer checking — while the silent one is still being checked; when
 * the server finally drops the connection, its row shows the error. Assertions are on states and order,
 * never on durations.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../src/extension';
import {
  type EnvironmentNode,
  type MessageNode,
  type MigrationNode,
} from '../../src/features/migrations/treeDataProvider';
import { prepareHistoryOnly } from '../fixtures/demoDatabase';
import { prepareWithPending } from '../fixtures/explorerDatabase';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { extensionApi } from './helpers/extension';
import { waitFor, requireServices } from './helpers/wait';

const SILENT = 'silent';

function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder;
}

function environmentNode(api: DriftGuardApi, name: string): EnvironmentNode | undefined {
  return api.migrationsTree
    .getChildren()
    .find((n): n is EnvironmentNode => n.kind === 'environment' && n.environment.name === name);
}

function description(api: DriftGuardApi, node: EnvironmentNode): string {
  return String(api.migrationsTree.getTreeItem(node).description ?? '');
}

/** A TCP server that accepts every connection and never sends a byte, until {@link dropAll}. */
class SilentServer {
  private readonly server = net.createServer((socket) => {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  });
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted so far. */
  accepted = 0;

  constructor() {
    this.server.on('connection', () => this.accepted++);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  get open(): number {
    return this.sockets.size;
  }

  /** Closes the accepted connections without a word (the client sees the server hang up). */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('an unreachable environment', function () {
  this.timeout(240_000);
  let api: DriftGuardApi;
  let pg: PostgresFixture;
  let dbName: string;
  let productionOrderDb: string | undefined;
  let silent: SilentServer;
  let port: number;
  let pending: string[];
  const envFile = (): string => path.join(workspaceFolder().uri.fsPath, '.env');

  before(async function () {
    requireServices(POSTGRES_ENV);
    api = await extensionApi();
    pg = await sharedPostgres();
    dbName = `dg_silent_${randomBytes(3).toString('hex')}`;
    const url = await pg.createDatabase(dbName);
    pending = await prepareWithPending(url, 2);
    silent = new SilentServer();
    port = await silent.listen();
    await api.environments.storeSecret(workspaceFolder(), SILENT, 'sshPassword', 'never-used');
    await fs.writeFile(
      envFile(),
      `DATABASE_URL="${url}"\nSILENT_URL="postgresql://${pg.superuser}@127.0.0.1:${pg.port}/${dbName}"\n`,
    );
    // The project reads .env when it is discovered again: only then does SILENT_URL resolve.
    await waitFor('the project to read the new .env', () =>
      environmentNode(api, 'local')?.environment.description.includes(dbName),
    );
    await vscode.workspace.getConfiguration('driftGuard').update(
      'environments',
      [
        {
          name: SILENT,
          kind: 'staging',
          url: { from: 'env', variable: 'SILENT_URL' },
          // The longest timeout the settings allow: the test ends the wait itself, by dropping the connection.
          ssh: {
            host: '127.0.0.1',
            port,
            user: 'nobody',
            auth: 'password',
            database: `127.0.0.1:${pg.port}`,
            connectTimeoutSeconds: 600,
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
    await api.environments.deleteSecrets(workspaceFolder(), SILENT);
    await fs.rm(envFile(), { force: true });
    api.environments.resetPool();
    await silent?.close();
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
    if (productionOrderDb) await pg.dropDatabase(productionOrderDb).catch(() => undefined);
  });

  it('does not delay the others: local is shown while it is still being checked, then it shows the error', async () => {
    // The refresh resolves once every database is done, the silent one included: not awaited until the end.
    const refreshing = vscode.commands.executeCommand('driftGuard.refreshMigrations');
    // The moment local's new result is in, the silent server still holds its connection: nothing it said.
    const { local, other } = await waitFor(
      'local checked while the silent environment is still being checked',
      () => {
        const local = environmentNode(api, 'local');
        const other = environmentNode(api, SILENT);
        // The SSH client may reach the silent server a moment after local is done (under load): wait for both.
        if (!local?.result?.history || local.running || !other || silent.accepted < 1 || silent.open < 1) {
          return undefined;
        }
        // This database's own history (the result of a check made after the .env above), not an older one.
        const rows = api.migrationsTree
          .getChildren(local)
          .filter((n): n is MigrationNode => n.kind === 'migration' && n.status.state === 'pending');
        return rows.map((r) => r.status.name).join() === pending.join() ? { local, other } : undefined;
      },
      120_000,
    );
    assert.ok(
      silent.accepted >= 1 && silent.open >= 1,
      'the SSH client connected to the silent server and is waiting for it',
    );
    assert.equal(other.running, true, `${SILENT} is still being checked`);
    assert.equal(other.result, undefined, `${SILENT} has no result yet`);
    assert.match(description(api, other), /checking…/);
    const [row] = api.migrationsTree.getChildren(other) as MessageNode[];
    assert.equal(row.variant, 'loading');
    assert.equal(row.label, `Checking ${SILENT}…`);
    assert.match(description(api, local), /^development · 2 pending$/);

    silent.dropAll();
    const down = await waitFor(
      `${SILENT}: the error`,
      () => {
        const node = environmentNode(api, SILENT);
        return node?.result?.error && !node.running ? node : undefined;
      },
      60_000,
    );
    assert.equal(down.result?.error?.code, 'protocol');
    const [error] = api.migrationsTree.getChildren(down) as MessageNode[];
    assert.equal(error.variant, 'error');
    // Which words depend on how the hang-up reaches the client (FIN or RST); it names the server and the phase.
    assert.match(
      error.label,
      new RegExp(
        `^nobody@127\\.0\\.0\\.1:${port} (\\(port ${port}\\) )?(closed|dropped) the connection (before|during) the SSH handshake`,
      ),
    );
    assert.equal(description(api, down), 'staging · unreachable');
    await refreshing;
    // local kept its result all along.
    assert.match(description(api, environmentNode(api, 'local')!), /^development · 2 pending$/);
  });

  it('can be cancelled: the silent one is left as "check cancelled", local keeps its result', async () => {
    const before = silent.accepted;
    const refreshing = vscode.commands.executeCommand('driftGuard.refreshMigrations');
    await waitFor('a new connection to the silent server, and local checked again', () => {
      const local = environmentNode(api, 'local');
      const other = environmentNode(api, SILENT);
      return silent.accepted > before && silent.open >= 1 && local?.result?.history && !local.running && other?.running;
    });
    // What Cancel on "Check Drift Now" does.
    api.analysis.cancelDatabases();
    await refreshing;
    const other = environmentNode(api, SILENT);
    assert.ok(other && !other.running, `${SILENT} is no longer being checked`);
    assert.equal(other.result?.error?.code, 'cancelled');
    assert.equal(description(api, other), 'staging · check cancelled');
    const [row] = api.migrationsTree.getChildren(other) as MessageNode[];
    assert.equal(row.variant, 'notChecked');
    assert.equal(row.label, `The check of ${SILENT} was cancelled before it finished.`);
    assert.match(description(api, environmentNode(api, 'local')!), /^development · 2 pending$/);
    silent.dropAll();
  });

  it("gives the guard rails local's history while the silent one is still being checked", async () => {
    // local now holds production's history: the three 20260214 migrations applied out of name order.
    productionOrderDb = `${dbName}_order`;
    const url = await pg.createDatabase(productionOrderDb);
    await prepareHistoryOnly(url, { withData: false });
    await fs.writeFile(
      envFile(),
      `DATABASE_URL="${url}"\nSILENT_URL="postgresql://${pg.superuser}@127.0.0.1:${pg.port}/${dbName}"\n`,
    );
    const sql = vscode.Uri.file(
      path.join(
        workspaceFolder().uri.fsPath,
        'prisma',
        'migrations',
        '20260214_fix_cascade_constraints',
        'migration.sql',
      ),
    );
    const hazard = await waitFor(
      "the same-day order warning from local's history while the silent environment is still being checked",
      () => {
        const found = vscode.languages
          .getDiagnostics(sql)
          .find((d) => (typeof d.code === 'object' ? d.code.value : d.code) === 'migration-same-day-order');
        return found && environmentNode(api, SILENT)?.running ? found : undefined;
      },
    );
    assert.match(
      hazard.message,
      /but local applied them fix_cascade_constraints → init_assessment_module → add_diagnostics_v2_columns/,
    );
    assert.equal(
      environmentNode(api, SILENT)?.result?.error?.code,
      'cancelled',
      `${SILENT} still shows its previous result`,
    );
    silent.dropAll();
    await waitFor(`${SILENT}: the error`, () => environmentNode(api, SILENT)?.result?.error?.code === 'protocol');
  });

  it('verifies the deployed environment alone in the runbook: local is verified while the silent one is still being checked', async () => {
    const service = await api.runbook.service();
    const file = path.join(workspaceFolder().uri.fsPath, 'docs', 'unreachable-runbook.md');
    await fs.mkdir(path.dirname(file), { recursive: true });
    // A section without a target runs on this machine, against `local`.
    await fs.writeFile(
      file,
      [
        '# Deploy',
        '',
        '## Deploy here',
        '```bash',
        '# Apply the migrations',
        'npx prisma migrate deploy',
        '```',
        '',
      ].join('\n'),
    );
    const refreshing = vscode.commands.executeCommand('driftGuard.refreshMigrations');
    try {
      const session = await service.open(vscode.Uri.file(file));
      assert.ok(session);
      const step = session.runbook.sections.flatMap((s) => s.steps).find((s) => s.title === 'Apply the migrations');
      assert.ok(step);
      session.markDone(step.id);
      const before = silent.accepted;
      await waitFor(
        'the silent server to hold a new connection',
        () => silent.accepted > before && silent.open >= 1 && environmentNode(api, SILENT)?.running,
      );
      // Not awaited: what is checked is that it is done while the silent one is still pending.
      const verifying = session.verify(step.id);
      const verification = await waitFor('the verification of local', () => {
        const state = session
          .view()
          .sections.flatMap((s) => s.steps)
          .find((s) => s.id === step.id)?.verification;
        return state?.status === 'done' ? state : undefined;
      });
      assert.equal(verification.environment, 'local');
      // local holds the production-order history of the test above: all applied, nothing drifted.
      assert.match(verification.summary ?? '', /^\d+ applied · 0 pending · no drift$/);
      assert.ok(silent.open >= 1, 'the silent server still holds the connection');
      assert.equal(environmentNode(api, SILENT)?.running, true, `${SILENT} is still being checked`);
      await verifying;
    } finally {
      service.panel(vscode.Uri.file(file))?.dispose();
      await fs.rm(file, { force: true });
      silent.dropAll();
      await refreshing;
    }
    assert.equal(environmentNode(api, SILENT)?.result?.error?.code, 'protocol');
  });

  it('refreshes the others on the interval while the silent one is still being checked, without a new connection to it', async () => {
    const before = silent.accepted;
    const refreshing = vscode.commands.executeCommand('driftGuard.refreshMigrations');
    try {
      await waitFor('local checked while the silent server holds a new connection', () => {
        const local = environmentNode(api, 'local');
        return (
          silent.accepted > before &&
          silent.open >= 1 &&
          environmentNode(api, SILENT)?.running &&
          local?.result?.history &&
          !local.running
        );
      });
      const accepted = silent.accepted;
      const previous = environmentNode(api, 'local')?.result;
      // The interval runs only while the view is visible.
      await vscode.commands.executeCommand('driftGuard.migrations.focus');
      await vscode.workspace
        .getConfiguration('driftGuard')
        .update('refreshIntervalSeconds', 15, vscode.ConfigurationTarget.Workspace);
      try {
        await waitFor(
          'local checked again by the interval',
          () => {
            const local = environmentNode(api, 'local');
            return local?.result?.history && local.result !== previous && !local.running;
          },
          120_000,
        );
      } finally {
        await vscode.workspace
          .getConfiguration('driftGuard')
          .update('refreshIntervalSeconds', undefined, vscode.ConfigurationTarget.Workspace);
      }
      assert.equal(environmentNode(api, SILENT)?.running, true, `${SILENT} is still being checked`);
      assert.equal(
        silent.accepted,
        accepted,
        'no other connection to the silent server: the ticks did not pile up on it',
      );
      assert.ok(silent.open >= 1);
    } finally {
      silent.dropAll();
      await refreshing;
    }
    assert.equal(environmentNode(api, SILENT)?.result?.error?.code, 'protocol');
  });
});
