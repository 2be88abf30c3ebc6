// The web form: ODK Web Forms (the form filler ODK Central uses in the browser), unmodified,
// filling a fieldbase survey and sending it to fieldbase's own OpenRosa routes, as ODK
// Collect does. The page is static; what it fills and where it sends it come from the URL's
// fragment, which a browser never sends with the page's own request. (Its requests to the
// OpenRosa routes carry the token in their path, as Collect's do; fieldbase's request log
// redacts it.)
//
//   /webform.html#base=<the OpenRosa base URL, e.g. https://host/openrosa/key/TOKEN>&form=<formID>[&version=V][&edit=<instanceID>]
//
// Above a new form it lists the caller's households a supervisor sent back, with the note;
// each opens the form with &edit=: Web Forms edits that household (its answers read from
// GET <base>/rejected/<instanceID>) and sends the corrected one with meta/deprecatedID set
// to the rejected one's instanceID, which fieldbase stores as its correction.
//
// It reads the form list, downloads the XForm (fresh each time: no md5 check is needed for
// a cache it does not keep), resolves the survey's media through the manifest, and POSTs
// each finished household as multipart with xml_submission_file, then shows the server's
// OpenRosa message. window.fieldbaseWebForm says what the page loaded and what each send
// was answered (the browser tests read it).
import { createApp, h } from 'vue';
import { OdkWebForm, webFormsPlugin, POST_SUBMIT__NEW_INSTANCE } from '/vendor/webforms/index.js';

const params = new URLSearchParams(location.hash.slice(1));
const base = (params.get('base') || '').replace(/\/+$/, '');
const formID = params.get('form') || '';
const wantVersion = params.get('version') || '';
const editID = params.get('edit') || '';
const headers = { 'X-OpenRosa-Version': '1.0' };
const statusEl = document.getElementById('status');

function show(kind, text) {
  statusEl.className = kind;
  statusEl.textContent = text;
  statusEl.scrollIntoView({ block: 'start' });
}

function fail(text) {
  show('error', text);
  document.getElementById('app').textContent = '';
  window.fieldbaseWebForm = { error: text };
}

// message reads an OpenRosaResponse's message (what Collect shows the enumerator).
function message(xml) {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const m = doc.getElementsByTagNameNS('http://openrosa.org/http/response', 'message')[0];
  return m ? m.textContent : xml.slice(0, 300);
}

