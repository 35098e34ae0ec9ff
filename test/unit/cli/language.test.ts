import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import { pickLanguage } from '../../../src/core/util/language';
import { useLanguage } from '../../../src/cli/language';
import { describeFinding, groupFindings } from '../../../src/core/drift/findings';
import { connectionError } from '../../../src/core/engine/errors';
import { migrationNameFindings } from '../../../src/core/guards/migrationNames';

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
      const item = { object: 'column' as const, change: 'added' as const, table: 'users', column: 'nickname', model: 'User', field: 'nickname', sql: 'ALTER TABLE…' };
      const [finding] = groupFindings([item], 'schemaVsMigrations');
      assert.equal(finding.message, '`User.nickname` (column users.nickname) is not created by any migration');
      useLanguage('fr');
      assert.equal(describeFinding(finding, 'schemaVsMigrations'), '`User.nickname` (colonne users.nickname) n\'est créé par aucune migration');
      useLanguage('en');
      assert.equal(describeFinding(finding, 'schemaVsMigrations'), finding.message);
    });

    it('says guard rails and engine errors in French, codes unchanged', () => {
      useLanguage('fr');
      const [finding] = migrationNameFindings({ migrations: [{ name: '20240101_init' }, { name: '20240102000000_migration' }] }).filter((f) => f.code === 'migration-name-meaningless');
      assert.equal(finding.severity, 'warning');
      assert.match(finding.message, /^20240102000000_migration : « migration » ne dit pas ce qu'elle change\. Nommez les migrations/);
      const error = connectionError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'postgresql://app:secret@localhost:5999/app', 'la connexion à la base');
      assert.equal(error.code, 'database-unreachable');
      assert.equal(error.message, 'Base injoignable à localhost:5999/app (ECONNREFUSED) pendant la connexion à la base.');
    });
  });

  describe('drift-guard check on a project with drift (bundled dist/cli.js)', function () {
    this.timeout(180_000);
    let demo = '';
    let cacheDir = '';
    const check = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => runCli(['check', ...args], demo, { DRIFT_GUARD_CACHE_DIR: cacheDir, ...env });
    const ENGLISH = /^✗ Schema vs migrations \(prisma\/schema\.prisma vs 10 migrations in prisma\/migrations\): 7 drifted objects not in any migration$/m;
    const FRENCH = /^✗ Schéma face aux migrations \(prisma\/schema\.prisma face à 10 migrations dans prisma\/migrations\) : 7 objets en dérive dans aucune migration$/m;

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
      for (const run of [await check([], { LANG: 'fr_FR.UTF-8' }), await check(['--lang=fr'], { LANG: 'C' }), await check(['--lang', 'fr'])]) {
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stdout, FRENCH);
        assert.match(run.stdout, /^· Jugé comme Prisma 6 \(d'après package\.json devDependencies\.prisma 6\.19\.0\)$/m);
        assert.match(run.stdout, /\+ User\.activatedAt \(users\.activatedAt\) — colonne qu'aucune migration ne crée; aucune base vérifiée : traité comme un nouveau changement/);
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
      const messages = (report: Record<string, unknown>) => (report.guardRails as { findings: Array<{ code: string; message: string }> }).findings;
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
