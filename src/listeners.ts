// Which event types have ever had a listener, so that no event object is built for
// nobody. EventTarget cannot be asked, so additions are mirrored here. Removals are
// not: a type stays "listened" once it was, and the worst case is an event built in
// vain after its last listener left, never an event missed.

export type ListenedTypes = Set<string>;

export function trackListener(types: ListenedTypes, type: string, listener: unknown): void {
  if (listener) types.add(type);
}

export function isListened(types: ListenedTypes, type: string): boolean {
  return types.has(type);
}
