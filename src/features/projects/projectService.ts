import * as path from 'node:path';
import * as vscode from 'vscode';
import { discoverProjects, loadProject } from '../../core/project/discovery';
import { type PrismaProject } from '../../core/project/types';
import { type Logger } from '../shared/logger';

const MARKER_GLOB = '**/{schema.prisma,prisma.config.ts,prisma.config.mts,prisma.config.cts,prisma.config.js,prisma.config.mjs,prisma.config.cjs,package.json,schema/*.prisma,.config/prisma.ts}';
const EXCLUDE_GLOB = '**/{node_modules,.git,dist,out,.next,.turbo,.cache,coverage}/**';
const WATCH_GLOB = '**/{*.prisma,prisma.config.*,migration_lock.toml,migration.sql,.env,package.json}';

/**
 * Knows every Prisma project in the workspace and keeps the list fresh as files change.
 * Discovery only reads small files: no engine, no database, no SSH.
 */
export class ProjectService implements vscode.Disposable {
  private projects: PrismaProject[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<readonly PrismaProject[]>();
  private current: Promise<readonly PrismaProject[]> | undefined;
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Fires after each discovery with the new list. */
  readonly onDidChangeProjects = this.changeEmitter.event;

  constructor(private readonly logger: Logger) {
    this.disposables.push(this.changeEmitter);
    const watcher = vscode.workspace.createFileSystemWatcher(WATCH_GLOB);
    this.disposables.push(watcher);
    watcher.onDidChange(this.scheduleRefresh, this, this.disposables);
    watcher.onDidCreate(this.scheduleRefresh, this, this.disposables);
    watcher.onDidDelete(this.scheduleRefresh, this, this.disposables);
    // Folders (a new or deleted migration folder) do not match the file glob above.
    const folderWatcher = vscode.workspace.createFileSystemWatcher('**/migrations/*');
    this.disposables.push(folderWatcher);
    folderWatcher.onDidCreate(this.scheduleRefresh, this, this.disposables);
    folderWatcher.onDidDelete(this.scheduleRefresh, this, this.disposables);
    vscode.workspace.onDidChangeWorkspaceFolders(this.scheduleRefresh, this, this.disposables);
    vscode.workspace.onDidChangeConfiguration(
      (e) => {
        if (e.affectsConfiguration('driftGuard.schemaPath') || e.affectsConfiguration('driftGuard.migrationsPath')) this.scheduleRefresh();
      },
      this,
      this.disposables,
    );
  }

  /** The projects of the last completed discovery (empty before the first one ends). */
  get all(): readonly PrismaProject[] {
    return this.projects;
  }

  /** Waits for the discovery in progress, or starts one if none ran yet. */
  ready(): Promise<readonly PrismaProject[]> {
    return this.current ?? this.refresh();
  }

  /** The project owning `file` (a schema file, a migration, the config…), if any. */
  projectFor(file: string): PrismaProject | undefined {
    return this.projects.find(
      (p) =>
        p.schemaFiles.some((f) => f.path === file) ||
        file.startsWith(p.migrationsDir + path.sep) ||
        (p.schemaKind === 'folder' && file.startsWith(p.schemaPath + path.sep)),
    );
  }

  refresh(): Promise<readonly PrismaProject[]> {
    const generation = ++this.generation;
    const run: Promise<readonly PrismaProject[]> = this.discover().then((projects) => {
      if (generation === this.generation) {
        this.projects = projects;
        this.changeEmitter.fire(projects);
        return projects;
      }
      // A newer discovery started meanwhile: its result wins, for this caller too.
      return this.current ?? this.projects;
    });
    this.current = run;
    return run;
  }

  private scheduleRefresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh().catch((err: unknown) => this.logger.error(`Project discovery failed: ${String(err)}`));
    }, 300);
  }

  private async discover(): Promise<PrismaProject[]> {
    const started = Date.now();
    const folders = vscode.workspace.workspaceFolders ?? [];
    const projects: PrismaProject[] = [];
    const env = { ...process.env };
    for (const folder of folders) {
      if (folder.uri.scheme !== 'file') continue;
      const config = vscode.workspace.getConfiguration('driftGuard', folder.uri);
      const schemaPath = config.get<string>('schemaPath', '').trim();
      const migrationsPath = config.get<string>('migrationsPath', '').trim();
      const options = {
        env,
        ...(migrationsPath ? { migrationsPath, migrationsSource: 'setting' as const } : {}),
      };
      if (schemaPath) {
        projects.push(await loadProject(folder.uri.fsPath, { ...options, schemaPath, schemaSource: 'setting' }));
        continue;
      }
      const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, MARKER_GLOB), EXCLUDE_GLOB);
      projects.push(...(await discoverProjects(uris.map((u) => u.fsPath), options)));
    }
    this.logger.info(`Found ${projects.length} Prisma project${projects.length === 1 ? '' : 's'} in ${Date.now() - started} ms`);
    return projects;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
