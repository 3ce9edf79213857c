// A message across two hosts: search for it, open it from the result, and
// read the journey (lanes, hops, verdict cards, raw lines) to compare with
// the API's trace; then the same page as a permalink at 375 px in dark mode.
// config.q: the search; config.trace: the trace request of the message.
import { scenario, search, traceShape, findResultFor, markStale, waitMessage, readMessage } from './lib.mjs';

await scenario(async (run) => {
  const page = await run.newPage('message');
  await run.login(page, run.config.tokens.reader);
  const api = await run.api('trace', run.config.trace);
  run.out.api = api;
  if (!api.traces || api.traces.length !== 1) throw new Error(`the API has ${api.traces ? api.traces.length : 0} traces, not 1`);
  const shown = await search(page, run.config.q);
  const result = findResultFor(shown.results, traceShape(api.traces[0]));
  run.out.results = shown.results;
  if (!result) throw new Error(`no result shows the message: ${JSON.stringify(shown.results)}`);
  const sel = `[data-testid="result-message"][data-host="${result.host}"][data-queue-id="${result.queue_id}"] [data-testid="open-message"]`;
  await markStale(page);
  await page.locator(sel).first().click();
  await waitMessage(page);
  run.out.url = page.url();
  run.out.page = await readMessage(page);
  delete run.out.page.body;
  await run.shot(page, 'message');

  // The permalink in a fresh context, phone-sized, dark.
  const phone = await run.newPage('message-375-dark', { viewport: { width: 375, height: 800 }, colorScheme: 'dark' });
  await run.login(phone, run.config.tokens.reader, run.out.url);
  if (phone.url() !== run.out.url) await phone.goto(run.out.url);
  await waitMessage(phone);
  const small = await readMessage(phone);
  run.out.phone_cards = small.cards;
  run.out.phone_overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await run.shot(phone, 'message-375-dark');
});
