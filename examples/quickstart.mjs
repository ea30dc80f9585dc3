// A working example: run untrusted code with a memory cap and a time limit.
import { JSEvalError, JSOOMError, JSTimeoutError, MiniRacer } from "mini-racer";

const mr = new MiniRacer({ maxMemory: 64 * 1024 * 1024, timeout: 1000 });

console.log("1 + 1 =", mr.eval("1 + 1"));

// State persists; call functions by (dotted) name with copied arguments.
mr.execute("function total(items) { return items.reduce((sum, it) => sum + it.price * it.qty, 0) }");
console.log("total =", mr.call("total", [{ price: 2.5, qty: 4 }, { price: 1, qty: 3 }]));

// Rich values cross both ways: Map, Set, Date, BigInt, typed arrays, cycles.
console.log("value =", mr.eval("new Map([['when', new Date(0)], ['big', 2n ** 70n]])"));

// Runaway code gets a clear, typed error; the host and the sandbox carry on.
for (const [what, code] of [
  ["an infinite loop", "while (true) {}"],
  ["runaway allocation", "(() => { const a = []; for (;;) a.push({}) })()"],
  ["a script error", "null.property"],
]) {
  try {
    mr.eval(code, { timeout: what === "an infinite loop" ? 100 : 5000 });
  } catch (error) {
    if (error instanceof JSTimeoutError || error instanceof JSOOMError || error instanceof JSEvalError) {
      console.log(`${what}: ${error.name} (${error.code}): ${error.message}`);
    } else {
      throw error;
    }
  }
}
console.log("still usable:", mr.eval("'yes'"));
mr.close();
