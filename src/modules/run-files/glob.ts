import { badInput } from '../../errors';

const MAX_GLOB_LENGTH = 1024;
const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * Compiles a glob matched against a file's whole path: `*` any run of characters but `/`, `?` one
 * character but `/`, `**` any run including `/` (a whole `**` segment followed by `/` also matches
 * no directory at all), `[abc]`, `[a-z]`, `[!abc]` or `[^abc]` one listed (or unlisted) character
 * but `/`, and `\` takes the next character literally. Anything malformed is BAD_USER_INPUT.
 */
export function compileGlob(glob: string): RegExp {
  const fail = (why: string) => badInput(`The glob ${JSON.stringify(glob.slice(0, 100))} is not valid: ${why}.`, { argument: 'glob' });
  if (glob.length === 0) throw fail('it is empty');
  if (glob.length > MAX_GLOB_LENGTH) throw fail(`it is longer than ${MAX_GLOB_LENGTH} characters`);
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '\\') {
      if (i + 1 >= glob.length) throw fail('it ends with an unescaped `\\`');
      re += escape(glob[++i] as string);
    } else if (c === '*') {
      if (glob[i + 1] !== '*') {
        re += '[^/]*';
        continue;
      }
      i++;
      const segmentStart = i === 1 || glob[i - 2] === '/';
      if (segmentStart && glob[i + 1] === '/') {
        re += '(?:[^/]*(?:/[^/]*)*/)?';
        i++;
      } else re += '.*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = classEnd(glob, i);
      if (end < 0) throw fail(`the \`[\` at position ${i + 1} is never closed with \`]\``);
      re += classRegex(glob.slice(i + 1, end), fail);
      i = end;
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`, 's');
}

/** The index of the `]` closing the class opened at `open`; a `]` right after `[`, `[!` or `[^` is literal. */
function classEnd(glob: string, open: number): number {
  let i = open + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === ']') return i;
  }
  return -1;
}

function classRegex(body: string, fail: (why: string) => Error): string {
  const negated = body[0] === '!' || body[0] === '^';
  const chars = [...(negated ? body.slice(1) : body)];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    let c = chars[i] as string;
    if (c === '\\') c = chars[++i] ?? '';
    if (c === '/') throw fail('a `[...]` class cannot match `/`');
    if (chars[i + 1] === '-' && i + 2 < chars.length) {
      let hi = chars[i + 2] as string;
      let skip = 2;
      if (hi === '\\') {
        hi = chars[i + 3] ?? '';
        skip = 3;
      }
      if (hi.codePointAt(0)! < c.codePointAt(0)!) throw fail(`the range \`${c}-${hi}\` is reversed`);
      out += `${escape(c)}-${escape(hi)}`;
      i += skip;
    } else out += escape(c);
  }
  if (!out) throw fail('a `[...]` class is empty');
  // Never `/`: a class matches one character within a path segment, as `?` does.
  return negated ? `[^/${out}]` : `(?!/)[${out}]`;
}
