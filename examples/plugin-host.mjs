// A plugin host: loads a plugin's source into a sandbox, gives it a small
// host API, calls its functions with limits and collects its console output.
//   node examples/plugin-host.mjs
import { readFileSync } from "node:fs";
import { JSTimeoutError, MiniRacer } from "mini-racer";

const documents = {
  a: "The quick brown fox jumps over the lazy dog. The dog sleeps.",
  b: "A fox is quick; a dog is lazy! Foxes and dogs.",
  c: "Sandboxes keep plugins honest. The host decides what they see.",
};

class PluginHost {
  #sandbox;
  logs = [];

  constructor(source) {
    this.#sandbox = new MiniRacer({
      maxMemory: 32 * 1024 * 1024,
      timeout: 500,
      // Everything the plugin logs, tagged with its level.
      onConsole: (level, args) => this.logs.push(`[${level}] ${args.join(" ")}`),
    });
    // The only doors to the outside world: what the host exposes.
    this.#sandbox.expose("host.fetchText", (id) => {
      if (!(id in documents)) throw new RangeError(`no document ${id}`);
      return documents[id];
    });
    this.#sandbox.expose("host.fetchTextLater", async (id) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return documents[id];
    });
    // A one-way progress channel is just an exposed function.
    this.#sandbox.expose("host.progress", (done, total) => {
      process.stdout.write(`  progress ${done}/${total}\n`);
    });
    this.#sandbox.execute(source);
  }

  call(name, ...args) {
    return this.#sandbox.call(name, ...args);
  }

  callAsync(name, ...args) {
    return this.#sandbox.callAsync(name, ...args);
  }

  close() {
    this.#sandbox.close();
  }
}

const source = readFileSync(new URL("./plugins/word-stats.js", import.meta.url), "utf8");
const plugin = new PluginHost(source);

console.log("analyze:", plugin.call("analyze", ["a", "b", "c"]));
console.log("summarize:", await plugin.callAsync("summarize", "c"));
try {
  plugin.call("analyze", ["nope"]);
} catch (error) {
  console.log("a host error reaches the plugin as its own error:", error.message);
}
try {
  plugin.call("runaway");
} catch (error) {
  if (!(error instanceof JSTimeoutError)) throw error;
  console.log("runaway plugin stopped:", error.code);
}
console.log("plugin console output:");
for (const line of plugin.logs) console.log(" ", line);
plugin.close();
