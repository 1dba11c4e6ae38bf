// A task sync written the way a team would write it with the official SDK (@notionhq/client):
// upsert SYNC_RECORDS tasks into a data source by an idempotency key, read them back, and log a
// line on a page. `notion-sim test` judges it from the server's side:
//
//   notion-sim test scenarios/client/lost_creates.json -- node examples/node/sync.cjs
//
// Environment (set by notion-sim test, or by you against the real API): NOTION_BASE_URL (optional),
// NOTION_TOKEN (NOTION_TOKEN_<copy> for the copy of that number, when set), NOTION_DATA_SOURCE_ID,
// NOTION_PAGE_ID; SYNC_RECORDS (5), SYNC_PREFIX ("task"), SYNC_TIMEOUT_MS (2000). Copies of one run
// (NOTION_SIM_COPY of NOTION_SIM_COPIES, or of SYNC_COPIES) share the records between them.
//
// What keeps it safe, each a line or two below:
// - the SDK's own retries (its defaults: 429/529 on any method, 500/503 on GET and DELETE, with
//   Retry-After honoured and jittered backoff otherwise);
// - one gate every request goes through (the SDK's `fetch` option): a token bucket (4 requests/s,
//   bursts of 3) that paces new work (the first attempt of each call; retries are paced by their
//   backoff) so this token stays within its budget; a pause for every request after any answer
//   with Retry-After (the SDK only delays the request that was told); a timeout that covers the
//   body too (the SDK's covers the headers only, so a stalled body would hang it);
// - reads and updates retried on what the SDK does not retry (timeouts, resets, 502, 504, a
//   broken body), with backoff, within 6 attempts in all (then it gives up: the log line at the
//   end is best-effort, anything else fails the sync);
// - a create or an append that may have been applied (5xx, timeout, reset) is looked up before
//   it is sent again: Notion has no idempotency keys.
//
// The files in mistakes/ run this same code with one of these taken away (see MISTAKES).
'use strict';

const { Client, LogLevel, isHTTPResponseError } = require('@notionhq/client');

const MAX_ATTEMPTS = 6;  // per operation, the SDK's attempts included

// The mistakes the variants plant, one each; all false is the integration as it should be.
const MISTAKES = {
  blindCreateRetry: false,  // send a failed create again without looking first
  ignoreRetryAfter: false,  // an own retry loop that never reads Retry-After
  noBackoff: false,         // an own retry loop that retries at once
  noPacing: false,          // no client-side limiter
  unboundedRetries: false,  // no bound on attempts: a failing request is sent until it succeeds
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Retry-After in seconds or as an HTTP-date, in milliseconds from now; null when absent or bad.
function retryAfterMs(value) {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

// The SDK's backoff band: [0.5, 1.5) x 500 ms x 2^attempt.
function backoffMs(attempt) {
  const base = 500 * 2 ** attempt;
  return base / 2 + Math.random() * base;
}

// Every request of this process goes through here (the SDK's `fetch` option).
class Gate {
  constructor({ ratePerS, burst, timeoutMs, paced, honorRetryAfter }) {
    this.ratePerS = ratePerS;
    this.burst = burst;
    this.tokens = burst;
    this.refilledAt = Date.now();
    this.timeoutMs = timeoutMs;
    this.paced = paced;
    this.honorRetryAfter = honorRetryAfter;
    this.pauseUntil = 0;
    this.sent = 0;  // requests sent so far (attempts, for the per-operation bound)
    this.nextIsNew = false;  // the next request is a call's first attempt (see Sync.attempt)
    this.queue = Promise.resolve();
    this.fetch = this.fetch.bind(this);
  }

  // Waits for the pause and, for new work, for a token of the bucket; one caller at a time.
  admit(fresh) {
    const paced = this.paced && fresh;
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = Date.now();
        this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerS);
        this.refilledAt = now;
        const waitPause = this.pauseUntil - now;
        const waitToken = paced && this.tokens < 1 ? ((1 - this.tokens) / this.ratePerS) * 1000 : 0;
        const wait = Math.max(waitPause, waitToken);
        if (wait <= 0) break;
        await sleep(Math.ceil(wait));
      }
      if (paced) this.tokens -= 1;
      this.sent += 1;
    });
    this.queue = turn.catch(() => {});
    return turn;
  }

  async fetch(url, init) {
    const fresh = this.nextIsNew;
    this.nextIsNew = false;
    await this.admit(fresh);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no complete answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      const response = await fetch(url, { method: init.method, headers: init.headers, body: init.body, signal: abort.signal });
      const text = await response.text();  // under the same timeout: a stalled body ends here
      const wait = retryAfterMs(response.headers.get('retry-after'));
      if (wait !== null && this.honorRetryAfter) this.pauseUntil = Math.max(this.pauseUntil, Date.now() + wait);
      return { ok: response.ok, status: response.status, headers: response.headers, text: async () => text };
    } finally {
      clearTimeout(timer);
    }
  }
}

