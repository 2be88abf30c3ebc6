// Generated answers for a form loaded in ODK's engine, shared by differential.mjs (the
// differential test) and collect.mjs --generate (the real-client test on corpus forms):
// fill() answers every relevant question with a value of its type (the first option of a
// select, two rows in each repeat the enumerator controls); snapshot() reads the engine's
// state back as fieldbase's answers JSON with the engine's verdicts. attachFiles() gives
// every relevant upload question (image, audio, video, file) a small file, as a camera would.
export const name = (node) => node.definition.nodeName ?? node.currentState.reference.split('/').pop().replace(/\[.*\]$/, '');
export const leafTypes = new Set(['input', 'select', 'range', 'rank', 'trigger', 'upload', 'note', 'model-value']);

export function valueFor(node) {
  const vt = node.valueType;
  switch (vt) {
    case 'int': return 3;
    case 'decimal': return 2.5;
    case 'date': return '2026-10-05';
    case 'time': return '10:30:00.000+00:00';
    case 'dateTime': return '2026-10-05T10:30:00.000+00:00';
    case 'geopoint': return { latitude: 27.7, longitude: 85.3, altitude: 1300, accuracy: 5 };
    case 'geotrace': case 'geoshape': case 'binary': return null;
    default: return 'abc';
  }
}

// answer sets a plausible value on a relevant, answerable leaf; false if it cannot.
export function answer(node) {
  const t = node.nodeType;
  if (!node.currentState.relevant || node.currentState.readonly) return false;
  if (t === 'select') {
    const opts = node.currentState.valueOptions || [];
    if (opts.length === 0) return false;
    node.selectValue(opts[0].value);
    return true;
  }
  if (t === 'input') {
    const v = valueFor(node);
    if (v === null) return false;
    try { node.setValue(v); } catch { return false; }
    return true;
  }
  return false;
}

export function walk(node, fn) {
  for (const c of node.currentState.children ?? []) {
    fn(c);
    if (!leafTypes.has(c.nodeType)) walk(c, fn);
  }
}

export function fill(root) {
  walk(root, (n) => {
    if (n.nodeType === 'repeat-range:uncontrolled' && n.currentState.relevant && n.currentState.children.length < 2) {
      n.addInstances(undefined, 2 - n.currentState.children.length);
    }
  });
  // Twice: answers make later questions relevant.
  for (let pass = 0; pass < 2; pass++) walk(root, (n) => { if (leafTypes.has(n.nodeType) && !hasValue(n)) answer(n); });
}

export function hasValue(n) {
  const v = n.currentState.instanceValue;
  return v !== undefined && v !== null && v !== '';
}

// snapshot returns fieldbase's data, the engine's verdicts and the answer paths.
export function snapshot(root) {
  const verdicts = {};
  const fields = [];
  const paths = new Map();
  function level(node, prefix) {
    const out = {};
    for (const c of node.currentState.children ?? []) {
      const t = c.nodeType;
      const n = name(c);
      if (t === 'group') {
        if (n === 'meta' && node.nodeType === 'root') continue; // instanceID: the envelope's id
        Object.assign(out, level(c, prefix));
      } else if (t === 'repeat-range:controlled' || t === 'repeat-range:uncontrolled') {
        if (!c.currentState.relevant) continue;
        out[n] = c.currentState.children.map((row, i) => level(row, `${prefix}${n}[${i}].`));
        paths.set(c, prefix + n);
      } else if (leafTypes.has(t)) {
        const p = prefix + n;
        fields.push(p);
        paths.set(c, p);
        const rel = c.currentState.relevant;
        const vs = c.validationState;
        if (rel && vs) {
          if (vs.required && !vs.required.valid) verdicts[p] = 'required';
          else if (vs.constraint && !vs.constraint.valid) verdicts[p] = 'constraint';
        }
        if (t === 'note' || t === 'trigger') continue;
        const v = c.currentState.instanceValue; // an upload's: the attached file's name, if any
        if (t === 'upload' && typeof v !== 'string') continue;
        if (v === undefined || v === null || v === '' || !rel) continue;
        if (t === 'model-value') { out[n] = v; continue; }
        const vt = c.valueType;
        out[n] = (vt === 'int' || vt === 'decimal') && t !== 'select' ? Number(v) : v;
      }
    }
    return out;
  }
  const data = level(root, '');
  return { data, verdicts, fields, paths };
}

export function leaves(root, pred) {
  const out = [];
  walk(root, (n) => { if (leafTypes.has(n.nodeType) && pred(n)) out.push(n); });
  return out;
}


// attachFiles sets a file on every relevant upload question and returns them by the name
// the engine gives the answer (its instance value).
export function attachFiles(root) {
  const files = [];
  walk(root, (n) => {
    if (n.nodeType !== 'upload' || !n.currentState.relevant || n.currentState.readonly) return;
    const i = files.length + 1;
    const file = new File([`fieldbase e2e attachment ${i} `.repeat(40 * i)], `media-${i}.jpg`, { type: 'image/jpeg' });
    n.setValue(file);
    files.push(n);
  });
  return files;
}
