// Export: the CSV and NDJSON downloads hold exactly the results shown, one
// row per recipient; CSV is RFC 4180 with the header of the contract, time
// in ISO 8601 UTC, and cells starting with = + - @ TAB CR quoted against
// formula injection. config.q: the search.
import fs from 'node:fs';
import { scenario, search } from './lib.mjs';

// RFC 4180: fields split by commas, records by CRLF (LF accepted), quoted
// fields with "" for a quote. Returns [[field]] or throws.
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let atStart = true;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        if (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
          throw new Error(`text after a closing quote at ${i}`);
        }
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (!atStart) throw new Error(`a quote inside an unquoted field at ${i}`);
      quoted = true;
      atStart = false;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      atStart = true;
      i++;
    } else if (c === '\r' || c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      atStart = true;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      atStart = false;
      i++;
    }
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

async function download(page, testid) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), text: fs.readFileSync(file, 'utf8'), failure: await dl.failure() };
}

await scenario(async (run) => {
  const page = await run.newPage('export');
  await run.login(page, run.config.tokens.reader);
  const shown = await search(page, run.config.q);
  run.out.results = shown.results;

  const csv = await download(page, 'export-csv');
  run.out.csv_name = csv.name;
  run.out.csv_failure = csv.failure;
  run.out.csv_text = csv.text;
  run.out.csv_crlf = csv.text.includes('\r\n');
  try {
    run.out.csv = parseCsv(csv.text);
  } catch (e) {
    run.fail(`the CSV is not RFC 4180: ${e.message}`);
  }
  await run.shot(page, 'export');

  const nd = await download(page, 'export-ndjson');
  run.out.ndjson_name = nd.name;
  run.out.ndjson_failure = nd.failure;
  run.out.ndjson = [];
  for (const line of nd.text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      run.out.ndjson.push(JSON.parse(line));
    } catch (e) {
      run.fail(`an NDJSON line is not JSON: ${line.slice(0, 200)}`);
    }
  }
});
