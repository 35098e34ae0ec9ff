import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { safeNotificationArgs } from '../../../src/core/util/controlChars';

const REPO = path.resolve(__dirname, '../../../..');
const WRAPPER = path.join('src', 'features', 'shared', 'notify.ts');

/** Every `show{Error,Warning,Information}Message` mention in src/features outside the wrapper, as file:line. */
function directNotifications(): string[] {
  const dir = path.join(REPO, 'src', 'features');
  const found: string[] = [];
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const relative = path.join('src', 'features', file);
    if (relative === WRAPPER) continue;
    const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/show(?:Error|Warning|Information)Message\b/.test(line)) found.push(`${relative}:${i + 1}`);
    });
  }
  return found;
}

describe('notifications', () => {
  it('go through notify (src/features/shared/notify.ts): no direct vscode.window.show…Message in src/features', () => {
    assert.deepEqual(directNotifications(), []);
    // The scan finds what it looks for.
    assert.match(readFileSync(path.join(REPO, WRAPPER), 'utf8'), /vscode\.window\.showErrorMessage/);
  });

  it('lose escape sequences and control characters in the message and the detail; options and items are kept as given', () => {
    const item = { title: 'Open' };
    const [message, options, ...items] = safeNotificationArgs(
      'Migration \x1b]0;pwned\x07 20240101_init\x1b[2J failed\r\n',
      [{ modal: true, detail: 'log: \x1b[31mred\x1b[0m\x07' }, item, 'Retry'],
    );
    assert.equal(message, 'Migration  20240101_init failed\n');
    assert.deepEqual(options, { modal: true, detail: 'log: red\uFFFD' });
    assert.equal(items[0], item);
    assert.equal(items[1], 'Retry');
    // Without options: the items follow the message untouched (a MessageItem is not taken for options).
    assert.deepEqual(safeNotificationArgs('ok\x1b[1m', [item, 'Later']), ['ok', item, 'Later']);
    assert.deepEqual(safeNotificationArgs('plain', [{ modal: false }]), ['plain', { modal: false }]);
  });
});
