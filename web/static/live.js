import { h } from './util.js';
export function show(view) { view.replaceChildren(h('p', { testid: 'live' }, 'Coming soon')); }
export function dispose() {}
