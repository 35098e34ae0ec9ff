/**
 * e2e: what `npm start` shows, in code-server's real UI. The demo databases are started exactly the way `npm start`
 * starts them — `node scripts/start-demo.mjs --editor none` (scripts/start.sh runs the same script, with an editor):
 * a fresh copy of demo/, its `local` and `production` databases on the embedded PostgreSQL (PGlite) and the copy's
 * .env and settings pointing at them — and the test opens that copy in the e2e tier's code-server (a second
 * workspace URL, `?folder=` of the copy). The Migrations view shows `local` in the team's "db push" state (the ten
 * migrations applied, the invoicing tables and users columns as drift) and `production` with its history; then a
 * write from the tree: the baseline created from the palette is marked applied on local, checked with SQL on the
 * PGlite server. SIGTERM stops the databases and removes the copy, as Ctrl-C does for a user.
 */
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { DEMO_MIGRATIONS_NAME_ORDER, DEMO_MIGRATIONS_PRODUCTION_ORDER } from '../../src/core/demo/demoDatabase';
import { StopPolling, waitFor } from '../fixtures/util';
import { Workbench } from './helpers/workbench';

const REPO = path.resolve(__dirname, '..', '..', '..');

/** The running `start-demo.mjs --editor none` and what it printed. */
interface StartedDemo {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

/** Starts the demo databases as `npm start` does and resolves once it printed `start: ready` (no fixed wait). */
async function startDemo(): Promise<StartedDemo> {
  // With this process's environment, the e2e runner's DRIFT_GUARD_RUN_ID included: the runner's sweep finds it if
  // this test dies before stopping it, and its own cleanup must not sweep the runner's code-server (last test).
  const child = spawn(process.execPath, [path.join(REPO, 'scripts', 'start-demo.mjs'), '--editor', 'none'], {
    cwd: REPO,
    env: { ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))),
  );
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  await waitFor(
    'start-demo.mjs to print "start: ready"',
    () => {
      if (gone !== undefined) {
        throw new StopPolling(new Error(`start-demo.mjs exited (${gone}) before ready:\n${output}`));
      }
      return /^start: ready$/m.test(output) || undefined;
    },
    { timeoutMs: 240_000, intervalMs: 100 },
  );
  return { child, exited, output: () => output };
}

/** The rows of the Migrations view under the root whose label is `environment`, up to the next root. */
function section(rows: string[], environment: string, roots: string[]): string[] {
  const start = rows.findIndex((r) => r.startsWith(`${environment} `));
  if (start < 0) return [];
  const end = rows.findIndex((r, i) => i > start && roots.some((root) => r.startsWith(`${root} `)));
  return rows.slice(start, end < 0 ? undefined : end);
}

