/**
 * Text read from databases and servers (`_prisma_migrations` logs and names, PostgreSQL error messages, command
 * output) is shown to people: in a terminal an escape sequence in it could retitle or clear the terminal and
 * print fake text, elsewhere it garbles. Every sink (CLI, Output channel, tree, webview, notifications) passes
 * its text through {@link safeText}.
 */

// Whole escape sequences first, so nothing of them (`]0;title`) is left printed: OSC … BEL/ST, CSI … final
// byte, DCS/SOS/PM/APC … ST, then any other two-byte ESC sequence.
const ESCAPE_SEQUENCES =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -~]?|\x9b[0-?]*[ -/]*[@-~]?|\x9d[^\x07\x9c]*[\x07\x9c]?/g;
// C0 controls except tab and line feed, DEL, C1 controls.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** `text` without control characters: escape sequences removed, CR LF → LF, every other control character → U+FFFD. */
export function safeText(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(ESCAPE_SEQUENCES, '').replace(CONTROL, '\uFFFD');
}

/**
 * The arguments of a notification (`showErrorMessage(message, options?, ...items)`) with the message and the
 * options' `detail` made safe; the options' other fields and the items are passed on as they are (the item
 * chosen is returned as given, so a caller's comparison with it still holds).
 */
export function safeNotificationArgs(message: string, rest: readonly unknown[]): [string, ...unknown[]] {
  const [first, ...items] = rest;
  if (typeof first === 'object' && first !== null && !('title' in first)) {
    const options = first as { detail?: unknown };
    const safeOptions = typeof options.detail === 'string' ? { ...options, detail: safeText(options.detail) } : options;
    return [safeText(message), safeOptions, ...items];
  }
  return [safeText(message), ...rest];
}
