import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type EnvironmentSetting } from '../../../src/core/environments/config';
import { stepEquivalent } from '../../../src/core/runbook/equivalents';
import { parseRunbook, substituteVariables } from '../../../src/core/runbook/parser';
import { isWebviewMessage } from '../../../src/core/runbook/protocol';
import {
  appendTail,
  effectiveTarget,
  newRun,
  plainTerminalText,
  reconcileRun,
  type RunState,
} from '../../../src/core/runbook/run';
import { appendRecord, formatDuration, formatRunLog, type RunRecord } from '../../../src/core/app/runLog';
import { resolveTarget } from '../../../src/core/runbook/targets';
import { runbookScore, runbookTemplate } from '../../../src/core/runbook/template';
import { summarizeVerification } from '../../../src/core/runbook/verification';
import { buildView } from '../../../src/core/runbook/view';

const SEED = path.resolve(__dirname, '../../../../test/fixtures/runbooks/strategie-migrations.md');
const DEMO = path.resolve(__dirname, '../../../../demo/docs/MIGRATIONS.md');
const AT = new Date(2026, 1, 17, 10, 42, 5);

const production: EnvironmentSetting = {
  name: 'production',
  kind: 'production',
  url: { from: 'secret' },
  ssh: { host: '88.99.254.59', user: 'root', auth: 'agent', database: '127.0.0.1:5435' },
};
const staging: EnvironmentSetting = { name: 'staging', kind: 'staging', url: { from: 'env', variable: 'STAGING_URL' } };

describe('runbook targets — ssh lines and env markers onto driftGuard.environments', () => {
  it('matches an ssh line by host and user, an env marker by name', () => {
    assert.deepEqual(resolveTarget({ kind: 'ssh', user: 'root', host: '88.99.254.59' }, [staging, production]), {
      kind: 'remote',
      environment: production,
    });
    assert.deepEqual(resolveTarget({ kind: 'environment', environment: 'staging' }, [staging, production]), {
      kind: 'localAgainst',
      environment: staging,
    });
    assert.deepEqual(resolveTarget({ kind: 'local' }, [production]), { kind: 'local' });
  });

  it('says when nothing matches (with what to add) or when the ssh line is ambiguous', () => {
    const none = resolveTarget({ kind: 'ssh', user: 'deploy', host: '88.99.254.59' }, [production]);
    assert.equal(none.kind, 'unmatched');
    assert.equal(
      none.kind === 'unmatched' && none.message,
      'No environment in driftGuard.environments connects to deploy@88.99.254.59.',
    );
    assert.deepEqual(none.kind === 'unmatched' && none.suggestion, { host: '88.99.254.59', user: 'deploy' });
    const named = resolveTarget({ kind: 'environment', environment: 'qa' }, [production]);
    assert.equal(named.kind === 'unmatched' && named.message, 'No environment named "qa" in driftGuard.environments.');
    const twin = { ...production, name: 'production-replica' };
    const both = resolveTarget({ kind: 'ssh', host: '88.99.254.59' }, [production, twin]);
    assert.equal(both.kind, 'ambiguous');
    assert.deepEqual(both.kind === 'ambiguous' && both.candidates, ['production', 'production-replica']);
  });
});

