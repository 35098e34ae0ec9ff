// Writes a gzipped, freshly initialised PGlite data directory. Shipped as dist/pglite-template.tar.gz,
// it lets the embedded shadow start in ~0.7 s instead of running initdb (~2.5 s) on first use.
// Usage: node scripts/build-pglite-template.mjs <output.tar.gz>
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const output = process.argv[2];
if (!output) {
  process.stderr.write('usage: build-pglite-template.mjs <output.tar.gz>\n');
  process.exit(2);
}
const db = await PGlite.create();
const dump = await db.dumpDataDir('gzip');
await db.close();
mkdirSync(dirname(output), { recursive: true });
const temp = `${output}.${process.pid}.tmp`;
writeFileSync(temp, Buffer.from(await dump.arrayBuffer()));
renameSync(temp, output);
