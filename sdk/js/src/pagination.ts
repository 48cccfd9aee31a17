/**
 * Lists are pages `{data, next_cursor}` fetched with `?limit=&cursor=`. A `Paginator` is lazy:
 * nothing is fetched until it is iterated, and iterating it walks every page in order.
 *
 *     for await (const run of client.runs.list({ status: "failed" })) { ... }
 */

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export type PageFetcher<T> = (cursor: string | undefined) => Promise<Page<T>>;

export class Paginator<T> implements AsyncIterable<T> {
  constructor(private readonly fetchPage: PageFetcher<T>) {}

  /** Every page, following `next_cursor` until it is null. */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.fetchPage(cursor);
      yield page;
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Only the first page (with its `next_cursor`). */
  firstPage(): Promise<Page<T>> {
    return this.fetchPage(undefined);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.data;
  }

  /** Collect the items (all of them, or the first `max`). */
  async toArray(max = Infinity): Promise<T[]> {
    const items: T[] = [];
    if (max <= 0) return items;
    for await (const item of this) {
      items.push(item);
      if (items.length >= max) break;
    }
    return items;
  }
}
