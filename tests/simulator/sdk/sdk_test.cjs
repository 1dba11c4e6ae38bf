// The official Notion SDK (@notionhq/client, pinned in package.json) against `notion-sim serve`.
//
//   node sdk_test.cjs PATH/TO/notion-sim
//
// Starts the server on port 0 with a workspace of 250 rows, then drives it only through the SDK
// (and the admin API to script faults and read the journal): every method of the SDK's core
// groups (pages, blocks, databases, data sources, comments, file uploads, users, search, views,
// custom emojis, oauth, meeting notes; async tasks' 404), and checks every answer's shape against
// the SDK's own types: a JSON schema generated from the SDK's .d.ts (shapes.ts names each
// method's response type) and checked with ajv, strictly (no missing and no extra field). Also:
// errors as APIResponseError with Notion's codes; a 429 with Retry-After retried by the SDK; a
// POST answered 500 not retried; the agents group's "not available". Exits 0 when every check
// held, 1 otherwise. Bounded: every SDK call has a timeout and the server is stopped at the end.
'use strict';

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const http = require('node:http');
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
  verifyWebhookSignature,
} = require('@notionhq/client');

const Ajv = require('ajv').default;

const ROWS = 250;

// The SDK's response types as a JSON schema, generated once per SDK version into the work dir.
function loadShapes() {
  const sdkVersion = require('@notionhq/client/package.json').version;
  const shapesHash = crypto.createHash('sha256')
    .update(fs.readFileSync(path.join(__dirname, 'shapes.ts'))).digest('hex').slice(0, 12);
  const cache = path.join(__dirname, `shapes-${sdkVersion}-${shapesHash}.schema.json`);
  let schema;
  if (fs.existsSync(cache)) {
    schema = JSON.parse(fs.readFileSync(cache, 'utf8'));
  } else {
    const tsj = require('ts-json-schema-generator');
    const gen = tsj.createGenerator({
      path: path.join(__dirname, 'shapes.ts'), type: '*', skipTypeCheck: true, expose: 'export',
      topRef: false, jsDoc: 'none',
    });
    schema = gen.createSchema('*');
    fs.writeFileSync(cache, JSON.stringify(schema));
  }
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addSchema(schema, 'sdk');
  return ajv;
}

