import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * Writes `file` so that readers see the old content or the new one, never a torn file: `write-file-atomic`
 * (npm's own) writes a temporary sibling, fsyncs it, renames it into place and removes it on failure.
 * Creates the parent folder first.
 */
export async function writeFileAtomically(file: string, data: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, data);
}
