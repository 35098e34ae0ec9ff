import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { parsePgUrl } from '../../src/core/engine/pgAdapter';
import { judgeShadowContents } from '../../src/core/engine/shadowSafety';
import { commandTarget, findRiskyPrismaCommands, matchProductionTarget } from '../../src/core/guards/prismaCommands';
import { type CatalogSnapshot, destructiveChanges } from '../../src/core/rehearsal/catalog';
import { type RehearsalReport, rehearsalText } from '../../src/core/rehearsal/report';
import { hostKeyRejectedError } from '../../src/core/remote/hostKeys';
import { resolveTarget } from '../../src/core/remote/target';

const REPO = path.resolve(__dirname, '../../..');
const frBundle = JSON.parse(readFileSync(path.join(REPO, 'l10n/bundle.l10n.fr.json'), 'utf8')) as Record<
  string,
  string
>;

/** Runs `fn` with the French bundle, then in English (the default), and returns both answers. */
function both<T>(fn: () => T): { fr: T; en: T } {
  l10n.config({ contents: frBundle });
  try {
    const fr = fn();
    l10n.config({ contents: {} });
    return { fr, en: fn() };
  } finally {
    l10n.config({ contents: {} });
  }
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

describe('src/core messages in French (engine, rehearsal, remote, guards)', () => {
  afterEach(() => l10n.config({ contents: {} }));

  it('guards: why a command targets production', () => {
    const dbPush = findRiskyPrismaCommands('npx prisma db push')[0];
    const candidates = [
      {
        name: 'production',
        url: 'postgresql://a:b@127.0.0.1:5435/nexus_prod',
        ssh: { host: '88.99.254.59', database: { host: '127.0.0.1', port: 5435 } },
      },
    ];
    const { fr, en } = both(
      () =>
        matchProductionTarget(
          commandTarget(dbPush, { url: 'postgresql://a:x@88.99.254.59:5435/nexus_prod' }),
          candidates,
        )?.reason,
    );
    assert.equal(fr, 'le serveur de production 88.99.254.59, port 5435, base nexus_prod');
    assert.equal(en, 'the production server 88.99.254.59, port 5435, database nexus_prod');
  });

  it('remote: an invalid SSH target and an untrusted host key', () => {
    const target = { host: ' ', user: 'deploy', auth: { kind: 'agent' as const } };
    const empty = both(() => messageOf(() => resolveTarget(target)));
    assert.equal(empty.fr, "Cible SSH : l'hôte est vide");
    assert.equal(empty.en, 'SSH target: host is empty');
    const rejected = both(
      () =>
        hostKeyRejectedError('deploy@example.com:22', 'example.com', 'ssh-ed25519', Buffer.from('key'), 'rejected')
          .message,
    );
    assert.match(
      rejected.fr,
      /^La clé d'hôte SSH de example\.com \(SHA256:\S+, ssh-ed25519\) n'est pas reconnue : elle n'est pas dans known_hosts et a été refusée\. Pas de connexion à deploy@example\.com:22\.$/,
    );
    assert.match(
      rejected.en,
      /^The SSH host key of example\.com \(SHA256:\S+, ssh-ed25519\) is not trusted: it is not in known_hosts and was rejected\. Not connecting to deploy@example\.com:22\.$/,
    );
  });

  it('rehearsal: destructive-change warnings (plural rows) and the text report', () => {
    const before: CatalogSnapshot = {
      tables: ['public.users', 'public.legacy'],
      columns: {},
      enums: {},
      uniqueIndexes: {},
    };
    const after: CatalogSnapshot = { tables: ['public.users'], columns: {}, enums: {}, uniqueIndexes: {} };
    const drop = both(() =>
      destructiveChanges(before, after, 'DROP TABLE "legacy";', { 'public.legacy': 1234 }).map((w) => w.message),
    );
    assert.deepEqual(drop.fr, [
      'Supprime la table legacy : ses lignes sont perdues (legacy a environ 1,234 lignes sur la vraie base).',
    ]);
    assert.deepEqual(drop.en, [
      'Drops table legacy: its rows are lost (legacy has about 1,234 rows on the real database).',
    ]);

    const report: RehearsalReport = {
      target: 'production',
      startedAt: '2026-02-17T09:00:00.000Z',
      source: { kind: 'command', description: '`pg_dump`', bytes: 40_000, ms: 850 },
      copy: {
        engine: 'PostgreSQL 17.5 (PGlite, embedded)',
        loadMs: 500,
        statements: 141,
        skipped: {},
        dataTables: 0,
        problems: [],
        missingExtensions: [],
      },
      history: { source: 'database', recorded: 10, applied: 10 },
      blockers: [],
      migrations: [
        { name: '20260301090000_add_nickname', status: 'passed', ms: 3.2, warnings: [] },
        {
          name: '20260302090000_create_invoices',
          status: 'failed',
          ms: 1.1,
          error: { message: 'relation "invoices" already exists', code: '42P07', line: 2, character: 1 },
          warnings: [],
        },
        { name: '20260303090000_after', status: 'notRun', warnings: [] },
      ],
      ok: false,
      warningCount: 0,
      totalMs: 2100,
      notes: [],
    };
    const text = both(() => rehearsalText(report).split('\n'));
    assert.equal(
      text.fr[0],
      'Répétition du déploiement sur une copie de production : EN ÉCHEC — 1 sur 3 migrations en attente sont passées, 1 en échec.',
    );
    assert.equal(text.fr[4], '· 20260303090000_after (non exécutée)');
    assert.equal(
      text.en[0],
      'Deploy rehearsal on a copy of production: FAILED — 1 of 3 pending migrations passed, 1 failed.',
    );
    assert.match(
      text.fr.at(-1) ?? '',
      /^Copie : `pg_dump`, 141 instructions chargées dans .* Rien n'a été écrit dans production\.$/,
    );
  });

  it('engine: a bad database URL and a shadow database that is not one, codes unchanged', () => {
    const url = both(() => messageOf(() => parsePgUrl('not a url')));
    assert.equal(
      url.fr,
      "L'URL de la base est illisible : attendu postgresql://utilisateur:motdepasse@hôte:port/base.",
    );
    assert.equal(url.en, 'The database URL cannot be parsed: expected postgresql://user:password@host:port/database.');
    const refused = both(() =>
      judgeShadowContents('postgresql://u:hunter2@localhost:5432/app', {
        marked: true,
        migrationTables: 'public._prisma_migrations',
        objectCount: 3,
        firstObjects: null,
      }),
    );
    assert.equal(refused.fr?.code, 'shadow-refused');
    assert.match(
      refused.fr?.message ?? '',
      /^La base shadow \S+ contient public\._prisma_migrations : c'est une base que Prisma migre, pas une shadow\./,
    );
    assert.doesNotMatch(refused.fr?.message ?? '', /hunter2/);
    assert.match(
      refused.en?.message ?? '',
      /^The shadow database \S+ holds public\._prisma_migrations: it is a database Prisma migrates, not a shadow\./,
    );
  });
});
