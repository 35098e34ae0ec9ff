import { splitStatements, stripSqlComments } from '../sql/sqlText';

/**
 * Bump when the rule deciding whether a datamodel may stand for the migrated shadow changes: datamodels
 * cached on disk by an older rule are then never read again (they may have been accepted wrongly).
 */
export const DATAMODEL_CACHE_FORMAT = 3;

/**
 * Whether an introspected datamodel loses something of the migrated shadow it was introspected from.
 *
 * The fast re-analysis diffs that datamodel, instead of the shadow, against the user's schema. That gives the
 * shadow's answer only if the engine sees the same SQL schema in both. A round trip (shadow → datamodel diff
 * empty) does not prove it: the engine pairs indexes by columns, so a shadow with two unique indexes on
 * `users.email` (`User_email_key` from before a table rename, and `users_email_key`) round-trips through a
 * datamodel that keeps only one of them — and diffed against a schema wanting `users_email_key`, that datamodel
 * asks to rename `User_email_key`, which fails on the real database (42P07) while the shadow's answer is empty.
 *
 * So both sides are rendered by the engine as creation scripts (diff from an empty database), and must create
 * the same statements. Only what the two sources render differently for the same schema is normalised: the
 * shadow's `"public".` qualifiers and its explicit `ASC` on index columns, and statement order.
 *
 * The same comparison of the scripts from each side to an empty database catches what the differ drops but
 * never creates.
 *
 * @param shadowScript the engine's script from empty to the migrated shadow (`schemaDatasource`), or back
 * @param datamodelScript the engine's script from empty to the introspected datamodel (`schemaDatamodel`), or back
 * @returns undefined when nothing is lost, else one sentence saying what the datamodel does not keep
 */
export function datamodelLoses(shadowScript: string, datamodelScript: string): string | undefined {
  const shadow = creationStatements(shadowScript);
  const datamodel = creationStatements(datamodelScript);
  const remaining = new Map<string, number>();
  for (const statement of datamodel) remaining.set(statement, (remaining.get(statement) ?? 0) + 1);
  const lost: string[] = [];
  for (const statement of shadow) {
    const count = remaining.get(statement) ?? 0;
    if (count > 0) remaining.set(statement, count - 1);
    else lost.push(statement);
  }
  const extra = [...remaining].flatMap(([statement, count]) => Array<string>(count).fill(statement));
  if (lost.length === 0 && extra.length === 0) return undefined;
  const sample = (list: string[]): string =>
    `\`${clip(list[0])}\`${list.length > 1 ? ` and ${list.length - 1} more` : ''}`;
  if (lost.length > 0 && extra.length > 0) {
    return `the shadow gives ${sample(lost)} where the datamodel gives ${sample(extra)}`;
  }
  if (lost.length > 0) return `the datamodel does not keep ${sample(lost)}`;
  return `the datamodel adds ${sample(extra)}`;
}

/** The statements of an engine creation script, each normalised to one comparable line. */
export function creationStatements(script: string): string[] {
  return splitStatements(stripSqlComments(script))
    .map(({ text }) =>
      text
        .replace(/\s+/g, ' ')
        .replace(/"public"\./g, '')
        // Index columns: the shadow says `("email" ASC)`, a datamodel `("email")`.
        .replace(/" ASC(?=\s*[,)])/g, '"')
        .replace(/\( /g, '(')
        .replace(/ \)/g, ')')
        .trim(),
    )
    .filter((text) => text !== '' && text !== ';');
}

function clip(statement: string): string {
  return statement.length > 120 ? `${statement.slice(0, 117)}…` : statement;
}

/**
 * Objects of the migrated shadow that an introspected datamodel is known not to carry although the engine's
 * differ reads them from a database — each found on a history where the datamodel's answer and the shadow's
 * differed (test/fixtures/histories.ts):
 *  - a sequence not owned by a column, or owned under another name than PostgreSQL's `<table>_<column>_seq`
 *    (a `@default(dbgenerated("nextval(…)"))` or a renamed table: the shadow's answer names that sequence);
 *  - an index column with a non-default operator class (`text_pattern_ops`: the datamodel drops it);
 *  - partial and expression indexes, identity and generated columns, inherited or partitioned tables (kept
 *    out on principle: the datamodel renders them differently or not at all). Exclusion constraints and their
 *    indexes are not among them: the engine ignores them on both sides.
 * Any of them sends the analyses to the shadow itself: slower, never a different answer.
 */
export const SHADOW_FEATURES_BEYOND_DATAMODEL_SQL = `
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
)
SELECT 'sequence ' || ns.nspname || '.' || s.relname AS feature
FROM pg_class s
JOIN ns ON ns.oid = s.relnamespace
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class t ON t.oid = d.refobjid
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE s.relkind = 'S' AND (t.oid IS NULL OR s.relname <> t.relname || '_' || a.attname || '_seq')
UNION ALL
SELECT DISTINCT 'operator class ' || o.opcname || ' on index ' || ns.nspname || '.' || i.relname
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN ns ON ns.oid = i.relnamespace
CROSS JOIN LATERAL unnest(x.indclass::oid[]) AS c(opc)
JOIN pg_opclass o ON o.oid = c.opc
WHERE NOT o.opcdefault AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype = 'x')
UNION ALL
SELECT CASE WHEN x.indpred IS NOT NULL THEN 'partial index ' ELSE 'expression index ' END || ns.nspname || '.' || i.relname
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN ns ON ns.oid = i.relnamespace
WHERE (x.indpred IS NOT NULL OR x.indexprs IS NOT NULL)
  -- The index of an exclusion constraint: the engine reads neither (the shop fixture's bookings).
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype = 'x')
UNION ALL
SELECT CASE WHEN a.attidentity <> '' THEN 'identity column ' ELSE 'generated column ' END || ns.nspname || '.' || t.relname || '.' || a.attname
FROM pg_attribute a
JOIN pg_class t ON t.oid = a.attrelid
JOIN ns ON ns.oid = t.relnamespace
WHERE t.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND (a.attidentity <> '' OR a.attgenerated <> '')
UNION ALL
SELECT 'inherited or partitioned table ' || ns.nspname || '.' || t.relname
FROM pg_class t
JOIN ns ON ns.oid = t.relnamespace
WHERE t.relkind = 'p' OR EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = t.oid OR h.inhparent = t.oid)
ORDER BY 1
LIMIT 5`;
