// What bench/run.mjs measures in its synchronous sections 1-4: for each
// section, one row per sandbox (mini-racer, node:vm, isolated-vm, quickjs,
// and plain Node for fib), each a setup that returns the operation to time.
// Kept apart from the measuring method (measure.mjs) so that adding or
// changing a row touches only this file; bench/README.md's "Rows" table
// describes each row.

import vm from "node:vm";

export const FIB_N = 25;
export const FIB_RESULT = 75025;
export const FIB_SRC = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }";
export const F_SRC = "function f(o) { return o.a + o.b.length }";
export const ARG = { a: 1, b: [1, 2, 3] };
export const ARG_RESULT = 4;

// The rows of every section, for the peers as loaded (see peers.mjs): a peer
// that did not load gives rows marked unavailable, with its reason.
export function sections({ mr, ivm, qjs }) {
  const MiniRacer = mr.ok && mr.MiniRacer;
  const IVM = ivm.ok && ivm.ivm;
  const QuickJS = qjs.ok && qjs.QuickJS;
  const na = (p) => (p.ok ? undefined : p.reason || "not loaded");

  const mrRow = (label, expect, setup) => ({ peer: "mini-racer", label, expect, unavailable: na(mr), setup });
  const vmRow = (label, expect, setup) => ({ peer: "node:vm", label, expect, setup });
  const ivmRow = (label, expect, setup) => ({ peer: "isolated-vm", label, expect, unavailable: na(ivm), setup });
  const qjsRow = (label, expect, setup) => ({ peer: "quickjs", label, expect, unavailable: na(qjs), setup });

  // quickjs helper: result handle -> host value, disposing the handle.
  const qjsTake = (ctx, result) => {
    const h = ctx.unwrapResult(result);
    try {
      return ctx.dump(h);
    } finally {
      h.dispose();
    }
  };

  return [
    {
      id: "eval",
      title: 'eval("1+1"), steady state',
      unit: "ns",
      rows: [
        mrRow('mr.eval("1+1")', 2, () => {
          const m = new MiniRacer();
          return { op: () => m.eval("1+1"), close: () => m.close() };
        }),
        vmRow('vm.runInContext("1+1", ctx)', 2, () => {
          const ctx = vm.createContext({});
          return { op: () => vm.runInContext("1+1", ctx) };
        }),
        ivmRow('context.evalSync("1+1")', 2, () => {
          const iso = new IVM.Isolate({ memoryLimit: 64 });
          const ctx = iso.createContextSync();
          return { op: () => ctx.evalSync("1+1"), close: () => iso.dispose() };
        }),
        qjsRow('evalCode("1+1") + unwrap/dump/dispose', 2, () => {
          const ctx = QuickJS.newContext();
          return { op: () => qjsTake(ctx, ctx.evalCode("1+1")), close: () => ctx.dispose() };
        }),
      ],
    },
    {
      id: "call",
      title: "call f({a: 1, b: [1,2,3]}), f = o => o.a + o.b.length, defined in the sandbox",
      unit: "ns",
      rows: [
        mrRow('mr.call("f", obj)', ARG_RESULT, () => {
          const m = new MiniRacer();
          m.execute(F_SRC);
          return { op: () => m.call("f", ARG), close: () => m.close() };
        }),
        vmRow("f(obj), f taken from the context (no copy)", ARG_RESULT, () => {
          const ctx = vm.createContext({});
          vm.runInContext(F_SRC, ctx);
          const f = vm.runInContext("f", ctx);
          return { op: () => f(ARG) };
        }),
        ivmRow("fnRef.applySync(undefined, [obj], {arguments:{copy:true}})", ARG_RESULT, () => {
          const iso = new IVM.Isolate({ memoryLimit: 64 });
          const ctx = iso.createContextSync();
          ctx.evalSync(F_SRC);
          const f = ctx.global.getSync("f", { reference: true });
          return {
            op: () => f.applySync(undefined, [ARG], { arguments: { copy: true } }),
            close: () => iso.dispose(),
          };
        }),
        qjsRow("newString(JSON.stringify(obj)), guest JSON.parse, callFunction(f)", ARG_RESULT, () => {
          const ctx = QuickJS.newContext();
          ctx.unwrapResult(ctx.evalCode(F_SRC)).dispose();
          const f = ctx.getProp(ctx.global, "f");
          const parse = ctx.unwrapResult(ctx.evalCode("JSON.parse"));
          const op = () => {
            const s = ctx.newString(JSON.stringify(ARG));
            let arg;
            try {
              arg = ctx.unwrapResult(ctx.callFunction(parse, ctx.undefined, s));
            } finally {
              s.dispose();
            }
            try {
              return qjsTake(ctx, ctx.callFunction(f, ctx.undefined, arg));
            } finally {
              arg.dispose();
            }
          };
          return {
            op,
            close: () => {
              f.dispose();
              parse.dispose();
              ctx.dispose();
            },
          };
        }),
      ],
    },
    {
      id: "create",
      title: 'create sandbox + eval("1+1") + close',
      unit: "us",
      rows: [
        mrRow('new MiniRacer(); eval("1+1"); close()', 2, () => ({
          op: () => {
            const m = new MiniRacer();
            try {
              return m.eval("1+1");
            } finally {
              m.close();
            }
          },
        })),
        vmRow('createContext({}); runInContext("1+1") (no close: GC)', 2, () => ({
          op: () => vm.runInContext("1+1", vm.createContext({})),
        })),
        ivmRow("new Isolate({memoryLimit:64}); createContextSync(); evalSync; dispose()", 2, () => ({
          op: () => {
            const iso = new IVM.Isolate({ memoryLimit: 64 });
            try {
              return iso.createContextSync().evalSync("1+1");
            } finally {
              iso.dispose();
            }
          },
        })),
        qjsRow('newContext() (runtime + context); evalCode; dispose()', 2, () => ({
          op: () => {
            const ctx = QuickJS.newContext();
            try {
              return qjsTake(ctx, ctx.evalCode("1+1"));
            } finally {
              ctx.dispose();
            }
          },
        })),
      ],
    },
    {
      id: "fib",
      title: `fib(${FIB_N}), recursive, called from the host`,
      unit: "ms",
      rows: [
        mrRow(`mr.call("fib", ${FIB_N})`, FIB_RESULT, () => {
          const m = new MiniRacer();
          m.execute(FIB_SRC);
          return { op: () => m.call("fib", FIB_N), close: () => m.close() };
        }),
        {
          peer: "plain Node",
          label: `fib(${FIB_N}) in the host, no sandbox`,
          expect: FIB_RESULT,
          setup: () => {
            // Compiled separately so its feedback is its own.
            const fib = new Function(`${FIB_SRC}; return fib;`)();
            return { op: () => fib(FIB_N) };
          },
        },
        vmRow(`fib(${FIB_N}), fib taken from the context`, FIB_RESULT, () => {
          const ctx = vm.createContext({});
          vm.runInContext(FIB_SRC, ctx);
          const fib = vm.runInContext("fib", ctx);
          return { op: () => fib(FIB_N) };
        }),
        ivmRow(`fibRef.applySync(undefined, [${FIB_N}])`, FIB_RESULT, () => {
          const iso = new IVM.Isolate({ memoryLimit: 64 });
          const ctx = iso.createContextSync();
          ctx.evalSync(FIB_SRC);
          const fib = ctx.global.getSync("fib", { reference: true });
          return { op: () => fib.applySync(undefined, [FIB_N]), close: () => iso.dispose() };
        }),
        qjsRow(`callFunction(fib, undefined, newNumber(${FIB_N}))`, FIB_RESULT, () => {
          const ctx = QuickJS.newContext();
          ctx.unwrapResult(ctx.evalCode(FIB_SRC)).dispose();
          const fib = ctx.getProp(ctx.global, "fib");
          const op = () => {
            const n = ctx.newNumber(FIB_N);
            try {
              return qjsTake(ctx, ctx.callFunction(fib, ctx.undefined, n));
            } finally {
              n.dispose();
            }
          };
          return {
            op,
            close: () => {
              fib.dispose();
              ctx.dispose();
            },
          };
        }),
      ],
    },
  ];
}
