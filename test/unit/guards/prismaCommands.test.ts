import * as assert from 'node:assert/strict';
import {
  commandTarget,
  findRiskyPrismaCommands,
  matchProductionTarget,
  type ProductionCandidate,
} from '../../../src/core/guards/prismaCommands';
import { splitCommands } from '../../../src/core/util/shellWords';

function kinds(line: string, scripts?: Record<string, string>): string[] {
  return findRiskyPrismaCommands(line, scripts ? { scripts } : {}).map((c) => c.kind);
}

describe('guard rails: risky Prisma commands in a command line', () => {
  it('finds db push, migrate reset and migrate dev through the usual runners', () => {
    for (const line of [
      'npx prisma db push',
      'npx --yes prisma@6.19.0 db push --accept-data-loss',
      'pnpm prisma db push',
      'pnpm exec prisma db push',
      'pnpm dlx prisma db push',
      'yarn prisma db push',
      'bunx prisma db push',
      'bun x prisma db push',
      'npm exec -- prisma db push',
      'npm exec prisma db push',
      './node_modules/.bin/prisma db push',
      'prisma db push --schema prisma/schema.prisma',
      'sudo -u app npx prisma db push',
      'env DATABASE_URL=postgresql://x@h/db npx prisma db push',
      'dotenv -e .env.production -- npx prisma db push',
      'sh -c "cd /app && npx prisma db push"',
      'time npx prisma db push',
    ]) {
      assert.deepEqual(kinds(line), ['dbPush'], line);
    }
    assert.deepEqual(kinds('npx prisma migrate reset --force'), ['migrateReset']);
    assert.deepEqual(kinds('npx prisma migrate dev --name add_invoices'), ['migrateDev']);
    assert.deepEqual(kinds('npm ci && npx prisma generate && npx prisma migrate dev; npx prisma db push'), [
      'migrateDev',
      'dbPush',
    ]);
  });

  it('ignores safe commands and look-alikes', () => {
    for (const line of [
      'npx prisma migrate deploy',
      'npx prisma migrate status',
      'npx prisma generate',
      'npx prisma migrate resolve --applied 20260217_baseline',
      'echo "npx prisma db push"',
      "grep 'prisma db push' README.md",
      'git commit -m "no db push"',
      'npx prisma db pull',
      'npx prisma migrate diff --from-migrations prisma/migrations --to-schema-datamodel prisma/schema.prisma',
      '# npx prisma db push',
    ]) {
      assert.deepEqual(kinds(line), [], line);
    }
  });

  it('sees through package.json scripts', () => {
    const scripts = {
      'db:push': 'prisma db push',
      'db:sync': 'npm run db:push -- --skip-generate',
      reset: 'prisma migrate reset --force && prisma db seed',
    };
    const viaNpm = findRiskyPrismaCommands('npm run db:sync', { scripts });
    assert.deepEqual(
      viaNpm.map((c) => [c.kind, c.viaScript]),
      [['dbPush', 'db:sync']],
    );
    assert.deepEqual(kinds('yarn reset', scripts), ['migrateReset']);
    assert.deepEqual(kinds('pnpm run db:push', scripts), ['dbPush']);
    assert.deepEqual(kinds('npm run build', scripts), []);
  });

  it('reads the database the command line names, the flags, and where it runs', () => {
    const [inline] = findRiskyPrismaCommands(
      'DATABASE_URL="postgresql://admin:pw@88.99.254.59:5435/nexus_prod" npx prisma db push --accept-data-loss',
    );
    assert.equal(inline.env.DATABASE_URL, 'postgresql://admin:pw@88.99.254.59:5435/nexus_prod');
    assert.deepEqual(inline.flags, ['--accept-data-loss']);
    const [withUrl] = findRiskyPrismaCommands(
      'npx prisma db push --url=postgresql://u@h:1/d --schema ./prisma/schema.prisma',
    );
    assert.equal(withUrl.url, 'postgresql://u@h:1/d');
    assert.equal(withUrl.schema, './prisma/schema.prisma');
    const [remote] = findRiskyPrismaCommands(
      "ssh -p 2222 root@88.99.254.59 'cd /opt/nexus && docker exec nexus-next-app npx prisma db push'",
    );
    assert.equal(remote.sshHost, 'root@88.99.254.59');
    assert.equal(remote.container, 'nexus-next-app');
    const [container] = findRiskyPrismaCommands(
      'docker compose exec -e DATABASE_URL=postgresql://a@b/c app npx prisma migrate reset',
    );
    assert.equal(container.container, 'app');
    assert.equal(container.env.DATABASE_URL, 'postgresql://a@b/c');
    const [dotenv] = findRiskyPrismaCommands('dotenv -e .env.production -- prisma db push');
    assert.deepEqual(dotenv.envFiles, ['.env.production']);
  });

  it('splits command lines like a shell', () => {
    assert.deepEqual(splitCommands(`A=1 npx 'prisma' "db" push && echo "a;b" | cat # comment`), [
      ['A=1', 'npx', 'prisma', 'db', 'push'],
      ['echo', 'a;b'],
      ['cat'],
    ]);
    assert.deepEqual(splitCommands('npx prisma \\\n  db push'), [['npx', 'prisma', 'db', 'push']]);
    assert.deepEqual(splitCommands('echo $(date +%s) done'), [['echo', '$(date +%s)', 'done']]);
  });
});

