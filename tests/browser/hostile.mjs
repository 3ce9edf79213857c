// Hostile text in a stored line (an HTML tag with an onerror handler and a
// script element) shows literally as text in the results and the raw
// lines; no element is made from it and no dialog opens (the watch of
// lib.mjs fails the run on any dialog). config.q: a search that finds the
// message; config.needles: the hostile strings.
import { scenario, search, markStale, waitMessage, readMessage } from './lib.mjs';

async function madeElements(page) {
  return page.evaluate(() => ({
    img_x: document.querySelectorAll('img[src="x"], img[onerror]').length,
    scripts_alert: [...document.querySelectorAll('script')].filter((s) => s.textContent.includes('alert(')).length,
    onerror_attrs: [...document.querySelectorAll('*')].filter((e) => e.hasAttribute('onerror')).length,
  }));
}

await scenario(async (run) => {
  const page = await run.newPage('hostile');
  await run.login(page, run.config.tokens.reader);
  const shown = await search(page, run.config.q);
  run.out.results = shown.results;
  run.out.results_text = await page.evaluate(() => {
    const r = document.querySelector('[data-testid="results"]');
    return r ? r.textContent : '';
  });
  run.out.results_elements = await madeElements(page);
  if (!shown.results.length) throw new Error('no result for the hostile message');
  await markStale(page);
  await page.locator('[data-testid="result-message"] [data-testid="open-message"]').first().click();
  await waitMessage(page);
  const m = await readMessage(page);
  run.out.raw = m.raw;
  run.out.cards = m.cards;
  run.out.message_elements = await madeElements(page);
  // Give an injected handler the time to fire before the dialog check ends.
  await page.waitForTimeout(300);
  await run.shot(page, 'hostile');
});
