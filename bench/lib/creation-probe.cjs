// Run by bench/snapshot.mjs (section 23) in a child process, once with and
// once without base snapshots (MINI_RACER_NO_BASE_SNAPSHOT=1): prints, as
// JSON, the p50 ms of new MiniRacer() + eval("1+1") + close() and the RSS
// growth per idle sandbox with `count` alive. Needs --expose-gc.
const { MiniRacer } = require("../../dist/cjs/index.js");

const [rounds, count] = process.argv.slice(2).map(Number);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    global.gc();
    await sleep(20);
  }
};

(async () => {
  // Two sandboxes with the default cap start the base snapshot, if on.
  for (let i = 0; i < 2; i++) new MiniRacer().close();
  await sleep(500);
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    const mr = new MiniRacer();
    mr.eval("1+1");
    mr.close();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (i % 10 === 9) await sleep(1); // let closed sandboxes' memory go back
  }
  times.sort((a, b) => a - b);
  await settle();
  const before = process.memoryUsage().rss;
  const alive = [];
  for (let i = 0; i < count; i++) {
    const mr = new MiniRacer();
    mr.eval("1+1");
    alive.push(mr);
  }
  await settle();
  const perSandbox = (process.memoryUsage().rss - before) / count / 1e6;
  const heap = alive[0].heapStats();
  for (const mr of alive) mr.close();
  console.log(JSON.stringify({ p50: times[times.length >> 1], perSandbox, usedHeap: heap.usedHeapSize / 1e6 }));
})();