// What a failure says: whether to try again, and whether the request may have been applied.
function classify(error) {
  if (isHTTPResponseError(error)) {
    if (error.status === 429 || error.status === 529) {
      return { retryable: true, ambiguous: false, waitMs: retryAfterMs(error.headers.get('retry-after')) };
    }
    if (error.status >= 500) {
      return { retryable: true, ambiguous: true, waitMs: retryAfterMs(error.headers.get('retry-after')) };
    }
    return { retryable: false, ambiguous: false, waitMs: null };  // 4xx: our request is wrong
  }
  // A timeout, a reset, a broken body: no answer, so it may have been applied.
  return { retryable: true, ambiguous: true, waitMs: null };
}

class Sync {
  constructor(mistakes) {
    this.mistakes = { ...MISTAKES, ...mistakes };
    const m = this.mistakes;
    this.copy = Number(process.env.NOTION_SIM_COPY || 1);
    this.copies = Number(process.env.SYNC_COPIES || process.env.NOTION_SIM_COPIES || 1);
    this.run = process.env.NOTION_SIM_RUN || '1';
    this.gate = new Gate({
      ratePerS: 4,
      burst: 3,
      timeoutMs: Number(process.env.SYNC_TIMEOUT_MS || 2000),
      paced: !m.noPacing,
      honorRetryAfter: !m.ignoreRetryAfter,
    });
    const token = (this.copy > 1 && process.env[`NOTION_TOKEN_${this.copy}`]) || process.env.NOTION_TOKEN;
    // An own retry loop replaces the SDK's in the variants that plant one.
    const ownLoop = m.ignoreRetryAfter || m.noBackoff;
    this.notion = new Client({
      auth: token,
      baseUrl: process.env.NOTION_BASE_URL || undefined,
      fetch: this.gate.fetch,
      timeoutMs: 60_000,  // the gate's timeout comes first
      logLevel: LogLevel.ERROR,
      retry: ownLoop ? false : undefined,
    });
    this.maxAttempts = m.unboundedRetries ? Infinity : MAX_ATTEMPTS;  // MISTAKE when Infinity
    this.dataSource = process.env.NOTION_DATA_SOURCE_ID;
    this.page = process.env.NOTION_PAGE_ID;
  }

  // Waits before the next try: what the failure asked for, else backoff.
  async pause(failure, tries) {
    const m = this.mistakes;
    if (m.ignoreRetryAfter) return sleep(250 * 2 ** tries);  // MISTAKE: Retry-After never read
    if (failure.waitMs !== null) return sleep(failure.waitMs);
    if (m.noBackoff) return undefined;                       // MISTAKE: again at once
    return sleep(backoffMs(tries));
  }

  // One try of a call; its first request is new work for the bucket, the SDK's retries are not.
  attempt(call, tries) {
    this.gate.nextIsNew = tries === 0;
    return call();
  }

  // A read or an idempotent update: tried again on anything retryable.
  async idempotent(what, call) {
    let attempts = 0;
    for (let tries = 0; ; tries += 1) {
      const before = this.gate.sent;
      try {
        return await this.attempt(call, tries);
      } catch (error) {
        attempts += this.gate.sent - before;
        const failure = classify(error);
        if (!failure.retryable || attempts >= this.maxAttempts) throw new Error(`${what}: ${error.message}`);
        await this.pause(failure, tries);
      }
    }
  }