const shapeStats = { checked: 0, methods: new Set(), webhookPayloads: 0 };
let ajv;
// Checks `value` against the SDK's type `type` (the response type of `method`).
function shape(method, type, value) {
  const validate = ajv.getSchema(`sdk#/definitions/${type}`);
  assert.ok(validate, `no schema for ${type}`);
  if (!validate(value)) {
    const e = validate.errors[0];
    assert.fail(`${method}: the answer is not a ${type}: at ${e.instancePath || '/'} ${e.message} ` +
      `${JSON.stringify(e.params)}; answer: ${JSON.stringify(value).slice(0, 600)}`);
  }
  shapeStats.checked++;
  if (!method.startsWith('webhook ')) shapeStats.methods.add(method);
  else shapeStats.webhookPayloads++;
  return value;
}
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
            {
              title: 'Tasks', pages: ROWS,
              properties: {
                Name: 'title', Done: 'checkbox', Notes: 'rich_text', Points: 'number',
                Tags: 'multi_select', Stage: 'select', State: 'status', Due: 'date',
                Owner: 'people', Link: 'url', Mail: 'email', Phone: 'phone_number',
                Attachments: 'files', Created: 'created_time', Edited: 'last_edited_time',
                Author: 'created_by', Editor: 'last_edited_by', Ticket: 'unique_id',
                Score: 'formula',
              },
            },
          ],
        },
      ],
    }),
  );
  // Webhooks: short aggregation window and retry wait (Notion's are 60 s and minutes), and the
  // first comment.created delivery planted with a bad signature.
  const webhooks = path.join(dir, 'webhooks.json');
  fs.writeFileSync(webhooks, JSON.stringify({
    aggregation_window_ms: 2000,
    retry: { max_attempts: 3, initial_backoff_ms: 200 },
    faults: [{ match: { event_type: 'comment.created' }, trigger: { first: 1 }, action: 'bad_signature' }],
  }));
  const child = spawn(
    cli,
    ['serve', '--port', '0', '--seed', '3', '--workspace', workspace, '--max-hold-s', '10',
      '--webhooks', webhooks],
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

    ajv = loadShapes();
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
      const me = shape('users.me', 'GetSelfResponse', await notion.users.me({}));
      assert.equal(me.object, 'user');
      assert.equal(me.type, 'bot');
      const users = shape('users.list', 'ListUsersResponse', await notion.users.list({ page_size: 100 }));
      const one = shape('users.retrieve', 'GetUserResponse', await notion.users.retrieve({ user_id: users.results[0].id }));
      assert.equal(one.id, users.results[0].id);
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
        if (pages === 0) {
          // Every property of the schema, empty ones included.
          assert.equal(Object.keys(row.properties).length, 19, Object.keys(row.properties).join());
          assert.deepEqual(row.properties.Tags, { id: row.properties.Tags.id, type: 'multi_select', multi_select: [] });
          assert.equal(row.properties.Ticket.unique_id.number, 1);
        }
        ids.add(row.id);
        if (++pages > 10 * ROWS) assert.fail('pagination does not end');
      }
      assert.equal(ids.size, ROWS);
      assert.equal(pages, ROWS);
    });

    check('pages.create / retrieve / update', async () => {
      page = shape('pages.create', 'CreatePageResponse', await notion.pages.create({
        parent: { data_source_id: dataSource },
        icon: { emoji: '🧪' },
        cover: { external: { url: 'https://example.com/cover.png' } },
        properties: {
          Name: { title: [{ text: { content: 'from the SDK' }, annotations: { bold: true } }] },
          Tags: { multi_select: [{ name: 'alpha' }, { name: 'beta' }] },
          Stage: { select: { name: 'Doing' } },
          Due: { date: { start: '2026-02-01' } },
          Points: { number: 3 },
          Link: { url: 'https://example.com' },
        },
      }));
      assert.equal(page.object, 'page');
      assert.equal(page.icon.emoji, '🧪');
      assert.deepEqual(page.properties.Tags.multi_select.map((o) => o.name), ['alpha', 'beta']);
      assert.equal(page.properties.Due.date.end, null);
      assert.equal(page.properties.Name.title[0].annotations.italic, false);
      assert.equal(page.properties.Name.title[0].plain_text, 'from the SDK');
      const got = shape('pages.retrieve', 'GetPageResponse', await notion.pages.retrieve({ page_id: page.id }));
      assert.equal(got.id, page.id);
      const only = await notion.pages.retrieve({ page_id: page.id, filter_properties: [page.properties.Points.id] });
      assert.deepEqual(Object.keys(only.properties), ['Points']);
      const updated = shape('pages.update', 'UpdatePageResponse', await notion.pages.update({
        page_id: page.id,
        properties: { Done: { checkbox: true } },
      }));
      assert.equal(updated.id, page.id);
      assert.equal(updated.properties.Done.checkbox, true);
      const child = shape('pages.create', 'CreatePageResponse', await notion.pages.create({
        parent: { page_id: rootPage },
        properties: { title: { title: [{ text: { content: 'under the root page' } }] } },
      }));
      assert.equal(child.object, 'page');
      // The new page is a child_page block of its parent, and the parent has children.
      const kids = shape('blocks.children.list', 'ListBlockChildrenResponse', await notion.blocks.children.list({ block_id: rootPage }));
      assert.ok(kids.results.some((b) => b.type === 'child_page' && b.id === child.id && b.child_page.title === 'under the root page'));
      const rootAsBlock = shape('blocks.retrieve', 'GetBlockResponse', await notion.blocks.retrieve({ block_id: rootPage }));
      assert.equal(rootAsBlock.has_children, true);
      // Property items, paginated.
      const title = shape('pages.properties.retrieve', 'GetPagePropertyResponse',
        await notion.pages.properties.retrieve({ page_id: page.id, property_id: 'title' }));
      assert.equal(title.object, 'list');
      assert.equal(title.results[0].title.plain_text, 'from the SDK');
      const points = shape('pages.properties.retrieve', 'GetPagePropertyResponse',
        await notion.pages.properties.retrieve({ page_id: page.id, property_id: page.properties.Points.id }));
      assert.equal(points.number, 3);
      // Moved under the root page and back.
      const moved = shape('pages.move', 'MovePageResponse', await notion.pages.move({ page_id: child.id, parent: { page_id: page.id } }));
      assert.equal(moved.parent.page_id, page.id);
    });

    check('blocks.children.append / list', async () => {
      const appended = shape('blocks.children.append', 'AppendBlockChildrenResponse', await notion.blocks.children.append({
        block_id: page.id,
        children: [
          { paragraph: { rich_text: [{ text: { content: 'one' } }] } },
          { paragraph: { rich_text: [{ text: { content: 'two' } }] } },
          { to_do: { rich_text: [{ text: { content: 'todo' } }], checked: true } },
          { heading_2: { rich_text: [{ text: { content: 'Head' } }] } },
          { code: { rich_text: [{ text: { content: 'x = 1' } }], language: 'python' } },
          { bookmark: { url: 'https://example.com' } },
          { table: { table_width: 2, children: [{ table_row: { cells: [[{ text: { content: 'a' } }], [{ text: { content: 'b' } }]] } }] } },
          { column_list: { children: [
            { column: { children: [{ toggle: { rich_text: [{ text: { content: 'deep' } }],
              children: [{ paragraph: { rich_text: [{ text: { content: 'deepest' } }] } }] } }] } },
            { column: { children: [{ divider: {} }] } },
          ] } },
        ],
      }));
      assert.equal(appended.object, 'list');
      assert.equal(appended.results.length, 8);
      assert.deepEqual(appended.results[4].code.caption, []);
      // `position` puts children first.
      const first = shape('blocks.children.append', 'AppendBlockChildrenResponse', await notion.blocks.children.append({
        block_id: page.id, position: { type: 'start' },
        children: [{ quote: { rich_text: [{ text: { content: 'zero' } }] } }],
      }));
      const listed = shape('blocks.children.list', 'ListBlockChildrenResponse', await notion.blocks.children.list({ block_id: page.id }));
      // The page moved under it earlier is one of its children too, as a child_page block.
      assert.equal(listed.results.length, 10);
      const own = listed.results.filter((b) => b.type !== 'child_page');
      assert.equal(own.length, 9);
      assert.equal(own[0].id, first.results[0].id);
      assert.equal(own[1].type, 'paragraph');
      const block = shape('blocks.retrieve', 'GetBlockResponse', await notion.blocks.retrieve({ block_id: own[1].id }));
      const edited = shape('blocks.update', 'UpdateBlockResponse', await notion.blocks.update({
        block_id: block.id, paragraph: { rich_text: [{ text: { content: 'one, edited' } }] } }));
      assert.equal(edited.paragraph.rich_text[0].plain_text, 'one, edited');
      const removed = shape('blocks.delete', 'DeleteBlockResponse', await notion.blocks.delete({ block_id: block.id }));
      assert.equal(removed.in_trash, true);
      // Too deep: a third level below the top block.
      await expectError(notion.blocks.children.append({ block_id: page.id, children: [
        { toggle: { rich_text: [], children: [{ toggle: { rich_text: [], children: [
          { toggle: { rich_text: [], children: [{ paragraph: { rich_text: [] } }] } }] } }] } }] }),
        APIResponseError, 'validation_error', 'three levels of children');
      // Markdown: read, then append with insert_content.
      const md = shape('pages.retrieveMarkdown', 'GetPageMarkdownResponse', await notion.pages.retrieveMarkdown({ page_id: page.id }));
      assert.ok(md.markdown.includes('> zero') && md.markdown.includes('## Head'), md.markdown);
      const md2 = shape('pages.updateMarkdown', 'UpdatePageMarkdownResponse', await notion.pages.updateMarkdown({
        page_id: page.id, type: 'insert_content', insert_content: { content: '- added by markdown' } }));
      assert.ok(md2.markdown.includes('- added by markdown'), md2.markdown);
    });

    check('search', async () => {
      const found = shape('search', 'SearchResponse', await notion.search({ query: 'from the SDK' }));
      assert.equal(found.object, 'list');
      const pagesOnly = shape('search', 'SearchResponse', await notion.search({ filter: { property: 'object', value: 'page' }, page_size: 5 }));
      assert.equal(pagesOnly.results.length, 5);
      assert.ok(pagesOnly.results.every((r) => r.object === 'page'));
      assert.equal(pagesOnly.has_more, true);
    });

    check('databases and data sources: create, retrieve, update, query with filters, templates', async () => {
      const db = shape('databases.create', 'CreateDatabaseResponse', await notion.databases.create({
        parent: { type: 'page_id', page_id: rootPage },
        title: [{ text: { content: 'Projects' } }],
        initial_data_source: { properties: { Title: { title: {} }, Size: { number: {} }, Kind: { select: { options: [{ name: 'big' }] } } } },
      }));
      assert.equal(db.data_sources.length, 1);
      shape('databases.retrieve', 'GetDatabaseResponse', await notion.databases.retrieve({ database_id: db.id }));
      shape('databases.update', 'UpdateDatabaseResponse', await notion.databases.update({ database_id: db.id, description: [{ text: { content: 'd' } }] }));
      const kids = await notion.blocks.children.list({ block_id: rootPage });
      assert.ok(kids.results.some((b) => b.type === 'child_database' && b.id === db.id));
      const dsId = db.data_sources[0].id;
      const ds = shape('dataSources.retrieve', 'GetDataSourceResponse', await notion.dataSources.retrieve({ data_source_id: dsId }));
      assert.deepEqual(Object.keys(ds.properties).sort(), ['Kind', 'Size', 'Title']);
      shape('dataSources.update', 'UpdateDataSourceResponse', await notion.dataSources.update({
        data_source_id: dsId, properties: { Due: { date: {} }, Size: { name: 'Points' } } }));
      const second = shape('dataSources.create', 'CreateDataSourceResponse', await notion.dataSources.create({
        parent: { database_id: db.id }, title: [{ text: { content: 'Second' } }], properties: { Name: { title: {} } } }));
      assert.equal(second.parent.database_id, db.id);
      for (let i = 1; i <= 6; i++) {
        await notion.pages.create({ parent: { data_source_id: dsId }, properties: {
          Title: { title: [{ text: { content: `p${i}` } }] }, Points: { number: i },
          Kind: { select: { name: i % 2 ? 'odd' : 'even' } }, Due: { date: { start: `2026-01-0${i}` } } } });
      }
      const q = shape('dataSources.query', 'QueryDataSourceResponse', await notion.dataSources.query({
        data_source_id: dsId,
        filter: { and: [
          { property: 'Points', number: { greater_than: 1 } },
          { or: [{ property: 'Kind', select: { equals: 'odd' } }, { property: 'Due', date: { on_or_after: '2026-01-06' } }] },
          { timestamp: 'created_time', created_time: { past_week: {} } },
        ] },
        sorts: [{ property: 'Points', direction: 'descending' }],
      }));
      assert.deepEqual(q.results.map((r) => r.properties.Points.number), [6, 5, 3]);
      await expectError(notion.dataSources.query({ data_source_id: dsId, filter: { and: [{ or: [{ and: [] }] }] } }),
        APIResponseError, 'validation_error', 'compound filters nested three levels');
      const t = shape('dataSources.listTemplates', 'ListDataSourceTemplatesResponse', await notion.dataSources.listTemplates({ data_source_id: dsId }));
      assert.deepEqual(t.templates, []);
    });

    check('comments: create, list, retrieve, update, delete', async () => {
      const c = shape('comments.create', 'CreateCommentResponse', await notion.comments.create({
        parent: { page_id: rootPage }, rich_text: [{ text: { content: 'a comment' } }] }));
      const reply = shape('comments.create', 'CreateCommentResponse', await notion.comments.create({
        discussion_id: c.discussion_id, markdown: 'a reply' }));
      assert.equal(reply.discussion_id, c.discussion_id);
      const list = shape('comments.list', 'ListCommentsResponse', await notion.comments.list({ block_id: rootPage }));
      assert.equal(list.results.length, 2);
      shape('comments.retrieve', 'GetCommentResponse', await notion.comments.retrieve({ comment_id: c.id }));
      const u = shape('comments.update', 'UpdateCommentResponse', await notion.comments.update({ comment_id: c.id, rich_text: [{ text: { content: 'edited' } }] }));
      assert.equal(u.rich_text[0].plain_text, 'edited');
      shape('comments.delete', 'DeleteCommentResponse', await notion.comments.delete({ comment_id: reply.id }));
      await expectError(notion.comments.retrieve({ comment_id: reply.id }), APIResponseError, 'object_not_found', 'deleted comment');
    });

    check('file uploads: single part, multi part, attached to a page, a block and a comment', async () => {
      const up = shape('fileUploads.create', 'CreateFileUploadResponse', await notion.fileUploads.create({ filename: 'hello.txt', content_type: 'text/plain' }));
      assert.equal(up.status, 'pending');
      const sent = shape('fileUploads.send', 'SendFileUploadResponse', await notion.fileUploads.send({
        file_upload_id: up.id, file: { filename: 'hello.txt', data: new Blob(['hello, notion-sim'], { type: 'text/plain' }) } }));
      assert.equal(sent.status, 'uploaded');
      assert.equal(sent.content_length, 17);
      const multi = shape('fileUploads.create', 'CreateFileUploadResponse', await notion.fileUploads.create({ mode: 'multi_part', number_of_parts: 2, filename: 'big.bin' }));
      for (const part of ['1', '2']) {
        shape('fileUploads.send', 'SendFileUploadResponse', await notion.fileUploads.send({
          file_upload_id: multi.id, part_number: part, file: { filename: 'big.bin', data: new Blob(['x'.repeat(1000)]) } }));
      }
      const done = shape('fileUploads.complete', 'CompleteFileUploadResponse', await notion.fileUploads.complete({ file_upload_id: multi.id }));
      assert.equal(done.status, 'uploaded');
      shape('fileUploads.retrieve', 'GetFileUploadResponse', await notion.fileUploads.retrieve({ file_upload_id: up.id }));
      const all = shape('fileUploads.list', 'ListFileUploadsResponse', await notion.fileUploads.list({ status: 'uploaded' }));
      assert.ok(all.results.length >= 2);
      const withFile = await notion.pages.create({ parent: { data_source_id: dataSource }, properties: {
        Name: { title: [{ text: { content: 'with a file' } }] },
        Attachments: { files: [{ file_upload: { id: up.id } }] } } });
      assert.equal(withFile.properties.Attachments.files[0].type, 'file');
      assert.equal(withFile.properties.Attachments.files[0].name, 'hello.txt');
      const img = await notion.blocks.children.append({ block_id: withFile.id, children: [{ image: { file_upload: { id: multi.id } } }] });
      assert.equal(img.results[0].image.type, 'file');
      await notion.comments.create({ parent: { page_id: withFile.id }, rich_text: [{ text: { content: 'see file' } }], attachments: [{ file_upload_id: up.id }] });
      const pending = await notion.fileUploads.create({ filename: 'never.txt' });
      await expectError(notion.pages.create({ parent: { data_source_id: dataSource }, properties: {
        Attachments: { files: [{ file_upload: { id: pending.id } }] } } }), APIResponseError, 'validation_error', 'a pending upload attached');
    });

    check('views and view queries', async () => {
      const v = shape('views.create', 'CreateViewResponse', await notion.views.create({
        data_source_id: dataSource, name: 'Done ones', type: 'table',
        filter: { property: 'Done', checkbox: { equals: false } },
        sorts: [{ property: 'Name', direction: 'ascending' }] }));
      shape('views.retrieve', 'GetViewResponse', await notion.views.retrieve({ view_id: v.id }));
      shape('views.update', 'UpdateViewResponse', await notion.views.update({ view_id: v.id, name: 'Open ones' }));
      const list = shape('views.list', 'ListDatabaseViewsResponse', await notion.views.list({ data_source_id: dataSource }));
      assert.ok(list.results.some((r) => r.id === v.id));
      const q = shape('views.queries.create', 'CreateViewQueryResponse', await notion.views.queries.create({ view_id: v.id, page_size: 10 }));
      assert.equal(q.results.length, 10);
      assert.ok(q.total_count > 10);
      const more = shape('views.queries.results', 'GetViewQueryResultsResponse', await notion.views.queries.results({ view_id: v.id, query_id: q.id, start_cursor: q.next_cursor, page_size: 10 }));
      assert.equal(more.results.length, 10);
      shape('views.queries.delete', 'DeleteViewQueryResponse', await notion.views.queries.delete({ view_id: v.id, query_id: q.id }));
      shape('views.delete', 'DeleteViewResponse', await notion.views.delete({ view_id: v.id }));
    });

    check('custom emojis, meeting notes, async tasks, oauth', async () => {
      shape('customEmojis.list', 'ListCustomEmojisResponse', await notion.customEmojis.list({}));
      const note = shape('blocks.meetingNotes.create', 'CreateMeetingNoteResponse', await notion.blocks.meetingNotes.create({
        title: 'Standup', source: { type: 'block', block_id: rootPage } }));
      assert.equal(note.type, 'meeting_notes');
      const notes = shape('blocks.meetingNotes.query', 'QueryMeetingNotesResponse', await notion.blocks.meetingNotes.query({ limit: 10 }));
      assert.equal(notes.results.length, 1);
      await expectError(notion.asyncTasks.retrieve({ task_id: '0b7e9c2a-1d2f-4c3b-9a8e-7f6d5c4b3a21' }),
        APIResponseError, 'object_not_found', 'unknown async task');
      const creds = { client_id: field(line, 'oauth_client'), client_secret: 'notion-sim-secret' };
      const tok = shape('oauth.token', 'OauthTokenResponse', await notion.oauth.token({ ...creds, grant_type: 'authorization_code', code: 'code-1' }));
      const asOauth = new Client({ auth: tok.access_token, baseUrl: url, timeoutMs: 5000, logLevel: LogLevel.ERROR });
      assert.equal((await asOauth.users.me({})).id, tok.bot_id);
      const intro = shape('oauth.introspect', 'OauthIntrospectResponse', await notion.oauth.introspect({ ...creds, token: tok.access_token }));
      assert.equal(intro.active, true);
      shape('oauth.revoke', 'OauthRevokeResponse', await notion.oauth.revoke({ ...creds, token: tok.access_token }));
      await expectError(asOauth.users.me({}), APIResponseError, 'unauthorized', 'a revoked token');
      await expectError(notion.oauth.token({ ...creds, grant_type: 'authorization_code', code: 'code-1' }),
        UnknownHTTPResponseError, 'notionhq_client_response_error', 'a code used twice (invalid_grant is not in the SDK enum)');
      await expectError(notion.agents.query({}), APIResponseError, 'restricted_resource', 'the agents group');
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


    check('webhooks: the SDK\'s verifyWebhookSignature accepts serve\'s deliveries and rejects tampered ones', async () => {
      // The receiving endpoint: verifies each event with the SDK and answers 401 when it fails,
      // so serve retries (with a good signature) as Notion would.
      const got = [];
      let hookToken = '';
      const receiver = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', async () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const signature = req.headers['x-notion-signature'];
          const verified = signature === undefined ? null
            : await verifyWebhookSignature({ body, signature, verificationToken: hookToken });
          got.push({ body, signature, verified });
          res.writeHead(verified === false ? 401 : 200);
          res.end();
        });
      });
      await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const waitFor = async (pred, what) => {
        for (let i = 0; i < 500; i++) {
          const hit = got.find(pred);
          if (hit) return hit;
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.fail(`no ${what} within 10 s; got ${JSON.stringify(got).slice(0, 600)}`);
      };
      const event = (g) => (g.signature === undefined ? {} : JSON.parse(g.body));
      try {
        const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
        const sub = await admin('POST', '/__admin/webhooks', {
          url: hookUrl, event_types: ['page.created', 'page.properties_updated', 'comment.created'],
        });
        assert.equal(sub.status, 201, JSON.stringify(sub.json));
        hookToken = sub.json.verification_token;
        const verification = await waitFor((g) => g.signature === undefined, 'verification request');
        assert.deepEqual(JSON.parse(verification.body), { verification_token: hookToken });
        for (let i = 0; ; i++) {
          const list = (await admin('GET', '/__admin/webhooks')).json;
          if (list.subscriptions[sub.json.index].verified) break;
          assert.ok(i < 500, 'the subscription was not verified within 10 s');
          await new Promise((r) => setTimeout(r, 20));
        }

        const hooked = await notion.pages.create({
          parent: { page_id: rootPage }, properties: { title: { title: [{ text: { content: 'hooked' } }] } },
        });
        const created = await waitFor((g) => event(g).type === 'page.created' && event(g).entity.id === hooked.id, 'page.created');
        assert.equal(created.verified, true, 'page.created verifies');
        shape('webhook page.created', 'PageCreatedWebhookPayload', JSON.parse(created.body));
        assert.equal(event(created).data.parent.id, rootPage);
        // Tampered: one character of the body, or the wrong key.
        const other = hooked.id.endsWith('0') ? '1' : '0';
        const tampered = created.body.replace(hooked.id, hooked.id.slice(0, -1) + other);
        assert.notEqual(tampered, created.body);
        assert.equal(await verifyWebhookSignature({ body: tampered, signature: created.signature, verificationToken: hookToken }), false);
        assert.equal(await verifyWebhookSignature({ body: created.body, signature: created.signature, verificationToken: hookToken + 'x' }), false);

        // Two property updates within the window: one event naming the property.
        await notion.pages.update({ page_id: hooked.id, properties: { title: { title: [{ text: { content: 'hooked 2' } }] } } });
        await notion.pages.update({ page_id: hooked.id, properties: { title: { title: [{ text: { content: 'hooked 3' } }] } } });
        const updated = await waitFor((g) => event(g).type === 'page.properties_updated', 'page.properties_updated');
        assert.equal(updated.verified, true);
        shape('webhook page.properties_updated', 'PagePropertiesUpdatedWebhookPayload', JSON.parse(updated.body));
        assert.deepEqual(event(updated).data.updated_properties, ['title']);

        // The planted bad signature: the SDK rejects it, the endpoint answers 401, serve retries.
        const comment = await notion.comments.create({ parent: { page_id: hooked.id }, rich_text: [{ text: { content: 'hook me' } }] });
        const bad = await waitFor((g) => event(g).type === 'comment.created' && event(g).attempt_number === 1, 'comment.created');
        assert.equal(bad.verified, false, 'the planted bad signature is rejected');
        shape('webhook comment.created', 'CommentCreatedWebhookPayload', JSON.parse(bad.body));
        assert.equal(event(bad).entity.id, comment.id);
        assert.equal(event(bad).data.page_id, hooked.id);
        const retried = await waitFor((g) => event(g).type === 'comment.created' && event(g).attempt_number === 2, 'retried comment.created');
        assert.equal(retried.verified, true, 'the retry verifies');
        assert.equal(event(retried).id, event(bad).id, 'the same event');

        await new Promise((r) => setTimeout(r, 500));  // nothing more is due: no late extras
        const events = got.filter((g) => g.signature !== undefined);
        const stats = (await admin('GET', '/__admin/webhooks')).json.stats;
        assert.equal(events.length, 4, JSON.stringify(events.map(event).map((e) => e.type)));
        assert.equal(events.filter((g) => g.verified).length, 3);
        assert.equal(stats.events, 3);
        assert.equal(stats.aggregated, 1);
        assert.equal(stats.retries, 1);
        console.log(`webhook deliveries checked with verifyWebhookSignature: ${events.length} (accepted ${events.filter((g) => g.verified).length}, tampered rejected ${events.filter((g) => !g.verified).length + 2})`);
      } finally {
        receiver.close();
      }
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
  console.log(`SDK methods called with a shape check: ${shapeStats.methods.size}; shape checks passed: ${shapeStats.checked}`);
  console.log(`methods: ${[...shapeStats.methods].sort().join(' ')}`);
  console.log(`webhook payloads checked against the SDK's *WebhookPayload types: ${shapeStats.webhookPayloads}`);
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