describe('runbook template — the seed shape for the configured environments', () => {
  const environments = [
    {
      name: 'production',
      kind: 'production' as const,
      ssh: { host: '88.99.254.59', user: 'root', database: '127.0.0.1:5435' },
    },
    { name: 'staging', kind: 'staging' as const },
    { name: 'dev', kind: 'development' as const },
  ];

  for (const language of ['en', 'fr'] as const) {
    it(`writes baseline, validate, then backup/deploy/verify/rollback per environment (${language}), and parses back`, () => {
      const md = runbookTemplate({
        project: 'shop',
        environments,
        schemaPath: 'prisma/schema.prisma',
        migrationsDir: 'prisma/migrations',
        urlVariable: 'DATABASE_URL',
        language,
        date: AT,
      });
      const rb = parseRunbook('MIGRATIONS.md', md);
      assert.deepEqual(rb.warnings, []);
      const withSteps = rb.sections.filter((s) => s.steps.length > 0);
      assert.deepEqual(
        withSteps.map((s) => s.kind),
        [
          'baseline',
          'baseline',
          'validate',
          'baseline',
          'backup',
          'deploy',
          'verify',
          'rollback',
          'baseline',
          'backup',
          'deploy',
          'verify',
          'rollback',
        ],
        withSteps.map((s) => s.title).join(' | '),
      );
      // staging (no SSH) first, then production (SSH); development environments are not deployed to.
      const bound = withSteps
        .slice(3)
        .map((s) =>
          [
            ...new Set(
              s.steps.map((st) => (st.target.kind === 'environment' ? st.target.environment : st.target.kind)),
            ),
          ].join(),
        );
      assert.deepEqual(bound, [
        'staging',
        'staging',
        'staging',
        'staging',
        'staging',
        'production',
        'production',
        'production',
        'production',
        'production',
      ]);
      // Before any deploy, on each environment: the baseline recorded where the database already has it, through
      // the extension's Mark Applied with proof (the step's equivalent), not run by the deploy.
      const marks = withSteps
        .filter(
          (s) => s.steps.some((st) => st.classification.kinds.includes('migrateResolve')) && s.kind === 'baseline',
        )
        .slice(1);
      assert.equal(marks.length, 2);
      for (const mark of marks) {
        assert.deepEqual(
          stepEquivalent(
            substituteVariables(mark.steps[0].command, rb.variables, { MIGRATION_NAME: '20260217_baseline' }),
          ),
          { kind: 'markApplied', migration: '20260217_baseline' },
        );
        assert.ok(
          withSteps.indexOf(mark) < withSteps.findIndex((s, i) => i > withSteps.indexOf(mark) && s.kind === 'deploy'),
        );
      }
      const steps = rb.sections.flatMap((s) => s.steps);
      const backups = steps.filter((s) => s.classification.kinds.includes('backup'));
      assert.deepEqual(
        backups.map((b) => b.classification.backupPath),
        [
          'backups/staging_pre_deploy_$(date +%Y%m%d_%H%M%S).sql',
          '~/backups/production_pre_deploy_$(date +%Y%m%d_%H%M%S).sql',
        ],
      );
      assert.match(
        backups[1].command,
        /^pg_dump --clean --if-exists -h 127\.0\.0\.1 -p 5435 -U <db_user> <db_name> > /,
      );
      assert.equal(steps.filter((s) => s.classification.kinds.includes('deploy')).length, 2);
      assert.deepEqual(
        steps.filter((s) => s.classification.kinds.includes('restore')).map((s) => s.classification.restorePath),
        ['backups/staging_pre_deploy_YYYYMMDD_HHMMSS.sql', '~/backups/production_pre_deploy_YYYYMMDD_HHMMSS.sql'],
      );
      assert.deepEqual(rb.variables.map((v) => v.name).sort(), [
        'MIGRATION_NAME',
        'YYYYMMDD_HHMMSS',
        'app_dir',
        'db_name',
        'db_user',
      ]);
      assert.equal(rb.variables.find((v) => v.name === 'MIGRATION_NAME')?.defaultValue, '20260217_baseline');
      const deployProd = withSteps[10];
      // `cd <app_dir>` is not a step: the steps after it run there.
      assert.deepEqual(
        deployProd.steps.map((s) => [s.command, s.cwd ?? '']),
        [
          ['git pull', '<app_dir>'],
          ['npx prisma migrate deploy', '<app_dir>'],
          ['npx prisma migrate status', '<app_dir>'],
        ],
      );
      assert.ok(runbookScore(steps) >= 10);
    });
  }

  it('writes a production section to fill in when no environment is configured', () => {
    const rb = parseRunbook(
      'M.md',
      runbookTemplate({
        project: 'p',
        environments: [],
        schemaPath: 'schema.prisma',
        migrationsDir: 'migrations',
        urlVariable: 'DB',
        date: AT,
      }),
    );
    assert.ok(
      rb.sections.some((s) =>
        s.steps.some((st) => st.target.kind === 'environment' && st.target.environment === 'production'),
      ),
    );
    assert.match(
      rb.sections.find((s) => s.title === 'Prerequisites')!.notes.join('\n'),
      /No environment is configured yet/,
    );
  });

  it('scores the seed and the demo runbook as runbooks, and prose as none', () => {
    const seed = parseRunbook(SEED, readFileSync(SEED, 'utf8'));
    assert.ok(runbookScore(seed.sections.flatMap((s) => s.steps)) > 10);
    const prose = parseRunbook('README.md', '# Demo\n\nSome `prisma db push` happened.\n\n```ts\nconst x = 1;\n```\n');
    assert.equal(runbookScore(prose.sections.flatMap((s) => s.steps)), 0);
  });
});

