// Charts of the migration profile, drawn with Observable Plot (inlined above this script,
// with d3) from the figures embedded in #fb-data: for each indicator its levels by group with
// 95% interval whiskers, and its gaps with their intervals around 0. A suppressed cell has
// no dot: it is written "not published", never drawn as 0.
(function () {
  var data = JSON.parse(document.getElementById('fb-data').textContent);
  var groups = ['All', 'Migratory status', 'Household migration status', 'Sex'];
  var palette = ['#444', '#1f6fb2', '#c4631d', '#6a3d9a'];
  function colour(g) { var i = groups.indexOf(g); return palette[i < 0 ? 3 : i]; }
  function extent(cells) {
    var lo = Infinity, hi = -Infinity;
    cells.forEach(function (c) {
      [c.est, c.lo, c.hi].forEach(function (v) { if (v != null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    });
    if (lo === Infinity) return [0, 1];
    return [lo, hi];
  }
  Object.keys(data.indicators).forEach(function (id) {
    var ind = data.indicators[id];
    var el = document.getElementById('chart-' + id);
    if (el && ind.rows.length) {
      var pub = ind.rows.filter(function (r) { return r.est != null; });
      var held = ind.rows.filter(function (r) { return r.est == null; });
      var ext = extent(pub);
      var x0 = Math.min(0, ext[0]);
      var labels = {};
      ind.rows.forEach(function (r) { labels[r.key] = r.label; });
      var present = groups.filter(function (g) { return ind.rows.some(function (r) { return r.group === g; }); });
      el.appendChild(Plot.plot({
        width: 680, height: 60 + 26 * ind.rows.length, marginLeft: 245, marginRight: 20,
        style: { fontSize: '11px' },
        color: { legend: true, domain: present, range: present.map(colour) },
        x: { label: ind.unit ? 'Estimate (' + ind.unit + '), 95% interval' : 'Estimate, 95% interval', grid: true, domain: [x0, Math.max(ext[1], x0 + 1e-9)], nice: true },
        y: { label: null, domain: ind.rows.map(function (r) { return r.key; }), axis: null },
        marks: [
          Plot.axisY({ tickFormat: function (k) { return labels[k]; }, lineWidth: 15, textOverflow: 'ellipsis', label: null }),
          Plot.ruleY(pub.filter(function (r) { return r.lo != null; }), { y: 'key', x1: 'lo', x2: 'hi', stroke: function (r) { return colour(r.group); }, strokeWidth: 2 }),
          Plot.dot(pub, { y: 'key', x: 'est', r: 4, stroke: function (r) { return colour(r.group); },
            fill: function (r) { return r.flag === 'low_reliability' ? 'white' : colour(r.group); } }),
          Plot.text(held, { y: 'key', x: x0, text: function () { return 'not published'; }, textAnchor: 'start', dx: 4, fill: '#a00', fontStyle: 'italic' })
        ]
      }));
    }
    var gel = document.getElementById('gaps-' + id);
    if (gel && ind.gaps.length) {
      var gpub = ind.gaps.filter(function (g) { return g.est != null; });
      var gheld = ind.gaps.filter(function (g) { return g.est == null; });
      var gext = extent(gpub);
      var lo = Math.min(0, gext[0]), hi = Math.max(0, gext[1]);
      if (lo === hi) hi = lo + 1;
      gel.appendChild(Plot.plot({
        width: 680, height: 44 + 32 * ind.gaps.length, marginLeft: 245, marginRight: 20,
        style: { fontSize: '11px' },
        x: { label: 'Gap (' + (ind.gap_unit || 'difference') + '), 95% interval', grid: true, domain: [lo, hi], nice: true },
        y: { label: null, domain: ind.gaps.map(function (g) { return g.key; }), axis: null },
        marks: [
          Plot.axisY({ tickFormat: function (k) { return ind.gaps.filter(function (g) { return g.key === k; })[0].label; }, lineWidth: 15, textOverflow: 'ellipsis', label: null }),
          Plot.ruleX([0], { stroke: '#888' }),
          Plot.ruleY(gpub.filter(function (g) { return g.lo != null; }), { y: 'key', x1: 'lo', x2: 'hi', stroke: '#333', strokeWidth: 2 }),
          Plot.dot(gpub, { y: 'key', x: 'est', r: 4, stroke: '#333', fill: function (g) { return g.sig ? '#333' : 'white'; } }),
          Plot.text(gheld, { y: 'key', x: lo, text: function () { return 'not published'; }, textAnchor: 'start', dx: 4, fill: '#a00', fontStyle: 'italic' })
        ]
      }));
    }
  });
  document.documentElement.setAttribute('data-charts', 'done');
})();