  // A create: after a failure that may have applied it, look it up before sending it again.
  async create(what, call, lookup) {
    let attempts = 0;
    for (let tries = 0; ; tries += 1) {
      const before = this.gate.sent;
      try {
        return await this.attempt(call, tries);
      } catch (error) {
        attempts += this.gate.sent - before;
        const failure = classify(error);
        if (!failure.retryable || attempts >= this.maxAttempts) throw new Error(`${what}: ${error.message}`);
        await this.pause(failure, tries);
        if (failure.ambiguous && !this.mistakes.blindCreateRetry) {  // MISTAKE when skipped
          const found = await this.idempotent(`look up ${what}`, lookup);
          if (found) return found;
        }
      }
    }
  }

  async findByKey(key) {
    const reply = await this.notion.dataSources.query({
      data_source_id: this.dataSource,
      filter: { property: 'idempotency_key', rich_text: { equals: key } },
      page_size: 10,
    });
    return reply.results[0] || null;
  }

  async upsert(index) {
    const key = `${process.env.SYNC_PREFIX || 'task'}-${index}`;
    const title = `Task ${index}`;
    const status = `synced by run ${this.run}`;
    const existing = await this.idempotent(`find ${key}`, () => this.findByKey(key));
    if (existing) {
      await this.idempotent(`update ${key}`, () =>
        this.notion.pages.update({ page_id: existing.id, properties: { Status: { rich_text: [{ text: { content: status } }] } } }));
      return 'updated';
    }
    await this.create(
      `create ${key}`,
      () =>
        this.notion.pages.create({
          parent: { data_source_id: this.dataSource },
          properties: {
            Name: { title: [{ text: { content: title } }] },
            idempotency_key: { rich_text: [{ text: { content: key } }] },
            Status: { rich_text: [{ text: { content: status } }] },
          },
        }),
      () => this.findByKey(key));
    return 'created';
  }

  async readBack() {
    let count = 0;
    let cursor;
    do {
      const reply = await this.idempotent('read back', () =>
        this.notion.dataSources.query({ data_source_id: this.dataSource, start_cursor: cursor, page_size: 100 }));
      count += reply.results.length;
      cursor = reply.has_more ? reply.next_cursor : undefined;
    } while (cursor);
    return count;
  }

  async logLine(text) {
    const findLine = async () => {
      const reply = await this.notion.blocks.children.list({ block_id: this.page, page_size: 100 });
      return reply.results.find((b) => b.type === 'paragraph' &&
        b.paragraph.rich_text.map((t) => t.plain_text).join('') === text) || null;
    };
    await this.create(
      'log line',
      () => this.notion.blocks.children.append({
        block_id: this.page,
        children: [{ object: 'block', type: 'paragraph', paragraph: { rich_text: [{ type: 'text', text: { content: text } }] } }],
      }),
      findLine);
  }

  async main() {
    const records = Number(process.env.SYNC_RECORDS || 5);
    await this.idempotent('check the data source', () => this.notion.dataSources.retrieve({ data_source_id: this.dataSource }));
    const done = { created: 0, updated: 0 };
    for (let i = 1; i <= records; i += 1) {
      if ((i - 1) % this.copies !== this.copy - 1) continue;  // another copy's record
      done[await this.upsert(i)] += 1;
    }
    const total = await this.readBack();
    try {
      await this.logLine(`run ${this.run} copy ${this.copy}: ${done.created} created, ${done.updated} updated`);
    } catch (error) {  // the tasks are synced; the log line is a courtesy, not worth failing for
      console.error(`log line skipped: ${error.message}`);
    }
    console.log(`run ${this.run} copy ${this.copy}: ${done.created} created, ${done.updated} updated; ` +
                `the data source holds ${total} pages; ${this.gate.sent} requests`);
  }
}

async function main(mistakes = {}) {
  try {
    await new Sync(mistakes).main();
  } catch (error) {
    console.error(`sync failed: ${error.message}`);
    process.exitCode = 1;
  }
}

module.exports = { main, MISTAKES };
if (require.main === module) main();
