/**
 * DuckDB reports positions (`query_location`, error `position`) as UTF-8 byte
 * offsets; JavaScript strings index UTF-16 code units. This converts one to the other.
 */

/** DuckDB's "no location" marker (u64 max, which JSON.parse rounds to this double). */
export const NO_LOCATION = 18446744073709552000;

const NON_ASCII = /[^\x00-\x7f]/;

/** Returns a converter from UTF-8 byte offsets in `sql` to UTF-16 indexes into `sql`. */
export function byteToCharOffsets(sql: string): (byteOffset: number) => number {
  // Most SQL is ASCII, where bytes and code units coincide: no table needed.
  if (!NON_ASCII.test(sql)) return (byteOffset) => Math.min(byteOffset, sql.length);
  const charAtByte: number[] = [];
  let bytes = 0;
  for (let i = 0; i < sql.length; i++) {
    const code = sql.codePointAt(i) ?? 0;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let b = 0; b < width; b++) charAtByte[bytes + b] = i;
    bytes += width;
    if (code >= 0x10000) i++; // a surrogate pair is one code point
  }
  return (byteOffset) => (byteOffset >= bytes ? sql.length : (charAtByte[byteOffset] ?? sql.length));
}

/** Converts an offset counted in code points (DuckDB's error positions) to a UTF-16 index. */
export function codePointToCharOffset(sql: string, codePoints: number): number {
  let index = 0;
  for (let seen = 0; seen < codePoints && index < sql.length; seen++) {
    const code = sql.codePointAt(index) ?? 0;
    index += code >= 0x10000 ? 2 : 1;
  }
  return index;
}
