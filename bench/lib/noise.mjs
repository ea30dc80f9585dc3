// Noise indicator (Linux) for bench/run.mjs: how much CPU time *other*
// processes used while the sections were measured, from /proc/stat minus this
// process's own usage. Speed on a shared 2-vCPU VM swings a lot; this line
// tells the reader whether a run's figures were taken on a busy machine.

import { readFileSync } from "node:fs";
import os from "node:os";

function machineBusySeconds() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return (user + nice + system + irq + softirq + (steal || 0)) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Starts watching; the returned function prints the "other processes used" line (nothing off Linux). */
export function watchMachineLoad() {
  const busy0 = machineBusySeconds();
  const own0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  return function printMachineLoad() {
    const busy1 = machineBusySeconds();
    if (busy0 !== null && busy1 !== null) {
      const own = process.cpuUsage(own0);
      const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
      const others = Math.max(0, busy1 - busy0 - (own.user + own.system) / 1e6) / wall;
      const cores = os.cpus().length;
      console.log(
        `other processes used ${others.toFixed(2)} of ${cores} cores on average while this ran` +
          (others > 0.25 ? " -> the machine was busy, figures are noisy (compare the min column)" : " (no other load seen here; the host may still add noise)"),
      );
    }
  };
}
