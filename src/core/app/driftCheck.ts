/**
 * The drift check as one use case, shared by `drift-guard check` and the editor's analyses: the schema against the
 * migrations (on a shadow database), and a database against the migrations its history says were applied, each
 * attributed to the schema's models and fields and grouped into drifted objects the same way for both front ends.
 *
 * The editor runs the two halves on their own schedules ({@link checkSchemaDrift} on every schema edit,
 * {@link checkDatabase} per environment); the CLI runs them together with {@link checkProject}, which also explains a
 * schema check that fails because an applied migration was deleted here.
 */
import { type SchemaDiffOptions } from '../engine/api';
import { type EngineApi } from './engineApi';
import { isEngineError } from '../engine/engineError';
import { attributeToSchema } from '../drift/attribution';
import { type AttributedItem, type DriftFinding, groupFindings } from '../drift/driftFindings';
import { type HistoryDriftReport } from '../history/applied';
import { type HistoryStatus } from '../history/status';
import { type PrismaProject } from '../project/types';
import { checkDatabaseDrift, explainReplayFailure, type ReplayBlocked } from './deletedMigrations';

/** The schema against the migrations: the engine's report, its items attributed to the schema, and the drifted objects. */
export interface SchemaCheck {
  report: Awaited<ReturnType<EngineApi['diffMigrationsToSchema']>>;
  items: AttributedItem[];
  findings: DriftFinding[];
}

/**
 * The schema (`options.schemaFiles`, the editor's unsaved buffers, else the files on disk) against the migrations.
 * Engine errors are thrown as they come.
 */
export async function checkSchemaDrift(
  engine: Pick<EngineApi, 'diffMigrationsToSchema'>,
  project: PrismaProject,
  options: SchemaDiffOptions = {},
): Promise<SchemaCheck> {
  const report = await engine.diffMigrationsToSchema(project, options);
  const items = attributeToSchema(report.items, options.schemaFiles ?? project.schemaFiles);
  return { report, items, findings: groupFindings(items, 'schemaVsMigrations') };
}

/** A database against its applied migrations: the drift, or why it cannot be computed (`blocked`), with its history. */
export type DatabaseCheck =
  | {
      history: HistoryStatus;
      report: HistoryDriftReport;
      items: AttributedItem[];
      findings: DriftFinding[];
      blocked?: undefined;
    }
  | { history: HistoryStatus; report?: undefined; items?: undefined; findings?: undefined; blocked: ReplayBlocked };

/**
 * Reads the database's history, then its drift against the migrations it applied ({@link checkDatabaseDrift}),
 * attributed and grouped like the schema's. `environment` names the database in a blocked replay's explanation.
 */
export async function checkDatabase(
  engine: Pick<EngineApi, 'historyStatus' | 'diffMigrationsToDatabase'>,
  project: PrismaProject,
  url: string,
  environment: string,
): Promise<DatabaseCheck> {
  const drift = await checkDatabaseDrift(engine, project, url, environment);
  if (drift.blocked) return { history: drift.history, blocked: drift.blocked };
  const items = attributeToSchema(drift.report.items, project.schemaFiles);
  return {
    history: drift.history,
    report: drift.report,
    items,
    findings: groupFindings(items, 'databaseVsMigrations'),
  };
}

/** What {@link checkProject} found. */
export interface ProjectCheck {
  /** The schema's drift, or why it could not be computed (the history needs a migration deleted here). */
  schema: SchemaCheck | { blocked: ReplayBlocked };
  /** The database's, when one was given. */
  database?: DatabaseCheck;
  /** The database's history, when one was given. */
  history?: HistoryStatus;
  /** Rows `migrate deploy` stops on (P3009), local or not: the history is broken even without drift. */
  failedMigrations: HistoryStatus['migrations'];
}

/**
 * Both checks of a project, as `drift-guard check` runs them: the schema against the migrations, then (with
 * `database`) the database against its applied ones. A migration failing on the shadow database may be a history
 * that cannot be replayed — an applied migration deleted here that later ones build on: the database's own record
 * says so, so the schema's failure is explained once the history is read; any other failure is thrown.
 */
export async function checkProject(
  engine: Pick<EngineApi, 'diffMigrationsToSchema' | 'historyStatus' | 'diffMigrationsToDatabase'>,
  project: PrismaProject,
  options: { schema?: SchemaDiffOptions; database?: { url: string; environment: string } } = {},
): Promise<ProjectCheck> {
  let schema: SchemaCheck | undefined;
  let failure: unknown;
  try {
    schema = await checkSchemaDrift(engine, project, options.schema);
  } catch (error) {
    if (!isEngineError(error) || !options.database) throw error;
    failure = error;
  }
  const database = options.database
    ? await checkDatabase(engine, project, options.database.url, options.database.environment)
    : undefined;
  const history = database?.history;
  const failedMigrations = (history?.migrations ?? []).filter((m) => m.state === 'failed');
  if (schema) return { schema, ...(database ? { database } : {}), ...(history ? { history } : {}), failedMigrations };
  if (!isEngineError(failure)) throw failure;
  const blocked = explainReplayFailure(
    { code: failure.code, message: failure.message, ...(failure.migration ? { migration: failure.migration } : {}) },
    [{ environment: options.database?.environment ?? '', migrations: history?.migrations ?? [] }],
  );
  if (!blocked) throw failure;
  return { schema: { blocked }, ...(database ? { database } : {}), ...(history ? { history } : {}), failedMigrations };
}
