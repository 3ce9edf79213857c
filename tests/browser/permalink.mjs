// Every view is a permalink: the page URL after a search, opened in a fresh
// browser context (no cookies, so log in again), shows the same results.
// config.q: the search.
import { scenario, search, waitSearchAnswer, readResults } from './lib.mjs';

await scenario(async (run) => {
  const first = await run.newPage('permalink-first');
  await run.login(first, run.config.tokens.reader);
  const shown = await search(first, run.config.q);
  run.out.url = shown.url;
  run.out.first = shown.results;

  const second = await run.newPage('permalink-second');
  await run.login(second, run.config.tokens.reader, shown.url);
  run.out.url_after_login = second.url();
  if (second.url() !== shown.url) {
    run.note(`after the login the page was at ${second.url()}, not the permalink; opened it again`);
    await second.goto(shown.url);
  }
  await waitSearchAnswer(second);
  run.out.second = await readResults(second);
  run.out.q_box = await second.getByTestId('search-q').inputValue();
});
