// A plugin, as a third party would write it: plain JavaScript, no imports.
// The host gives it `host.fetchText(id)`, `host.progress(done, total)` and a
// console; it defines the functions the host calls.

function analyze(documentIds) {
  const counts = new Map();
  documentIds.forEach((id, index) => {
    const text = host.fetchText(id);
    for (const word of text.toLowerCase().match(/[a-z']+/g) ?? []) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    host.progress(index + 1, documentIds.length);
  });
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3);
  console.log(`analyzed ${documentIds.length} documents, ${counts.size} distinct words`);
  return { distinct: counts.size, top };
}

async function summarize(id) {
  // An async host function: the sandbox awaits the host's promise.
  const text = await host.fetchTextLater(id);
  console.info("summarizing", id);
  return text.split(/[.!?]/)[0].trim() + ".";
}

function runaway() {
  // A buggy plugin: the host's time limit stops it.
  for (;;) {}
}
