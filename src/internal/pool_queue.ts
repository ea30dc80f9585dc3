/**
 * The line of runs waiting for one of a pool's sandboxes: first come, first
 * served, and a run whose signal aborts leaves the line at once (its wait
 * rejects with AbortError). Kept apart from the pool so that the pool reads
 * as its policy: who gets a sandbox, when one is made or closed.
 * @internal
 */
import { AbortError } from "../errors";
import type { AbortSignalLike } from "../options";

/** A run in line: it settles once, with a value or an error. */
export interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface Entry<T> extends Waiter<T> {
  done: boolean;
}

export class WaitQueue<T> {
  #entries: Entry<T>[] = [];
  #head = 0;
  #size = 0;

  /** Runs in line. */
  get size(): number {
    return this.#size;
  }

  /** Joins the line; the promise settles when {@link WaitQueue.next} serves it, or with AbortError. */
  wait(signal: AbortSignalLike | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (entry.done) return;
        entry.done = true;
        this.#size--;
        reject(new AbortError(signal?.reason));
      };
      const entry: Entry<T> = {
        done: false,
        resolve: (value) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#entries.push(entry);
      this.#size++;
    });
  }

  /** Takes the oldest run still in line out of it, for the caller to settle. */
  next(): Waiter<T> | undefined {
    while (this.#head < this.#entries.length) {
      const entry = this.#entries[this.#head++]!;
      if (entry.done) continue;
      entry.done = true;
      this.#size--;
      // Drop the served part now and then, so the array does not grow forever.
      if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
        this.#entries = this.#entries.slice(this.#head);
        this.#head = 0;
      }
      return entry;
    }
    this.#entries = [];
    this.#head = 0;
    return undefined;
  }
}
