// Popular open-source Notion integrations from npm against `notion-sim serve`:
//   notion-to-md 3.1.9            exports a page (headings, lists, to-dos, code, a table, a child
//                                 page, nested toggles) to Markdown through the official SDK
//   @notionhq/notion-mcp-server    Notion's own MCP server (stdio), pointed at serve by BASE_URL:
//                                 lists its tools and calls search, retrieve a page, query a data
//                                 source and create a page, as an MCP client would
//
//   node integrations.mjs PATH/TO/notion-sim
//
// Prints one line per integration and what it got; exits 1 when one failed. Bounded: each step
// has a timeout and the server is stopped at the end. CTest runs it as simulator.integrations
// (run_integrations.sh installs the pinned packages into the build tree).
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { Client } = require('@notionhq/client');
const { NotionToMarkdown } = require('notion-to-md');

function startServer(cli) {
  const child = spawn(cli, ['serve', '--port', '0', '--seed', '9'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const banner = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('no banner')), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]);
      }
    });
  });
  return { child, banner };
}

const field = (line, key) => (line.match(new RegExp(`(?:^|\\s)${key}=(\\S+)`)) || [])[1];

async function notionToMd(notion, root) {
  const page = await notion.pages.create({
    parent: { page_id: root },
    properties: { title: { title: [{ text: { content: 'Exported page' } }] } },
  });
  const child = await notion.pages.create({ parent: { page_id: page.id }, properties: { title: { title: [{ text: { content: 'A child page' } }] } } });
  await notion.blocks.children.append({ block_id: child.id, children: [{ paragraph: { rich_text: [{ text: { content: 'in the child page' } }] } }] });
  const t = (s, a) => [{ text: { content: s }, ...(a ? { annotations: a } : {}) }];
  await notion.blocks.children.append({
    block_id: page.id,
    children: [
      { heading_1: { rich_text: t('Title') } },
      { paragraph: { rich_text: [...t('plain, '), ...t('bold', { bold: true }), ...t(' and '), { text: { content: 'a link', link: { url: 'https://example.com' } } }] } },
      { bulleted_list_item: { rich_text: t('one') } },
      { bulleted_list_item: { rich_text: t('two') } },
      { to_do: { rich_text: t('done'), checked: true } },
      { code: { rich_text: t('print(1)'), language: 'python' } },
      { toggle: { rich_text: t('more'), children: [{ paragraph: { rich_text: t('inside the toggle') } }] } },
      { table: { table_width: 2, has_column_header: true, children: [
        { table_row: { cells: [t('a'), t('b')] } }, { table_row: { cells: [t('1'), t('2')] } }] } },
      { divider: {} },
      { quote: { rich_text: t('a quote') } },
    ],
  });
  const n2m = new NotionToMarkdown({ notionClient: notion });
  const blocks = await n2m.pageToMarkdown(page.id);
  const out = n2m.toMarkdownString(blocks);
  const md = out.parent;
  for (const want of ['# Title', '**bold**', '[a link](https://example.com)', '- one', '- [x] done',
    '```python', 'print(1)', 'inside the toggle', '| a | b |', '> a quote',
    // A child page with content is inlined under its title.
    'A child page', 'in the child page']) {
    assert.ok(md.includes(want), `notion-to-md output lacks ${JSON.stringify(want)}:\n${md}`);
  }
  return `${md.split('\n').length} lines of Markdown`;
}

async function mcpServer(url, token, dataSource, root) {
  const { Client: McpClient } = require('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
  const bin = path.join(path.dirname(require.resolve('@notionhq/notion-mcp-server/package.json')), 'bin', 'cli.mjs');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin],
    env: { ...process.env, NOTION_TOKEN: token, BASE_URL: url },
    stderr: 'pipe',
  });
  const mcp = new McpClient({ name: 'notion-sim-test', version: '1.0.0' });
  await mcp.connect(transport);
  try {
    const { tools } = await mcp.listTools();
    const names = tools.map((t) => t.name);
    const call = async (name, args) => {
      assert.ok(names.includes(name), `no tool ${name}: ${names.join(' ')}`);
      const r = await mcp.callTool({ name, arguments: args });
      const text = r.content.map((c) => c.text || '').join('');
      assert.ok(!r.isError, `${name}: ${text.slice(0, 400)}`);
      return JSON.parse(text);
    };
    const found = await call('API-post-search', { query: 'notion-sim root' });
    assert.ok(found.results.length >= 1, JSON.stringify(found).slice(0, 300));
    const page = await call('API-retrieve-a-page', { page_id: root });
    assert.equal(page.id, root);
    const rows = await call('API-query-data-source', { data_source_id: dataSource, page_size: 5 });
    assert.equal(rows.object, 'list');
    const created = await call('API-post-page', {
      parent: { page_id: root },
      properties: { title: [{ text: { content: 'made over MCP' } }] },
    });
    assert.equal(created.object, 'page', JSON.stringify(created));
    return `${names.length} tools; search, retrieve a page, query a data source and create a page answered`;
  } finally {
    await mcp.close();
  }
}

async function main() {
  const cli = process.argv[2];
  const server = startServer(cli);
  let failed = 0;
  try {
    const line = await server.banner;
    const url = line.match(/http:\/\/\S+/)[0];
    const token = field(line, 'token');
    const root = field(line, 'root_page');
    const dataSource = field(line, 'data_source');
    const notion = new Client({ auth: token, baseUrl: url, timeoutMs: 5000 });
    for (const [name, run] of [
      ['notion-to-md', () => notionToMd(notion, root)],
      ['@notionhq/notion-mcp-server', () => mcpServer(url, token, dataSource, root)],
    ]) {
      try {
        const what = await Promise.race([run(), new Promise((_, r) => setTimeout(() => r(new Error('timed out after 60 s')), 60000))]);
        console.log(`ok - ${name}: ${what}`);
      } catch (e) {
        failed++;
        console.log(`not ok - ${name}: ${(e && e.stack) || e}`);
      }
    }
  } finally {
    server.child.kill('SIGTERM');
  }
  return failed;
}

main().then((failed) => process.exit(failed ? 1 : 0), (e) => { console.error(e); process.exit(1); });
