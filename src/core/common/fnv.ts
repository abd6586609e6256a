/** FNV-1a over a string's UTF-16 code units: a short, stable 32-bit digest (ids, file heads, the summary's checks). */
export function fnv(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
