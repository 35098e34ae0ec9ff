import { type DriftReport, toDriftReport } from '../drift/driftReport';
import { type EngineStats, type SchemaDiffOptions } from '../engine/api';
import { EngineSession, type EngineSessionOptions } from '../engine/engineSession';
import { type HistoryStatus } from '../history/status';
import { type PrismaProject } from '../project/types';
import { type RehearsalInput } from '../rehearsal/rehearse';
import { type RehearsalReport } from '../rehearsal/report';
import { createBaseline } from './baseline';
import { deployMigrations } from './deployMigrations';
import { rehearseDeploy } from './deployRehearsal';
import {
  type BaselineOptions,
  type BaselineResult,
  type DeployResult,
  type EngineApi,
  type MigrationProof,
  type ResolveOptions,
  type ResolveResult,
} from './engineApi';
import { readHistoryStatus } from './historyStatus';
import { migrationProofs, resolveMigration } from './resolveMigration';

/**
 * The engine's use cases in-process ({@link EngineApi}), built on one {@link EngineSession}: the diffs as drift
 * reports, baselines, resolve, migration proofs, deploy, history status and deploy rehearsals. The CLI uses it
 * directly; the engine worker process hosts one for the extension.
 */
export class EngineOperations implements EngineApi {
  /** The engine underneath (its calls are serialised, each within its time limit). */
  readonly session: EngineSession;

  /** Over `session`, or over a new session with these options. */
  constructor(session: EngineSession | EngineSessionOptions = {}) {
    this.session = session instanceof EngineSession ? session : new EngineSession(session);
  }

  async diffMigrationsToSchema(project: PrismaProject, options?: SchemaDiffOptions): Promise<DriftReport> {
    return toDriftReport(await this.session.diffMigrationsToSchema(project, options));
  }

  async diffMigrationsToDatabase(project: PrismaProject, url: string): Promise<DriftReport> {
    return toDriftReport(await this.session.diffMigrationsToDatabase(project, url));
  }

  async diffDatabaseToSchema(project: PrismaProject, url: string): Promise<DriftReport> {
    return toDriftReport(await this.session.diffDatabaseToSchema(project, url));
  }

  /** For benchmarks and tests: the diff `prisma migrate diff` computes, on a freshly emptied shadow (see {@link EngineSession.diffMigrationsToSchemaFresh}). */
  async diffMigrationsToSchemaFresh(project: PrismaProject): Promise<DriftReport> {
    return toDriftReport(await this.session.diffMigrationsToSchemaFresh(project));
  }

  historyStatus(project: PrismaProject, url: string): Promise<HistoryStatus> {
    return readHistoryStatus(this.session, project, url);
  }

  /** Drafts, verifies on the shadow, then installs the baseline (see ./baseline.ts: nothing unverified lands in the migrations). */
  createBaseline(project: PrismaProject, options: BaselineOptions = {}): Promise<BaselineResult> {
    return createBaseline(project, options, (p) => this.diffMigrationsToSchema(p, { forWriting: true }));
  }

  resolve(project: PrismaProject, url: string, options: ResolveOptions): Promise<ResolveResult> {
    return resolveMigration(this.session, project, url, options);
  }

  migrationProofs(project: PrismaProject, url: string, migrations: string[]): Promise<MigrationProof[]> {
    return migrationProofs(this.session, project, url, migrations);
  }

  deploy(project: PrismaProject, url: string): Promise<DeployResult> {
    return deployMigrations(this.session, project, url);
  }

  rehearse(project: PrismaProject, input: RehearsalInput): Promise<RehearsalReport> {
    return rehearseDeploy(this.session, project, input);
  }

  stats(): Promise<EngineStats> {
    return this.session.stats();
  }

  /** Frees the engine and closes the embedded shadow. The operations can be used again afterwards. */
  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
