/**
 * `drift-guard baseline` keeps one rule (bundled CLI, real engine, embedded PGlite shadow): nothing unverified
 * is ever left in the migrations folder. A baseline that fails on the shadow, or does not reproduce the
 * schema, stays a draft in .drift-guard/drafts/ with a message saying what failed, where, and what to edit;
 * `--from` verifies the edited draft and installs it.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';

const REPO = path.resolve(__dirname, '../../../..');
const NAME = '20260217093000_add_slug';
const DRAFT = path.join('.drift-guard', 'drafts', NAME, 'migration.sql');

/** Every file under `dir` with its content (the migrations folder must be byte-identical after a refusal). */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = await fs.readFile(file, 'utf8');
  }
  return out;
}

describe('drift-guard baseline: drafts, verification, --from (bundled CLI, embedded shadow)', function () {
  this.timeout(300_000);
  let cacheDir = '';
  let project = '';
  let migrations = '';
  const cli = (args: string[]): Promise<CliRun> => runCli(args, project, { DRIFT_GUARD_CACHE_DIR: cacheDir });

  before(async () => {
    requireCliBundle();
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-baseline-cache-'));
    // A blog whose migrations filled `posts` with rows, and a schema that adds a required column to it.
    project = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-baseline-'));
    await fs.cp(path.join(REPO, 'test', 'fixtures', 'projects', 'blog-multifile'), project, { recursive: true });
    migrations = path.join(project, 'prisma', 'migrations');
    await fs.mkdir(path.join(migrations, '20250302000000_seed'));
    await fs.writeFile(
      path.join(migrations, '20250302000000_seed', 'migration.sql'),
      'INSERT INTO "authors" ("name") VALUES (\'Ada\');\nINSERT INTO "posts" ("title", "author_id") VALUES (\'Hello\', 1), (\'World\', 1);\n',
    );
    const blog = path.join(project, 'prisma', 'schema', 'blog.prisma');
    await fs.writeFile(
      blog,
      (await fs.readFile(blog, 'utf8')).replace('  title    String\n', '  title    String\n  slug     String\n'),
    );
  });
  after(async () => {
    await fs.rm(project, { recursive: true, force: true });
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  it('a baseline that fails on the shadow (required column on a table with rows) stays a draft: what, where, what to edit; migrations untouched', async () => {
    const before = await tree(migrations);
    const run = await cli(['baseline', '--name', 'add_slug']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    // Named by the CLI's clock: find the folder.
    const drafts = await fs.readdir(path.join(project, '.drift-guard', 'drafts'));
    const name = drafts.find((d) => /^\d{14}_add_slug$/.test(d)) ?? '';
    assert.deepEqual(drafts.sort(), ['.gitignore', name].sort());
    const draftPath = path.join('.drift-guard', 'drafts', name, 'migration.sql');
    const draft = await fs.readFile(path.join(project, draftPath), 'utf8');
    const line =
      draft.split('\n').findIndex((l) => /^ALTER TABLE "posts" ADD COLUMN\s+"slug" TEXT NOT NULL;$/.test(l)) + 1;
    assert.ok(line > 0, `the draft holds the baseline:\n${draft}`);
    const statement = draft.split('\n')[line - 1];
    assert.equal(
      lines[0],
      `drift-guard: The baseline failed on the shadow database at line ${line} (${statement}): column "slug" of relation "posts" contains null values [23502]. ` +
        `Nothing was written to prisma/migrations; the draft was kept at ${draftPath}. ` +
        `Edit the draft: give the new required column a DEFAULT, or add it nullable, fill it with an UPDATE and then SET NOT NULL, ` +
        `then run: drift-guard baseline --from ${draftPath} (in the editor: Create Baseline from Draft…). (${draftPath}:${line})`,
    );
    assert.deepEqual(await tree(migrations), before, 'the migrations folder is byte-identical');
    assert.equal(
      await fs.readFile(path.join(project, '.drift-guard', 'drafts', '.gitignore'), 'utf8'),
      '# Baseline drafts of Prisma Drift Guard: not verified, never committed.\n*\n',
    );
    // Keep it under a fixed name for the next steps.
    await fs.rename(
      path.join(project, '.drift-guard', 'drafts', name),
      path.join(project, '.drift-guard', 'drafts', NAME),
    );
  });

  it('an edited draft that does not reproduce the schema is refused by --from under the same rule', async () => {
    const before = await tree(migrations);
    const file = path.join(project, DRAFT);
    const original = await fs.readFile(file, 'utf8');
    const wrong = original.replace(/ADD COLUMN\s+"slug" TEXT NOT NULL/, 'ADD COLUMN "slug" TEXT NOT NULL DEFAULT \'\'');
    assert.notEqual(wrong, original);
    await fs.writeFile(file, wrong);
    const run = await cli(['baseline', '--from', DRAFT]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      /^drift-guard: The baseline did not reproduce the schema: 1 difference\(s\) remain after it \(altered column posts\.slug: ALTER TABLE "posts" ALTER COLUMN "slug" DROP DEFAULT;?\)\. Nothing was written to prisma\/migrations; the draft was kept at \.drift-guard\/drafts\/20260217093000_add_slug\/migration\.sql\. Edit it so that/,
    );
    assert.deepEqual(await tree(migrations), before);
    assert.equal(await fs.readFile(file, 'utf8'), wrong, 'the draft is left as the user wrote it');
  });

  it('--from installs a corrected draft: verified, moved into the migrations, the draft removed, check clean', async () => {
    const file = path.join(project, DRAFT);
    const fixed = (await fs.readFile(file, 'utf8')).replace(
      /ALTER TABLE "posts" ADD COLUMN "slug" TEXT NOT NULL DEFAULT '';/,
      'ALTER TABLE "posts" ADD COLUMN "slug" TEXT;\nUPDATE "posts" SET "slug" = \'post-\' || "id";\nALTER TABLE "posts" ALTER COLUMN "slug" SET NOT NULL;',
    );
    await fs.writeFile(file, fixed);
    const run = await cli(['baseline', '--from', path.join(project, DRAFT), '--json']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const result = JSON.parse(run.stdout) as { created: boolean; migrationName: string; verified: boolean };
    assert.deepEqual([result.created, result.migrationName, result.verified], [true, NAME, true]);
    assert.equal(
      await fs.readFile(path.join(migrations, NAME, 'migration.sql'), 'utf8'),
      fixed,
      'exactly the verified draft',
    );
    assert.deepEqual(await fs.readdir(path.join(project, '.drift-guard', 'drafts')), ['.gitignore']);
    const check = await cli(['check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });
});
