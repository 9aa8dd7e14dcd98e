import { badInput } from '../../errors';

export const MAX_PATH_LENGTH = 1024;
const MAX_SEGMENT_BYTES = 255;

/**
 * A path a file may be written at, taken as given (nothing is normalised away): relative,
 * `/`-separated, no empty, `.` or `..` segment, no backslash or control character, at most 1024
 * characters and 255 bytes a segment (what file systems and object stores accept).
 */
export function uploadPath(path: string, argument = 'path'): string {
  const bad = (why: string) => badInput(`The file path ${JSON.stringify(path.slice(0, 200))} is not allowed: ${why}.`, { argument });
  if (path.length === 0) throw bad('it is empty');
  if (path.length > MAX_PATH_LENGTH) throw bad(`it is longer than ${MAX_PATH_LENGTH} characters`);
  if (path.startsWith('/')) throw bad('it must be relative to the run (no leading `/`)');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path)) throw bad('it contains a backslash or a control character; use `/` between directories');
  for (const segment of path.split('/')) {
    if (segment === '') throw bad('it has an empty segment (`//` or a trailing `/`)');
    if (segment === '.' || segment === '..') throw bad('`.` and `..` segments are not allowed');
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) throw bad(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return path;
}
