import * as path from 'node:path';
import * as vscode from 'vscode';
import { changedProjects } from '../../core/project/changes';
import { discoverProjects, loadProject } from '../../core/project/discovery';
import { type PrismaProject } from '../../core/project/types';
import { type Logger } from '../shared/logger';
import { Disposable } from '../../core/util/lifecycle';

const MARKER_GLOB =
  '**/{schema.prisma,prisma.config.ts,prisma.config.mts,prisma.config.cts,prisma.config.js,prisma.config.mjs,prisma.config.cjs,package.json,schema/*.prisma,.config/prisma.ts}';
const EXCLUDE_GLOB = '**/{node_modules,.git,dist,out,.next,.turbo,.cache,coverage}/**';
const WATCH_GLOB = '**/{*.prisma,prisma.config.*,migration_lock.toml,migration.sql,.env,package.json}';

/**
 * Knows every Prisma project in the workspace and keeps the list fresh as files change.
 * Discovery only reads small files: no engine, no database, no SSH.
 */
export class ProjectService extends Disposable {
  private projects: PrismaProject[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<readonly PrismaProject[]>();
  private readonly contentsEmitter = new vscode.EventEmitter<readonly PrismaProject[]>();
  private current: Promise<readonly PrismaProject[]> | undefined;
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  /**
   * Files changed since the last published discovery, oldest first; `*` stands for "anything may have
   * changed" (first discovery, workspace folders, settings, an explicit refresh).
   */
  private readonly changes: string[] = ['*'];

  /** Fires after each discovery with the new list. */
  readonly onDidChangeProjects = this.changeEmitter.event;

  /**
   * Fires after each discovery (after {@link onDidChangeProjects}) with the projects whose inputs may have
   * changed: new ones, ones whose discovered data differs, and ones owning a file that changed (a
   * `migration.sql` edit changes no discovered data). In a monorepo, a change in one project leaves the
   * others out. Empty when nothing of a project changed.
   */
  readonly onDidChangeProjectContents = this.contentsEmitter.event;

  constructor(private readonly logger: Logger) {
    super();
    this.disposables.push(this.changeEmitter, this.contentsEmitter);
    const watcher = vscode.workspace.createFileSystemWatcher(WATCH_GLOB);
    this.disposables.push(watcher);
    watcher.onDidChange(this.fileChanged, this, this.disposables);
    watcher.onDidCreate(this.fileChanged, this, this.disposables);
    watcher.onDidDelete(this.fileChanged, this, this.disposables);
    // Folders (a new or deleted migration folder) do not match the file glob above.
    const folderWatcher = vscode.workspace.createFileSystemWatcher('**/migrations/*');
    this.disposables.push(folderWatcher);
    folderWatcher.onDidCreate(this.fileChanged, this, this.disposables);
    folderWatcher.onDidDelete(this.fileChanged, this, this.disposables);
    // Deleting a folder is reported once, for the folder, not for each file in it: a whole project (a
    // package of a monorepo), its prisma/ or its migrations/ folder going away matches neither glob above.
    const deletions = vscode.workspace.createFileSystemWatcher('**/*', true, true, false);
    this.disposables.push(deletions);
    deletions.onDidDelete(
      (uri) => {
        if (uri.scheme === 'file' && this.holdsProjectFiles(uri.fsPath)) this.scheduleRefresh(undefined);
      },
      this,
      this.disposables,
    );
    vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleRefresh('*'), this, this.disposables);
    vscode.workspace.onDidChangeConfiguration(
      (e) => {
        if (e.affectsConfiguration('driftGuard.schemaPath') || e.affectsConfiguration('driftGuard.migrationsPath')) {
          this.scheduleRefresh('*');
        }
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

  /** Discovers the projects again; every project counts as changed. */
  refresh(): Promise<readonly PrismaProject[]> {
    this.changes.push('*');
    return this.discoverNow();
  }

  private discoverNow(): Promise<readonly PrismaProject[]> {
    const generation = ++this.generation;
    // What this discovery accounts for; a newer one accounts for these too.
    const upTo = this.changes.length;
    const run: Promise<readonly PrismaProject[]> = this.discover().then((projects) => {
      if (generation === this.generation) {
        const previous = new Map(this.projects.map((p) => [p.root, JSON.stringify(p)]));
        const changed = changedProjects(projects, previous, this.changes.splice(0, upTo));
        this.projects = projects;
        this.changeEmitter.fire(projects);
        this.contentsEmitter.fire(changed);
        return projects;
      }
      // A newer discovery started meanwhile: its result wins, for this caller too.
      return this.current ?? this.projects;
    });
    this.current = run;
    return run;
  }

  private fileChanged(uri: vscode.Uri): void {
    this.scheduleRefresh(uri.scheme === 'file' ? uri.fsPath : '*');
  }

  /** Whether `dir` is, or is above, the root, schema or migrations folder of a known project. */
  private holdsProjectFiles(dir: string): boolean {
    const above = (p: string): boolean => p === dir || p.startsWith(dir + path.sep);
    return this.projects.some((p) => above(p.root) || above(p.schemaPath) || above(p.migrationsDir));
  }

  /** `change`: the file that changed (its projects are analysed again); undefined: only what discovery sees. */
  private scheduleRefresh(change: string | undefined): void {
    if (change !== undefined) this.changes.push(change);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.discoverNow().catch((err: unknown) => this.logger.error(`Project discovery failed: ${String(err)}`));
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
      projects.push(
        ...(await discoverProjects(
          uris.map((u) => u.fsPath),
          options,
        )),
      );
    }
    this.logger.info(
      `Found ${projects.length} Prisma project${projects.length === 1 ? '' : 's'} in ${Date.now() - started} ms`,
    );
    return projects;
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    super.dispose();
  }
}
