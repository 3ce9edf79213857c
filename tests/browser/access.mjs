// Access through the login form with a read token limited to one mail
// domain: its domain's message is found; another domain's message is not,
// by search nor by its permalink (no result, no verdict card, no raw line
// or text with its address); logout ends the session; a wrong token shows
// login-error. config.own: {q, address}; config.other: {q, address,
// message_id}; config.wrong_token.
import { scenario, search, markStale, waitMessage, readMessage } from './lib.mjs';

await scenario(async (run) => {
  const cfg = run.config;
  // Expected 401s here: the probe before each login, and the wrong token.
  run.expected401.push((method, url) => method === 'POST' && new URL(url).pathname === '/api/v1/session');

  const page = await run.newPage('access');
  await page.goto(run.base);
  await page.getByTestId('login-form').waitFor({ state: 'visible' });
  await run.shot(page, 'login');
  // A wrong token first: login-error, still on the login screen.
  await page.getByTestId('login-token').fill(cfg.wrong_token);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').waitFor({ state: 'visible' });
  run.out.wrong_token_error = (await page.getByTestId('login-error').textContent()).trim();
  run.out.wrong_token_form_still = await page.getByTestId('login-form').isVisible();

  // The limited token.
  await page.getByTestId('login-token').fill(cfg.tokens.helpdesk);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-form').waitFor({ state: 'hidden' });
  await page.getByTestId('whoami').waitFor({ state: 'attached' });
  run.out.whoami = ((await page.getByTestId('whoami').textContent()) || '').trim();

  const own = await search(page, cfg.own.q);
  run.out.own = { results: own.results, error: own.error };

  const other = await search(page, cfg.other.q);
  run.out.other_search = {
    results: other.results,
    empty: other.empty,
    error: other.error,
    mentions_address: (await page.evaluate(() => document.body.innerText)).includes(cfg.other.address),
  };

  await markStale(page);
  await page.goto(`${run.base}#/message?message_id=${encodeURIComponent(cfg.other.message_id)}`);
  await waitMessage(page).catch(() => {});
  const m = await readMessage(page);
  run.out.other_permalink = {
    cards: m.cards,
    raw_with_address: m.raw.filter((l) => l.includes(cfg.other.address)),
    mentions_address: m.body.includes(cfg.other.address),
    html_mentions_address: (await page.content()).includes(cfg.other.address),
  };

  // Logout: back to the login screen, and the session is gone server-side.
  await page.getByTestId('logout').click();
  await page.getByTestId('login-form').waitFor({ state: 'visible' });
  run.out.session_after_logout = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
});
