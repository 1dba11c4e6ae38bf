// The official Notion SDK (@notionhq/client, pinned in package.json) against `notion-sim serve`.
//
//   node sdk_test.cjs PATH/TO/notion-sim
//
// Starts the server on port 0 with a workspace of 250 rows, then drives it only through the SDK
// (and the admin API to script faults and read the journal): pages, blocks, data source queries
// with iteratePaginatedAPI, search, users; errors as APIResponseError with Notion's codes; a 429
// with Retry-After retried by the SDK; a POST answered 500 not retried. Exits 0 when every check
// held, 1 otherwise. Bounded: every SDK call has a timeout and the server is stopped at the end.
'use strict';

const { spawn } = require('node:child_process');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  Client,
  APIResponseError,
  UnknownHTTPResponseError,
  RequestTimeoutError,
  LogLevel,
  iteratePaginatedAPI,
} = require('@notionhq/client');

const ROWS = 250;
const START_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 10000;

function startServer(cli) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsim-sdk-'));
  const workspace = path.join(dir, 'workspace.json');
  fs.writeFileSync(
    workspace,
    JSON.stringify({
      databases: [
        {
          title: 'Tasks',
          data_sources: [
            { title: 'Tasks', pages: ROWS, properties: { Name: 'title', Done: 'checkbox' } },
          ],
        },
      ],
    }),
  );
  const child = spawn(
    cli,
    ['serve', '--port', '0', '--seed', '3', '--workspace', workspace, '--max-hold-s', '10'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const banner = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('no banner within 15 s; stderr: ' + stderr)), START_TIMEOUT_MS);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    exited.then(({ code }) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return { child, banner, exited, stderr: () => stderr };
}

function field(line, key) {
  const m = line.match(new RegExp(`(?:^|\\s)${key}=(\\S+)`));
  return m ? m[1] : '';
}

async function expectError(promise, klass, code, what) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof klass, `${what}: expected ${klass.name}, got ${e && e.constructor.name}: ${e}`);
    assert.equal(e.code, code, `${what}: code`);
    return e;
  }
  assert.fail(`${what}: expected ${klass.name} ${code}, but the call succeeded`);
}

const checks = [];
function check(name, fn) {
  checks.push({ name, fn });
}

