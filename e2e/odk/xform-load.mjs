// node xform-load.mjs FILE...: loads each XForm in ODK's engine; prints LOADED or ERROR per file.
// A form's attached files (select_one_from_file CSVs, GeoJSON, XML) are given as the empty
// documents of their type, as a device has them once the manifest is downloaded.
import { readFileSync } from 'fs';
import path from 'path';
import { load } from './engine.mjs';

const blank = {
  '.csv': ['text/csv', 'name,label\n'],
  '.geojson': ['application/geo+json', '{"type":"FeatureCollection","features":[]}'],
  '.xml': ['text/xml', '<root><item><name/><label/></item></root>'],
};
async function fetchAttachment(url) {
  const ext = path.extname(String(url));
  const [type, body] = blank[ext] || ['text/xml', '<root/>'];
  return new Response(body, { headers: { 'Content-Type': type } });
}

let failed = 0;
for (const f of process.argv.slice(2)) {
  try {
    await load(readFileSync(f, 'utf8'), { fetchAttachment });
    console.log('LOADED\t' + path.basename(f));
  } catch (e) {
    failed++;
    console.log('ERROR\t' + path.basename(f) + '\t' + String((e && e.message) || e).replace(/\s+/g, ' ').slice(0, 400));
  }
}
process.exit(failed ? 1 : 0);
