import * as l10n from '@vscode/l10n';
import { type PrismaVersionInfo } from './types';

/**
 * Prisma version fidelity around one engine.
 *
 * drift-guard bundles one schema engine (7.x). A project is judged with the Prisma major version it uses: where
 * that version's schema engine writes or reads PostgreSQL differently from the bundled one, the bundled engine's
 * answer is adapted (see {@link PRISMA_VERSION_DIFFERENCES}), so the project gets the answer its own Prisma gives.
 * One engine rather than one per major: a second engine (`@prisma/schema-engine-wasm` 6.x) grows the extension
 * package from 15.35 MB to 16.86 MB, for a handful of known, testable differences.
 */

/** The Prisma major version of the bundled schema engine. */
export const BUNDLED_PRISMA_MAJOR = 7;

/** How drift-guard judges a project: as which Prisma major, decided from what. */
export interface PrismaJudgement {
  /** The major version the analysis imitates: 5, 6 or 7. */
  major: 5 | 6 | 7;
  /** Where that version comes from, e.g. `node_modules/prisma 5.22.0` or `package.json devDependencies.prisma ^6.19.0`. */
  source: string;
  /** Said to the user when the judgement is not simply the version found (none found, older or newer major). */
  note?: string;
}

/**
 * The major version a package.json range or an installed version designates: `5.22.0`, `^5.22.0`, `~6.1`,
 * `>=6.2.0 <7`, `6.x`, `v6`, `npm:prisma@5.10.2`, `workspace:^6.1.0`. Undefined for what names no version
 * (`latest`, `*`, `catalog:`, a git or file URL).
 */
export function majorOfVersion(range: string): number | undefined {
  let text = range.trim();
  const alias = /^npm:(?:@[^/@]+\/)?[^@]+@(.+)$/.exec(text);
  if (alias) text = alias[1];
  text = text.replace(/^workspace:/, '');
  if (/^(?:catalog:|file:|link:|git|https?:|github:)/.test(text)) return undefined;
  // The lowest version the range admits is what the lock file most likely holds: take the first number.
  const match = /^(?:[\^~]|[<>]=?|=)?\s*v?(\d+)(?:\.|$|\s|\.x)/.exec(text);
  if (!match) return undefined;
  const major = Number(match[1]);
  return Number.isFinite(major) ? major : undefined;
}

/**
 * Judges a project's Prisma major from what discovery found: the installed version wins over the declared range;
 * nothing found → the bundled engine's major (with a note). Majors before 5 write the same PostgreSQL as 5 for
 * everything drift-guard compares (judged as 5); a newer major than the bundled engine is judged as the bundled one.
 */
export function judgePrismaVersion(info: PrismaVersionInfo): PrismaJudgement {
  const installedMajor = info.installed !== undefined ? majorOfVersion(info.installed) : undefined;
  const declaredMajor = info.declared !== undefined ? majorOfVersion(info.declared) : undefined;
  let found: { major: number; source: string } | undefined;
  if (installedMajor !== undefined) {
    found = {
      major: installedMajor,
      source: `${info.installedIn ?? 'node_modules/prisma'} ${info.installed ?? ''}`.trim(),
    };
  } else if (declaredMajor !== undefined) {
    found = { major: declaredMajor, source: `${info.declaredIn ?? 'package.json'} ${info.declared ?? ''}`.trim() };
  }
  if (!found) {
    return {
      major: BUNDLED_PRISMA_MAJOR,
      source: l10n.t('the bundled engine'),
      note: info.declared
        ? l10n.t(
            'no Prisma version found (no prisma or @prisma/client in package.json with a version: "{0}"): judged as Prisma {1}',
            info.declared,
            BUNDLED_PRISMA_MAJOR,
          )
        : l10n.t(
            'no Prisma version found (no prisma or @prisma/client in package.json): judged as Prisma {0}',
            BUNDLED_PRISMA_MAJOR,
          ),
    };
  }
  if (found.major < 5) {
    return {
      major: 5,
      source: found.source,
      note: l10n.t('Prisma {0} is judged as Prisma 5 (the same PostgreSQL layout)', found.major),
    };
  }
  if (found.major > BUNDLED_PRISMA_MAJOR) {
    return {
      major: BUNDLED_PRISMA_MAJOR,
      source: found.source,
      note: l10n.t(
        'Prisma {0} is newer than the bundled engine: judged as Prisma {1}',
        found.major,
        BUNDLED_PRISMA_MAJOR,
      ),
    };
  }
  return { major: found.major as 5 | 6 | 7, source: found.source };
}

/** One line: `Prisma 5 (from node_modules/prisma 5.22.0)`. */
export function describeJudgement(judgement: PrismaJudgement): string {
  return l10n.t('Prisma {0} (from {1})', judgement.major, judgement.source);
}

/** One known difference between Prisma majors in what the schema engine writes or accepts for PostgreSQL. */
export interface PrismaVersionDifference {
  id: string;
  /** The Prisma version that changed it. */
  since: string;
  /** What changed, citing the release notes or issue. */
  change: string;
  /** What drift-guard does about it. */
  handling: string;
}

