/**
 * Lookups by a name that came from a file. A plain object answers `toString`,
 * `hasOwnProperty` or `constructor` with Object.prototype's members, so a
 * scenario key of that name once reached lblab's tables as a function
 * ("belongs to function toString() { [native code] }", or an internal
 * TypeError). Every table keyed by user text is read through own().
 */

/** `table[key]` when `key` is the table's own property, else undefined. */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
