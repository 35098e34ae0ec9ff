import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import { validateSarif } from '../../fixtures/sarif';

const REPO = path.resolve(__dirname, '../../../..');

const RISKY = `-- AlterTable
ALTER TABLE "User" DROP COLUMN "name",
ADD COLUMN "nickname" TEXT NOT NULL;

-- drift-guard-ignore lock/create-index: the table is small
CREATE INDEX "User_x_idx" ON "User"("email");
CREATE UNIQUE INDEX "User_nick_key" ON "User"("nickname");
`;

/** `drift-guard review` on the demo in a git repository: main has the demo's migrations, a feature branch adds one. */
describe('drift-guard review (bundled dist/cli.js, git, no database)', function () {
  this.timeout(120_000);
  let repo = '';
  const migration = (): string => path.join(repo, 'prisma', 'migrations', '20260301000000_risky', 'migration.sql');
  const cli = (...args: string[]): Promise<CliRun> =>
    runCli(['review', ...args], repo, { GIT_CEILING_DIRECTORIES: path.dirname(repo) });
  const git = (...args: string[]): void =>
    void execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: repo,
      stdio: 'ignore',
      env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(repo) },
    });

  before(async () => {
    requireCliBundle();
    repo = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-review-cli-'));
    await fs.cp(path.join(REPO, 'demo'), repo, { recursive: true });
    git('init', '-q', '--initial-branch=main');
    git('add', '-A');
    git('commit', '-qm', 'Add the demo');
    git('checkout', '-qb', 'feature');
    await fs.mkdir(path.dirname(migration()), { recursive: true });
    await fs.writeFile(migration(), RISKY);
  });
  after(async () => {
    if (repo) await fs.rm(repo, { recursive: true, force: true });
  });

  it('text: only the pending migration, each finding at file:line:character with why and rewrite; the waived one left out; exit 1 on an error', async () => {
    const run = await cli();
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^Review of 1 pending migration \(not in main\): 1 error, 3 warnings\./);
    assert.match(
      run.stdout,
      /prisma\/migrations\/20260301000000_risky\/migration\.sql:2:20 {2}error {2}data-loss\/drop-column\n {2}Drops the column User\.name/,
    );
    assert.match(run.stdout, /migration\.sql:3:1 {2}warning {2}existing-rows\/required-column/);
    assert.match(run.stdout, /migration\.sql:7:1 {2}warning {2}lock\/create-index/);
    assert.doesNotMatch(run.stdout, /migration\.sql:6:/, 'the waived statement');
    assert.match(run.stdout, /Safe rewrite: Expand\/contract/);
    assert.doesNotMatch(run.stdout, /20260127_init/, 'the applied history is not reviewed');
  });

  it('--fail-on: warnings only fail with --fail-on warning; nothing pending exits 0', async () => {
    await fs.writeFile(migration(), 'CREATE INDEX "User_x_idx" ON "User"("email");\n');
    assert.equal((await cli()).code, 0);
    assert.equal((await cli('--fail-on', 'warning')).code, 1);
    await fs.rm(path.dirname(migration()), { recursive: true });
    const none = await cli('--fail-on', 'warning');
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /No pending migration \(not in main\)/);
    await fs.mkdir(path.dirname(migration()), { recursive: true });
    await fs.writeFile(migration(), RISKY);
  });

  it('--format json, markdown, sarif (valid 2.1.0) and github', async () => {
    const json = JSON.parse((await cli('--format', 'json')).stdout) as {
      pending: string[];
      findings: Array<{ rule: string; file: string; line: number }>;
    };
    assert.deepEqual(json.pending, ['20260301000000_risky']);
    assert.deepEqual(
      json.findings.map((f) => `${f.rule}@${f.line}`),
      [
        'data-loss/drop-column@2',
        'existing-rows/required-column@3',
        'existing-rows/unique-index@7',
        'lock/create-index@7',
      ],
    );
    assert.equal(json.findings[0].file, 'prisma/migrations/20260301000000_risky/migration.sql');

    const markdown = await cli('--format', 'markdown');
    assert.equal(markdown.code, 1);
    assert.match(markdown.stdout, /^### drift-guard review of the pending migrations/);
    assert.match(
      markdown.stdout,
      /\| 🛑 \| `data-loss\/drop-column` \| `prisma\/migrations\/20260301000000_risky\/migration\.sql:2` \|/,
    );
    assert.match(markdown.stdout, /#### Safe rewrites\n\n- \*\*`data-loss\/drop-column`\*\*/);

    const sarif = await cli('--format', 'sarif');
    assert.equal(sarif.code, 1);
    const log = JSON.parse(sarif.stdout) as {
      runs: Array<{
        results: Array<{
          ruleId: string;
          level: string;
          locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
        }>;
      }>;
    };
    assert.deepEqual(validateSarif(log), []);
    const first = log.runs[0].results[0];
    assert.equal(first.ruleId, 'data-loss/drop-column');
    assert.equal(first.level, 'error');
    assert.equal(
      first.locations[0].physicalLocation.artifactLocation.uri,
      'prisma/migrations/20260301000000_risky/migration.sql',
    );
    assert.equal(first.locations[0].physicalLocation.region.startLine, 2);

    const github = await cli('--format', 'github');
    const lines = github.stdout.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(
      lines[0],
      /^::error file=prisma\/migrations\/20260301000000_risky\/migration\.sql,line=2,col=20,title=20260301000000_risky \[data-loss\/drop-column\]::Drops the column User\.name/,
    );
    assert.match(lines[3], /^::warning file=.*,line=7,/);
  });

  it('a waiver without a reason is a finding; French with --lang fr', async () => {
    await fs.writeFile(migration(), '-- drift-guard-ignore data-loss/drop-table\nDROP TABLE "User";\n');
    const run = await cli('--lang', 'fr', '--format', 'json');
    const rules = (JSON.parse(run.stdout) as { findings: Array<{ rule: string; message: string }> }).findings;
    assert.deepEqual(
      rules.map((f) => f.rule),
      ['data-loss/drop-table', 'waiver/no-reason'],
    );
    assert.match(rules[0].message, /^Supprime la table User/);
    await fs.writeFile(migration(), RISKY);
  });

  it('bad input and no git exit 2 with one line', async () => {
    const bad = await cli('--format', 'xml');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format xml: expected one of text, json, markdown, sarif, github/);
    assert.equal((await cli('--fail-on', 'note')).code, 2);
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-review-nogit-'));
    try {
      await fs.cp(path.join(REPO, 'demo'), outside, { recursive: true });
      const run = await runCli(['review'], outside, { GIT_CEILING_DIRECTORIES: path.dirname(outside) });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /not in a git repository.*--url or --env/);
      assert.equal(run.stderr.trim().split('\n').length, 1);
    } finally {
      await fs.rm(outside, { recursive: true, force: true });
    }
  });
});
