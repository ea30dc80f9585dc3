// The soak's command line (scripts/soak.mjs, run in its workload process):
// parsed here so that the usage line and the checks on it are in one place.

import { parseArgs } from "node:util";

/** Prints the error and the usage line, and exits 64 (the parent passes 64 on). */
export function usage(msg) {
  console.error(`soak: ${msg}\nusage: npm run soak -- --seconds N [--concurrency N] [--every S] [--mix op,op] [--exclude op,op] [--list]`);
  process.exit(64);
}

/** { seconds, concurrency, every, mix: names or null, exclude: names, list }. */
export function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        seconds: { type: "string", default: "60" },
        concurrency: { type: "string", default: "4" },
        every: { type: "string", default: "60" },
        mix: { type: "string" },
        exclude: { type: "string", default: "" },
        list: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    usage(error.message);
  }
  const names = (list) => list.split(",").filter(Boolean);
  const opt = {
    seconds: Number(values.seconds),
    concurrency: Number(values.concurrency),
    every: Number(values.every),
    mix: values.mix === undefined ? null : names(values.mix),
    exclude: names(values.exclude),
    list: values.list,
  };
  if (!(opt.seconds > 0) || !(opt.concurrency >= 1) || !(opt.every > 0)) usage("bad number");
  return opt;
}
