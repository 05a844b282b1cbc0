/**
 * The order in which helm's writers put an index's chart keys, for index-stream.ts, which writes new
 * charts where they belong among the old blocks as they go by.
 */

/** Digit runs compare as numbers below: beyond 15 digits, doubles (and Go's int64) lose the order. */
export const LONG_DIGITS = /[0-9]{16}/;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * go-yaml v2's map key order (sorter.go keyList.Less), in which helm, chart-releaser and helm-s3 write
 * an index's chart keys (sigs.k8s.io/yaml goes through go-yaml): digit runs compare as numbers, and a
 * non-letter sorts before a letter. For ASCII keys, which are all the fast path accepts.
 */
export function goYamlLess(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const al = isLetter(ca);
    const bl = isLetter(cb);
    if (al && bl) return ca < cb;
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ca === 48 || cb === 48) {
      for (let j = i - 1; j >= 0 && isDigit(a.charCodeAt(j)); j--) {
        if (a.charCodeAt(j) !== 48) {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < a.length && isDigit(a.charCodeAt(ai)); ai++) an = an * 10 + a.charCodeAt(ai) - 48;
    for (; bi < b.length && isDigit(b.charCodeAt(bi)); bi++) bn = bn * 10 + b.charCodeAt(bi) - 48;
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ca < cb;
  }
  return a.length < b.length;
}
