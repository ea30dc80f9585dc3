// The soak's bookkeeping: what ran, how long it took, which errors it raised
// and whether each was one its operation may raise. Every other part of the
// soak (operations, sandboxes, sampling, report) writes or reads this one
// tally, so the counts the samples and the verdict print agree.

export class Unexpected extends Error {
  constructor(message) {
    super(message);
    this.name = "Unexpected";
  }
}
export const check = (cond, what) => {
  if (!cond) throw new Unexpected(what);
};
export const eq = (got, want, what) => {
  if (got !== want) throw new Unexpected(`${what}: got ${String(got)}, want ${String(want)}`);
};
const typeName = (e) => (e && typeof e === "object" ? e.constructor?.name ?? "Object" : typeof e);

export const rand = (n) => Math.floor(Math.random() * n);

export function createTally() {
  const tally = {
    ops: new Map(), // op name -> count
    timing: new Map(), // op name -> { total, max } ms
    errors: new Map(), // "op: ErrorClass" -> count
    errorTotals: new Map(), // ErrorClass -> count
    unexpected: [],
    unexpectedCount: 0,
    consoleLines: 0,
    hostCalls: 0,
    created: 0,
    closed: 0,
    dropped: 0,
    collected: { racers: 0, handles: 0 },
    racerRegistry: null,
    handleRegistry: null,
    totalOps: () => [...tally.ops.values()].reduce((a, b) => a + b, 0),
    noteError,
    expectError,
  };
  tally.racerRegistry = new FinalizationRegistry(() => tally.collected.racers++);
  tally.handleRegistry = new FinalizationRegistry(() => tally.collected.handles++);

  function noteError(op, e, expected) {
    const type = typeName(e);
    const ok = !(e instanceof Unexpected) && expected.some((cls) => e instanceof cls);
    if (ok) {
      tally.errors.set(`${op}: ${type}`, (tally.errors.get(`${op}: ${type}`) ?? 0) + 1);
      tally.errorTotals.set(type, (tally.errorTotals.get(type) ?? 0) + 1);
      return;
    }
    tally.unexpectedCount++;
    const detail = e instanceof Error ? `${type}: ${e.message}${e.jsName ? ` (jsName ${e.jsName}: ${e.jsMessage})` : ""}` : String(e);
    if (tally.unexpected.length < 50) tally.unexpected.push(`${op}: ${detail}`);
    console.log(`soak: UNEXPECTED in ${op}: ${detail}`);
    if (e instanceof Error && e.stack && !(e instanceof Unexpected)) console.log(e.stack.split("\n").slice(0, 6).join("\n"));
  }

  // Runs fn; an error of one of the `expected` classes is counted as such,
  // anything else is unexpected. With `mustThrow`, no error is unexpected too.
  async function expectError(op, expected, fn, mustThrow = true) {
    try {
      await fn();
    } catch (e) {
      noteError(op, e, expected);
      return;
    }
    if (mustThrow) noteError(op, new Unexpected(`expected ${expected.map((c) => c.name).join(" or ")}, got no error`), []);
  }

  return tally;
}
