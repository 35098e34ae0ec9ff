import * as vscode from 'vscode';

export interface TypedConfirmationBox {
  title: string;
  prompt: string;
  /** What must be typed (an environment's name, a database's name). */
  expected: string;
}

/**
 * An input box that accepts only `expected`, typed exactly: another value says so, an empty Enter says what
 * is needed (Enter alone is not a way out), Escape cancels. True once accepted, false when dismissed.
 */
export function askTyped({ title, prompt, expected }: TypedConfirmationBox): Promise<boolean> {
  const box = vscode.window.createInputBox();
  box.title = title;
  box.prompt = prompt;
  box.placeholder = expected;
  box.ignoreFocusOut = true;
  return new Promise<boolean>((resolve) => {
    let accepted = false;
    const subscriptions = [
      box.onDidChangeValue((value) => {
        box.validationMessage =
          value === expected || value === '' ? undefined : vscode.l10n.t('Type "{0}" exactly.', expected);
      }),
      box.onDidAccept(() => {
        // A wrong value keeps its message; an empty box gets one.
        if (box.value === '') {
          box.validationMessage = vscode.l10n.t('Type "{0}" to confirm, or press Escape to cancel.', expected);
        }
        if (box.value !== expected) return;
        accepted = true;
        box.hide();
      }),
      box.onDidHide(() => {
        for (const d of subscriptions) d.dispose();
        box.dispose();
        resolve(accepted);
      }),
    ];
    box.show();
  });
}