async function main() {
  const cli = process.argv[2];
  assert.ok(cli, 'usage: node sdk_test.cjs PATH/TO/notion-sim');
  const server = startServer(cli);
  let failed = 0;
  try {
    const line = await server.banner;
    console.log(line);
    const url = line.match(/http:\/\/\S+/)[0];
    const token = field(line, 'token');
    const rootPage = field(line, 'root_page');
    const dataSource = field(line, 'data_source');
    assert.ok(token && rootPage && dataSource, 'banner fields');

    const notion = new Client({ auth: token, baseUrl: url, timeoutMs: 5000, logLevel: LogLevel.ERROR });
    const admin = async (method, p, body) => {
      const r = await fetch(url + p, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(5000),
      });
      return { status: r.status, json: await r.json() };
    };
    const journalCount = async (query) => (await admin('GET', `/__admin/journal?${query}`)).json.count;
    const addFault = async (rule) => {
      const r = await admin('POST', '/__admin/faults', rule);
      assert.equal(r.status, 201, JSON.stringify(r.json));
    };
    let page;

    check('users.me and users.list', async () => {
      const me = await notion.users.me({});
      assert.equal(me.object, 'user');
      assert.equal(me.type, 'bot');
      const users = await notion.users.list({ page_size: 100 });
      assert.equal(users.object, 'list');
      assert.ok(users.results.length >= 1);
      const all = [];
      for await (const u of iteratePaginatedAPI(notion.users.list, { page_size: 1 })) all.push(u.id);
      assert.equal(all.length, users.results.length, 'users paginated one by one');
    });

    check(`dataSources.query with iteratePaginatedAPI over ${ROWS} rows`, async () => {
      const ids = new Set();
      let pages = 0;
      for await (const row of iteratePaginatedAPI(notion.dataSources.query, {
        data_source_id: dataSource,
        page_size: 100,
      })) {
        assert.equal(row.object, 'page');
        ids.add(row.id);
        if (++pages > 10 * ROWS) assert.fail('pagination does not end');
      }
      assert.equal(ids.size, ROWS);
      assert.equal(pages, ROWS);
    });

    check('pages.create / retrieve / update', async () => {
      page = await notion.pages.create({
        parent: { data_source_id: dataSource },
        properties: { Name: { title: [{ text: { content: 'from the SDK' } }] } },
      });
      assert.equal(page.object, 'page');
      const got = await notion.pages.retrieve({ page_id: page.id });
      assert.equal(got.id, page.id);
      const updated = await notion.pages.update({
        page_id: page.id,
        properties: { Done: { checkbox: true } },
      });
      assert.equal(updated.id, page.id);
      const child = await notion.pages.create({
        parent: { page_id: rootPage },
        properties: { title: { title: [{ text: { content: 'under the root page' } }] } },
      });
      assert.equal(child.object, 'page');
    });

    check('blocks.children.append / list', async () => {
      const appended = await notion.blocks.children.append({
        block_id: page.id,
        children: [
          { paragraph: { rich_text: [{ text: { content: 'one' } }] } },
          { paragraph: { rich_text: [{ text: { content: 'two' } }] } },
        ],
      });
      assert.equal(appended.object, 'list');
      assert.equal(appended.results.length, 2);
      const listed = await notion.blocks.children.list({ block_id: page.id });
      assert.equal(listed.results.length, 2);
      assert.equal(listed.results[0].type, 'paragraph');
    });

    check('search', async () => {
      const found = await notion.search({ query: 'from the SDK' });
      assert.equal(found.object, 'list');
      const pagesOnly = await notion.search({ filter: { property: 'object', value: 'page' }, page_size: 5 });
      assert.equal(pagesOnly.results.length, 5);
      assert.ok(pagesOnly.results.every((r) => r.object === 'page'));
      assert.equal(pagesOnly.has_more, true);
    });

    check('errors arrive as APIResponseError with Notion codes', async () => {
      const missing = await expectError(
        notion.pages.retrieve({ page_id: '0b7e9c2a-1d2f-4c3b-9a8e-7f6d5c4b3a21' }),
        APIResponseError, 'object_not_found', 'unknown page');
      assert.equal(missing.status, 404);
      assert.ok(missing.request_id, 'request_id on the error');
      const stranger = new Client({ auth: 'secret_not_a_token_000000000', baseUrl: url, timeoutMs: 5000, logLevel: LogLevel.ERROR });
      await expectError(stranger.users.me({}), APIResponseError, 'unauthorized', 'bad token');
      const tooMany = Array.from({ length: 101 }, () => ({ paragraph: { rich_text: [] } }));
      const invalid = await expectError(
        notion.blocks.children.append({ block_id: page.id, children: tooMany }),
        APIResponseError, 'validation_error', '101 children');
      assert.equal(invalid.status, 400);
    });

    check('a 429 with Retry-After is retried by the SDK and succeeds', async () => {
      await admin('DELETE', '/__admin/journal');
      await addFault({
        match: { method: 'GET', path: '/v1/users/me' },
        trigger: { first: 1 },
        action: 'respond',
        status: 429,
        retry_after_s: 1,
      });
      const me = await notion.users.me({});
      assert.equal(me.object, 'user');
      const j = (await admin('GET', '/__admin/journal?operation=users_me')).json;
      assert.equal(j.count, 2, 'one 429, one retry');
      assert.deepEqual(j.entries.map((e) => e.status), [429, 200]);
    });

    check('a GET answered 500 is retried; a POST answered 500 is not', async () => {
      await admin('DELETE', '/__admin/journal');
      await addFault({
        match: { method: 'GET', path: '/v1/users' },
        trigger: { first: 1 },
        action: 'respond',
        status: 500,
        code: 'internal_server_error',
      });
      const users = await notion.users.list({});
      assert.equal(users.object, 'list');
      assert.equal(await journalCount('operation=list_users'), 2, 'GET retried once');

      await addFault({
        match: { method: 'POST', path: '/v1/pages' },
        trigger: { first: 1 },
        action: 'respond',
        status: 500,
        code: 'internal_server_error',
      });
      await expectError(
        notion.pages.create({ parent: { page_id: rootPage }, properties: {} }),
        APIResponseError, 'internal_server_error', 'POST 500');
      assert.equal(await journalCount('method=POST&path=/v1/pages'), 1, 'POST not retried');
    });

    check('a 502 bad_gateway is an UnknownHTTPResponseError and is not retried', async () => {
      await admin('DELETE', '/__admin/journal');
      await addFault({
        match: { path: '/v1/search' },
        trigger: { first: 1 },
        action: 'respond',
        status: 502,
        code: 'bad_gateway',
      });
      const e = await expectError(notion.search({}), UnknownHTTPResponseError,
        'notionhq_client_response_error', '502');
      assert.equal(e.status, 502);
      assert.equal(await journalCount('operation=search'), 1);
    });

    check('a hang is a RequestTimeoutError', async () => {
      await addFault({ match: { path: '/v1/users/me' }, trigger: { first: 1 }, action: 'hang' });
      const impatient = new Client({ auth: token, baseUrl: url, timeoutMs: 300, logLevel: LogLevel.ERROR });
      await expectError(impatient.users.me({}), RequestTimeoutError,
        'notionhq_client_request_timeout', 'hang');
    });

    for (const c of checks) {
      try {
        await c.fn();
        console.log(`ok - ${c.name}`);
      } catch (e) {
        failed++;
        console.log(`not ok - ${c.name}\n  ${(e && e.stack) || e}`);
      }
    }
  } finally {
    server.child.kill('SIGTERM');
    const timer = setTimeout(() => server.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const { code, signal } = await server.exited;
    clearTimeout(timer);
    if (code !== 0) {
      failed++;
      console.log(`not ok - server exit on SIGTERM: code ${code} signal ${signal}\n${server.stderr()}`);
    } else {
      console.log('ok - server exited 0 on SIGTERM');
    }
  }
  console.log(failed === 0 ? `all ${checks.length + 1} checks held` : `${failed} check(s) failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
