import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import express from 'express';
import fc from 'fast-check';
import { cellText, flatten } from '../../src/http/export/cells';
import { closeSignal, csvField, csvLine, withHeader, writeCsv } from '../../src/http/export/csv';
import { parseCsv } from '../helpers/csv';

describe('CSV writer', () => {
  it('quotes exactly the fields holding a comma, a quote, CR or LF, doubling quotes, and ends lines with CRLF', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', 'crlf\r\n', '', ' spaced ', 'ünï'])).toBe(
      'plain,"a,b","say ""hi""","two\nlines","cr\rhere","crlf\r\n",, spaced ,ünï\r\n',
    );
    expect(csvField('"')).toBe('""""');
    expect(csvField('')).toBe('');
    expect(csvLine([''])).toBe('\r\n');
  });

  it('round-trips any fields through a strict RFC 4180 reader', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ', 'é', '0') }), { minLength: 2, maxLength: 5 }), { maxLength: 6 }), (records) => {
        expect(parseCsv(records.map(csvLine).join(''))).toEqual(records);
      }),
    );
  });

  it('writes cells: numbers as JSON spells them, times in ISO 8601, nothing for null, arrays and objects as JSON', () => {
    expect([0.1, -0, 1e-7, 3, true, null, undefined, 'x', new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), [1, 'a'], { a: 1 }].map(cellText)).toEqual([
      '0.1',
      '0',
      '1e-7',
      '3',
      'true',
      '',
      '',
      'x',
      '2026-01-02T03:04:05.006Z',
      '[1,"a"]',
      '{"a":1}',
    ]);
  });

  it('flattens nested objects with dots, keeping arrays, empty objects and W&B typed values whole', () => {
    const seen: Array<[string, unknown]> = [];
    flatten({ lr: 0.1, model: { depth: 8, act: { name: 'relu' } }, layers: [1, 2], empty: {}, hist: { _type: 'histogram', bins: [1, 2] } }, (k, v) => seen.push([k, v]));
    expect(seen).toEqual([
      ['lr', 0.1],
      ['model.depth', 8],
      ['model.act.name', 'relu'],
      ['layers', [1, 2]],
      ['empty', {}],
      ['hist', { _type: 'histogram', bins: [1, 2] }],
    ]);
  });
});

/** A server whose one route streams `batches()` through writeCsv, as the export routes do. */
async function serve(batches: () => AsyncIterable<string[][]>): Promise<{ url: string; server: Server }> {
  const app = express();
  app.get('/x.csv', async (_req, res) => {
    const signal = closeSignal(res);
    await writeCsv(res, { filename: 'x y.csv', batches: withHeader(['a', 'b'], batches()) }, signal);
  });
  const server = await new Promise<Server>((ok) => {
    const s = app.listen(0, '127.0.0.1', () => ok(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/x.csv`, server };
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** An endless export that counts the batches read and notes when it was stopped. */
function endless(batchBytes: number) {
  const state = { pulled: 0, stopped: false };
  const line = ['x'.repeat(100), 'y'];
  async function* batches(): AsyncGenerator<string[][]> {
    try {
      for (;;) {
        await sleep(1);
        state.pulled++;
        yield Array.from({ length: Math.ceil(batchBytes / 105) }, () => line);
      }
    } finally {
      state.stopped = true;
    }
  }
  return { state, batches };
}

describe('CSV streaming', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((ok) => s.close(ok));
    }
  });

  it('sends text/csv as an attachment and a complete file with the header first', async () => {
    const { url, server } = await serve(async function* () {
      yield [['1', 'one, two']];
      yield [['2', 'say "x"']];
    });
    servers.push(server);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="x_y.csv"');
    expect(parseCsv(await res.text())).toEqual([
      ['a', 'b'],
      ['1', 'one, two'],
      ['2', 'say "x"'],
    ]);
  });

  it('reads no further batch while the client does not read (backpressure)', async () => {
    const { state, batches } = endless(64 * 1024);
    const { url, server } = await serve(batches);
    servers.push(server);
    let response: IncomingMessage | undefined;
    const req = httpRequest(url, (res) => {
      response = res;
      res.pause();
    });
    req.end();
    // Wait until the buffers are full (slower on a busy machine): no batch pulled for 300 ms.
    let settled = -1;
    for (let i = 0; i < 25 && state.pulled !== settled; i++) {
      settled = state.pulled;
      await sleep(300);
    }
    await sleep(300);
    // Socket and stream buffers take a few batches; an export ignoring `drain` would read hundreds.
    expect(state.pulled).toBe(settled);
    expect(settled).toBeLessThan(200);
    response?.destroy();
    req.destroy();
  });

  it('stops reading batches, and so paging upstream, once the client disconnects', async () => {
    const { state, batches } = endless(1024);
    const { url, server } = await serve(batches);
    servers.push(server);
    await new Promise<void>((ok) => {
      const req = httpRequest(url, (res) => {
        res.once('data', () => {
          req.destroy();
          ok();
        });
      });
      req.end();
    });
    for (let i = 0; i < 50 && !state.stopped; i++) await sleep(10);
    expect(state.stopped).toBe(true);
    const after = state.pulled;
    await sleep(100);
    expect(state.pulled).toBe(after);
  });
});
