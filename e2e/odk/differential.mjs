// The differential test's ODK side: ODK's own XForms engine fills a form and says, field by
// field, what it accepts.
//
//   node differential.mjs FORM.xml...
//
// For each XForm (pyxform's output for an XLSForm), prints one JSON line per case:
//   {"form", "case", "data", "verdicts", "fields"} or {"form", "error"} when it does not load.
// data is the interview as fieldbase's answers JSON (keys are the instance's element names,
// groups do not nest the data, a repeat is a list of rows, select_multiple "a b", geopoints
// "lat lon alt acc": ODK's own formats, which fieldbase takes as a device sends them);
// verdicts maps each answer path (members[0].age, 0-based rows) the engine finds invalid to
// "required" or "constraint" (only relevant nodes count, as in ODK); fields lists every
// answer path the engine holds. The cases:
//   valid:       every relevant question answered with a value of its type (the first
//                option of a select), two rows in each repeat the enumerator controls;
//   required:    the same, with the first required question emptied;
//   constraint:  the same, with a value the engine refuses for the first constrained question
//                (tried from a list of candidates), if it finds one;
//   nonrelevant: the valid data plus an answer to a question that does not apply (the engine
//                keeps no value for it, so its verdict is: no problem there);
//   repeatcount: the valid data with one more row in a repeat whose count the form fixes
//                (the engine cannot hold it: its verdict is repeat_count on the repeat).
import { readFileSync } from 'fs';
import path from 'path';
import { load } from './engine.mjs';
import { name, valueFor, answer, fill, hasValue, snapshot, leaves } from './generate.mjs';

const candidates = { int: [-1, 0, 1000000, 150, 99], decimal: [-1, 0, 1e9, 0.5], date: ['1900-01-01', '2099-01-01'], string: ['', 'a', '1', 'a very long text that will break a length limit of the field for sure .......'] };

for (const file of process.argv.slice(2)) {
  const form = path.basename(file);
  const xml = readFileSync(file, 'utf8');
  const out = (o) => console.log(JSON.stringify({ form, ...o }));
  let inst;
  const fresh = async () => { const f = await load(xml); fill(f.root); return f; };
  try {
    inst = await fresh();
  } catch (e) {
    out({ error: String(e && e.message || e).replace(/\s+/g, ' ').slice(0, 200) });
    continue;
  }
  try {
    const base = snapshot(inst.root);
    out({ case: 'valid', data: base.data, verdicts: base.verdicts, fields: base.fields });

    let f = await fresh();
    const req = leaves(f.root, (n) => n.currentState.relevant && n.currentState.required && hasValue(n) && (n.nodeType === 'input' || n.nodeType === 'select'))[0];
    if (req) {
      if (req.nodeType === 'select') req.selectValues([]); else req.setValue('');
      const s = snapshot(f.root);
      out({ case: 'required', data: s.data, verdicts: s.verdicts, fields: s.fields });
    }

    f = await fresh();
    let broke = false;
    for (const n of leaves(f.root, (x) => x.currentState.relevant && x.nodeType === 'input' && x.definition.bind?.constraint)) {
      for (const v of candidates[n.valueType] || candidates.string) {
        try { n.setValue(v); } catch { continue; }
        if (n.validationState.constraint && !n.validationState.constraint.valid) { broke = true; break; }
      }
      if (broke) break;
      answer(n);
    }
    if (broke) {
      const s = snapshot(f.root);
      out({ case: 'constraint', data: s.data, verdicts: s.verdicts, fields: s.fields });
    }

    f = await fresh();
    const s = snapshot(f.root);
    const nr = [...s.paths.entries()].find(([n]) => n.nodeType === 'input' && !n.currentState.relevant && !s.paths.get(n).includes('['));
    if (nr) {
      const [n, p] = nr;
      const v = valueFor(n);
      if (v !== null && typeof v !== 'object') {
        s.data[name(n)] = v;
        out({ case: 'nonrelevant', data: s.data, verdicts: s.verdicts, fields: s.fields, answered: p });
      }
    }

    const rc = [...s.paths.entries()].find(([n]) => n.nodeType === 'repeat-range:controlled' && n.currentState.relevant && !s.paths.get(n).includes('['));
    if (rc) {
      const [n, p] = rc;
      const rows = s.data[name(n)];
      if (Array.isArray(rows) && rows.length > 0) {
        s.data[name(n)] = [...rows, rows[rows.length - 1]];
        out({ case: 'repeatcount', data: s.data, verdicts: { ...s.verdicts, [p]: 'repeat_count' }, fields: [...s.fields, p] });
      }
    }
  } catch (e) {
    out({ error: 'while filling: ' + String(e && e.message || e).replace(/\s+/g, ' ').slice(0, 200) });
  }
}
process.exit(0);
