// A real OpenRosa client, as ODK Collect talks to a server, with ODK's own XForms engine
// (the one ODK Web Forms runs) filling the form:
//
//   node collect.mjs --base URL --form FORMID --household FILE.json [--out RESULT.json]
//   node collect.mjs --base URL --form FORMID --generate yes    (answers made by generate.mjs)
//
// 1. GET URL/formList (X-OpenRosa-Version: 1.0), checks what Collect checks (text/xml, the
//    xformsList namespace, formID/name/downloadUrl, an md5: hash), finds FORMID;
// 2. GET its downloadUrl and checks the md5 of the bytes against the list's hash; with a
//    manifestUrl, GETs the manifest and each attachment (md5 checked) for the engine;
// 3. loads the XForm in @getodk/xforms-engine and fills it with the household (fieldbase's
//    answers JSON: {name: value, repeat: [{...}, ...]}) through the engine's API: setValue,
//    selectValue(s), repeat instances made by jr:count or added;
// 4. serialises the submission as the engine does (prepareInstancePayload: multipart
//    FormData with xml_submission_file), HEAD URL/submission (204 + size limit), and POSTs
//    it with Collect's headers and ?deviceID=.
// Prints (and writes to --out) a JSON report: hash check, the XML sent, the answer.
import { createHash } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { load, domParser } from './engine.mjs';
import { fill as generate, snapshot, attachFiles } from './generate.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const base = args.base.replace(/\/+$/, '');
const deviceID = args.device || 'collect:e2e-tablet-1';
const headers = {
  'X-OpenRosa-Version': '1.0',
  'User-Agent': 'org.odk.collect.android/v2025.2.1 fieldbase-e2e',
  Date: new Date().toUTCString(),
};
const report = { steps: [] };
function fail(msg) {
  report.error = msg;
  finish(1);
}
function finish(code) {
  const out = JSON.stringify(report, null, 1);
  if (args.out) writeFileSync(args.out, out);
  console.log(out);
  process.exit(code);
}

