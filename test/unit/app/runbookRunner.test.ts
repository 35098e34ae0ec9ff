/**
 * The runbook step runner in plain Node: its ports (prompts, executor, storage, checks) are fakes that record
 * what was asked, run and written, so each test can say what did NOT happen (no prompt, nothing run, nothing
 * recorded) as well as what did.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { type EnvironmentSetting } from '../../../src/core/environments/config';
import {
  evaluateDeployPlan,
  RunbookRunner,
  type StepOutcome,
  type TypedConfirmation,
} from '../../../src/core/app/runbookRunner';
import { type DeployPlan } from '../../../src/core/app/deployPlan';
import { type WriteInput } from '../../../src/core/app/runLog';
import { type BackupRecord } from '../../../src/core/runbook/gates';
import { parseRunbook, type Runbook, type RunbookStep } from '../../../src/core/runbook/parser';
import { effectiveTarget, newRun, type RunState } from '../../../src/core/runbook/run';
import { resolveTarget } from '../../../src/core/runbook/targets';

const NOW = new Date(2026, 1, 17, 10, 42, 5);

const SETTINGS: EnvironmentSetting[] = [
  { name: 'production', kind: 'production', url: { from: 'env', variable: 'PROD_URL' } },
  { name: 'staging', kind: 'staging', url: { from: 'env', variable: 'STAGING_URL' } },
];

const VERIFIED_BACKUP: BackupRecord = {
  stepId: 'x/1',
  environment: 'production',
  path: '/backups/a.sql',
  at: NOW.toISOString(),
  verification: { status: 'verified', summary: 'Verified.' },
};

/** A runbook of one section bound to `environment`, whose steps are `commands` (each titled by its comment). */
function runbookOf(environment: string, steps: Record<string, string>): Runbook {
  const lines = ['# Test runbook', '', '## Section', `<!-- env: ${environment} -->`, '```bash'];
  for (const [title, command] of Object.entries(steps)) lines.push(`# ${title}`, command, '');
  lines.push('```', '');
  return parseRunbook('/ws/docs/runbook.md', lines.join('\n'));
}

interface Fakes {
  runner: RunbookRunner;
  /** Every question asked, in order. */
  asked: string[];
  /** Every command run in a terminal. */
  ran: string[];
  records: WriteInput[];
  logs: string[];
  run: () => RunState;
  step: (title: string) => RunbookStep;
  rehearsed: string[];
}

interface Options {
  run?: Partial<RunState>;
  outcome?: Partial<StepOutcome>;
  variable?: string | undefined;
  confirm?: boolean;
  offerRehearsal?: boolean;
  rehearsal?: { ok: boolean; message: string; canRehearse: boolean };
  /** The rehearsal verdict once `rehearse` ran. */
  rehearsalAfter?: { ok: boolean; message: string; canRehearse: boolean };
  plan?: DeployPlan | Error;
  productionDatabase?: boolean;
}

