// ODK's XForms engine (@getodk/xforms-engine) under jsdom, as ODK Web Forms runs it in a
// browser. Shared by xform-load.mjs and collect.mjs.
import { JSDOM } from 'jsdom';
import { createRequire } from 'module';
import path from 'path';
import { fileURLToPath } from 'url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dom = new JSDOM('<!doctype html><html><body></body></html>');
for (const k of ['window', 'document', 'DOMParser', 'XMLSerializer', 'Node', 'Element', 'Document', 'XPathResult',
  'XMLDocument', 'Attr', 'Text', 'NodeFilter', 'DocumentFragment', 'CharacterData', 'ProcessingInstruction', 'Comment',
  'CDATASection', 'HTMLElement']) {
  if (dom.window[k] && !(k in globalThis)) globalThis[k] = dom.window[k];
}
// The engine's tree-sitter WASM loader wants CommonJS globals.
globalThis.require = createRequire(import.meta.url);
globalThis.__dirname = path.join(here, 'node_modules/@getodk/xforms-engine/dist');

export const { createInstance } = await import('@getodk/xforms-engine');
export const domParser = new dom.window.DOMParser();

// load makes a form instance from XForm text; attachments are fetched with fetchAttachment.
export async function load(xml, opts = {}) {
  return createInstance(xml, {
    form: { fetchFormAttachment: opts.fetchAttachment || (async () => new Response('')) },
    instance: { preloadProperties: { deviceID: opts.deviceID || 'collect:fieldbase-e2e' } },
  });
}
