// The line of runs waiting for a pool's sandbox (src/internal/pool_queue.ts):
// first come, first served, an aborted wait leaves the line at once, and a
// wait that was served is past any abort. Written to kill StrykerJS's
// mutants of the file (npm run mutants; see test/README.md); test/pool.test.ts
// checks the same through real pools.
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { AbortError } from "../src/errors.js";
import { WaitQueue } from "../src/internal/pool_queue.js";

describe("WaitQueue", () => {
  it("serves 3,000 waits first come, first served (past the compaction of the served part)", async () => {
    const queue = new WaitQueue<number>();
    const waits = Array.from({ length: 3000 }, () => queue.wait(undefined));
    expect(queue.size).toBe(3000);
    for (let i = 0; i < 3000; i++) queue.next()!.resolve(i);
    expect(queue.size).toBe(0);
    expect(queue.next()).toBeUndefined();
    expect(await Promise.all(waits)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    // The line is empty and usable again.
    const again = queue.wait(undefined);
    queue.next()!.resolve(7);
    expect(await again).toBe(7);
  });

  it("an aborted wait rejects with AbortError (the signal's reason as cause), leaves the line, and is skipped", async () => {
    const queue = new WaitQueue<string>();
    const controller = new AbortController();
    const first = queue.wait(controller.signal);
    const second = queue.wait(undefined);
    const reason = new Error("gave up");
    controller.abort(reason);
    expect(queue.size).toBe(1);
    const error = await first.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    queue.next()!.resolve("second");
    expect(await second).toBe("second");
    expect(queue.size).toBe(0);
  });

  it("a wait already served is past its signal: an abort between next() and its settling changes nothing", async () => {
    const queue = new WaitQueue<number>();
    const controller = new AbortController();
    const wait = queue.wait(controller.signal);
    const waiter = queue.next()!;
    controller.abort();
    expect(queue.size).toBe(0);
    waiter.resolve(1);
    expect(await wait).toBe(1);
  });

  it("settling a wait removes its abort listener; an abort removes it too", async () => {
    const queue = new WaitQueue<number>();
    const served = new AbortController();
    const wait = queue.wait(served.signal);
    expect(getEventListeners(served.signal, "abort")).toHaveLength(1);
    queue.next()!.resolve(1);
    await wait;
    expect(getEventListeners(served.signal, "abort")).toHaveLength(0);
    const failed = new AbortController();
    const failing = queue.wait(failed.signal);
    queue.next()!.reject(new RangeError("no sandbox"));
    await expect(failing).rejects.toThrow(RangeError);
    expect(getEventListeners(failed.signal, "abort")).toHaveLength(0);
    const aborted = new AbortController();
    const leaving = queue.wait(aborted.signal);
    aborted.abort();
    await expect(leaving).rejects.toBeInstanceOf(AbortError);
    expect(getEventListeners(aborted.signal, "abort")).toHaveLength(0);
  });
});
