import { GatewayError } from '../../src/errors';
import { decodeId, encodeId, parseRunNativeId, runNativeId } from '../../src/ids';
import type { Connection } from '../../src/models';
import { concatSources, decodeCursor, encodeCursor, fingerprint } from '../../src/pagination';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return e instanceof GatewayError ? e.code : 'OTHER';
  }
  return undefined;
};

describe('global ids', () => {
  it('round-trip type, source and a native id that contains separators', () => {
    const id = encodeId('Run', 'prod', runNativeId('12', 'abc'));
    expect(decodeId(id, 'Run')).toEqual({ type: 'Run', source: 'prod', native: '12/abc' });
    expect(parseRunNativeId('12/abc')).toEqual({ projectId: '12', runId: 'abc' });
    expect(decodeId(encodeId('ModelVersion', 'm', 'a:b/c/3')).native).toBe('a:b/c/3');
  });

  it.each(['', 'abc', '!!!', Buffer.from('mlg1:Run:src').toString('base64url'), Buffer.from('mlg1:Widget:s:x').toString('base64url')])(
    'rejects %j as BAD_USER_INPUT',
    (id) => expect(codeOf(() => decodeId(id))).toBe('BAD_USER_INPUT'),
  );

  it('rejects an id of another type', () => {
    expect(codeOf(() => decodeId(encodeId('Project', 's', '1'), 'Run'))).toBe('BAD_USER_INPUT');
  });
});

describe('cursors', () => {
  const fp = fingerprint('runs', 'mlflow', '1', null, null);

  it('carry a position and refuse to be used with another listing', () => {
    const cursor = encodeCursor({ source: 'mlflow', offset: 42 }, fp);
    expect(decodeCursor(cursor, fp)).toEqual({ source: 'mlflow', offset: 42, token: null });
    expect(decodeCursor(encodeCursor({ source: 'wandb', offset: 3, token: 'Y3Vyc29yOjM=' }, fp), fp)).toEqual({ source: 'wandb', offset: 3, token: 'Y3Vyc29yOjM=' });
    expect(codeOf(() => decodeCursor(cursor, fingerprint('runs', 'mlflow', '2', null, null)))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeCursor('garbage', fp))).toBe('BAD_USER_INPUT');
  });

  it('continue across sources in order when one runs out', async () => {
    const data: Record<string, string[]> = { a: ['a0', 'a1', 'a2'], b: ['b0', 'b1'] };
    const read = async (s: string, offset: number, limit: number) => ({
      items: (data[s] ?? []).slice(offset, offset + limit),
      hasMore: offset + limit < (data[s] ?? []).length,
    });
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const conn: Connection<string> = await concatSources(['a', 'b'], after, 2, 'fp', read);
      seen.push(...conn.nodes);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
  });
});