function fakes(runbook: Runbook, options: Options = {}): Fakes {
  const asked: string[] = [];
  const ran: string[] = [];
  const records: WriteInput[] = [];
  const logs: string[] = [];
  const rehearsed: string[] = [];
  let run: RunState = { ...newRun('docs/runbook.md', NOW), ...options.run };
  let rehearsal = options.rehearsal ?? { ok: true, message: 'Rehearsed.', canRehearse: true };
  const runner = new RunbookRunner({
    prompts: {
      variable: (variable, defaultValue) => {
        asked.push(`variable ${variable.name} (default ${defaultValue ?? '-'})`);
        return Promise.resolve('variable' in options ? options.variable : (defaultValue ?? 'value'));
      },
      confirmTyped: (request: TypedConfirmation) => {
        asked.push(`typed ${request.expected}${request.production ? ' (production)' : ''}: ${request.reason}`);
        return Promise.resolve(options.confirm ?? true);
      },
      confirmDatabaseWrite: (environment, action) => {
        asked.push(`write ${environment}: ${action}`);
        return Promise.resolve(options.confirm ?? true);
      },
      offerRehearsal: (environment) => {
        asked.push(`rehearsal ${environment}`);
        return Promise.resolve(options.offerRehearsal ?? false);
      },
    },
    executor: {
      run: (_resolution, request) => {
        ran.push(request.command);
        return Promise.resolve({
          exitCode: 0,
          cancelled: false,
          durationMs: 1200,
          output: 'done\n',
          ...options.outcome,
        });
      },
      fileSize: () => Promise.resolve(1024),
      // No server here: the backup's restore check cannot run, so the backup is not verified.
      runner: () => Promise.reject(new Error('no server in this test')),
    },
    storage: {
      read: () => run,
      write: (next) => {
        run = next;
      },
      record: (record) => records.push(record),
    },
    checks: {
      resolve: (step) => resolveTarget(effectiveTarget(step, run), SETTINGS),
      deployPlan: (environment) => {
        asked.push(`plan ${environment}`);
        return options.plan instanceof Error ? Promise.reject(options.plan) : Promise.resolve(options.plan);
      },
      planRefused: () => 'the plan, described',
      rehearsalVerdict: () => Promise.resolve(rehearsal),
      rehearse: (environment) => {
        rehearsed.push(environment);
        if (options.rehearsalAfter) rehearsal = options.rehearsalAfter;
        return Promise.resolve();
      },
      isProductionDatabase: (environment) => environment === 'production' && (options.productionDatabase ?? true),
    },
    logger: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
    runbook: () => ({ runbook, relativePath: 'docs/runbook.md' }),
    now: () => NOW,
  });
  const step = (title: string): RunbookStep => {
    const found = runbook.sections.flatMap((s) => s.steps).find((s) => s.title === title);
    assert.ok(found, `no step ${title}`);
    return found;
  };
  return { runner, asked, ran, records, logs, run: () => run, step, rehearsed };
}

const signal = (): AbortSignal => new AbortController().signal;

