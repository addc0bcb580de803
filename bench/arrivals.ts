/** Wall-clock milliseconds with sub-millisecond precision, comparable with Postgres timestamps. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

export interface Arrivals<T> {
  /** When the fake recorded this request (epoch ms). */
  at(req: T): number;
  /** Resolves with the first request recorded from now on that matches, or rejects after timeoutMs. */
  next(match: (req: T) => boolean, timeoutMs: number): Promise<T>;
}

/**
 * The test fakes record each request in an array but not when it arrived. Wrapping push on this one
 * instance stamps every request as the fake records it (after its body is read), without touching
 * the shared fakes.
 */
export function stampArrivals<T extends object>(list: T[]): Arrivals<T> {
  const stamps = new WeakMap<T, number>();
  const waiters = new Set<{ match: (req: T) => boolean; resolve: (req: T) => void }>();
  const push = list.push.bind(list);
  list.push = (...items: T[]) => {
    const now = epochMs();
    for (const item of items) {
      stamps.set(item, now);
      for (const w of waiters) {
        if (!w.match(item)) continue;
        waiters.delete(w);
        w.resolve(item);
      }
    }
    return push(...items);
  };
  return {
    at(req) {
      const t = stamps.get(req);
      if (t === undefined) throw new Error('request was recorded before stamping began');
      return t;
    },
    next(match, timeoutMs) {
      return new Promise<T>((resolve, reject) => {
        const w = {
          match,
          resolve: (req: T) => {
            clearTimeout(timer);
            resolve(req);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no matching request within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
  };
}
