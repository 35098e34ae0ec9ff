import * as l10n from '@vscode/l10n';
import { type DriftItem, driftItemKey, sameDriftChange } from '../drift/diffItems';
import { type DriftFinding } from '../drift/driftFindings';

/**
 * The right action for each drifted object (issue 12, rule 2 of the team: every schema change is a named migration).
 *
 * A change in the schema that no migration creates is either
 * - a **new change** — no checked database has it: write a migration (`migrate dev --create-only`) and deploy it;
 * - **db push drift** — some database already has it: write a baseline and mark it applied where it is present
 *   (deploying a migration there would fail: the object already exists, P3018).
 *
 * Which databases have it comes from the analyses already made: each database compared with the migrations it
 * applied finds the same object as "in the database, in no applied migration". No database is asked anything here.
 *
 * With no database checked at all (none configured, or none reachable), nothing says the change is anywhere: it is
 * treated as a new change — Prisma's own workflow for a schema edit (`migrate dev`), and the choice that cannot
 * record on a database something it lacks — and the caller says that no database was checked.
 */
export type DriftActionKind = 'migrate' | 'baseline';

/** One database's latest result (an environment: `local`, `production`…). */
export interface DatabaseDriftResult {
  name: string;
  /** Its differences with the migrations it applied; undefined when it could not be checked (unreachable, cancelled). */
  findings?: readonly DriftFinding[];
}

/** A schema-vs-migrations finding with its action. */
export interface SchemaDriftAction {
  finding: DriftFinding;
  action: DriftActionKind;
  /** Checked databases that already have this change, in the order given. */
  presentIn: string[];
  /** Checked databases that do not have it. */
  absentFrom: string[];
  /** The same object as each database that has it reports it (shown once, with the schema's finding). */
  databaseFindings: Array<{ database: string; finding: DriftFinding }>;
}

/** A database difference the schema does not share (a table only a database has…), with every database that has it. */
export interface DatabaseOnlyDrift {
  finding: DriftFinding;
  databases: string[];
}

export interface DriftActionPlan {
  schema: SchemaDriftAction[];
  databaseOnly: DatabaseOnlyDrift[];
  /** Databases whose result is known. */
  checked: string[];
  /** Databases that could not be checked: a change could be there without our knowing. */
  unchecked: string[];
  /** `mixed`: some objects are present somewhere (baseline), others nowhere (migration). */
  overall: 'none' | DriftActionKind | 'mixed';
}

/** Whether a database finding is the same object, changed the same way, as a schema finding. */
function sameObject(schema: DriftFinding, database: DriftFinding): boolean {
  return sameDriftChange(schema.primary, database.primary);
}

/** Each schema finding's action, and the database-only findings grouped across databases. */
export function planDriftActions(
  schemaFindings: readonly DriftFinding[],
  databases: readonly DatabaseDriftResult[],
): DriftActionPlan {
  const checked = databases.filter((d) => d.findings !== undefined);
  const used = new Set<DriftFinding>();
  const schema = schemaFindings.map((finding): SchemaDriftAction => {
    const presentIn: string[] = [];
    const absentFrom: string[] = [];
    const databaseFindings: SchemaDriftAction['databaseFindings'] = [];
    for (const db of checked) {
      const match = db.findings!.find((f) => !used.has(f) && sameObject(finding, f));
      if (match) {
        used.add(match);
        presentIn.push(db.name);
        databaseFindings.push({ database: db.name, finding: match });
      } else {
        absentFrom.push(db.name);
      }
    }
    return { finding, action: presentIn.length > 0 ? 'baseline' : 'migrate', presentIn, absentFrom, databaseFindings };
  });
  const databaseOnly: DatabaseOnlyDrift[] = [];
  for (const db of checked) {
    for (const finding of db.findings!) {
      if (used.has(finding)) continue;
      const same = databaseOnly.find((d) => sameDriftChange(d.finding.primary, finding.primary));
      if (same) same.databases.push(db.name);
      else databaseOnly.push({ finding, databases: [db.name] });
    }
  }
  const kinds = new Set(schema.map((s) => s.action));
  const overall = kinds.size === 0 ? 'none' : kinds.size === 2 ? 'mixed' : [...kinds][0];
  return {
    schema,
    databaseOnly,
    checked: checked.map((d) => d.name),
    unchecked: databases.filter((d) => d.findings === undefined).map((d) => d.name),
    overall,
  };
}

/** Every item of some findings (their primary and folded items), as {@link driftItemKey} keys: what to put in a migration. */
export function selectionKeys(findings: readonly DriftFinding[]): string[] {
  return findings.flatMap((f) => [f.primary, ...f.related]).map(driftItemKey);
}

/** The per-item form of {@link planDriftActions} (the CLI's `check --json` items): which databases have this item. */
export function presentInFor(
  item: DriftItem,
  databases: ReadonlyArray<{ name: string; items?: readonly DriftItem[] }>,
): string[] {
  return databases.filter((db) => db.items?.some((other) => sameDriftChange(item, other))).map((db) => db.name);
}

/** `local`, `local and production`, `local, staging and production`. */
export function listNames(names: readonly string[]): string {
  return names.length <= 1
    ? (names[0] ?? '')
    : l10n.t('{0} and {1}', names.slice(0, -1).join(', '), names[names.length - 1]);
}

/**
 * What to do, for the CLI (the extension says the same through vscode.l10n):
 * `already in local (db push): baseline it`, `in no checked database (local): a new change, create a migration`.
 */
export function describeAction(
  action: Pick<SchemaDriftAction, 'action' | 'presentIn' | 'absentFrom'>,
  checked: readonly string[],
): string {
  if (checked.length === 0) {
    return l10n.t(
      'no database checked: treated as a new change, create a migration (if a database already has it, check it first)',
    );
  }
  if (action.action === 'migrate') {
    return l10n.t('in no checked database ({0}): a new change, create a migration', listNames(checked));
  }
  if (action.absentFrom.length > 0) {
    return l10n.t(
      'already in {0} (db push), not in {1}: baseline it',
      listNames(action.presentIn),
      listNames(action.absentFrom),
    );
  }
  return l10n.t('already in {0} (db push): baseline it', listNames(action.presentIn));
}

/**
 * A migration name for some findings, as a developer would write it: `add_user_nickname` for one new field,
 * `add_invoice` for one new model; empty when nothing short fits (the user names it).
 */
export function suggestMigrationName(findings: readonly DriftFinding[]): string {
  if (findings.length !== 1) return '';
  const item = findings[0].primary;
  const verb = item.change === 'added' ? 'add' : item.change === 'removed' ? 'drop' : 'change';
  const words = [item.model ?? item.table ?? item.enum, item.field ?? item.column ?? item.value].filter(
    (w): w is string => w !== undefined,
  );
  const name = [verb, ...words]
    .join('_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return words.length > 0 ? name : '';
}
