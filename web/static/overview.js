import { h } from './util.js';
export function show(view) { view.replaceChildren(h('p', { testid: 'overview' }, 'Coming soon')); }
export function dispose() {}
