import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import { pickLanguage } from '../../../src/core/util/language';
import { useLanguage } from '../../../src/cli/cliLanguage';
import { describeFinding, groupFindings } from '../../../src/core/drift/driftFindings';
import { connectionError } from '../../../src/core/engine/engineError';
import { migrationNameFindings } from '../../../src/core/guards/migrationNames';
import { parseEnvironmentSettings } from '../../../src/core/environments/config';
import { computeHistoryStatus } from '../../../src/core/history/status';
import { classifyCommand } from '../../../src/core/runbook/classify';
import { evaluateGates } from '../../../src/core/runbook/gates';
import { summarizeVerification } from '../../../src/core/runbook/verification';
import { replayBlockedMessage } from '../../../src/core/app/deletedMigrations';
import { formatRunLog } from '../../../src/core/app/runLog';

const REPO = path.resolve(__dirname, '../../../..');

describe('language of the CLI and of src/core messages', function () {
  describe('pickLanguage (--lang, LC_ALL, LC_MESSAGES, LANG)', () => {
    it('follows the first locale variable set, French for fr*, English otherwise', () => {
      assert.equal(pickLanguage({}), 'en');
      assert.equal(pickLanguage({ LANG: 'fr_FR.UTF-8' }), 'fr');
      assert.equal(pickLanguage({ LANG: 'fr' }), 'fr');
      assert.equal(pickLanguage({ LANG: 'fr-CA' }), 'fr');
      assert.equal(pickLanguage({ LANG: 'de_DE.UTF-8' }), 'en');
      assert.equal(pickLanguage({ LANG: 'fry_DE' }), 'en');
      assert.equal(pickLanguage({ LANG: 'fr_FR.UTF-8', LC_ALL: 'C' }), 'en');
      assert.equal(pickLanguage({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'fr_BE.UTF-8' }), 'fr');
      assert.equal(pickLanguage({ LANG: 'fr_FR.UTF-8', LC_ALL: '' }), 'fr');
    });

    it('lets --lang win, and refuses a language it does not have', () => {
      assert.equal(pickLanguage({ LANG: 'fr_FR.UTF-8' }, 'en'), 'en');
      assert.equal(pickLanguage({ LC_ALL: 'C' }, 'FR'), 'fr');
      assert.throws(() => pickLanguage({}, 'de'), /--lang de: use one of en, fr/);
    });
  });

  describe('core messages through @vscode/l10n', () => {
    afterEach(() => useLanguage('en'));

    it('says a drift finding in French with the French bundle, in English without', () => {
      const item = {
        object: 'column' as const,
        change: 'added' as const,
        table: 'users',
        column: 'nickname',
        model: 'User',
        field: 'nickname',
        sql: 'ALTER TABLE…',
      };
      const [finding] = groupFindings([item], 'schemaVsMigrations');
      assert.equal(finding.message, '`User.nickname` (column users.nickname) is not created by any migration');
      useLanguage('fr');
      assert.equal(
        describeFinding(finding, 'schemaVsMigrations'),
        "`User.nickname` (colonne users.nickname) n'est créé par aucune migration",
      );
      useLanguage('en');
      assert.equal(describeFinding(finding, 'schemaVsMigrations'), finding.message);
    });

    it('says guard rails and engine errors in French, codes unchanged', () => {
      useLanguage('fr');
      const [finding] = migrationNameFindings({
        migrations: [{ name: '20240101_init' }, { name: '20240102000000_migration' }],
      }).filter((f) => f.code === 'migration-name-meaningless');
      assert.equal(finding.severity, 'warning');
      assert.match(
        finding.message,
        /^20240102000000_migration : « migration » ne dit pas ce qu'elle change\. Nommez les migrations/,
      );
      const error = connectionError(
        Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        'postgresql://app:secret@localhost:5999/app',
        'la connexion à la base',
      );
      assert.equal(error.code, 'database-unreachable');
      assert.equal(
        error.message,
        'Base injoignable à localhost:5999/app (ECONNREFUSED) pendant la connexion à la base.',
      );
    });
    it('says environment setting problems, migration history notes and runbook gates in French', () => {
      const settings = [{ name: 'prod', kind: 'production', url: 'postgresql://app:secret@db/app' }];
      const history = computeHistoryStatus(
        [{ name: '20240101000000_init', sqlPath: '/p/migration.sql', sql: 'CREATE TABLE a (id int);' }],
        undefined,
      );
      const deploy = classifyCommand('npx prisma migrate deploy');
      const gate = () => evaluateGates(deploy, { environment: 'production', kind: 'production', backups: [] });
      const english = { problems: parseEnvironmentSettings(settings).problems, notes: history.notes, gate: gate() };
      assert.match(english.problems[0], /^driftGuard\.environments\[0\] \(prod\): "url" holds a connection URL/);
      assert.match(english.notes[0], /^The database has no _prisma_migrations table/);
      assert.equal(english.gate.verdict, 'refuse');

      useLanguage('fr');
      assert.match(
        parseEnvironmentSettings(settings).problems[0],
        /^driftGuard\.environments\[0\] \(prod\) : « url » contient une URL de connexion : ne la mettez jamais/,
      );
      assert.deepEqual(parseEnvironmentSettings([{ name: 'x', kind: 'nope' }]).problems, [
        'driftGuard.environments[0] (x) : « kind » doit valoir "production", "staging" ou "development".',
      ]);
      assert.equal(
        computeHistoryStatus([], undefined).notes[0],
        "La base n'a pas de table _prisma_migrations : aucune migration n'y a jamais été appliquée avec Prisma Migrate, donc toutes les migrations sont en attente.",
      );
      const refused = gate();
      assert.equal(refused.verdict, 'refuse');
      assert.equal(
        refused.verdict === 'refuse' ? refused.message : '',
        "Aucune sauvegarde de production n'a réussi pendant cette exécution : lancez d'abord l'étape de sauvegarde (règle : sauvegarde avant chaque migrate deploy en production).",
      );
      assert.equal(
        classifyCommand('npx prisma migrate reset --force').destructiveReason,
        'réinitialise la base (toutes les données perdues)',
      );
      assert.equal(summarizeVerification(history, []).summary, '0 appliquée(s) · 1 en attente · aucune dérive');
    });

    it('says the replay-blocked sentence and the run log in French (singular and plural as whole sentences)', () => {
      const blocked = {
        deleted: ['20260102000000_invoices', '20260102100000_lines'],
        environments: ['production'],
        engineMessage: '',
      };
      assert.match(
        replayBlockedMessage(blocked, 'prisma/migrations'),
        /^Drift not computed: .* recorded them as applied\)\. Restore them from git/,
      );
      useLanguage('fr');
      assert.equal(
        replayBlockedMessage(blocked, 'prisma/migrations'),
        "Dérive non calculée : l'historique des migrations ne peut pas être rejoué sans 20260102000000_invoices, 20260102100000_lines (supprimées ici, mais production les a enregistrées comme appliquées). Restaurez-les depuis git (git checkout HEAD -- prisma/migrations/20260102000000_invoices), puis vérifiez de nouveau.",
      );
      const log = formatRunLog([], { generatedAt: new Date(2026, 0, 2, 3, 4, 5) });
      assert.equal(
        log,
        "# Journal d'exécution du runbook\n\nGénéré le 2026-01-02 03:04:05 · 0 enregistrements\n\nAucune étape n'a encore été lancée.\n",
      );
    });
  });

  describe('drift-guard projects and --help in French (bundled dist/cli.js)', function () {
    this.timeout(120_000);
    let demo = '';
    before(async () => {
      requireCliBundle();
      demo = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-lang-projects-'));
      await fs.cp(path.join(REPO, 'demo'), demo, { recursive: true });
    });
    after(async () => {
      await fs.rm(demo, { recursive: true, force: true });
    });

    it('describes the project in French with --lang fr, labels aligned, and in English by default', async () => {
      const en = await runCli(['projects'], demo, { LANG: 'C' });
      assert.equal(en.code, 0, en.stderr);
      assert.match(en.stdout, /^ {2}Schema: {6}prisma\/schema\.prisma$/m);
      assert.match(en.stdout, /^ {2}Migrations: {2}prisma\/migrations — 10 migrations$/m);
      assert.match(en.stdout, /^ {15}first 20260127_init, last 20260214_init_assessment_module$/m);
      assert.match(en.stdout, /— not set in the environment or \.env files$/m);

      for (const fr of [
        await runCli(['projects', '--lang', 'fr'], demo),
        await runCli(['projects'], demo, { LANG: 'fr_FR.UTF-8' }),
      ]) {
        assert.equal(fr.code, 0, fr.stderr);
        assert.match(fr.stdout, /^Projet nexus-reussite — /m);
        assert.match(fr.stdout, /^ {2}Schéma : {9}prisma\/schema\.prisma$/m);
        assert.match(fr.stdout, /^ {2}Migrations : {5}prisma\/migrations — 10 migrations$/m);
        assert.match(fr.stdout, /^ {19}première 20260127_init, dernière 20260214_init_assessment_module$/m);
        assert.match(fr.stdout, /— non défini dans l'environnement ni dans les fichiers \.env$/m);
        assert.match(
          fr.stdout,
          /^ {2}Prisma : {9}déclaré 6\.19\.0 dans package\.json devDependencies\.prisma, non installé$/m,
        );
        assert.doesNotMatch(fr.stdout, /Project |Schema:|Lock file|Judged as|not set|declared|installed\b/);
      }
    });

    it('prints the help in French with --lang fr (command lines unchanged), in English by default', async () => {
      const en = await runCli(['--help'], demo, { LANG: 'C' });
      assert.equal(en.code, 0, en.stderr);
      assert.match(en.stdout, /^Usage:$/m);
      assert.match(
        en.stdout,
        /^ {2}check {6}schema vs migrations \(on an embedded shadow database, or --shadow-url\), and the$/m,
      );
      const fr = await runCli(['--help', '--lang', 'fr'], demo);
      assert.equal(fr.code, 0, fr.stderr);
      assert.match(
        fr.stdout,
        /^drift-guard — la dérive entre schema\.prisma, vos migrations et les bases PostgreSQL$/m,
      );
      assert.match(fr.stdout, /^Utilisation :$/m);
      assert.match(
        fr.stdout,
        /^ {2}drift-guard deploy {3}\[--project DIR\] \[--url URL \| --env NAME\] \[--dry-run\] \[--yes\] \[--json\]$/m,
      );
      assert.match(fr.stdout, /^ {2}check {6}le schéma face aux migrations/m);
      assert.match(fr.stdout, /^ {2}--dry-run {9}deploy : afficher seulement le plan, ne rien écrire$/m);
      assert.match(fr.stdout, /^Codes de sortie : 0 rien trouvé/m);
      assert.doesNotMatch(
        fr.stdout,
        /Usage:|Options:\n|Exit codes|schema vs migrations|the version|this help|machine-readable/,
      );
      for (const line of fr.stdout.split('\n')) {
        assert.ok(line.length <= 100 || line.startsWith('  drift-guard '), line);
      }
    });
  });

  describe('drift-guard check on a project with drift (bundled dist/cli.js)', function () {
    this.timeout(180_000);
    let demo = '';
    let cacheDir = '';
    const check = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
      runCli(['check', ...args], demo, { DRIFT_GUARD_CACHE_DIR: cacheDir, ...env });
    const ENGLISH =
      /^✗ Schema vs migrations \(prisma\/schema\.prisma vs 10 migrations in prisma\/migrations\): 7 drifted objects not in any migration$/m;
    const FRENCH =
      /^✗ Schéma face aux migrations \(prisma\/schema\.prisma face à 10 migrations dans prisma\/migrations\) : 7 objets en dérive dans aucune migration$/m;

    before(async () => {
      requireCliBundle();
      cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-lang-cache-'));
      demo = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-lang-demo-'));
      await fs.cp(path.join(REPO, 'demo'), demo, { recursive: true });
    });
    after(async () => {
      await fs.rm(demo, { recursive: true, force: true });
      await fs.rm(cacheDir, { recursive: true, force: true });
    });

    it('speaks English by default and with --lang en (even under a French locale)', async () => {
      for (const run of [await check([]), await check(['--lang', 'en'], { LANG: 'fr_FR.UTF-8' })]) {
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stdout, ENGLISH);
        assert.match(run.stdout, /— column not created by any migration; no database checked: treated as a new change/);
        assert.match(run.stdout, /Guard rails: 2 notes/);
        assert.doesNotMatch(run.stdout, /Schéma|Garde-fous|aucune/);
      }
    });

    it('speaks French with LANG=fr_FR.UTF-8 and with --lang fr (after the command too), exit codes unchanged', async () => {
      for (const run of [
        await check([], { LANG: 'fr_FR.UTF-8' }),
        await check(['--lang=fr'], { LANG: 'C' }),
        await check(['--lang', 'fr']),
      ]) {
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stdout, FRENCH);
        assert.match(run.stdout, /^· Jugé comme Prisma 6 \(d'après package\.json devDependencies\.prisma 6\.19\.0\)$/m);
        assert.match(
          run.stdout,
          /\+ User\.activatedAt \(users\.activatedAt\) — colonne qu'aucune migration ne crée; aucune base vérifiée : traité comme un nouveau changement/,
        );
        assert.match(run.stdout, /^⚠ Garde-fous : 2 notes$/m);
        assert.match(run.stdout, /\[migration-date-only\] 5 migrations ont une date mais pas d'heure\./);
        assert.doesNotMatch(run.stdout, ENGLISH);
      }
    });

    it('keeps JSON keys, codes and values in English under --lang fr; only the sentences change', async () => {
      const en = JSON.parse((await check(['--json'])).stdout) as Record<string, unknown>;
      const fr = JSON.parse((await check(['--json', '--lang', 'fr'])).stdout) as Record<string, unknown>;
      const withoutSentences = (value: unknown): unknown =>
        JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'message' ? '<sentence>' : v)));
      assert.deepEqual(withoutSentences(fr), withoutSentences(en));
      const messages = (report: Record<string, unknown>) =>
        (report.guardRails as { findings: Array<{ code: string; message: string }> }).findings;
      assert.match(messages(fr)[0].message, /a une date mais pas d'heure/);
      assert.match(messages(en)[0].message, /has a date but no time/);
    });

    it('answers --lang with an unknown language with exit code 2 and one line', async () => {
      const run = await check(['--lang', 'de']);
      assert.equal(run.code, 2);
      assert.equal(run.stderr.trim(), 'drift-guard: --lang de: use one of en, fr.');
      assert.equal(run.stdout, '');
    });
  });
});
