import * as vscode from 'vscode';
import { redactUrl } from '../../core/project/discovery';
import { type PrismaProject, type UrlSource } from '../../core/project/types';

export type EnvironmentKind = 'production' | 'staging' | 'development';

/** A database URL usable from this machine, held open (an SSH tunnel, say) until released. */
export interface AcquiredDatabase {
  url: string;
  release(): void;
}

/** A database a project deploys to: its own datasource URL ("local") or a configured environment. */
export interface DatabaseEnvironment {
  /** Unique within a project, shown in messages: `local`, `production`… */
  name: string;
  kind: EnvironmentKind;
  projectRoot: string;
  /** Where it points, password redacted. */
  description: string;
  source: 'datasource' | 'configured';
  /** Connects what is needed and gives a URL reachable from here. Callers must release it. */
  acquire(): Promise<AcquiredDatabase>;
}

/** The URL Migrate uses: `directUrl` when set (poolers cannot run migrations), else `url`. */
export function migrationUrl(project: PrismaProject): { url: string; source: UrlSource } | undefined {
  const ds = project.datasource;
  for (const source of [ds?.directUrl, ds?.url]) {
    if (source && source.kind !== 'unresolved' && source.value !== undefined && source.value.trim() !== '') return { url: source.value, source };
  }
  return undefined;
}

/**
 * Lists the databases of each project. The project's own datasource URL appears as `local`
 * (development) when it resolves.
 */
export class EnvironmentService implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeEnvironments = this.changeEmitter.event;

  environments(project: PrismaProject): DatabaseEnvironment[] {
    const out: DatabaseEnvironment[] = [];
    const local = migrationUrl(project);
    if (local) {
      const url = local.url;
      out.push({
        name: 'local',
        kind: 'development',
        projectRoot: project.root,
        description: redactUrl(url),
        source: 'datasource',
        acquire: () => Promise.resolve({ url, release: () => undefined }),
      });
    }
    return out;
  }

  /** Signals that environments changed (settings, secrets). */
  fireChanged(): void {
    this.changeEmitter.fire();
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
