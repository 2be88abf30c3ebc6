import { html, useEffect, useRef, useState } from './lib.js';

// Observable Plot (with d3) for the screens with charts, loaded on first use as classic
// scripts from the vendored UMD files (window.d3, window.Plot).
let loading = null;

function script(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error('could not load ' + src));
    document.head.appendChild(s);
  });
}

export function loadPlot() {
  if (!loading) loading = script('/vendor/d3.min.js').then(() => script('/vendor/plot.umd.min.js')).then(() => window.Plot);
  return loading;
}

// <Chart make=${(Plot, width) => Plot.plot({...})} label="…"/> renders an Observable Plot figure.
export function Chart({ make, deps = [], label }) {
  const ref = useRef();
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    loadPlot().then((Plot) => {
      if (!live || !ref.current) return;
      const fig = make(Plot, ref.current.clientWidth || 600);
      ref.current.replaceChildren(fig);
    }, setError);
    return () => { live = false; };
  }, deps);
  return html`<figure class="chart" role="img" aria-label=${label}><div ref=${ref}></div>${error && html`<p class="err">${error.message}</p>`}</figure>`;
}