async function start() {
  if (!base || !formID) {
    return fail('This page needs #base=<server URL>&form=<form ID> in its address (fieldbase token add prints the server URL).');
  }
  const listURL = base + '/formList?formID=' + encodeURIComponent(formID) + (wantVersion ? '&listAllVersions=true' : '');
  let res = await fetch(listURL, { headers });
  if (!res.ok) return fail(`The server refused the form list (${res.status}): ${message(await res.text())}`);
  const list = new DOMParser().parseFromString(await res.text(), 'text/xml');
  const NS = 'http://openrosa.org/xforms/xformsList';
  let entry = null;
  for (const x of list.getElementsByTagNameNS(NS, 'xform')) {
    const get = (n) => x.getElementsByTagNameNS(NS, n)[0]?.textContent ?? '';
    if (get('formID') === formID && (!wantVersion || get('version') === wantVersion)) {
      entry = { name: get('name'), version: get('version'), hash: get('hash'), downloadUrl: get('downloadUrl'), manifestUrl: get('manifestUrl') };
      break;
    }
  }
  if (!entry) return fail(`Form ${formID}${wantVersion ? ' version ' + wantVersion : ''} is not on this server's list for you.`);
  res = await fetch(entry.downloadUrl, { headers });
  if (!res.ok) return fail(`The server refused the form (${res.status}).`);
  const formXml = await res.text();

  // Media and data files: jr://file/<name>, jr://file-csv/<name>, jr://images/<name> … are
  // the manifest's files of that name.
  const files = new Map();
  if (entry.manifestUrl) {
    res = await fetch(entry.manifestUrl, { headers });
    if (res.ok) {
      const man = new DOMParser().parseFromString(await res.text(), 'text/xml');
      const MNS = 'http://openrosa.org/xforms/xformsManifest';
      for (const f of man.getElementsByTagNameNS(MNS, 'mediaFile')) {
        const get = (n) => f.getElementsByTagNameNS(MNS, n)[0]?.textContent ?? '';
        files.set(get('filename'), get('downloadUrl'));
      }
    }
  }
  const fetchFormAttachment = (url) => {
    const name = decodeURIComponent(String(url).replace(/^jr:\/\/[^/]*\//, ''));
    const to = files.get(name);
    return to ? fetch(to, { headers }) : Promise.resolve(new Response('', { status: 404 }));
  };

  let editInstance;
  if (editID) {
    const url = base + '/rejected/' + encodeURIComponent(editID);
    res = await fetch(url, { headers });
    if (!res.ok) return fail(`The household to correct cannot be opened (${res.status}): ${message(await res.text())}`);
    const xml = await res.text();
    editInstance = { resolveInstance: async () => xml, attachmentFileNames: [], resolveAttachment: () => Promise.reject(new Error('no attachments')) };
    const sentBack = await fetch(base + '/rejected', { headers }).then((r) => (r.ok ? r.json() : { households: [] })).catch(() => ({ households: [] }));
    const note = sentBack.households.find((h) => h.instance_id === editID.replace(/^uuid:/, ''))?.note;
    show('ok', 'Correcting the household sent back to you. Send it when it is right.' + (note ? ' Supervisor\'s note: ' + note : ''));
  } else {
    await listRejected();
  }

  const deviceID = 'webforms:' + (localStorage.fieldbaseDevice ||= crypto.randomUUID());
  const onSubmit = async (payload, done) => {
    show('ok', 'Sending…');
    let text, status;
    try {
      const r = await fetch(base + '/submission?deviceID=' + encodeURIComponent(deviceID), {
        method: 'POST', headers, body: payload.data[0],
      });
      status = r.status;
      text = message(await r.text());
    } catch (err) {
      status = 0;
      text = 'The server could not be reached; the form was not sent: ' + err.message;
    }
    window.fieldbaseWebForm.sent.push({ status, message: text });
    if (status === 201 && editID) {
      show('ok', text);
      done({});
      // The correction is sent: back to a new form, without the household corrected.
      setTimeout(() => { location.hash = location.hash.replace(/&edit=[^&]*/, ''); }, 1500);
    } else if (status === 201) {
      show('ok', text);
      done({ next: POST_SUBMIT__NEW_INSTANCE }); // a blank form for the next household
    } else {
      show('error', `Not sent (${status}): ${text}`);
      done({});
    }
  };
  window.fieldbaseWebForm = { form: formID, version: entry.version, sent: [] };
  document.title = entry.name + ' · fieldbase';
  document.getElementById('app').replaceChildren();
  createApp({
    render: () => h(OdkWebForm, { formXml, fetchFormAttachment, missingResourceBehavior: 'BLANK', editInstance, onSubmit }),
  }).use(webFormsPlugin).mount('#app');
}

// listRejected shows the caller's households sent back for correction, each a link that
// opens it in this form.
async function listRejected() {
  const res = await fetch(base + '/rejected', { headers });
  if (!res.ok) return;
  const { households } = await res.json();
  const mine = households.filter((h) => h.form_id === formID);
  const box = document.getElementById('rejected');
  if (!mine.length) return;
  const title = document.createElement('h2');
  title.textContent = `Sent back to you for correction (${mine.length})`;
  const list = document.createElement('ul');
  for (const h of mine) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    const p = new URLSearchParams({ base, form: h.form_id, version: String(h.version), edit: h.instance_id });
    a.href = '#' + p.toString();
    a.textContent = `PSU ${h.a_psu}, dwelling ${h.a_dwelling}`;
    a.dataset.instance = h.instance_id;
    const note = document.createElement('span');
    note.className = 'note';
    note.textContent = h.note ? ' — ' + h.note : '';
    li.append(a, note);
    list.append(li);
  }
  box.append(title, list);
  box.hidden = false;
}

// A link to another household changes only the fragment: load the page for it.
addEventListener('hashchange', () => location.reload());

start().catch((err) => fail('The form could not be loaded: ' + err.message));
