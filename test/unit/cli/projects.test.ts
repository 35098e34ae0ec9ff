import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireCliBundle, runCli } from '../../fixtures/cli';

const DS = 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n';
const LOCK = 'provider = "postgresql"\n';

describe('drift-guard projects (bundled dist/cli.js)', function () {
  this.timeout(60_000);
  let base = '';
  let root = '';
  before(async () => {
    requireCliBundle();
    // A monorepo whose root package.json points at a schema a build step generates (not generated here),
    // next to an ordinary project.
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-cli-projects-'));
    root = path.join(base, 'mono');
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'mono', prisma: { schema: 'packages/db/prisma/schema.prisma' } }),
      'packages/db/prisma/schema.full.prisma': DS,
      'packages/db/prisma/migrations/migration_lock.toml': LOCK,
      'apps/web/prisma/schema.prisma': DS,
      'apps/web/prisma/migrations/migration_lock.toml': LOCK,
    };
    for (const [rel, content] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await fs.writeFile(path.join(root, rel), content);
    }
  });
  after(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('names a project whose package.json declares a schema that is missing, instead of skipping it', async () => {
    // From above, as the corpus runner looks for projects: both listed.
    const run = await runCli(['projects', '--json', '--project', base], base);
    assert.equal(run.code, 1, run.stderr);
    const projects = JSON.parse(run.stdout) as Array<{
      name: string;
      problems: Array<{ code: string; message: string }>;
    }>;
    assert.deepEqual(
      projects.map((p) => [p.name, p.problems.map((x) => `${x.code}: ${x.message}`)]),
      [
        ['mono', ['no-schema: Schema not found: packages/db/prisma/schema.prisma (from package.json)']],
        ['web', []],
      ],
    );
    // In it, as Prisma reads package.json there: that project, and why it cannot be checked.
    const check = await runCli(['check', '--project', root], base);
    assert.equal(check.code, 2);
    assert.equal(
      check.stderr.trim(),
      'drift-guard: Schema not found: packages/db/prisma/schema.prisma (from package.json)',
    );
  });

  it('never prints a datasource password: --json and text mask it as everywhere else', async () => {
    const project = path.join(base, 'secretive');
    await fs.mkdir(path.join(project, 'prisma', 'migrations'), { recursive: true });
    await fs.writeFile(path.join(project, 'prisma', 'migrations', 'migration_lock.toml'), LOCK);
    await fs.writeFile(
      path.join(project, 'prisma', 'schema.prisma'),
      'datasource db {\n  provider  = "postgresql"\n  url       = env("DATABASE_URL")\n  directUrl = "postgresql://owner:Lit3ral-Pw@db.internal:5432/app"\n}\n',
    );
    await fs.writeFile(
      path.join(project, '.env'),
      'DATABASE_URL="postgresql://app:S3cret-Pw@db.internal:5432/app?sslpassword=K3y-Pw"\n',
    );
    const json = await runCli(['projects', '--json', '--project', project], base);
    assert.equal(json.code, 0, json.stderr);
    for (const secret of ['S3cret-Pw', 'Lit3ral-Pw', 'K3y-Pw']) {
      assert.ok(!json.stdout.includes(secret), `${secret} in:\n${json.stdout}`);
    }
    const [shown] = JSON.parse(json.stdout) as Array<{
      datasource: { url: { value: string }; directUrl: { value: string } };
    }>;
    assert.equal(shown.datasource.url.value, 'postgresql://app:****@db.internal:5432/app?sslpassword=****');
    assert.equal(shown.datasource.directUrl.value, 'postgresql://owner:****@db.internal:5432/app');
    const text = await runCli(['projects', '--project', project], base);
    for (const secret of ['S3cret-Pw', 'Lit3ral-Pw', 'K3y-Pw']) {
      assert.ok(!text.stdout.includes(secret), `${secret} in:\n${text.stdout}`);
    }
    assert.match(text.stdout, /postgresql:\/\/app:\*\*\*\*@db\.internal:5432\/app/);
  });
});