describe('runbook demo document (demo/docs/MIGRATIONS.md)', () => {
  const rb = parseRunbook(DEMO, readFileSync(DEMO, 'utf8'));

  it('parses in the seed shape with its production sections bound and no warning', () => {
    assert.deepEqual(rb.warnings, []);
    const kinds: string[] = rb.sections.filter((s) => s.steps.length > 0).map((s) => s.kind);
    for (const kind of ['baseline', 'validate', 'deploy', 'verify', 'rollback']) {
      assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(', ')}`);
    }
    const remote = rb.sections
      .filter((s) => s.kind === 'deploy' || s.kind === 'verify' || s.kind === 'rollback')
      .flatMap((s) => s.steps);
    assert.ok(remote.length > 5);
    assert.ok(
      remote.every((s) => s.target.kind !== 'local'),
      'deploy, verification and rollback run on the server',
    );
    const listing = rb.sections.flatMap((s) => s.steps).find((s) => s.command === 'ls prisma/migrations');
    assert.ok(listing && listing.target.kind === 'local', 'a local step that runs offline (the e2e test runs it)');
  });

  it('shows the production banner, the backup gate and the db push refusal in the view', () => {
    const view = buildView({
      runbook: rb,
      run: newRun('docs/MIGRATIONS.md', AT),
      relativePath: 'docs/MIGRATIONS.md',
      resolve: (s) => resolveTarget(s.target, [production]),
    });
    const deploy = view.sections.find((s) => s.kind === 'deploy' && s.production)!;
    assert.equal(deploy.production, 'production · root@88.99.254.59');
    const apply = deploy.steps.find((s) => s.kinds.includes('deploy'))!;
    assert.match(apply.gate ?? '', /No backup of production succeeded in this run/);
    assert.equal(apply.blocked, undefined);
    const anyPush = view.sections
      .flatMap((s) => s.steps)
      .find((s) => s.kinds.includes('dbPush') && s.target.kind === 'production');
    if (anyPush) assert.match(anyPush.blocked ?? '', /db push is never run against production/);
  });
});

describe('runbook view, run state and run log', () => {
  const rb = parseRunbook(SEED, readFileSync(SEED, 'utf8'));
  const steps = rb.sections.flatMap((s) => s.steps);
  const backupStep = steps.find((s) => s.classification.kinds.includes('backup') && s.target.kind === 'ssh')!;
  const deployStep = steps.find((s) => s.classification.kinds.includes('deploy') && s.target.kind === 'ssh')!;

  function runWithBackup(): RunState {
    const run = newRun('strategie-migrations.md', AT);
    run.variables.MIGRATION_NAME = '20260217_baseline';
    run.steps[backupStep.id] = {
      status: 'succeeded',
      source: backupStep.command,
      command: 'docker exec … > /root/backups/pre_baseline_20260217_104205.sql',
      exitCode: 0,
      durationMs: 1200,
      environment: 'production',
    };
    run.backups.push({
      stepId: backupStep.id,
      environment: 'production',
      path: '/root/backups/pre_baseline_20260217_104205.sql',
      sizeBytes: 13_002_342,
      restoreCommand: 'psql … < x',
      at: AT.toISOString(),
      sha256: 'ab'.repeat(32),
      verification: { status: 'verified', summary: 'Verified: restored into …' },
    });
    return run;
  }

  it('lifts the deploy gate once a backup succeeded, shows the backup with its restore command, and substitutes variables', () => {
    const view = buildView({
      runbook: rb,
      run: runWithBackup(),
      relativePath: 'strategie-migrations.md',
      resolve: (s) => resolveTarget(s.target, [production]),
    });
    const all = view.sections.flatMap((s) => s.steps);
    const backup = all.find((s) => s.id === backupStep.id)!;
    assert.deepEqual(backup.backup, {
      path: '/root/backups/pre_baseline_20260217_104205.sql',
      size: '12 MB',
      restoreCommand: 'psql … < x',
      sha256: 'ab'.repeat(32),
      verification: { status: 'verified', summary: 'Verified: restored into …' },
    });
    assert.equal(backup.status, 'succeeded');
    assert.equal(all.find((s) => s.id === deployStep.id)!.gate, undefined);
    const resolve = all.find((s) => s.kinds.includes('migrateResolve'))!;
    assert.equal(resolve.command, 'npx prisma migrate resolve --applied 20260217_baseline');
    assert.equal(resolve.target.label, 'local');
    // The seed's unbound verify steps keep their hint; unmatched ssh targets offer to add an environment.
    assert.ok(all.some((s) => s.hint));
    const unmatched = buildView({
      runbook: rb,
      run: runWithBackup(),
      relativePath: 'x',
      resolve: (s) => resolveTarget(s.target, []),
    });
    const target = unmatched.sections.flatMap((s) => s.steps).find((s) => s.id === deployStep.id)!.target;
    const noEnvironment = 'No environment in driftGuard.environments connects to root@88.99.254.59.';
    assert.deepEqual(target, {
      label: 'root@88.99.254.59',
      remote: true,
      problem: { message: noEnvironment, action: 'addEnvironment', inSectionBanner: true },
    });
    // Said once for the section (Étape 4: five steps on that server), not once per step.
    const deploySection = unmatched.sections.find((s) => s.id === deployStep.sectionId)!;
    assert.deepEqual(deploySection.problems, [
      { message: noEnvironment, action: 'addEnvironment', steps: deploySection.steps.length },
    ]);
    assert.equal(deploySection.steps.length, 5);
    assert.equal(
      unmatched.sections.filter((s) => s.problems).length,
      1,
      'only the section with unbound steps gets the banner',
    );
  });

  it("names the team's rules each gate enforces, and holds the production deploy on a missing rehearsal (rule 3)", () => {
    const missing = { ok: false, message: 'No deploy rehearsal of production was recorded.' };
    const viewOf = (rehearsal?: { ok: boolean; message: string }) =>
      buildView({
        runbook: rb,
        run: runWithBackup(),
        relativePath: 'x',
        resolve: (s) => resolveTarget(s.target, [production]),
        ...(rehearsal ? { rehearsal: () => rehearsal } : {}),
      }).sections.flatMap((s) => s.steps);
    const deploy = viewOf(missing).find((s) => s.id === deployStep.id)!;
    assert.deepEqual(deploy.rules, [1, 3, 5]);
    assert.equal(deploy.gate, missing.message, 'the backup is there: the rehearsal holds the deploy');
    assert.equal(viewOf({ ok: true, message: 'ok' }).find((s) => s.id === deployStep.id)!.gate, undefined);
    // Steps with no gate name no rule; a local step neither.
    assert.equal(viewOf().find((s) => s.id === backupStep.id)!.rules, undefined);
    assert.equal(viewOf().find((s) => s.kinds.includes('migrateResolve'))!.rules, undefined);
  });

  it('shows a refusal on its step while its reason holds, and no longer once the backup has run', () => {
    const refusal = 'No backup of production succeeded in this run: run the backup step first.';
    const refused = (run: RunState): RunState => {
      run.steps[deployStep.id] = { status: 'notRun', source: deployStep.command, refusal };
      return run;
    };
    const viewOf = (run: RunState) =>
      buildView({ runbook: rb, run, relativePath: 'x', resolve: (s) => resolveTarget(s.target, [production]) })
        .sections.flatMap((s) => s.steps)
        .find((s) => s.id === deployStep.id)!;
    const before = viewOf(refused(newRun('strategie-migrations.md', AT)));
    assert.equal(before.message, refusal);
    assert.match(before.gate ?? '', /No backup of production/);
    const after = viewOf(refused(runWithBackup()));
    assert.equal(after.gate, undefined);
    assert.equal(after.message, undefined, 'the stale red "No backup" message is gone once the backup succeeded');
  });

  it("runs the seed's unbound Verify and Rollback on the server of Deploy once the user chooses it, for later runs too", () => {
    const run = runWithBackup();
    const [rollback] = rb.sections.filter((s) => s.kind === 'rollback');
    const restore = rollback.steps[0];
    const resolve = (r: RunState) => (s: (typeof steps)[number]) => resolveTarget(effectiveTarget(s, r), [production]);
    const before = buildView({ runbook: rb, run, relativePath: 'x', resolve: resolve(run) })
      .sections.flatMap((s) => s.steps)
      .find((s) => s.id === restore.id)!;
    assert.equal(before.target.label, 'local');
    assert.deepEqual(before.suggestedTarget, { label: 'root@88.99.254.59', applied: false });
    run.sectionTargets = { [rollback.id]: restore.hint!.suggestedTarget! };
    const after = buildView({ runbook: rb, run, relativePath: 'x', resolve: resolve(run) });
    const moved = after.sections.find((s) => s.id === rollback.id)!;
    assert.ok(
      moved.steps.every((s) => s.target.label === 'production · root@88.99.254.59'),
      moved.steps.map((s) => s.target.label).join(', '),
    );
    assert.equal(moved.production, 'production · root@88.99.254.59', 'the red banner follows');
    assert.deepEqual(moved.steps[0].suggestedTarget, { label: 'root@88.99.254.59', applied: true });
    assert.deepEqual(newRun('x', AT, run).sectionTargets, run.sectionTargets);
    assert.deepEqual(reconcileRun(run, rb).sectionTargets, run.sectionTargets);
  });

  it('offers the verification after a deploy step ended', () => {
    const run = runWithBackup();
    run.steps[deployStep.id] = { status: 'succeeded', source: deployStep.command, exitCode: 0, durationMs: 3000 };
    const view = buildView({
      runbook: rb,
      run,
      relativePath: 'x',
      resolve: (s) => resolveTarget(s.target, [production]),
    });
    assert.equal(view.sections.flatMap((s) => s.steps).find((s) => s.id === deployStep.id)!.verifyOffered, true);
  });

  it('reconciles a stored run with an edited runbook: changed steps start over, a step left running becomes failed', () => {
    const run = runWithBackup();
    run.steps[deployStep.id] = { status: 'running', source: deployStep.command };
    run.steps['gone/1'] = { status: 'succeeded', source: 'echo' };
    const same = reconcileRun(run, rb);
    assert.equal(same.steps[deployStep.id].status, 'failed');
    assert.equal(same.steps[deployStep.id].exitCode, null);
    assert.equal(same.steps['gone/1'], undefined);
    assert.equal(same.backups.length, 1);
    const edited = parseRunbook(
      SEED,
      readFileSync(SEED, 'utf8').replace(
        'pg_dump -U nexus_admin nexus_prod >',
        'pg_dump -U nexus_admin -Fc nexus_prod >',
      ),
    );
    const after = reconcileRun(run, edited);
    assert.equal(after.steps[backupStep.id], undefined);
    assert.deepEqual(after.backups, [], 'a backup recorded by a step whose command changed no longer counts');
  });

  it('starts a new run keeping variables but not dates', () => {
    const previous = newRun('r.md', AT);
    previous.variables = { MIGRATION_NAME: 'x', YYYYMMDD_HHMMSS: '20260217_104205' };
    const next = newRun('r.md', new Date(AT.getTime() + 1000), previous, ['YYYYMMDD_HHMMSS']);
    assert.deepEqual(next.variables, { MIGRATION_NAME: 'x' });
    assert.notEqual(next.id, previous.id);
  });

  it('keeps a plain-text tail of terminal output', () => {
    assert.equal(plainTerminalText('\x1b[1;32mok\x1b[0m\r\n50%\r100%\r\n\x1b]633;D;0\x07done'), 'ok\n100%\ndone');
    const tail = appendTail('line1\nline2\n', 'line3\nline4\n', 14);
    assert.equal(tail, 'line3\nline4\n');
  });

  it('exports the run log as markdown, newest run first, with backups and restore commands', () => {
    const base: RunRecord = {
      runId: 'r1',
      runbook: 'docs/MIGRATIONS.md',
      section: 'Étape 4 — Déployer en prod',
      stepId: 'a/1',
      step: 'Backup avant migration',
      command: 'pg_dump app > /b/x.sql',
      environment: 'production',
      target: 'root@88.99.254.59:22',
      startedAt: new Date(2026, 1, 17, 10, 42, 5).toISOString(),
      durationMs: 1234,
      exitCode: 0,
      status: 'succeeded',
      backupPath: '/b/x.sql',
      restoreCommand: 'psql -d app < /b/x.sql',
    };
    let records = appendRecord([], base);
    records = appendRecord(records, {
      ...base,
      stepId: 'a/2',
      step: 'Appliquer | migrations',
      command: 'npx prisma migrate deploy',
      status: 'refused',
      exitCode: undefined,
      durationMs: undefined,
      backupPath: undefined,
      restoreCommand: undefined,
      message: 'No backup',
    });
    records = appendRecord(records, {
      ...base,
      runId: 'r2',
      startedAt: new Date(2026, 1, 18, 9, 0, 0).toISOString(),
      status: 'failed',
      exitCode: 2,
      backupPath: undefined,
      restoreCommand: undefined,
    });
    const md = formatRunLog(records, { generatedAt: AT });
    assert.ok(
      md.indexOf('## Run of 2026-02-18 09:00:00') < md.indexOf('## Run of 2026-02-17 10:42:05'),
      'newest first',
    );
    assert.match(
      md,
      /\| 2026-02-17 10:42:05 \| Étape 4 — Déployer en prod \| Backup avant migration<br>`pg_dump app > \/b\/x\.sql` \| production \(root@88\.99\.254\.59:22\) \| {2}\| 1\.2 s \| 0 \| ✓ succeeded \|/,
    );
    assert.match(md, /Appliquer \\\| migrations/);
    assert.match(md, /\| ⛔ refused — No backup \|/);
    assert.match(md, /- production: `\/b\/x\.sql` — restore with `psql -d app < \/b\/x\.sql`/);
    assert.match(md, /Environments: production · 1 step execution · 1 failed/);
    assert.equal(appendRecord(records, base, 2).length, 2);
    assert.equal(formatDuration(125_000), '2 min 05 s');
    assert.equal(formatDuration(340), '340 ms');
  });

  it('sums up the post-deploy verification from the history and the drift findings', () => {
    const history = {
      hasMigrationsTable: true,
      hazards: [],
      notes: [],
      migrations: [
        { name: 'a', state: 'applied' as const },
        { name: 'b', state: 'applied' as const },
        { name: 'c', state: 'pending' as const },
      ],
    };
    assert.deepEqual(summarizeVerification(history, []), {
      ok: false,
      summary: '2 applied · 1 pending · no drift',
      lines: ['pending: c'],
    });
    const clean = { ...history, migrations: history.migrations.slice(0, 2) };
    assert.deepEqual(summarizeVerification(clean, []), {
      ok: true,
      summary: '2 applied · 0 pending · no drift',
      lines: [],
    });
    const finding = { message: 'User.activatedAt is in the database but in no migration' } as Parameters<
      typeof summarizeVerification
    >[1][number];
    const drifted = summarizeVerification(clean, [finding]);
    assert.equal(drifted.summary, '2 applied · 0 pending · 1 drifted object');
    assert.deepEqual(drifted.lines, ['drift: User.activatedAt is in the database but in no migration']);
    assert.equal(drifted.ok, false);
  });

  it('accepts only well-formed webview messages', () => {
    assert.ok(isWebviewMessage({ type: 'ready' }));
    assert.ok(isWebviewMessage({ type: 'run', stepId: 'a/1' }));
    assert.ok(!isWebviewMessage({ type: 'run' }));
    assert.ok(!isWebviewMessage({ type: 'copy', stepId: 'a/1', what: 'secrets' }));
    assert.ok(!isWebviewMessage({ type: 'eval', code: '1' }));
    assert.ok(!isWebviewMessage('ready'));
  });
});
