// Base snapshots (src/internal/base_snapshots.ts): sandboxes without a
// snapshot of their own start, from the third of a cap on, from a snapshot
// of a guarded context made in the process, one per cap for at most four
// caps. In a file of its own: the counts are per process (per test file
// here), and no other test may make sandboxes beside these. Written to kill
// StrykerJS's mutants of the file (npm run mutants; see test/README.md);
// test/snapshot.test.ts checks what such sandboxes hold.
import { afterAll, describe, expect, it } from "vitest";
import { MiniRacer, MiniRacerSnapshot } from "../src/index.js";
import { baseSnapshotState } from "../src/internal/base_snapshots.js";
import { MB } from "./helpers.js";

const made: MiniRacer[] = [];
afterAll(() => {
  for (const mr of made) mr.close();
});

async function readyOrNot(cap: number): Promise<ReturnType<typeof baseSnapshotState>> {
  for (let i = 0; i < 300 && baseSnapshotState(cap) !== "ready"; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return baseSnapshotState(cap);
}

describe("base snapshots, per cap", () => {
  const caps = [24, 25, 26, 27, 28].map((n) => n * MB);

  it.skipIf(MiniRacerSnapshot.supported)("are off where snapshots are not supported (Node 20)", () => {
    made.push(new MiniRacer({ maxMemory: caps[0]! }), new MiniRacer({ maxMemory: caps[0]! }));
    expect(baseSnapshotState(caps[0]!)).toBe("off");
  });

  it.skipIf(!MiniRacerSnapshot.supported)("made at the second sandbox of a cap, used from the third on; at most four caps", async () => {
    const [first, ...others] = caps as [number, ...number[]];
    made.push(new MiniRacer({ maxMemory: first }));
    expect(baseSnapshotState(first)).toBe(1);
    // Not made after one sandbox, however long one waits.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(baseSnapshotState(first)).toBe(1);
    for (const cap of others.slice(0, 3)) {
      made.push(new MiniRacer({ maxMemory: cap }));
      expect(baseSnapshotState(cap)).toBe(1);
    }
    // A fifth cap gets none: it is not even counted.
    const fifth = others[3]!;
    made.push(new MiniRacer({ maxMemory: fifth }), new MiniRacer({ maxMemory: fifth }));
    expect(baseSnapshotState(fifth)).toBe(0);
    // The second sandbox of a counted cap starts the snapshot.
    made.push(new MiniRacer({ maxMemory: first }));
    expect(await readyOrNot(first)).toBe("ready");
    // Later sandboxes start from it, and it stays.
    const third = new MiniRacer({ maxMemory: first });
    made.push(third);
    expect(third.eval("[1, 2, 3].indexOf(3)")).toBe(2);
    expect(baseSnapshotState(first)).toBe("ready");
    expect(baseSnapshotState(others[0]!)).toBe(1);
  });
});
