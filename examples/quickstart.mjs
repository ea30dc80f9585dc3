// A working example: run untrusted code with a memory cap and a time limit.
import { AbortError, JSEvalError, JSOOMError, JSTimeoutError, MiniRacer } from "mini-racer";

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

// Long work runs on the sandbox's own thread: Node's event loop keeps going.
let ticks = 0;
const ticker = setInterval(() => ticks++, 10);
const primes = await mr.evalAsync(`
  (() => { const t = Date.now(); let n = 2, found = 0;
    while (Date.now() - t < 300) { let p = true; for (let d = 2; d * d <= n; d++) if (n % d === 0) { p = false; break }
      if (p) found++; n++ }
    return found })()`);
clearInterval(ticker);
console.log(`async: found ${primes} primes in 300 ms while the host ticked ${ticks} times`);

// Promises and timers inside the sandbox; cancellation with an AbortSignal.
console.log("async value =", await mr.evalAsync("new Promise((resolve) => setTimeout(() => resolve('later'), 20))"));
try {
  await mr.evalAsync("while (true) {}", { signal: AbortSignal.timeout(50) });
} catch (error) {
  if (!(error instanceof AbortError)) throw error;
  console.log(`aborted: ${error.name} (${error.code})`);
}
mr.close();
