/**
 * The front door in a real VS Code: every command a keybinding, the walkthrough or the welcome content names is
 * registered; the keybindings take no key VS Code already binds; and the Migrations view's welcome content —
 * its context keys and "Create .env from .env.example" — on the demo workspace without a database.
 */
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftGuardApi } from '../../src/extension';
import { EXTENSION_ID, extensionApi } from './helpers/extension';
import { waitFor } from './helpers/wait';

interface Keybinding {
  key: string;
  command: string;
  when?: string;
  mac?: string;
}

interface Manifest {
  contributes: {
    keybindings: Keybinding[];
    walkthroughs: { steps: { id: string; description: string; media: { image?: string; markdown?: string } }[] }[];
    viewsWelcome: { view: string; contents: string; when?: string }[];
  };
}

function extensionPath(): string {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension);
  return extension.extensionPath;
}

/** package.json as written (with its %keys%) and the strings of package.nls.json / package.nls.fr.json. */
function manifest(): { raw: Manifest; nls: Record<string, string>[] } {
  const dir = extensionPath();
  const read = <T>(file: string): T => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as T;
  return {
    raw: read<Manifest>('package.json'),
    nls: [read<Record<string, string>>('package.nls.json'), read<Record<string, string>>('package.nls.fr.json')],
  };
}

/** `command:` links of a markdown text, e.g. [Create Baseline](command:driftGuard.createBaseline). */
function commandLinks(text: string): string[] {
  return [...text.matchAll(/\(command:([\w.-]+)/g)].map((m) => m[1]);
}

function resolveNls(value: string, nls: Record<string, string>): string {
  const key = /^%(.+)%$/.exec(value)?.[1];
  return key ? (nls[key] ?? assert.fail(`${key} is missing from a package.nls file`)) : value;
}

/** The default keybindings VS Code shows in "Open Default Keyboard Shortcuts (JSON)" (built-in and extensions'). */
async function defaultKeybindings(): Promise<Keybinding[]> {
  await vscode.commands.executeCommand('workbench.action.openDefaultKeybindingsFile');
  const document = await waitFor('the default keybindings document', () => {
    const doc = vscode.window.activeTextEditor?.document;
    return doc && doc.getText().includes('"command"') ? doc : undefined;
  });
  // JSON with comments: drop whole-line comments (no value holds "//" at a line start).
  const text = document.getText().replace(/^\s*\/\/.*$/gm, '');
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  return JSON.parse(text) as Keybinding[];
}

describe('getting started: keybindings, walkthrough, welcome view', function () {
  this.timeout(120_000);
  let api: DriftGuardApi;

  before(async () => {
    api = await extensionApi();
  });

  it('registers every command a keybinding, a walkthrough step or the welcome content names (in English and French)', async () => {
    const { raw, nls } = manifest();
    const named = new Set<string>(raw.contributes.keybindings.map((k) => k.command));
    for (const strings of nls) {
      for (const step of raw.contributes.walkthroughs.flatMap((w) => w.steps)) {
        for (const id of commandLinks(resolveNls(step.description, strings))) named.add(id);
      }
      for (const welcome of raw.contributes.viewsWelcome) {
        for (const id of commandLinks(resolveNls(welcome.contents, strings))) named.add(id);
      }
    }
    assert.ok(
      named.has('driftGuard.createEnvFromExample') && named.has('driftGuard.openRunbook'),
      [...named].join(', '),
    );
    const registered = new Set(await vscode.commands.getCommands(false));
    assert.deepEqual([...named].filter((id) => !registered.has(id)).sort(), [], 'named but not registered');
  });

  it('ships every walkthrough image, and each step has a command button', () => {
    const { raw, nls } = manifest();
    for (const step of raw.contributes.walkthroughs.flatMap((w) => w.steps)) {
      const media = step.media.image ?? step.media.markdown ?? '';
      assert.ok(existsSync(path.join(extensionPath(), media)), `${step.id}: ${media} is missing`);
      for (const strings of nls) {
        assert.ok(commandLinks(resolveNls(step.description, strings)).length > 0, `${step.id}: no command link`);
      }
    }
    assert.deepEqual(
      raw.contributes.walkthroughs[0].steps.map((s) => s.id),
      ['openProject', 'seeDrift', 'createBaseline', 'addEnvironment', 'openRunbook'],
    );
  });

  it('binds Check Drift Now, Create Baseline and Open Runbook to keys no other default keybinding uses', async () => {
    const { raw } = manifest();
    const defaults = await defaultKeybindings();
    const ours = raw.contributes.keybindings;
    assert.deepEqual(ours.map((k) => k.command).sort(), [
      'driftGuard.checkDriftNow',
      'driftGuard.createBaseline',
      'driftGuard.openRunbook',
    ]);
    for (const binding of ours) {
      assert.ok(/driftGuard\.hasProject/.test(binding.when ?? ''), `${binding.command}: only where a project is open`);
      // The default keybindings list holds ours (the contribution is live) and nothing else on the same key.
      const sameKey = defaults.filter((d) => d.key === binding.key);
      assert.deepEqual(
        sameKey.map((d) => d.command),
        [binding.command],
        `${binding.key} is also bound to: ${sameKey.map((d) => d.command).join(', ')}`,
      );
    }
  });

  describe('welcome view on the demo without a database', () => {
    const root = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;
    const envFile = (): string => path.join(root(), '.env');

    before(async () => {
      await fs.rm(envFile(), { force: true });
      await vscode.workspace
        .getConfiguration('driftGuard')
        .update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    });

    after(async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await fs.rm(envFile(), { force: true });
    });

    // The context keys themselves (no extension API reads them) are proven in the real UI by
    // test/e2e/gettingStarted.e2e.ts: the welcome content with its button, gone once .env exists.
    it('leaves the tree empty (welcome content), then Create .env from .env.example gives it the local database', async () => {
      await waitFor('an empty tree', () => api.migrationsTree.getChildren().length === 0);

      await vscode.commands.executeCommand('driftGuard.createEnvFromExample');
      assert.equal(readFileSync(envFile(), 'utf8'), readFileSync(path.join(root(), '.env.example'), 'utf8'));
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor?.document.uri.fsPath, envFile(), '.env is opened');
      assert.match(
        editor.document.lineAt(editor.selection.start.line).text,
        /^DATABASE_URL=/,
        'the datasource line is selected',
      );

      await waitFor('a local root in the tree', () =>
        api.migrationsTree.getChildren().some((n) => n.kind === 'environment' && n.environment.name === 'local'),
      );
    });

    it('never overwrites an existing .env', async () => {
      await fs.writeFile(envFile(), 'DATABASE_URL="postgresql://mine@127.0.0.1:1/mine"\n');
      await vscode.commands.executeCommand('driftGuard.createEnvFromExample');
      assert.equal(readFileSync(envFile(), 'utf8'), 'DATABASE_URL="postgresql://mine@127.0.0.1:1/mine"\n');
      assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, envFile(), 'the existing .env is opened');
    });
  });
});
