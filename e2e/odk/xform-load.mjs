// node xform-load.mjs FILE...: loads each XForm in ODK's engine; prints LOADED or ERROR per file.
import { readFileSync } from 'fs';
import path from 'path';
import { load } from './engine.mjs';

let failed = 0;
for (const f of process.argv.slice(2)) {
  try {
    await load(readFileSync(f, 'utf8'));
    console.log('LOADED\t' + path.basename(f));
  } catch (e) {
    failed++;
    console.log('ERROR\t' + path.basename(f) + '\t' + String((e && e.message) || e).replace(/\s+/g, ' ').slice(0, 400));
  }
}
process.exit(failed ? 1 : 0);