describe('guard rails: is that database production?', () => {
  const candidates: ProductionCandidate[] = [
    {
      name: 'production',
      url: 'postgresql://nexus_admin:secret@127.0.0.1:5435/nexus_prod',
      urlVariable: 'PROD_DATABASE_URL',
      ssh: { host: '88.99.254.59', database: { host: '127.0.0.1', port: 5435 } },
    },
    { name: 'prod-direct', url: 'postgresql://app:pw@db.example.com:5432/app' },
  ];
  const dbPush = findRiskyPrismaCommands('npx prisma db push')[0];

  it('the project URL pointing at the production server, a tunnel port, or the same database', () => {
    const server = matchProductionTarget(
      commandTarget(dbPush, { url: 'postgresql://nexus_admin:x@88.99.254.59:5435/nexus_prod' }),
      candidates,
    );
    assert.equal(server?.environment, 'production');
    assert.match(server.reason, /production server 88\.99\.254\.59, port 5435/);
    // The seed's "dev" procedure: a local port 5435 forwarded to the production container.
    const tunnel = matchProductionTarget(
      commandTarget(dbPush, { url: 'postgresql://nexus_admin@localhost:5435/nexus_prod' }),
      candidates,
    );
    assert.equal(tunnel?.environment, 'production');
    assert.match(tunnel.reason, /a tunnel to it\?/);
    const direct = matchProductionTarget(
      commandTarget(dbPush, { url: 'postgres://other:pw@DB.example.com/app?schema=public' }),
      candidates,
    );
    assert.equal(direct?.environment, 'prod-direct');
  });

  it('not production: another database, another port, a local dev database', () => {
    for (const url of [
      'postgresql://nexus_admin@localhost:5435/nexus_dev',
      'postgresql://u@localhost:5432/nexus_prod',
      'postgresql://app:pw@db.example.com:5432/app_staging',
    ]) {
      assert.equal(matchProductionTarget(commandTarget(dbPush, { url }), candidates), undefined, url);
    }
  });

  it('the inline URL wins over the project URL; the same variable; ssh to the production host', () => {
    const [inline] = findRiskyPrismaCommands('DATABASE_URL=postgresql://u@localhost:5432/dev npx prisma db push');
    assert.equal(
      matchProductionTarget(commandTarget(inline, { url: 'postgresql://x@88.99.254.59:5435/nexus_prod' }), candidates),
      undefined,
    );
    const variable = matchProductionTarget(
      commandTarget(dbPush, { url: 'postgresql://u@h/x', urlVariable: 'PROD_DATABASE_URL' }),
      candidates,
    );
    assert.equal(variable?.environment, 'production');
    const [remote] = findRiskyPrismaCommands('ssh root@88.99.254.59 "docker exec nexus-next-app npx prisma db push"');
    const viaSsh = matchProductionTarget(
      commandTarget(remote, { url: 'postgresql://u@localhost:5432/dev' }),
      candidates,
    );
    assert.equal(viaSsh?.environment, 'production');
    assert.match(viaSsh.reason, /SSH server 88\.99\.254\.59/);
  });
});
