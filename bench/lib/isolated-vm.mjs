// Where bench/run.mjs measures isolated-vm, and the two child-process modes
// that decision needs. isolated-vm's README asks for `--no-node-snapshot` on
// Node >= 20, a flag of the whole process: rather than impose it on every
// peer, the bench first probes isolated-vm in a child process *without* the
// flag (`run.mjs --probe-ivm`); if the probe works, isolated-vm is measured
// in the main process like the others. If the probe crashes or fails, the
// isolated-vm rows are measured in a child process started with
// `--no-node-snapshot` (`run.mjs --child=ivm`, which prints them as JSON),
// and the output says so. The child modes re-run bench/run.mjs itself
// (`self`), so its command line stays the only entry point.

import { spawnSync } from "node:child_process";
import { measureSection } from "./measure.mjs";
import { attempt, firstLine, loadIvm, loadMiniRacer, peerInstalled, PEERS_HINT } from "./peers.mjs";
import { ARG, F_SRC, sections } from "./sections.mjs";

// `--probe-ivm`: is isolated-vm usable in a process started without extra
// flags? Prints "ok" (exit 0) or "fail: <reason>" (exit 2); a crash is a crash.
export async function runProbe() {
  let ivm;
  try {
    ivm = loadIvm().ivm;
  } catch (e) {
    // A load failure is not a crash: report it cleanly.
    console.log(`fail: ${firstLine(e)}`);
    process.exit(2);
  }
  const { MiniRacer } = await loadMiniRacer().catch(() => ({}));
  const mr = MiniRacer ? new MiniRacer() : null; // same mix of isolates as the real run
  for (let i = 0; i < 50; i++) {
    const iso = new ivm.Isolate({ memoryLimit: 64 });
    const ctx = iso.createContextSync();
    if (ctx.evalSync("1+1") !== 2) throw new Error("wrong result");
    ctx.evalSync(F_SRC);
    const f = ctx.global.getSync("f", { reference: true });
    for (let k = 0; k < 200; k++) f.applySync(undefined, [ARG], { arguments: { copy: true } });
    iso.dispose();
    mr?.eval("1+1");
  }
  mr?.close();
  console.log("ok");
  process.exit(0);
}

// `--child=ivm`: measure only the isolated-vm rows and print them as JSON.
export async function runIvmChild(cfg) {
  const off = { ok: false, reason: "not measured in this process" };
  const peers = { mr: off, ivm: await attempt(loadIvm), qjs: off };
  const out = {};
  for (const s of sections(peers)) {
    out[s.id] = await measureSection(s.rows.filter((r) => r.peer === "isolated-vm"), cfg);
  }
  process.stdout.write(JSON.stringify({ version: peers.ivm.version, results: out }));
  process.exit(0);
}

// In the main process: probe without flags, then with --no-node-snapshot,
// and when only the latter works, measure the rows in a flagged child.
// Returns { ivm: the loaded peer or { ok: false, reason }, ivmMode:
// "in-process" | "child", ivmNote: the line the output prints about it,
// ivmChild: the child's results (child mode) or null }.
export async function setUpIvm({ self, forceChild, quick }) {
  let ivm;
  let ivmMode = "in-process";
  let ivmNote = "";
  if (!peerInstalled("isolated-vm")) {
    ivm = { ok: false, reason: PEERS_HINT };
    ivmNote = `isolated-vm skipped: ${PEERS_HINT}.`;
  } else {
    const probe = (flags) =>
      spawnSync(process.execPath, [...flags, self, "--probe-ivm"], { encoding: "utf8", timeout: 30_000 });
    const describeExit = (p) =>
      p.error
        ? firstLine(p.error)
        : p.signal
          ? `killed by ${p.signal}`
          : p.stdout?.startsWith("fail: ")
            ? firstLine(p.stdout.slice(6))
            : `exit ${p.status}: ${firstLine(
                (p.stderr || "").split("\n").find((l) => /^\w*Error\b|Cannot|error:/.test(l)) ?? p.stderr ?? "",
              )}`;
    const plain = forceChild ? { status: null, signal: null, error: new Error("--ivm-child given") } : probe([]);
    if (plain.status === 0 && plain.stdout.trim() === "ok") {
      ivm = await attempt(loadIvm);
      ivmNote = "isolated-vm runs fine without --no-node-snapshot here; measured in this process.";
    } else {
      const flagged = probe(["--no-node-snapshot"]);
      if (flagged.status === 0 && flagged.stdout.trim() === "ok") {
        ivmMode = "child";
        ivm = { ok: true, version: "" };
        ivmNote =
          `isolated-vm ${forceChild ? "not tried in-process" : "failed"} without --no-node-snapshot (${describeExit(plain)}); ` +
          "its rows (isolated-vm*) were measured in a child process started with --no-node-snapshot.";
      } else {
        ivm = { ok: false, reason: `probe failed: ${describeExit(flagged)}` };
        ivmNote = `isolated-vm unavailable (without flag: ${describeExit(plain)}; with --no-node-snapshot: ${describeExit(flagged)}).`;
      }
    }
  }

  let ivmChild = null;
  if (ivmMode === "child") {
    const p = spawnSync(
      process.execPath,
      ["--no-node-snapshot", self, "--child=ivm", ...(quick ? ["--quick"] : [])],
      { encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 20 },
    );
    try {
      if (p.status !== 0) throw new Error(`child failed (${p.signal ?? p.status})`);
      ivmChild = JSON.parse(p.stdout);
      ivm.version = ivmChild.version;
    } catch (e) {
      ivm = { ok: false, reason: firstLine(e) };
    }
  }
  return { ivm, ivmMode, ivmNote, ivmChild };
}