/**
 * Survey of the differences between Prisma 5, 6 and 7 in the schema engine's PostgreSQL (release notes of 6.0.0,
 * 6.13.0, 7.0.0, 7.4.0; prisma/prisma-engines#5781, #5789). Each row has a test in
 * test/unit/engine/prismaVersion.test.ts or test/node/engine/prismaVersion.engine.test.ts.
 */
export const PRISMA_VERSION_DIFFERENCES: readonly PrismaVersionDifference[] = [
  {
    id: 'm2m-primary-key',
    since: '6.0.0',
    change:
      'Implicit many-to-many relation tables (`_AToB`) get a primary key `_AToB_AB_pkey` instead of the unique index `_AToB_AB_unique` (6.0.0 release notes, "Schema change for implicit m-n relations on PostgreSQL"; the upgrade guide has users generate a migration for it).',
    handling:
      'Judged as Prisma 5: the two layouts are the same relation table (no drift for either), and baselines create new relation tables with the unique index. Judged as Prisma 6 or 7: the Prisma 5 layout is drift, as `prisma migrate dev` shows it.',
  },
  {
    id: 'preview-features-removed',
    since: '7.0.0',
    change:
      'Preview features that Prisma 5/6 accepted are unknown to the 7.x engine, which rejects the schema (P1012 "The preview feature … is not known"): `metrics` and `esm`. The others that became generally available or were dropped (`driverAdapters`, `tracing`, `omitApi`, `prismaSchemaFolder`, `multiSchema`, `fullTextIndex`, `fullTextSearch`, …) are still accepted.',
    handling: 'Removed from the schema the engine sees (line numbers kept), with a note; none of them changes the SQL.',
  },
  {
    id: 'datasource-urls',
    since: '7.0.0',
    change:
      'The datasource `url`, `directUrl` and `shadowDatabaseUrl` moved to prisma.config.ts; the 7.x engine rejects them in the schema (P1012).',
    handling: 'Read for the database URL, then blanked in the schema the engine sees (line numbers kept).',
  },
  {
    id: 'view-keys',
    since: '6.13.0',
    change:
      'Views can no longer declare `@id`, `@@id` or indexes (6.13.0 release notes, "views"; the engine says "Views cannot have primary keys" / "Views cannot have indexes", P1012); 6.14.0 brought back `@unique` and `@@unique` only. Prisma 5 schemas with the `views` preview feature often have `id … @id` in their views (langfuse).',
    handling:
      'Blanked in the schema the engine sees (lines and columns kept); views give no SQL to migrations, so the comparison is the same.',
  },
  {
    id: 'full-text-search-renamed',
    since: '6.0.0',
    change:
      'The PostgreSQL full-text search preview feature `fullTextSearch` was renamed `fullTextSearchPostgres` (6.0.0 release notes). It is a query feature: no SQL of its own.',
    handling: 'Both names are accepted by the bundled engine; nothing to adapt.',
  },
  {
    id: 'multi-schema-ga',
    since: '6.13.0',
    change:
      '`multiSchema` became generally available (6.13.0 release notes): `schemas = [...]` and `@@schema` no longer need the preview feature. The SQL is the same.',
    handling: 'The bundled engine accepts the schema with or without the preview feature; nothing to adapt.',
  },
  {
    id: 'partial-indexes',
    since: '7.4.0',
    change:
      'Partial indexes became declarable (`where:` on `@@index`/`@@unique`, preview feature `partialIndexes`). 7.4 read the predicates of indexes written in raw SQL even without the feature and dropped them (prisma/prisma-engines#5781, #5789); fixed later: without the feature, raw partial indexes are left alone, as Prisma 5 and 6 do.',
    handling:
      'The bundled engine already leaves raw partial and expression indexes alone without the feature; with it, they are compared as the project declares them.',
  },
];

const IDENT = String.raw`"(?:[^"]|"")+"`;
const QUALIFIED = String.raw`(?:${IDENT}\.)?${IDENT}`;

/** `"public"."_AToB"` → `_AToB`. */
function bareName(qualified: string): string {
  const parts = qualified.match(/"(?:[^"]|"")+"/g) ?? [];
  return (parts[parts.length - 1] ?? '').slice(1, -1).replace(/""/g, '"');
}

/** The schema qualifier of `"s"."t"` (with its dot), or ''. */
function qualifierOf(qualified: string): string {
  const parts = qualified.match(/"(?:[^"]|"")+"/g) ?? [];
  return parts.length > 1 ? `${parts[0]}.` : '';
}

