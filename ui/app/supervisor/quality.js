// Team quality: per enumerator interviews per day, durations, invalid and flagged shares, GPS
// accuracy and distance, straight-lining, last sync per device (silent ones marked), small
// charts, and a map of the interviews as points coloured by status (no tile server).
import { html, useApi, useState, ErrorBox, statusLabels, fmtDate, fmtDuration } from '../lib.js';
import { register, navigate } from '../router.js';
import { Chart } from '../charts.js';

const pct = (x) => (x == null ? '' : `${Math.round(x * 1000) / 10}%`);
const statusColours = { received: '#2f6fd6', flagged: '#d08a00', invalid: '#c0392b', approved: '#1d7a46', rejected: '#8e1b1b' };

function Quality({ me, query }) {
  const silent = query.silent || '3';
  const team = query.team || '';
  const { data, error, loading } = useApi('/api/console/quality', { silent, ...(team ? { team } : {}) });
  const set = (c) => navigate('/quality', { ...query, ...c });
  return html`<section class="quality">
    <div class="head"><h1>Team quality</h1>
      <form class="filters flat" onSubmit=${(e) => e.preventDefault()}>
        ${me.teams.length > 1 && html`<label>Team<select value=${team} onChange=${(e) => set({ team: e.target.value })}>
          <option value="">all teams</option>${me.teams.map((t) => html`<option value=${t.id}>${t.name}</option>`)}</select></label>`}
        <label>Silent after (days)<input type="number" min="1" class="short" value=${silent} onChange=${(e) => set({ silent: e.target.value })}/></label>
      </form></div>
    <${ErrorBox} error=${error}/>
    ${loading && !data && html`<p class="muted">Loading…</p>`}
    ${data && html`
      <section class="card"><h2>Per enumerator</h2>
        <p class="muted">Too short: under ${data.short_share * 100}% of the team's median interview (${fmtDuration(data.team_median_duration_s)}).
          Straight-lining: rosters of 3 or more where ≥ 80% of single-choice questions have one answer for everybody (latest ${data.straight_sample} households).</p>
        <div class="tablewrap"><table class="grid">
          <thead><tr><th scope="col">Enumerator</th><th scope="col" class="num">Interviews</th><th scope="col" class="num">Per day</th>
            <th scope="col" class="num">Median duration</th><th scope="col" class="num">Too short</th><th scope="col" class="num">Invalid</th>
            <th scope="col" class="num">Flagged</th><th scope="col" class="num">GPS accuracy</th><th scope="col" class="num">Distance from PSU centre</th>
            <th scope="col" class="num">Straight-lining</th><th scope="col">Last sync</th></tr></thead>
          <tbody>${data.enumerators.map((q) => html`<tr>
            <th scope="row"><a href=${'#/submissions?enumerator=' + q.enumerator}>${q.name}</a></th>
            <td class="num">${q.interviews}</td><td class="num">${q.per_day}</td><td class="num">${fmtDuration(q.median_duration_s)}</td>
            <td class="num">${q.too_short}</td><td class="num">${pct(q.share_invalid)}</td><td class="num">${pct(q.share_flagged)}</td>
            <td class="num">${q.median_gps_accuracy_m == null ? '' : q.median_gps_accuracy_m + ' m'}</td>
            <td class="num">${q.median_distance_m == null ? '' : q.median_distance_m + ' m'}</td>
            <td class="num">${pct(q.share_straight_lining)}</td><td>${fmtDate(q.last_sync)}</td></tr>`)}
          ${data.enumerators.length === 0 && html`<tr><td colspan="11" class="empty">No interview yet.</td></tr>`}</tbody>
        </table></div>
      </section>
      <div class="cols">
        <section class="card"><h2>Interviews per day</h2>
          <${Chart} label="Interviews per day by enumerator" deps=${[data]} make=${(Plot, width) => Plot.plot({
            width, height: 240, marginLeft: 40, x: { type: 'band', label: null, tickFormat: (d) => d.slice(5), ticks: 8 }, y: { grid: true, label: 'interviews' },
            color: { legend: true },
            marks: [Plot.barY(data.per_day, { x: 'date', y: 'n', fill: 'enumerator', tip: true }), Plot.ruleY([0])] })}/>
        </section>
        <section class="card"><h2>Median interview duration</h2>
          <${Chart} label="Median duration by enumerator" deps=${[data]} make=${(Plot, width) => Plot.plot({
            width, height: 240, marginLeft: 110, x: { grid: true, label: 'minutes' }, y: { label: null },
            marks: [Plot.barX(data.enumerators, { y: 'name', x: (d) => (d.median_duration_s || 0) / 60, fill: '#2f6fd6' }),
              Plot.ruleX([data.team_median_duration_s * data.short_share / 60], { stroke: '#c0392b', strokeDasharray: '4 3' })] })}/>
        </section>
      </div>
      <div class="cols">
        <section class="card"><h2>Map of interviews</h2>
          <p class="muted">Each point is a household at its GPS location, coloured by status (no map tiles).</p>
          <${Chart} label="Map of interviews coloured by status" deps=${[data]} make=${(Plot, width) => Plot.plot({
            width, height: Math.min(420, width * 0.8), projection: { type: 'mercator', domain: { type: 'MultiPoint', coordinates: data.points.map((p) => [p.lon, p.lat]) } },
            color: { legend: true, domain: Object.keys(statusColours), range: Object.values(statusColours), tickFormat: (s) => statusLabels[s] },
            marks: [Plot.graticule({ stroke: '#ccd' }), Plot.dot(data.points, { x: 'lon', y: 'lat', fill: 'status', r: 2.5, fillOpacity: 0.8, tip: true,
              title: (p) => `PSU ${p.psu} · ${p.enumerator} · ${statusLabels[p.status]}` })] })}/>
        </section>
        <section class="card"><h2>Devices</h2>
          <div class="tablewrap"><table class="grid">
            <thead><tr><th scope="col">Device</th><th scope="col">Enumerator</th><th scope="col">App</th><th scope="col">Last sync</th><th scope="col">Silent</th></tr></thead>
            <tbody>${data.devices.map((d) => html`<tr class=${d.silent ? 'bad' : ''}><td><code>${d.device_id}</code></td><td>${d.name}</td><td>${d.app_version}</td>
              <td>${fmtDate(d.last_seen)}</td><td>${d.silent ? html`<span class="err">${d.days_silent} days</span>` : `${d.days_silent} d`}</td></tr>`)}
            ${data.devices.length === 0 && html`<tr><td colspan="5" class="empty">No device has synced yet.</td></tr>`}</tbody>
          </table></div>
        </section>
      </div>`}
  </section>`;
}

register({ path: '/quality', title: 'Team quality', nav: true, order: 30, key: 'q', roles: ['supervisor', 'superuser'], component: Quality });
