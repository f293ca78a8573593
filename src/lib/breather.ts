// Long work in slices. serve answers scrapes from the same event loop that
// refreshes: a refresh of a large answer (45,000 people fit under the 1 MiB
// cap) must let them in between slices, or every scrape waits for it.

/** Lets pending I/O (a scrape waiting on serve) run before the work goes on. */
export function breather(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Items handled between two breathers: ~1-3 ms of work under --jitless (a scrape waits for two or three slices: accept, then read). */
export const SLICE = 1024;

/** `fn` for each item in order, with a breather after every SLICE items (none for a short list). */
export async function eachSliced<T>(items: readonly T[], fn: (item: T, index: number) => void): Promise<void> {
  for (let start = 0; start < items.length; start += SLICE) {
    if (start > 0) await breather();
    const end = Math.min(items.length, start + SLICE);
    for (let i = start; i < end; i++) fn(items[i], i);
  }
}
