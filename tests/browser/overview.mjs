// The overview: charts and tables from /api/v1/stats and /api/v1/queue;
// every host of the stats answer has a row; the time-zone toggle says which
// zone it shows.
import { scenario } from './lib.mjs';

await scenario(async (run) => {
  const page = await run.newPage('overview');
  await run.login(page, run.config.tokens.reader);
  await page.getByTestId('nav-overview').click();
  await page.waitForFunction(() => location.hash.startsWith('#/overview'));
  await page.getByTestId('overview').waitFor({ state: 'visible' });
  for (const id of ['chart-hours', 'chart-hosts', 'chart-domains', 'top-reasons', 'queue-table', 'hosts-table']) {
    await page.getByTestId(id).waitFor({ state: 'attached' });
  }
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="host-row"]').length > 0);
  run.out.host_rows = await page.$$eval('[data-testid="host-row"]', (els) => els.map((e) => ({ host: e.dataset.host || '', text: e.textContent })));
  const stats = await run.api('stats', run.config.stats_params || {});
  run.out.api_hosts = (stats.hosts || []).map((h) => h.host || '');
  run.out.hash = await page.evaluate(() => location.hash);
  await run.shot(page, 'overview');

  const tz = page.getByTestId('tz-toggle');
  run.out.tz_before = ((await tz.textContent()) || '').trim();
  await tz.click();
  await page.waitForFunction((b) => document.querySelector('[data-testid="tz-toggle"]').textContent.trim() !== b, run.out.tz_before);
  run.out.tz_after = ((await tz.textContent()) || '').trim();
});