/**
 * Adapts a script of the bundled (7.x) engine to what the project's Prisma major would write, for the comparisons
 * where one side is a Prisma schema rendered by the bundled engine (schema vs migrations, database vs schema).
 *
 * Judged as Prisma 5 (`m2m-primary-key`): the pair "add `_X_AB_pkey`, drop `_X_AB_unique`" on the same relation
 * table (and the reverse pair) is the same relation table in two layouts — removed; a relation table the script
 * creates gets Prisma 5's layout (no primary key, a unique index `_X_AB_unique`). Prisma 6 and 7: unchanged.
 *
 * The script is the engine's: blocks of `-- Comment` + statement(s) separated by blank lines.
 */
export function adaptScriptToPrismaMajor(script: string, major: number): string {
  if (major >= 6 || script.trim() === '') return script;
  // Blocks start with the engine's `-- Comment` line; a CREATE TABLE has blank lines of its own.
  const blocks = script.replace(/\s+$/, '').split(/\n\s*\n(?=--)/);
  const AB = String.raw`\("A",\s*"B"\)`;
  const addPkey = new RegExp(String.raw`^ALTER TABLE (${QUALIFIED}) ADD CONSTRAINT (${IDENT}) PRIMARY KEY ${AB};$`);
  const dropPkey = new RegExp(String.raw`^ALTER TABLE (${QUALIFIED}) DROP CONSTRAINT (${IDENT});$`);
  const createUnique = new RegExp(String.raw`^CREATE UNIQUE INDEX (${IDENT}) ON (${QUALIFIED})${AB};$`);
  const dropIndex = new RegExp(String.raw`^DROP INDEX (${QUALIFIED});$`);
  const statementOf = (block: string): string =>
    block
      .split('\n')
      .filter((l) => !l.trim().startsWith('--') && l.trim() !== '')
      .join(' ')
      .trim();
  const isRelationTable = (table: string): boolean => table.startsWith('_');
  // Relation tables whose primary key the script adds / drops, and whose unique index it drops / creates.
  const pkeyAdded = new Map<string, number>();
  const pkeyDropped = new Map<string, number>();
  const uniqueDropped = new Map<string, number>();
  const uniqueCreated = new Map<string, number>();
  blocks.forEach((block, i) => {
    const statement = statementOf(block);
    let m = addPkey.exec(statement);
    if (m && isRelationTable(bareName(m[1])) && bareName(m[2]) === `${bareName(m[1])}_AB_pkey`) {
      pkeyAdded.set(bareName(m[1]), i);
    }
    m = dropPkey.exec(statement);
    if (m && isRelationTable(bareName(m[1])) && bareName(m[2]) === `${bareName(m[1])}_AB_pkey`) {
      pkeyDropped.set(bareName(m[1]), i);
    }
    m = dropIndex.exec(statement);
    if (m && isRelationTable(bareName(m[1])) && bareName(m[1]).endsWith('_AB_unique')) {
      uniqueDropped.set(bareName(m[1]).slice(0, -'_AB_unique'.length), i);
    }
    m = createUnique.exec(statement);
    if (m && isRelationTable(bareName(m[2])) && bareName(m[1]) === `${bareName(m[2])}_AB_unique`) {
      uniqueCreated.set(bareName(m[2]), i);
    }
  });
  const removed = new Set<number>();
  for (const [table, i] of pkeyAdded) {
    const j = uniqueDropped.get(table);
    if (j !== undefined) removed.add(i).add(j);
  }
  for (const [table, i] of pkeyDropped) {
    const j = uniqueCreated.get(table);
    if (j !== undefined) removed.add(i).add(j);
  }
  const createTable = new RegExp(String.raw`^CREATE TABLE (${QUALIFIED}) \(`, 'm');
  const kept = blocks.filter((_, i) => !removed.has(i));
  const out: string[] = [];
  const pendingUnique = new Map<string, string>();
  for (const block of kept) {
    const m = createTable.exec(block);
    const table = m ? bareName(m[1]) : '';
    const pkeyLine = new RegExp(
      String.raw`,\s*\n\s*CONSTRAINT "${escapeRegExp(table.replace(/"/g, '""'))}_AB_pkey" PRIMARY KEY ${AB}\n`,
    );
    if (m && isRelationTable(table) && pkeyLine.test(block)) {
      out.push(block.replace(pkeyLine, '\n'));
      const quoted = table.replace(/"/g, '""');
      pendingUnique.set(
        table,
        `-- CreateIndex\nCREATE UNIQUE INDEX "${quoted}_AB_unique" ON ${qualifierOf(m[1])}"${quoted}"("A", "B");`,
      );
      continue;
    }
    // Prisma 5 writes the unique index just before the relation table's `_B_index`.
    const bIndex = /^CREATE INDEX "((?:[^"]|"")+)_B_index" ON /m.exec(block);
    const unique = bIndex ? pendingUnique.get(bIndex[1].replace(/""/g, '"')) : undefined;
    if (bIndex && unique) {
      out.push(unique);
      pendingUnique.delete(bIndex[1].replace(/""/g, '"'));
    }
    out.push(block);
  }
  out.push(...pendingUnique.values());
  const adapted = out.join('\n\n');
  return adapted.trim() === '' ? '' : `${adapted}\n`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