describe('npm start: the demo in the real UI (e2e)', function () {
  this.timeout(420_000);
  let demo: StartedDemo | undefined;
  let workspace = '';
  let localUrl = '';
  let productionUrl = '';
  let workbench: Workbench | undefined;

  const printed = (pattern: RegExp): string => {
    const match = pattern.exec(demo?.output() ?? '');
    assert.ok(match, `not printed by start-demo.mjs: ${String(pattern)}\n${demo?.output() ?? ''}`);
    return match[1];
  };

  /** A query on one of the demo databases (PGlite behind its loopback port), through an ordinary `pg` client. */
  async function query<T extends Record<string, unknown>>(
    url: string,
    sql: string,
    values: unknown[] = [],
  ): Promise<T[]> {
    const client = new Client({ connectionString: url.replace(/\?schema=public$/, '') });
    await client.connect();
    try {
      return (await client.query<T>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  before(async () => {
    const base = process.env.DRIFT_GUARD_E2E_URL;
    assert.ok(base, 'DRIFT_GUARD_E2E_URL is not set: run through test/harness/runE2e.mjs');
    demo = await startDemo();
    workspace = printed(/demo workspace \(a fresh copy, removed on exit\): (.+)$/m);
    localUrl = printed(/^start: +local +(postgresql:\/\/\S+)/m);
    productionUrl = printed(/^start: +production +(postgresql:\/\/\S+)/m);
    // The same code-server, on the copy npm start made: the workbench URL with its `folder` replaced.
    const url = new URL(base);
    url.searchParams.set('folder', workspace);
    workbench = await Workbench.open({ url: url.toString(), timeoutMs: 120_000 });
  });

  afterEach(async function () {
    await workbench?.reportFailure(this.currentTest);
  });

  after(async () => {
    await workbench?.close();
    // A test failed before the stop: stop it the same way (it removes its copy), SIGKILL only if it hangs.
    if (demo && demo.child.exitCode === null && demo.child.signalCode === null) {
      const exited = demo.exited;
      demo.child.kill('SIGTERM');
      const stopped = await waitFor(
        'start-demo.mjs to stop on SIGTERM',
        () => demo!.child.exitCode !== null || demo!.child.signalCode !== null || undefined,
        { timeoutMs: 30_000 },
      ).catch(() => false);
      if (!stopped) demo.child.kill('SIGKILL');
      await exited;
    }
  });

  it('shows local in the "db push" state (10 applied + the drift) and production with its history', async () => {
    const wb = workbench!;
    await wb.runCommand('Prisma Drift Guard: Show Migrations');
    const roots = ['local', 'production'];
    const rows = await wb.waitFor(
      'local and production with their ten migrations in the Migrations view',
      async () => {
        const all = await wb.treeRows();
        const local = section(all, 'local', roots);
        const production = section(all, 'production', roots);
        const done = [local, production].every((s) =>
          DEMO_MIGRATIONS_NAME_ORDER.every((name) => s.some((r) => r.startsWith(`${name} `))),
        );
        return done && /drifted objects?/.test(local[0] ?? '') ? all : undefined;
      },
      180_000,
    );
    const local = section(rows, 'local', roots);
    const production = section(rows, 'production', roots);
    console.log(`    local: ${local.join(' | ')}\n    production: ${production.join(' | ')}`);
    // local: the development database of DATABASE_URL; nothing pending, the db push objects as drift.
    assert.match(local[0], /^local development · 7 drifted objects$/, local.join(' | '));
    // Their applied dates (now, for local) may carry a warning: the three 20260214_* of one day (same-day order).
    const localApplied = local.filter((r) => / applied \d{4}-\d{2}-\d{2} \d{2}:\d{2}( · ⚠ .+)?$/.test(r));
    assert.equal(localApplied.length, 10, `ten applied migrations on local: ${local.join(' | ')}`);
    assert.deepEqual(
      localApplied.map((r) => r.split(' ')[0]),
      [...DEMO_MIGRATIONS_NAME_ORDER],
      'in the order migrate dev applied them (name order)',
    );
    assert.equal(local[1], 'Drift: 7 drifted objects', `the drift row under local: ${local.join(' | ')}`);
    // production: the environment of the settings, its history as production applied it (fix → init → add).
    // Named after its kind: the kind is not repeated.
    assert.equal(production[0], 'production 7 drifted objects', production.join(' | '));
    assert.equal(production[1], 'Drift: 7 drifted objects', production.join(' | '));
    const productionApplied = production.filter((r) => / applied 2026-0[12]-\d{2} \d{2}:\d{2}( · ⚠ .+)?$/.test(r));
    assert.equal(productionApplied.length, 10, production.join(' | '));
    assert.deepEqual(new Set(productionApplied.map((r) => r.split(' ')[0])), new Set(DEMO_MIGRATIONS_PRODUCTION_ORDER));
    // Applied fix → init → add (not their name order): the tree says so.
    assert.match(
      production.find((r) => r.startsWith('20260214_init_assessment_module '))!,
      /applied 2026-02-1[45] \d{2}:\d{2} · ⚠ ordering hazard$/,
    );
    assert.match(
      production.find((r) => r.startsWith('20260214_add_diagnostics_v2_columns '))!,
      /applied 2026-02-1[56] \d{2}:\d{2} · ⚠ ordering hazard$/,
    );
    assert.deepEqual(
      await query(productionUrl, 'SELECT count(*)::int > 0 AS has FROM users'),
      [{ has: true }],
      'production has rows',
    );
  });

  it('marks the baseline applied on local from the tree: recorded on local only', async () => {
    const wb = workbench!;
    await wb.openFile('prisma/schema.prisma');
    await wb.runCommand('Prisma Drift Guard: Create Baseline', { opensQuickPick: true });
    await wb.waitForQuickInputTitle('the baseline name box', (title) => /^Create baseline migration for /.test(title));
    await wb.acceptInput();
    await wb.waitForSelector(
      '.tabs-container .tab.active[aria-label^="migration.sql"]',
      'the new migration.sql in the editor',
      120_000,
    );
    const baseline = fs.readdirSync(path.join(workspace, 'prisma', 'migrations')).find((f) => /_baseline_/.test(f));
    assert.ok(baseline, 'the baseline was written into the demo copy');

    await wb.runCommand('Prisma Drift Guard: Show Migrations');
    await wb.waitForTreeRow(/^local development · 1 pending · 7 drifted objects$/, 180_000);
    // The tree knows local already has every change of the baseline (proven on the database).
    await wb.waitForTreeRow(new RegExp(`^${baseline} pending · already in local: mark as applied$`), 60_000);
    // Under local (the first root): its inline "Mark Applied".
    await wb.clickInlineAction(baseline, 'Mark Applied');
    // local is a development database: a modal asks before writing.
    const dialog = await wb.waitFor('the confirmation of the write on local', () => wb.dialog(), 60_000);
    assert.match(dialog, new RegExp(`${baseline}.* on local\\?`), dialog);
    await wb.clickDialogButton('Continue');
    await wb.waitFor(
      'the success notification',
      async () => {
        await wb.failOnDialog();
        return (await wb.notifications()).find(
          (t) =>
            t.startsWith(`Recorded ${baseline} as applied on`) &&
            t.includes('the database already has every change it makes'),
        );
      },
      120_000,
    );
    await wb.waitForTreeRow(/^local development · in sync$/, 120_000);
    await wb.waitForTreeRow(new RegExp(`^${baseline} baseline · applied \\d{4}-\\d{2}-\\d{2}`), 60_000);
    assert.deepEqual(
      await query(
        localUrl,
        'SELECT applied_steps_count, finished_at IS NOT NULL AS finished FROM _prisma_migrations WHERE migration_name = $1',
        [baseline],
      ),
      [{ applied_steps_count: 0, finished: true }],
      'recorded as applied (not run) on local',
    );
    assert.deepEqual(
      await query(productionUrl, 'SELECT migration_name FROM _prisma_migrations WHERE migration_name = $1', [baseline]),
      [],
      'nothing written to production',
    );
    await wb.widenSideBar(640);
    const shot = await wb.screenshot('demo-start-migrations');
    assert.ok(fs.statSync(shot).size > 20_000);
  });

  it('stops the demo databases and removes the copy on SIGTERM, as Ctrl-C does', async () => {
    await workbench?.close();
    workbench = undefined;
    demo!.child.kill('SIGTERM');
    assert.equal(await demo!.exited, 128 + 15, demo!.output());
    for (const url of [localUrl, productionUrl]) {
      await assert.rejects(query(url, 'SELECT 1'), `the database on port ${new URL(url).port} is stopped`);
    }
    assert.equal(fs.existsSync(workspace), false, `${workspace} is left behind`);
    // …and nothing else: the e2e runner's code-server (started under the same run id) still answers.
    assert.doesNotMatch(demo!.output(), /killed leftover process/, demo!.output());
    const health = await fetch(new URL('/healthz', process.env.DRIFT_GUARD_E2E_URL));
    assert.equal(health.status, 200, 'code-server still runs');
  });
});
