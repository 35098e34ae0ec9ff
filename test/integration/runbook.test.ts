/**
 * The runbook in a real extension host, against the harness's real sshd and PostgreSQL: remote steps in the
 * SSH pseudoterminal (output, exit codes, a failing command stopping its section, cancel, wrong password,
 * refused connection, changed host key — each reported on the step), local steps through shell integration
 * and through the child-process fallback, and the team's gates (no deploy to production before a backup in
 * the same run, never db push on production), then the post-deploy verification through the engine.
 * The questions the runbook asks (variables, typed confirmations) are answered by a test double of
 * RunbookPrompts; everything else is the extension as shipped.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../src/extension';
import { defaultPrompts, type RunbookPrompts } from '../../src/features/runbook/prompts';
import { type RunbookService } from '../../src/features/runbook/runbookService';
import { type RunbookSession } from '../../src/features/runbook/runbookSession';
import { prepareHistoryOnly } from '../fixtures/demoDatabase';
import { POSTGRES_ENV, sharedPostgres, type PostgresFixture } from '../fixtures/postgres';
import { SSHD_ENV, sharedSshd, type SshdFixture } from '../fixtures/sshd';
import { freePort } from '../fixtures/util';
import { extensionApi } from './helpers/extension';
import { knownHostsWithChangedKey } from './helpers/ssh';
import { waitFor, requireServices } from './helpers/wait';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

/** Processes whose full command line matches `pattern` (the sshd runs on this machine). */
function processes(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('runbook', function () {
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
  let previousPrompts: RunbookPrompts = defaultPrompts;
  // Unique per run: other runs of this suite on the machine must not match our pgrep.
  const sleepSeconds = `31.${randomBytes(3).readUIntBE(0, 3)}`;
  const confirmations: string[] = [];
  const asked: string[] = [];
  const folder = (): vscode.WorkspaceFolder | undefined => vscode.workspace.workspaceFolders?.[0];
  const stepId = (title: string): string => {
    const step = session.runbook.sections.flatMap((s) => s.steps).find((s) => s.title === title);
    assert.ok(
      step,
      `no step "${title}" in ${session.runbook.sections
        .flatMap((s) => s.steps)
        .map((s) => s.title)
        .join(' | ')}`,
    );
    return step.id;
  };
  const viewOf = (id: string) =>
    session
      .view()
      .sections.flatMap((s) => s.steps)
      .find((s) => s.id === id)!;

  before(async function () {
    requireServices(POSTGRES_ENV, SSHD_ENV);
    api = await extensionApi();
    service = await api.runbook.service();
    previousPrompts = service.prompts;
    service.prompts = {
      variable: (variable, defaultValue) => {
        asked.push(variable.name);
        return Promise.resolve(defaultValue ?? 'value');
      },
      confirmTyped: (request) => {
        confirmations.push(`typed ${request.expected}: ${request.reason}`);
        return Promise.resolve(true);
      },
      confirmWrite: (environment, action) => {
        confirmations.push(`write ${environment.name}: ${action}`);
        return Promise.resolve(true);
      },
      manualStep: () => Promise.resolve(true),
      skipReason: () => Promise.resolve('not today'),
    };
    [sshd, pg] = await Promise.all([sharedSshd(), sharedPostgres()]);
    dbName = `dg_runbook_${randomBytes(3).toString('hex')}`;
    const url = await pg.createDatabase(dbName);
    await prepareHistoryOnly(url);

    tmp = mkdtempSync(path.join(os.tmpdir(), 'dg-runbook-'));
    const trusted = path.join(tmp, 'known_hosts');
    writeFileSync(trusted, `${sshd.knownHostsLine}\n`);
    // A folder the SSH test user can write to: backups, and a fake `npx` whose deploy leaves a mark.
    shared = path.join(os.tmpdir(), `dg-rb-${randomBytes(4).toString('hex')}`);
    mkdirSync(path.join(shared, 'bin'), { recursive: true });
    writeFileSync(path.join(shared, 'bin', 'npx'), `#!/bin/sh\necho "fake npx: $*"\necho "$*" >> ${shared}/ran\n`);
    chmodSync(shared, 0o777);
    chmodSync(path.join(shared, 'bin'), 0o755);
    chmodSync(path.join(shared, 'bin', 'npx'), 0o755);

    const refusedPort = await freePort();
    const ssh = { host: sshd.host, port: sshd.port, user: sshd.user };
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('knownHostsFiles', [trusted], vscode.ConfigurationTarget.Global);
    await api.environments.storeSecret(
      folder(),
      'production',
      'url',
      `postgresql://${pg.superuser}@127.0.0.1:${pg.port}/${dbName}`,
    );
    await api.environments.storeSecret(folder(), 'wrongpw', 'sshPassword', `${sshd.password}-wrong`);
    await vscode.workspace.getConfiguration('driftGuard').update(
      'environments',
      [
        {
          name: 'box',
          kind: 'staging',
          url: { from: 'env', variable: 'DG_RUNBOOK_BOX_URL' },
          ssh: { ...ssh, auth: 'key', keyPath: sshd.clientKeyPath },
        },
        {
          name: 'production',
          kind: 'production',
          url: { from: 'secret' },
          ssh: { ...ssh, auth: 'key', keyPath: sshd.clientKeyPath, database: `127.0.0.1:${pg.port}` },
        },
        {
          name: 'wrongpw',
          kind: 'staging',
          url: { from: 'env', variable: 'DG_RUNBOOK_BOX_URL' },
          ssh: { ...ssh, auth: 'password' },
        },
        {
          name: 'refused',
          kind: 'staging',
          url: { from: 'env', variable: 'DG_RUNBOOK_BOX_URL' },
          ssh: { ...ssh, port: refusedPort, auth: 'key', keyPath: sshd.clientKeyPath },
        },
      ],
      vscode.ConfigurationTarget.Workspace,
    );

    const dump = `pg_dump -h 127.0.0.1 -p ${pg.port} -U ${pg.superuser} ${dbName}`;
    runbookFile = path.join(workspaceRoot(), 'docs', 'integration-runbook.md');
    mkdirSync(path.dirname(runbookFile), { recursive: true });
    writeFileSync(
      runbookFile,
      [
        '# Integration runbook',
        '',
        '## Remote box',
        '<!-- env: box -->',
        '```bash',
        '# Say hello',
        'echo "hello from $(whoami) on the box"',
        '```',
        '',
        '## Failing section',
        '<!-- env: box -->',
        '```bash',
        '# First',
        'echo first',
        '',
        '# Fails',
        "sh -c 'echo failing >&2; exit 3'",
        '',
        '# Never',
        'echo never',
        '```',
        '',
        '## Long',
        '<!-- env: box -->',
        '```bash',
        '# Sleeps',
        `sleep ${sleepSeconds} && echo too-late`,
        '```',
        '',
        '## Unreachable',
        '<!-- env: wrongpw -->',
        '```bash',
        '# Wrong password',
        'echo never-authenticated',
        '```',
        '',
        '## Refused',
        '<!-- env: refused -->',
        '```bash',
        '# Nothing listening',
        'echo never-connected',
        '```',
        '',
        '## Nowhere',
        '<!-- env: nowhere -->',
        '```bash',
        '# No such environment',
        'echo nowhere',
        '```',
        '',
        '## Local',
        '```bash',
        '# Local hello',
        'echo "local-ok-$((6*7))"',
        '',
        '# Local failure',
        "sh -c 'exit 4'",
        '',
        '# Through a process',
        "echo via-process && sh -c 'exit 5'",
        '```',
        '',
        '## Deploy to production',
        '<!-- env: production -->',
        '```bash',
        '# Backup before deploy',
        `${dump} > ${shared}/pre_deploy_$(date +%Y%m%d_%H%M%S).sql`,
        '',
        '# Apply the migrations',
        `PATH=${shared}/bin:$PATH npx prisma migrate deploy`,
        '',
        '# Push the schema',
        `PATH=${shared}/bin:$PATH npx prisma db push`,
        '```',
        '',
        '## Rollback production',
        '<!-- env: production -->',
        '```bash',
        '# Restore the backup',
        `psql -h 127.0.0.1 -p ${pg.port} -U ${pg.superuser} -d ${dbName} < ${shared}/pre_deploy_YYYYMMDD_HHMMSS.sql`,
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
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('knownHostsFiles', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('runbookLocalSteps', undefined, vscode.ConfigurationTarget.Workspace);
    for (const name of ['production', 'wrongpw']) await api.environments.deleteSecrets(folder(), name);
    for (const t of vscode.window.terminals.filter((t) => t.name.startsWith('Runbook'))) t.dispose();
    api.environments.resetPool();
    if (runbookFile) rmSync(runbookFile, { force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (shared) rmSync(shared, { recursive: true, force: true });
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('opens the panel: the webview says ready and receives the state', async () => {
    const panel = service.panel(vscode.Uri.file(runbookFile));
    assert.ok(panel, 'a panel for the runbook');
    await waitFor('the webview to say ready and get the state', () => panel.posted > 0, 30_000);
    const view = session.view();
    assert.equal(view.title, 'Integration runbook');
    assert.equal(
      view.sections.find((s) => s.title === 'Deploy to production')?.production,
      `production · ${sshd.user}@127.0.0.1:${sshd.port}`,
    );
  });

  it('runs a remote step over SSH in the environment terminal: exit 0, duration and output', async () => {
    const id = stepId('Say hello');
    const result = await session.runStep(id);
    assert.equal(result.status, 'succeeded', JSON.stringify(result));
    assert.equal(result.state?.exitCode, 0);
    assert.match(result.state?.output ?? '', new RegExp(`hello from ${sshd.user} on the box`));
    assert.ok((result.state?.durationMs ?? -1) >= 0);
    const view = viewOf(id);
    assert.equal(view.status, 'succeeded');
    assert.equal(view.target.label, `box · ${sshd.user}@127.0.0.1:${sshd.port}`);
    const terminals = vscode.window.terminals.filter((t) => t.name === `Runbook: box (${sshd.user}@127.0.0.1)`);
    assert.equal(terminals.length, 1, vscode.window.terminals.map((t) => t.name).join(', '));
    // The same terminal again for the next step on that environment.
    assert.equal((await session.runStep(id)).status, 'succeeded');
    assert.equal(vscode.window.terminals.filter((t) => t.name === `Runbook: box (${sshd.user}@127.0.0.1)`).length, 1);
  });

  it('stops "Run section" at the failing command, with its exit code', async () => {
    const section = session.runbook.sections.find((s) => s.title === 'Failing section')!;
    const result = await session.runSection(section.id);
    const [first, failing, never] = section.steps.map((s) => s.id);
    assert.deepEqual(result.ran, [first, failing]);
    assert.equal(result.stoppedAt, failing);
    const state = session.run.steps[failing];
    assert.equal(state.status, 'failed');
    assert.equal(state.exitCode, 3);
    assert.equal(state.message, 'Exit code 3');
    assert.match(state.output ?? '', /failing/);
    assert.equal(session.run.steps[never], undefined, 'the step after the failure did not run');
    assert.equal(viewOf(failing).output?.trim(), 'failing');
  });

  it('cancels a running remote step and the remote process goes away', async () => {
    const id = stepId('Sleeps');
    const running = session.runStep(id);
    await waitFor(
      'the remote sleep to start',
      () => session.run.steps[id]?.status === 'running' && processes(`sleep ${sleepSeconds}`).length > 0,
      30_000,
    );
    assert.equal(session.runningStep, id);
    const started = Date.now();
    session.cancel();
    const result = await running;
    assert.equal(result.status, 'cancelled', JSON.stringify(result));
    assert.ok(Date.now() - started < 10_000, 'cancel is prompt');
    assert.match(result.message ?? '', /^Cancelled after/);
    await waitFor('the remote sleep to be gone', () => processes(`sleep ${sleepSeconds}`).length === 0, 15_000);
    assert.equal(session.runningStep, undefined);
  });

  it('reports a wrong password and a refused connection on the step', async () => {
    const wrong = await session.runStep(stepId('Wrong password'));
    assert.equal(wrong.status, 'failed');
    assert.equal(wrong.state?.exitCode, null);
    assert.match(
      wrong.message ?? '',
      new RegExp(`Authentication failed for ${sshd.user}@127\\.0\\.0\\.1:${sshd.port}`),
    );
    assert.match(viewOf(stepId('Wrong password')).message ?? '', /Authentication failed/);
    const refused = await session.runStep(stepId('Nothing listening'));
    assert.equal(refused.status, 'failed');
    assert.match(refused.message ?? '', /^Connection refused by 127\.0\.0\.1:\d+ — no SSH server is listening/);
  });

  it('refuses a changed host key, on the step, and connects again with the right one', async () => {
    const mismatching = knownHostsWithChangedKey(tmp, sshd);
    const config = vscode.workspace.getConfiguration('driftGuard');
    await config.update('knownHostsFiles', [mismatching], vscode.ConfigurationTarget.Global);
    try {
      const result = await session.runStep(stepId('Say hello'));
      assert.equal(result.status, 'failed');
      assert.match(result.message ?? '', /WARNING: the SSH host key of \[127\.0\.0\.1\]:\d+ has CHANGED/);
    } finally {
      await config.update('knownHostsFiles', [path.join(tmp, 'known_hosts')], vscode.ConfigurationTarget.Global);
    }
    assert.equal((await session.runStep(stepId('Say hello'))).status, 'succeeded');
  });

  it('refuses a step whose environment is not configured, offering to add it', async () => {
    const id = stepId('No such environment');
    assert.deepEqual(viewOf(id).target.problem, {
      message: 'No environment named "nowhere" in driftGuard.environments.',
      action: 'addEnvironment',
      inSectionBanner: true,
    });
    const result = await session.runStep(id);
    assert.equal(result.status, 'refused');
    assert.equal(session.run.steps[id].status, 'notRun');
  });

  it('runs local steps in the integrated terminal through shell integration, with their exit codes', async () => {
    const ok = await session.runStep(stepId('Local hello'));
    assert.equal(ok.status, 'succeeded', JSON.stringify(ok));
    assert.match(ok.state?.output ?? '', /local-ok-42/);
    const terminal = vscode.window.terminals.find((t) => t.name === 'Runbook: local');
    assert.ok(terminal, 'the local runbook terminal');
    assert.ok(terminal.shellIntegration, 'shell integration is active in it (not the fallback)');
    const failed = await session.runStep(stepId('Local failure'));
    assert.equal(failed.status, 'failed');
    assert.equal(failed.state?.exitCode, 4);
  });

  it('falls back to a child process in a pseudoterminal when asked (driftGuard.runbookLocalSteps = process)', async () => {
    await vscode.workspace
      .getConfiguration('driftGuard')
      .update('runbookLocalSteps', 'process', vscode.ConfigurationTarget.Workspace);
    try {
      const result = await session.runStep(stepId('Through a process'));
      assert.equal(result.status, 'failed');
      assert.equal(result.state?.exitCode, 5);
      assert.match(result.state?.output ?? '', /via-process/);
    } finally {
      await vscode.workspace
        .getConfiguration('driftGuard')
        .update('runbookLocalSteps', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('refuses migrate deploy on production before a backup; after the backup it runs, and db push never does', async () => {
    const deploy = stepId('Apply the migrations');
    const before = await session.runStep(deploy);
    assert.equal(before.status, 'refused');
    assert.match(before.message ?? '', /No backup of production succeeded in this run/);
    assert.ok(!existsSync(path.join(shared, 'ran')), 'nothing ran on the server');
    assert.match(viewOf(deploy).gate ?? '', /No backup of production/);
    assert.match(viewOf(deploy).message ?? '', /No backup of production/, 'the refusal is shown on the step');

    const backup = await session.runStep(stepId('Backup before deploy'));
    assert.equal(backup.status, 'succeeded', JSON.stringify(backup));
    const record = session.run.backups.at(-1)!;
    assert.match(record.path, new RegExp(`^${shared}/pre_deploy_\\d{8}_\\d{6}\\.sql$`));
    assert.ok(existsSync(record.path), 'the backup file is on the server (this machine)');
    assert.equal(record.sizeBytes, readFileSync(record.path).length);
    assert.ok((record.sizeBytes ?? 0) > 1000);
    const stamp = /(\d{8}_\d{6})\.sql$/.exec(record.path)![1];
    const restore = `psql -h 127.0.0.1 -p ${pg.port} -U ${pg.superuser} -d ${dbName} < ${shared}/pre_deploy_${stamp}.sql`;
    // The restore offered stops at the first error, in one transaction; the rollback step runs as written.
    const offered = `psql -v ON_ERROR_STOP=1 --single-transaction -h 127.0.0.1 -p ${pg.port} -U ${pg.superuser} -d ${dbName} < ${shared}/pre_deploy_${stamp}.sql`;
    assert.equal(record.restoreCommand, offered);
    assert.equal(session.run.variables.YYYYMMDD_HHMMSS, stamp, 'the rollback step now names this backup');
    assert.equal(viewOf(stepId('Restore the backup')).command, restore);
    assert.deepEqual(viewOf(stepId('Backup before deploy')).backup?.restoreCommand, offered);
    // A plain dump cannot be restored over the live database: the backup step says so, with the fix.
    assert.equal(
      viewOf(stepId('Backup before deploy')).advice?.[0]?.command?.startsWith(
        `pg_dump --clean --if-exists -h 127.0.0.1 -p ${pg.port}`,
      ),
      true,
    );

    assert.equal(viewOf(deploy).gate, undefined);
    assert.equal(viewOf(deploy).message, undefined, 'the refusal is not shown once its reason is gone');
    const after = await session.runStep(deploy);
    assert.equal(after.status, 'succeeded', JSON.stringify(after));
    assert.ok(confirmations.includes('write production: Apply the migrations'), confirmations.join(' | '));
    assert.equal(readFileSync(path.join(shared, 'ran'), 'utf8'), 'prisma migrate deploy\n');
    assert.equal(viewOf(deploy).verifyOffered, true);

    const push = await session.runStep(stepId('Push the schema'));
    assert.equal(push.status, 'refused');
    assert.match(push.message ?? '', /db push is never run against production/);
    assert.equal(readFileSync(path.join(shared, 'ran'), 'utf8'), 'prisma migrate deploy\n', 'db push did not run');
  });

  it("asks a typed confirmation before a destructive step: declined, nothing runs; confirmed, the restore of this run's backup runs and fails on psql errors", async () => {
    const id = stepId('Restore the backup');
    const record = session.run.backups.at(-1)!;
    const typed = service.prompts.confirmTyped;
    service.prompts = { ...service.prompts, confirmTyped: () => Promise.resolve(false) };
    try {
      assert.equal((await session.runStep(id)).status, 'declined');
      assert.equal(session.run.steps[id], undefined, 'a declined step did not run');
    } finally {
      service.prompts = { ...service.prompts, confirmTyped: typed };
    }
    const result = await session.runStep(id);
    // The plain dump restored over the live database: psql prints "ERROR: … already exists" and exits 0.
    assert.equal(result.status, 'failed', JSON.stringify(result));
    assert.equal(result.state?.exitCode, 0);
    assert.match(result.message ?? '', /The restore printed an error.*ERROR: .*already exists/, JSON.stringify(result));
    assert.equal(
      result.state?.command,
      record.restoreCommand?.replace('psql -v ON_ERROR_STOP=1 --single-transaction ', 'psql '),
      'the backup taken in this run is the one restored',
    );
    assert.ok(
      confirmations.includes(
        'typed production: restores a backup over the database; writes to the production database production',
      ),
      confirmations.join(' | '),
    );
  });

  it('verifies production after the deploy through the engine: history and live drift', async () => {
    const deploy = stepId('Apply the migrations');
    await session.verify(deploy);
    const verification = viewOf(deploy).verification;
    assert.ok(verification, 'a verification result on the deploy step');
    assert.equal(verification.status, 'done', JSON.stringify(verification));
    assert.equal(verification.environment, 'production');
    assert.equal(verification.summary, '10 applied · 0 pending · no drift');
    assert.equal(verification.ok, true);
  });

  it('creates a runbook from the template for the configured environments, and opens it as a runbook', async () => {
    const target = vscode.Uri.file(path.join(workspaceRoot(), 'docs', 'template-runbook.md'));
    // box has no ssh.database: its commands on the server use its URL's host and port (not a default 5432).
    process.env.DG_RUNBOOK_BOX_URL = 'postgresql://boxuser:box-secret-pw@127.0.0.1:6543/boxdb';
    try {
      const written = await vscode.commands.executeCommand<vscode.Uri>('driftGuard.createRunbookFromTemplate', target);
      assert.equal(written?.fsPath, target.fsPath);
      const text = readFileSync(target.fsPath, 'utf8');
      assert.match(text, /^# Migration runbook — nexus-reussite\n/);
      // Every non-development environment gets backup, deploy, verification and rollback, production last.
      const deploys = [...text.matchAll(/^### Step \d+ — Deploy to (\S+)$/gm)].map((m) => m[1]);
      assert.deepEqual(deploys, ['box', 'wrongpw', 'refused', 'production']);
      // Dumps restorable over the live database, restores that stop at the first error.
      assert.ok(
        text.includes(
          `pg_dump --clean --if-exists -h 127.0.0.1 -p ${pg.port} -U <db_user> <db_name> > ~/backups/production_pre_deploy_$(date +%Y%m%d_%H%M%S).sql`,
        ),
        text,
      );
      assert.ok(
        text.includes(
          'pg_dump --clean --if-exists -h 127.0.0.1 -p 6543 -U <db_user> <db_name> > ~/backups/box_pre_deploy_',
        ),
        text,
      );
      assert.ok(
        text.includes(
          `psql -v ON_ERROR_STOP=1 --single-transaction -h 127.0.0.1 -p ${pg.port} -U <db_user> -d <db_name> < ~/backups/production_pre_deploy_YYYYMMDD_HHMMSS.sql`,
        ),
        text,
      );
      assert.ok(!text.includes('-p 5432'), 'no environment falls back to the default port when its URL says otherwise');
      assert.ok(!text.includes('box-secret-pw'), "the URL's password never reaches the runbook");
      const opened = await service.open(target);
      assert.ok(opened);
      const view = opened.view();
      assert.deepEqual(view.warnings, []);
      const production = view.sections.find((s) => / — Deploy to production$/.test(s.title));
      assert.equal(production?.production, `production · ${sshd.user}@127.0.0.1:${sshd.port}`);
      assert.match(production?.steps.find((st) => st.kinds.includes('deploy'))?.gate ?? '', /No backup of production/);
      service.panel(target)?.dispose();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      delete process.env.DG_RUNBOOK_BOX_URL;
      rmSync(target.fsPath, { force: true });
    }
  });

  it('keeps the run history and exports it as markdown', async () => {
    const records = (await service.runRecords()).filter((r) => r.runbook === 'docs/integration-runbook.md');
    assert.ok(records.some((r) => r.status === 'refused' && r.step === 'Apply the migrations'));
    assert.ok(
      records.some(
        (r) =>
          r.status === 'succeeded' &&
          r.environment === 'production' &&
          r.target === `${sshd.user}@127.0.0.1:${sshd.port}`,
      ),
    );
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('driftGuard.exportRunLog');
    const text = doc.getText();
    assert.match(text, /^# Runbook run log/);
    assert.match(
      text,
      /\| Deploy to production \| Apply the migrations<br>`PATH=.* npx prisma migrate deploy` \| production \(/,
    );
    assert.match(text, /⛔ refused — No backup of production/);
    assert.ok(
      text.includes(`restore with \`psql -v ON_ERROR_STOP=1 --single-transaction -h 127.0.0.1 -p ${pg.port}`),
      text,
    );
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it("quotes the values a restore step takes from a backup's file name: a name with shell syntax injects nothing", async () => {
    // The file name carries shell syntax (legal in a file name); the restore step's ${LABEL} is bound from it
    // without asking — those values used to go into the command unquoted.
    const scratch = `dg_rb_restore_${randomBytes(3).toString('hex')}`;
    await pg.createDatabase(scratch);
    const file = path.join(workspaceRoot(), 'docs', 'restore-binding-runbook.md');
    writeFileSync(
      file,
      [
        '# Restore bindings',
        '',
        '## Nightly',
        '<!-- env: production -->',
        '```bash',
        '# Label',
        'LABEL=nightly',
        '',
        '# Labelled backup',
        `pg_dump -h 127.0.0.1 -p ${pg.port} -U ${pg.superuser} ${dbName} > "${shared}/nightly_$(date +%Y%m%d_%H%M%S)_x;echo INJECTED-BY-NAME;y.sql"`,
        '```',
        '',
        '## Rollback nightly',
        '<!-- env: production -->',
        '```bash',
        '# Restore the labelled backup',
        `psql -h 127.0.0.1 -p ${pg.port} -U ${pg.superuser} -d ${scratch} < ${shared}/nightly_YYYYMMDD_HHMMSS_\${LABEL}.sql`,
        '```',
        '',
      ].join('\n'),
    );
    const opened = await service.open(vscode.Uri.file(file));
    assert.ok(opened);
    try {
      const steps = opened.runbook.sections.flatMap((s) => s.steps);
      const backup = await opened.runStep(steps.find((s) => s.title === 'Labelled backup')!.id);
      assert.equal(backup.status, 'succeeded', JSON.stringify(backup));
      assert.match(opened.run.backups.at(-1)?.path ?? '', /_x;echo INJECTED-BY-NAME;y\.sql$/);
      const restore = await opened.runStep(steps.find((s) => s.title === 'Restore the labelled backup')!.id);
      const command = restore.state?.command ?? '';
      assert.ok(command.endsWith(`_'x;echo INJECTED-BY-NAME;y'.sql`), command);
      assert.doesNotMatch(
        restore.state?.output ?? '',
        /^INJECTED-BY-NAME/m,
        'the echo hidden in the file name did not run',
      );
      assert.equal(restore.status, 'succeeded', JSON.stringify(restore));
      // The very file was restored: the scratch database now holds the backup's migration history.
      assert.equal((await pg.psql('select count(*) from _prisma_migrations', scratch)).trim(), '10');
    } finally {
      service.panel(vscode.Uri.file(file))?.dispose();
      rmSync(file, { force: true });
      await pg.dropDatabase(scratch).catch(() => undefined);
    }
  });
});
