import { reportIdFromUrl, reportUrl, toBlocks, toReport } from '../../src/sources/wandb/report-spec';

const para = (text: string) => ({ type: 'paragraph', children: [{ text }] });

describe('W&B report specs', () => {
  it('types the blocks the gateway knows, drops the SDK\'s empty padding paragraphs, and keeps others as OTHER', () => {
    const blocks = toBlocks({
      version: 5,
      blocks: [
        para(''),
        { type: 'table-of-contents', children: [{ text: '' }] },
        { type: 'heading', level: 2, children: [{ text: 'Res' }, { type: 'link', url: 'x', children: [{ text: 'ults' }] }] },
        { type: 'markdown-block', content: '**bold**', children: [{ text: '' }] },
        para('A paragraph'),
        {
          type: 'panel-grid',
          children: [{ text: '' }],
          metadata: { panelBankSectionConfig: { panels: [{ viewType: 'Run History Line Plot', config: { chartTitle: 'loss', xAxis: '_step', metrics: ['loss', 'val_loss'] } }] } },
        },
        { type: 'code-block', children: [] },
        para(''),
      ],
    });
    expect(blocks.map((b) => [b.type, b.rawType])).toEqual([
      ['TABLE_OF_CONTENTS', 'table-of-contents'],
      ['HEADING', 'heading'],
      ['MARKDOWN', 'markdown-block'],
      ['PARAGRAPH', 'paragraph'],
      ['PANEL_GRID', 'panel-grid'],
      ['OTHER', 'code-block'],
    ]);
    expect(blocks[1]).toMatchObject({ level: 2, text: 'Results' });
    expect(blocks[2]?.markdown).toBe('**bold**');
    expect(blocks[4]?.panels).toEqual([{ type: 'Run History Line Plot', title: 'loss', x: '_step', y: ['loss', 'val_loss'] }]);
  });

  it('builds the app URL as the SDK does and reads the id back, padding restored', () => {
    const id = 'VmlldzoxMjM0NQ==';
    const url = reportUrl('https://api.wandb.ai', 'team', 'proj', 'Loss: a (first) look!', id);
    expect(url).toBe('https://wandb.ai/team/proj/reports/Loss-a-first-look--VmlldzoxMjM0NQ');
    expect(reportIdFromUrl(url)).toBe(id);
    expect(reportIdFromUrl('https://wandb.ai/team/proj/reports/Title-with--dashes--VmlldzoxMjM0NQ')).toBe(id);
    // Python's Unicode-aware \W, as the SDK slugs titles.
    expect(reportUrl('https://api.wandb.ai', 't', 'p', 'Über – résumé 数据', 'YQ==')).toBe('https://wandb.ai/t/p/reports/%C3%9Cber-r%C3%A9sum%C3%A9-%E6%95%B0%E6%8D%AE--YQ');
  });

  it('rejects URLs that are not report URLs', () => {
    for (const bad of ['not a url', 'https://wandb.ai/team/proj/runs/abc', 'https://wandb.ai/team/proj/reports/NoSeparator', 'https://wandb.ai/team/proj/reports/T--bad%20id']) {
      expect(reportIdFromUrl(bad)).toBeNull();
    }
  });

  it('keeps a report whose spec does not parse, without blocks', () => {
    const r = toReport('wandb', 'http://127.0.0.1:1', 'e', 'p', { id: 'abc=', displayName: 'T', spec: '{nope', createdAt: '2026-01-01T00:00:00' });
    expect(r).toMatchObject({ title: 'T', blocks: [], spec: {}, projectId: 'e/p', createdAt: new Date('2026-01-01T00:00:00Z') });
  });
});