// 1. The form list.
const NS = 'http://openrosa.org/xforms/xformsList';
let res = await fetch(base + '/formList', { headers });
const listText = await res.text();
report.formList = { status: res.status, contentType: res.headers.get('content-type'), openrosa: res.headers.get('x-openrosa-version') };
if (res.status !== 200) fail(`formList answered ${res.status}: ${listText.slice(0, 300)}`);
if (!(res.headers.get('content-type') || '').includes('text/xml')) fail('formList is not text/xml');
if (!res.headers.get('x-openrosa-version')) fail('formList has no X-OpenRosa-Version header: not an OpenRosa server');
const listDoc = domParser.parseFromString(listText, 'text/xml');
const root = listDoc.documentElement;
if (root.localName !== 'xforms' || root.namespaceURI !== NS) fail(`formList root is {${root.namespaceURI}}${root.localName}`);
let entry = null;
for (const x of root.getElementsByTagNameNS(NS, 'xform')) {
  const get = (n) => x.getElementsByTagNameNS(NS, n)[0]?.textContent ?? null;
  const e = { formID: get('formID'), name: get('name'), version: get('version'), hash: get('hash'), downloadUrl: get('downloadUrl'), manifestUrl: get('manifestUrl') };
  if (!e.formID || !e.name || !e.downloadUrl) fail('an <xform> lacks formID, name or downloadUrl: Collect drops the whole list');
  if (e.formID === args.form) entry = e;
}
if (!entry) fail(`form ${args.form} is not in the form list`);
if (!entry.hash || !entry.hash.startsWith('md5:')) fail(`hash ${entry.hash} has no md5: prefix`);
if (!/^https?:\/\//.test(entry.downloadUrl)) fail(`downloadUrl ${entry.downloadUrl} is not absolute`);
report.entry = entry;

// 2. The form, checked against the list's hash.
res = await fetch(entry.downloadUrl, { headers });
const formBytes = Buffer.from(await res.arrayBuffer());
const md5 = 'md5:' + createHash('md5').update(formBytes).digest('hex');
report.download = { status: res.status, md5, hashMatches: md5 === entry.hash };
if (res.status !== 200 || md5 !== entry.hash) fail(`download: status ${res.status}, md5 ${md5} != ${entry.hash}`);

// 2b. The form's attachments, as Collect fetches them: the manifest (xformsManifest), then
//     each mediaFile, checked against its md5; the engine loads them as the form's jr:// files.
const attachments = new Map();
if (entry.manifestUrl) {
  if (!/^https?:\/\//.test(entry.manifestUrl)) fail(`manifestUrl ${entry.manifestUrl} is not absolute`);
  res = await fetch(entry.manifestUrl, { headers });
  const text = await res.text();
  if (res.status !== 200) fail(`manifest answered ${res.status}: ${text.slice(0, 300)}`);
  const MNS = 'http://openrosa.org/xforms/xformsManifest';
  const doc = domParser.parseFromString(text, 'text/xml');
  if (doc.documentElement.localName !== 'manifest' || doc.documentElement.namespaceURI !== MNS) fail('manifest root is not {xformsManifest}manifest');
  report.manifest = [];
  for (const m of doc.documentElement.getElementsByTagNameNS(MNS, 'mediaFile')) {
    const get = (n) => m.getElementsByTagNameNS(MNS, n)[0]?.textContent ?? null;
    const f = { filename: get('filename'), hash: get('hash'), downloadUrl: get('downloadUrl') };
    const r = await fetch(f.downloadUrl, { headers });
    const bytes = Buffer.from(await r.arrayBuffer());
    f.status = r.status;
    f.hashMatches = 'md5:' + createHash('md5').update(bytes).digest('hex') === f.hash;
    if (r.status !== 200 || !f.hashMatches) fail(`attachment ${f.filename}: status ${r.status}, hash matches ${f.hashMatches}`);
    attachments.set(f.filename, { bytes, type: r.headers.get('content-type') });
    report.manifest.push(f);
  }
}
const fetchAttachment = async (url) => {
  const name = decodeURIComponent(String(url.href ?? url).replace(/^jr:\/\/[^/]+\//, ''));
  const a = attachments.get(name);
  if (!a) return new Response('', { status: 404 });
  return new Response(a.bytes, { status: 200, headers: { 'Content-Type': a.type || 'application/octet-stream' } });
};

// 3. Fill it through the engine.
const household = args.household ? JSON.parse(readFileSync(args.household, 'utf8')) : {};
const form = await load(formBytes.toString('utf8'), { deviceID, fetchAttachment });
const name = (node) => node.definition.nodeName ?? node.currentState.reference.split('/').pop().replace(/\[.*\]$/, '');
let set = 0;
function fill(node, data) {
  for (const child of node.currentState.children ?? []) {
    const t = child.nodeType;
    const n = name(child);
    if (t === 'group') fill(child, data);
    else if (t === 'repeat-range:controlled' || t === 'repeat-range:uncontrolled') {
      const rows = data[n] ?? [];
      if (t === 'repeat-range:uncontrolled') {
        const have = child.currentState.children.length;
        if (rows.length > have) child.addInstances(rows.length - have);
      }
      const inst = child.currentState.children;
      if (inst.length !== rows.length) fail(`repeat ${n}: the engine made ${inst.length} rows, the household has ${rows.length}`);
      inst.forEach((r, i) => fill(r, rows[i]));
    } else if (t === 'select') {
      const v = data[n];
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) child.selectValues(v.map(String));
      else child.selectValue(String(v));
      set++;
    } else if (t === 'input') {
      const v = data[n];
      if (v === undefined || v === null) continue;
      const vt = child.valueType;
      if (vt === 'geopoint') child.setValue({ latitude: v.lat, longitude: v.lon, altitude: v.altitude ?? 0, accuracy: v.accuracy });
      else if (vt === 'int' || vt === 'decimal') child.setValue(Number(v));
      else child.setValue(String(v));
      set++;
    }
  }
}
if (args.generate === 'yes') {
  // The differential test's valid interview (generate.mjs).
  generate(form.root);
  attachFiles(form.root);
} else {
  fill(form.root, household);
  report.answersSet = set;
}

// 4. Serialise as the engine does and send as Collect does.
const payload = await form.root.prepareInstancePayload({ payloadType: 'monolithic' });
report.payloadStatus = payload.status;
if (payload.status !== 'ready') {
  report.violations = (payload.violations || []).map((v) => v.reference ?? JSON.stringify(v));
}
const data = payload.data[0];
if (args.generate === 'yes') {
  // The answers as fieldbase's JSON, read after serialising: the engine sets end-of-form
  // values (the end preload and what is computed from it) then.
  const snap = snapshot(form.root);
  report.data = snap.data;
  report.verdicts = snap.verdicts;
  report.answersSet = snap.fields.length;
}
// The files the engine attached to the submission (every FormData part but the XML).
report.files = [];
for (const [part, v] of data.entries()) {
  if (part === 'xml_submission_file' || typeof v === 'string') continue;
  const bytes = Buffer.from(await v.arrayBuffer());
  report.files.push({ name: v.name, md5: createHash('md5').update(bytes).digest('hex'), size: bytes.length, base64: bytes.toString('base64') });
}
const xmlFile = data.get('xml_submission_file');
report.xml = await xmlFile.text();
report.instanceID = payload.submissionMeta?.instanceID ?? null;

res = await fetch(base + '/submission?deviceID=' + encodeURIComponent(deviceID), { method: 'HEAD', headers });
report.head = { status: res.status, acceptContentLength: res.headers.get('x-openrosa-accept-content-length') };
if (res.status !== 204) fail(`HEAD /submission answered ${res.status}, not 204`);

const post = async () => {
  const r = await fetch(base + '/submission?deviceID=' + encodeURIComponent(deviceID), { method: 'POST', headers, body: data });
  return { status: r.status, contentType: r.headers.get('content-type'), body: await r.text() };
};
report.post = await post();
if (args.resend === 'yes') report.resend = await post();
finish(report.post.status === 201 ? 0 : 2);
