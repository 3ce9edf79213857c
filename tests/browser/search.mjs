// Search by each kind of key: the page names the kind it recognised
// (search-kind) and shows the messages the JSON API finds for the same key.
// config.cases: [{q, kind, api: "trace" | "find", params}] — the API request
// whose answer the page must show (a find answer is taken to the traces of
// the queue entries its records belong to).
import { scenario, search, traceShape, tracesOfRecords, findResultFor } from './lib.mjs';

await scenario(async (run) => {
  const page = await run.newPage('search');
  await run.login(page, run.config.tokens.reader);
  run.out.cases = [];
  for (const c of run.config.cases) {
    const shown = await search(page, c.q);
    let api;
    if (c.api === 'trace') {
      api = ((await run.api('trace', c.params)).traces || []).map(traceShape);
    } else {
      api = await tracesOfRecords(run, (await run.api('find', c.params)).records || []);
    }
    run.out.cases.push({
      q: c.q,
      kind_expected: c.kind,
      api_kind: c.api,
      kind: shown.kind,
      error: shown.error,
      url: shown.url,
      results: shown.results,
      api: api.map((t) => ({ trace: t, result: findResultFor(shown.results, t) || null })),
    });
    if (c.q === run.config.shot_after) await run.shot(page, 'search');
  }
});
