import { GatewayError } from '../../src/errors';
import { compileGlob } from '../../src/modules/run-files/glob';
import { uploadPath } from '../../src/modules/run-files/paths';
import { decodeContent, fileChooser } from '../../src/modules/run-files/service';

const PATHS = ['a.png', 'b.PNG', 'c.png.txt', 'img/d.png', 'img/deep/e.png', 'x?.txt', 'x1.txt', 'x10.txt', '[a].txt', 'notes.txt'];
const matches = (glob: string) => PATHS.filter((p) => compileGlob(glob).test(p));
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof GatewayError ? e.code : 'not a GatewayError';
  }
  return 'no error';
};

describe('globs over whole file paths', () => {
  it.each([
    ['*.png', ['a.png']],
    ['**/*.png', ['a.png', 'img/d.png', 'img/deep/e.png']],
    ['img/**', ['img/d.png', 'img/deep/e.png']],
    ['img/*', ['img/d.png']],
    ['**', PATHS],
    ['x?.txt', ['x?.txt', 'x1.txt']],
    ['x\\?.txt', ['x?.txt']],
    ['x[0-9].txt', ['x1.txt']],
    ['x[!0-9].txt', ['x?.txt']],
    ['x[^0-9]*.txt', ['x?.txt']],
    ['[]a[]*', ['a.png', '[a].txt']],
    ['\\[a\\].txt', ['[a].txt']],
    ['*.[pP][nN][gG]', ['a.png', 'b.PNG']],
    ['c.png', []],
    ['c.png*', ['c.png.txt']],
  ])('%s', (glob, expected) => {
    expect(matches(glob)).toEqual(expected);
  });

  it('never lets `*`, `?` or a class cross a `/`', () => {
    expect(compileGlob('img?d.png').test('img/d.png')).toBe(false);
    expect(compileGlob('img*.png').test('img/d.png')).toBe(false);
    expect(compileGlob('img[!a]d.png').test('img/d.png')).toBe(false);
    expect(compileGlob('img[+-0]d.png').test('img/d.png')).toBe(false);
  });

  it.each(['', '[abc', 'a[', 'a\\', '[z-a]', '[/]', 'x'.repeat(1025)])('refuses %j as BAD_USER_INPUT', (glob) => {
    expect(codeOf(() => compileGlob(glob))).toBe('BAD_USER_INPUT');
  });
});

describe('upload paths', () => {
  it('takes relative `/`-separated paths as given', () => {
    expect(uploadPath('model/weights.bin')).toBe('model/weights.bin');
    expect(uploadPath('a b/ü.txt')).toBe('a b/ü.txt');
  });

  it.each(['', '/etc/passwd', '../x', 'a/../../x', './x', 'a/./b', 'a//b', 'dir/', 'a\\b', 'a\u0000b', 'a\nb', 'x'.repeat(1025), `${'é'.repeat(128)}/x`])('refuses %j', (path) => {
    expect(codeOf(() => uploadPath(path))).toBe('BAD_USER_INPUT');
  });
});

describe('choosing files to delete', () => {
  const run = ['a.png', 'b.txt', 'sub/c.png'];
  it('takes exactly one of names and glob', () => {
    expect(codeOf(() => fileChooser({}))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => fileChooser({ names: ['a.png'], glob: '*' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => fileChooser({ names: [] }))).toBe('BAD_USER_INPUT');
  });
  it('returns names sorted and deduplicated, and refuses all of them when one is missing', () => {
    expect(fileChooser({ names: ['sub/c.png', 'a.png', 'a.png'] })(run)).toEqual(['a.png', 'sub/c.png']);
    expect(codeOf(() => fileChooser({ names: ['a.png', 'gone.txt'] })(run))).toBe('BAD_USER_INPUT');
  });
  it('a glob matching nothing chooses nothing', () => {
    expect(fileChooser({ glob: '*.csv' })(run)).toEqual([]);
  });
});

describe('inline content', () => {
  it('decodes standard base64, padded or not, and refuses anything else or anything over the limit', () => {
    expect(decodeContent(Buffer.from('hello!').toString('base64'), 10).toString()).toBe('hello!');
    expect(decodeContent('aGVsbG8', 10).toString()).toBe('hello');
    expect(codeOf(() => decodeContent('a-b_', 10))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeContent('abcde', 10))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeContent(Buffer.alloc(11).toString('base64'), 10))).toBe('BAD_USER_INPUT');
    expect(decodeContent(Buffer.alloc(10).toString('base64'), 10)).toHaveLength(10);
  });
});
