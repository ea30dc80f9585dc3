// A server-like loop: an HTTP endpoint runs user-written formulas against a
// library preloaded into every sandbox of a pool. Requests spread over the
// pool's sandboxes (one thread each, so every core works); a formula that
// loops forever or eats memory costs its own request only, and its sandbox
// is replaced in the background. Run: npm run example:pool-server
import { createServer } from "node:http";
import { AbortError, JSEvalError, JSOOMError, JSTimeoutError, MiniRacerPool, PoolQueueFullError } from "mini-racer";

// The library every sandbox starts with (in real life a bundle read from
// disk: a Markdown renderer, Babel, a rules engine). `setup` runs it once
// in each new sandbox, off Node's event loop.
const LIBRARY = `
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const avg = (xs) => (xs.length ? sum(xs) / xs.length : 0);
  const groupBy = (xs, key) => xs.reduce((g, x) => ((g[x[key]] ??= []).push(x), g), {});
  function evaluate(formula, rows) {
    return new Function("rows", "sum", "avg", "groupBy", "return (" + formula + ")")(rows, sum, avg, groupBy);
  }
`;

const pool = new MiniRacerPool({
  size: 4,                      // four sandboxes, four threads
  setup: LIBRARY,               // defines evaluate() and the helpers in each
  fresh: true,                  // formulas come from different users: no run sees another's state
  maxMemory: 32 * 1024 * 1024,  // per sandbox
  timeout: 200,                 // per call, ms
  maxQueue: 100,                // beyond that, shed load (503)
});

const server = createServer(async (req, res) => {
  let body = "";
  for await (const chunk of req) body += chunk;
  // A client that goes away aborts its request: it leaves the line, or its
  // sandbox is closed (and replaced) under it.
  const gone = new AbortController();
  res.on("close", () => res.writableFinished || gone.abort(new Error("client left")));
  try {
    const { formula, rows } = JSON.parse(body);
    const value = await pool.run((mr) => mr.callAsync("evaluate", formula, rows), { signal: gone.signal });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
  } catch (error) {
    const status =
      error instanceof JSTimeoutError || error instanceof JSOOMError || error instanceof JSEvalError ? 422
      : error instanceof PoolQueueFullError ? 503
      : error instanceof AbortError ? 499
      : 400;
    res.writeHead(status, { "content-type": "text/plain" }).end(`${error.name}: ${error.message}`);
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

// The clients: ordinary requests, all at once, and a few hostile ones among them.
const rows = [
  { region: "north", amount: 120 },
  { region: "south", amount: 80 },
  { region: "north", amount: 40 },
];
const ask = async (formula) => {
  const res = await fetch(url, { method: "POST", body: JSON.stringify({ formula, rows }) });
  return `${res.status} ${await res.text()}`;
};
const started = performance.now();
const formulas = [
  "sum(rows.map((r) => r.amount))",
  "avg(rows.map((r) => r.amount))",
  "Object.keys(groupBy(rows, 'region'))",
  "(globalThis.seen = (globalThis.seen ?? 0) + 1)", // always 1: every request has a fresh sandbox
];
const ordinary = Array.from({ length: 40 }, (_, i) => ask(formulas[i % formulas.length]));
const hostile = [
  ask("(() => { for (;;); })()"), // never ends: 422 at the 200 ms limit
  ask("(() => { const a = []; for (;;) a.push(new Float64Array(1e6)); })()"), // 422 at the memory cap
  ask("sum = null"), // breaks nothing for anyone else
];
const answers = await Promise.all([...ordinary, ...hostile]);
for (let i = 0; i < formulas.length; i++) console.log(`${formulas[i]} -> ${answers[i]}`);
console.log(`${ordinary.length} ordinary requests answered 200: ${answers.slice(0, 40).every((a) => a.startsWith("200"))}`);
for (const answer of answers.slice(40)) console.log(`hostile -> ${answer}`);
console.log(`all ${answers.length} requests in ${(performance.now() - started).toFixed(0)} ms`);
console.log("pool:", pool.stats());

server.close();
await pool.close();