describe('runbook step runner (core/app)', () => {
  it('a gate that refuses stops the step before any question: nothing runs, the refusal is on the step and in the run log', async () => {
    const runbook = runbookOf('production', { 'Apply the migrations': 'npx prisma migrate deploy' });
    const f = fakes(runbook);
    const result = await f.runner.execute(f.step('Apply the migrations'), signal());
    assert.equal(result.status, 'refused');
    assert.match(result.message ?? '', /^No backup of production succeeded in this run/);
    assert.deepEqual(f.asked, [], 'no question (not even the deploy plan) before the backup gate');
    assert.deepEqual(f.ran, []);
    const id = f.step('Apply the migrations').id;
    assert.deepEqual(f.run().steps[id], {
      status: 'notRun',
      source: 'npx prisma migrate deploy',
      refusal: result.message,
    });
    assert.equal(f.records.length, 1);
    assert.equal(f.records[0].status, 'refused');
    assert.equal(f.records[0].source, 'runbook');
    assert.equal(f.records[0].stepId, id);
    assert.equal(f.records[0].section, 'Section');
    assert.equal(f.records[0].exitCode, undefined);
    assert.ok(
      f.logs.some((l) => l.startsWith('warn Runbook docs/runbook.md: "Apply the migrations" refused: No backup')),
      f.logs.join('\n'),
    );
  });

  it('db push, migrate reset and migrate dev are refused on production outright', async () => {
    const runbook = runbookOf('production', {
      Push: 'npx prisma db push',
      Reset: 'npx prisma migrate reset --force',
      Dev: 'npx prisma migrate dev',
    });
    const f = fakes(runbook);
    for (const title of ['Push', 'Reset', 'Dev']) {
      assert.equal((await f.runner.execute(f.step(title), signal())).status, 'refused', title);
    }
    assert.deepEqual(f.ran, []);
    assert.deepEqual(f.asked, []);
  });

  it('a step whose environment is not configured is refused with the resolution message', async () => {
    const runbook = runbookOf('qa', { Status: 'npx prisma migrate status' });
    const f = fakes(runbook);
    const result = await f.runner.execute(f.step('Status'), signal());
    assert.equal(result.status, 'refused');
    assert.ok(result.message && result.message.includes('qa'), result.message);
    assert.deepEqual(f.ran, []);
    assert.equal(f.records[0].status, 'refused');
  });

  it('a cancelled confirmation runs nothing and records nothing', async () => {
    const runbook = runbookOf('staging', { 'Drop the old table': `psql -c 'DROP TABLE "Old"'` });
    const f = fakes(runbook, { confirm: false });
    const result = await f.runner.execute(f.step('Drop the old table'), signal());
    assert.deepEqual(result, { status: 'declined' });
    assert.equal(f.asked.length, 1);
    assert.match(f.asked[0], /^typed staging: /);
    assert.deepEqual(f.ran, []);
    assert.deepEqual(f.records, []);
    assert.equal(f.run().steps[f.step('Drop the old table').id], undefined, 'the state does not change');
  });

  it('a production deploy without a passing rehearsal is refused (rule 3), after offering one; nothing runs', async () => {
    const runbook = runbookOf('production', { 'Apply the migrations': 'npx prisma migrate deploy' });
    const f = fakes(runbook, {
      run: { backups: [VERIFIED_BACKUP] },
      rehearsal: { ok: false, message: 'No deploy rehearsal of production was recorded.', canRehearse: true },
    });
    const result = await f.runner.execute(f.step('Apply the migrations'), signal());
    assert.deepEqual(result, { status: 'refused', message: 'No deploy rehearsal of production was recorded.' });
    assert.deepEqual(f.asked, ['plan production', 'rehearsal production']);
    assert.deepEqual(f.rehearsed, [], 'the offer was declined');
    assert.deepEqual(f.ran, []);
    assert.equal(f.records.at(-1)?.status, 'refused');
  });

  it('rule 3: no offer when a rehearsal cannot help; an accepted offer rehearses, then the deploy asks for the production write and runs', async () => {
    const runbook = runbookOf('production', { 'Apply the migrations': 'npx prisma migrate deploy' });
    const cannot = fakes(runbook, {
      run: { backups: [VERIFIED_BACKUP] },
      rehearsal: { ok: false, message: 'cannot be checked', canRehearse: false },
    });
    assert.equal((await cannot.runner.execute(cannot.step('Apply the migrations'), signal())).status, 'refused');
    assert.deepEqual(cannot.asked, ['plan production'], 'no rehearsal offered');

    const f = fakes(runbook, {
      run: { backups: [VERIFIED_BACKUP] },
      rehearsal: { ok: false, message: 'No deploy rehearsal of production was recorded.', canRehearse: true },
      rehearsalAfter: { ok: true, message: 'Rehearsed.', canRehearse: true },
      offerRehearsal: true,
    });
    const result = await f.runner.execute(f.step('Apply the migrations'), signal());
    assert.equal(result.status, 'succeeded', JSON.stringify(result));
    assert.deepEqual(f.rehearsed, ['production']);
    assert.deepEqual(f.asked, ['plan production', 'rehearsal production', 'write production: Apply the migrations']);
    assert.deepEqual(f.ran, ['npx prisma migrate deploy']);
  });

  it('a production write without a database environment is confirmed by typing its name', async () => {
    const runbook = runbookOf('production', { 'Apply the migrations': 'npx prisma migrate deploy' });
    const f = fakes(runbook, { run: { backups: [VERIFIED_BACKUP] }, productionDatabase: false });
    assert.equal((await f.runner.execute(f.step('Apply the migrations'), signal())).status, 'succeeded');
    assert.equal(f.asked.at(-1), 'typed production (production): writes to the production database production');
  });

  it('the deploy plan refuses a deploy it cannot apply, and an unreadable plan refuses too', async () => {
    const runbook = runbookOf('staging', { 'Apply the migrations': 'npx prisma migrate deploy' });
    const plan: DeployPlan = {
      deployable: false,
      steps: [{ migration: '20260101_baseline', action: 'markApplied' }],
    } as unknown as DeployPlan;
    const refused = fakes(runbook, { plan });
    const result = await refused.runner.execute(refused.step('Apply the migrations'), signal());
    assert.equal(result.status, 'refused');
    assert.equal(
      result.message,
      'Deploy to staging refused: not every pending migration can be deployed there. Nothing was executed.\nthe plan, described',
    );
    assert.deepEqual(refused.ran, []);
    assert.deepEqual(evaluateDeployPlan(plan, 'staging'), {
      verdict: 'refuse',
      rule: 'deployPlan',
      message:
        'Deploy to staging refused by its plan: 20260101_baseline: mark applied (the database already has it). Nothing was executed.',
    });

    const unreadable = fakes(runbook, { plan: new Error('connection refused') });
    const second = await unreadable.runner.execute(unreadable.step('Apply the migrations'), signal());
    assert.deepEqual(second, {
      status: 'refused',
      message: 'The deploy plan of staging could not be read: connection refused. Nothing was executed.',
    });
    assert.deepEqual(unreadable.ran, []);

    const deployable = fakes(runbook, { plan: { deployable: true, steps: [] } as unknown as DeployPlan });
    assert.equal(
      (await deployable.runner.execute(deployable.step('Apply the migrations'), signal())).status,
      'succeeded',
    );
  });

  it('the record written after execution carries the exit code; a failing command fails the step', async () => {
    const runbook = runbookOf('staging', { Status: 'npx prisma migrate status' });
    const f = fakes(runbook, { outcome: { exitCode: 3, durationMs: 2500, output: 'pending\n' } });
    const result = await f.runner.execute(f.step('Status'), signal());
    assert.equal(result.status, 'failed');
    assert.equal(result.message, 'Exit code 3');
    assert.deepEqual(f.ran, ['npx prisma migrate status']);
    const record = f.records.at(-1);
    assert.equal(record?.exitCode, 3);
    assert.equal(record?.status, 'failed');
    assert.equal(record?.durationMs, 2500);
    assert.equal(record?.environment, 'staging');
    assert.equal(record?.command, 'npx prisma migrate status');
    const state = f.run().steps[f.step('Status').id];
    assert.equal(state?.exitCode, 3);
    assert.equal(state?.output, 'pending\n');
    assert.equal(state?.startedAt, NOW.toISOString());

    const ok = fakes(runbook);
    const succeeded = await ok.runner.execute(ok.step('Status'), signal());
    assert.equal(succeeded.status, 'succeeded');
    assert.equal(ok.records.at(-1)?.exitCode, 0);
    assert.equal(ok.records.at(-1)?.status, 'succeeded');
    assert.ok(
      ok.logs.includes('info Runbook docs/runbook.md: "Status" succeeded (exit 0) in 1200 ms'),
      ok.logs.join('\n'),
    );
  });

  it('a cancelled command is recorded as cancelled; an outcome with an error fails the step with it', async () => {
    const runbook = runbookOf('staging', { Status: 'npx prisma migrate status' });
    const cancelled = fakes(runbook, { outcome: { exitCode: null, cancelled: true, durationMs: 1500 } });
    const result = await cancelled.runner.execute(cancelled.step('Status'), signal());
    assert.deepEqual([result.status, result.message], ['cancelled', 'Cancelled after 1.5 s']);
    assert.equal(cancelled.records.at(-1)?.status, 'cancelled');
    assert.equal(cancelled.records.at(-1)?.exitCode, null);

    const withError = fakes(runbook, { outcome: { exitCode: null, error: 'Authentication failed' } });
    const failed = await withError.runner.execute(withError.step('Status'), signal());
    assert.deepEqual([failed.status, failed.message], ['failed', 'Authentication failed']);
  });

  it('a step cancelled before it starts runs nothing', async () => {
    const runbook = runbookOf('staging', { Status: 'npx prisma migrate status' });
    const f = fakes(runbook);
    const abort = new AbortController();
    abort.abort();
    assert.deepEqual(await f.runner.execute(f.step('Status'), abort.signal), { status: 'declined' });
    assert.deepEqual(f.ran, []);
    assert.deepEqual(f.records, []);
  });

  it('asks each variable once per run and substitutes it; a cancelled variable runs nothing; an unsafe value is refused', async () => {
    const runbook = parseRunbook(
      '/ws/docs/runbook.md',
      [
        '# R',
        '',
        '## Section',
        '<!-- env: staging -->',
        '```bash',
        'TAG=v1',
        '# Show',
        'echo "$TAG"',
        '',
        '# Again',
        'echo "${TAG}!"',
        '```',
        '',
      ].join('\n'),
    );
    const f = fakes(runbook, { variable: 'v2' });
    const steps = runbook.sections.flatMap((s) => s.steps).filter((s) => !s.manual && s.title !== 'TAG=v1');
    const show = steps.find((s) => s.title === 'Show');
    const again = steps.find((s) => s.title === 'Again');
    assert.ok(show && again, JSON.stringify(runbook.sections));
    assert.equal((await f.runner.execute(show, signal())).status, 'succeeded');
    assert.equal((await f.runner.execute(again, signal())).status, 'succeeded');
    assert.deepEqual(f.asked, ['variable TAG (default v1)'], 'asked once, with the runbook default');
    assert.deepEqual(f.ran, ['echo "v2"', 'echo "v2!"']);
    assert.equal(f.run().variables.TAG, 'v2');

    const cancelled = fakes(runbook, { variable: undefined });
    assert.deepEqual(await cancelled.runner.execute(show, signal()), { status: 'declined' });
    assert.deepEqual(cancelled.ran, []);
    assert.deepEqual(cancelled.records, []);

    const unsafe = fakes(runbook, { variable: 'v2; rm -rf /' });
    await assert.rejects(
      unsafe.runner.execute(show, signal()),
      /The value of TAG has characters that are not allowed in a runbook variable\./,
    );
    assert.deepEqual(unsafe.ran, []);
  });

  it('a restore that printed an error fails although it exited 0', async () => {
    const runbook = runbookOf('staging', { Restore: 'psql -h 127.0.0.1 -U app app < /backups/a.sql' });
    const f = fakes(runbook, {
      confirm: true,
      outcome: { exitCode: 0, output: 'ERROR:  relation "User" already exists\n' },
    });
    const result = await f.runner.execute(f.step('Restore'), signal());
    assert.equal(result.status, 'failed', JSON.stringify(result));
    assert.match(result.message ?? '', /^The restore printed an error, so it did not complete \(exit code 0\): /);
    assert.equal(f.records.at(-1)?.exitCode, 0);
    assert.equal(f.records.at(-1)?.status, 'failed');
  });

  it('a backup is pinned, recorded, and fails its step when it cannot be verified (the deploy gate stays closed)', async () => {
    const runbook = runbookOf('production', {
      Backup: 'pg_dump -h 127.0.0.1 -U app app > /backups/pre_$(date +%Y%m%d_%H%M%S).sql',
      'Apply the migrations': 'npx prisma migrate deploy',
    });
    const f = fakes(runbook);
    const backup = await f.runner.execute(f.step('Backup'), signal());
    assert.equal(backup.status, 'failed', JSON.stringify(backup));
    assert.equal(backup.message, 'The backup was written but did not verify: Not verified: no server in this test');
    assert.deepEqual(f.ran, ['pg_dump -h 127.0.0.1 -U app app > /backups/pre_20260217_104205.sql']);
    assert.equal(f.run().backups.length, 1);
    assert.equal(f.run().backups[0].path, '/backups/pre_20260217_104205.sql');
    assert.equal(f.run().backups[0].sizeBytes, 1024);
    const record = f.records.at(-1);
    assert.equal(record?.backupPath, '/backups/pre_20260217_104205.sql');
    assert.equal(record?.backup?.verification, 'failed');
    assert.equal(record?.exitCode, 0);
    const deploy = await f.runner.execute(f.step('Apply the migrations'), signal());
    assert.equal(deploy.status, 'refused');
    assert.match(deploy.message ?? '', /^The backup of production taken in this run is not verified/);
    assert.equal(f.ran.length, 1, 'the deploy did not run');
  });

  it('says its refusals and log lines in French with the French bundle', async () => {
    const bundle = JSON.parse(
      readFileSync(path.resolve(__dirname, '../../../../l10n/bundle.l10n.fr.json'), 'utf8'),
    ) as Record<string, string>;
    l10n.config({ contents: bundle });
    try {
      const runbook = runbookOf('production', { 'Apply the migrations': 'npx prisma migrate deploy' });
      const f = fakes(runbook);
      await f.runner.execute(f.step('Apply the migrations'), signal());
      assert.ok(
        f.logs.some((l) => l.startsWith('warn Runbook docs/runbook.md : étape « Apply the migrations » refusée : ')),
        f.logs.join('\n'),
      );
    } finally {
      l10n.config({ contents: {} });
    }
  });
});
