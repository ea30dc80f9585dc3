#!/usr/bin/env bash
# Full test suite under AddressSanitizer + LeakSanitizer (`npm run test:asan`).
#
#   npm run test:asan [-- <vitest args>]      e.g. -- test/handles.test.ts
#
# What it does:
#   1. Copies the working tree (tracked + untracked, not ignored files: what
#      `git ls-files -co --exclude-standard` lists) into a scratch directory,
#      $MINI_RACER_ASAN_DIR (default ${TMPDIR:-/tmp}/mini-racer-asan-<uid>),
#      with node_modules symlinked to the repo's. The repo's own build/ and
#      dist/ are never touched: build/Release/mini_racer.node stays the
#      normal addon. The scratch dir is kept between runs so the CMake build
#      is incremental; delete it to start over.
#   2. Builds the addon with -fsanitize=address through CMake:
#        npx cmake-js compile -O build-cmake/asan --CDMINI_RACER_SANITIZE=address
#      and copies build-cmake/asan/Release/mini_racer.node to the copy's
#      build/Release/, where node-gyp-build finds it.
#   3. Runs vitest under build-cmake/asan/node-sanitized.sh (plain node refuses
#      an ASan addon: libasan must be preloaded; the LD_PRELOAD it sets is
#      inherited by the test forks and the child processes tests spawn) with
#        NODE_OPTIONS=--require <preload>: SIGTERM -> process.exit(0) in the
#          main thread. tinypool ends vitest's fork workers with SIGTERM, and
#          death by signal skips LeakSanitizer's exit-time check.
#        MINI_RACER_LSAN_SUPPRESS=1: cmake/lsan.supp, for the V8-internal
#          bookkeeping LSan reports when node leaves through process.exit().
#        MINI_RACER_SANITIZER=address: tests scale host-RSS bounds and the
#          depth of sandbox <-> host recursion (test/helpers.ts).
#        ASAN_OPTIONS=detect_leaks=1:malloc_context_size=64:log_path=<logs>/asan
#          :log_exe_name=1:quarantine_size_mb=0:thread_local_quarantine_size_kb=0
#          (quarantine off so the RSS-based tests are not inflated by freed
#          memory ASan holds back; use-after-free is still caught while the
#          memory is poisoned, just over a shorter window).
#   4. Prints vitest's summary and a summary of the sanitizer reports
#      (<logs>/asan.<pid> files): how many, how many name frames in
#      native/**/*.cc or native/**/*.h, and the first lines of those.
#
# Exit status: 1 if any sanitizer report from node has an ERROR or involves
# native/ frames (or the build fails, or there is no llvm-symbolizer); 2 if
# a test failed; else 0. With
# MINI_RACER_ASAN_STRICT=0 failed tests are reported but give 0 (for a
# loaded machine, where timing tests can miss deadlines under ASan's
# slowdown).
#
# Environment: MINI_RACER_ASAN_DIR (scratch dir), MINI_RACER_ASAN_STRICT,
# npm_config_nodedir (Node headers for cmake-js; default: the prefix of the
# `node` on PATH when it has include/node).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${MINI_RACER_ASAN_DIR:-${TMPDIR:-/tmp}/mini-racer-asan-$(id -u)}"
tree="$work/tree"
logs="$work/logs"

if [ ! -d "$repo/node_modules" ]; then
  echo "test-asan: run npm install in $repo first" >&2
  exit 1
fi

# Without a symbolizer, reports have no function or file names: a report in
# native/ code could not be told from one elsewhere. Refuse rather than pass.
symbolizer="${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || true)}"
if [ -z "$symbolizer" ] || [ ! -x "$symbolizer" ]; then
  echo "test-asan: no llvm-symbolizer (install Debian's llvm, or set ASAN_SYMBOLIZER_PATH)" >&2
  exit 1
fi
export ASAN_SYMBOLIZER_PATH="$symbolizer"

# --- 1. scratch copy of the working tree -------------------------------------
mkdir -p "$tree"
# Remove what the last copy left, but keep the CMake build dir (incremental).
find "$tree" -mindepth 1 -maxdepth 1 ! -name build-cmake -exec rm -rf {} +
(
  cd "$repo"
  git ls-files -z -co --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -
) | tar -xf - -C "$tree"
ln -s "$repo/node_modules" "$tree/node_modules"
rm -rf "$logs"
mkdir -p "$logs"
echo "test-asan: copy of $repo in $tree; sanitizer logs in $logs"

# --- 2. ASan build ------------------------------------------------------------
cd "$tree"
if [ -z "${npm_config_nodedir:-}" ]; then
  node_prefix="$(dirname "$(dirname "$(command -v node)")")"
  if [ -d "$node_prefix/include/node" ]; then export npm_config_nodedir="$node_prefix"; fi
fi
echo "test-asan: building the addon with -fsanitize=address (cmake-js)"
if ! npx cmake-js compile -O build-cmake/asan --CDMINI_RACER_SANITIZE=address \
    >"$logs/build.log" 2>&1; then
  tail -n 40 "$logs/build.log" >&2
  echo "test-asan: build failed (full log: $logs/build.log)" >&2
  exit 1
fi
mkdir -p build/Release
cp build-cmake/asan/Release/mini_racer.node build/Release/mini_racer.node
# dist/ too: tests that spawn `node -e "require('mini-racer')"` load it.
echo "test-asan: compiling the TypeScript into the copy's dist/ (tsc)"
if ! npx tsc -p tsconfig.json >"$logs/tsc.log" 2>&1; then
  cat "$logs/tsc.log" >&2
  echo "test-asan: tsc failed" >&2
  exit 1
fi
runner="$tree/build-cmake/asan/node-sanitized.sh"

# --- 3. vitest under ASan -----------------------------------------------------
preload="$work/sigterm-exit.cjs"
cat >"$preload" <<'EOF'
// test-asan.sh: a SIGTERM'd vitest fork exits normally, so LSan still runs.
if (require("node:worker_threads").isMainThread) {
  process.on("SIGTERM", () => process.exit(0));
}
EOF

echo "test-asan: running vitest under $runner"
set +e
NODE_OPTIONS="--require $preload${NODE_OPTIONS:+ $NODE_OPTIONS}" \
MINI_RACER_LSAN_SUPPRESS=1 \
MINI_RACER_SANITIZER=address \
ASAN_OPTIONS="detect_leaks=1:malloc_context_size=64:log_path=$logs/asan:log_exe_name=1:quarantine_size_mb=0:thread_local_quarantine_size_kb=0" \
  "$runner" node_modules/vitest/vitest.mjs run "$@" 2>&1 | tee "$logs/vitest.log"
vitest_status=${PIPESTATUS[0]}
set -e

# --- 4. summary ---------------------------------------------------------------
echo
echo "=== test-asan summary ==="
sed 's/\x1b\[[0-9;]*m//g' "$logs/vitest.log" | grep -E '^ *(Test Files|Tests)[ :]' || true
echo "vitest exit status: $vitest_status"

shopt -s nullglob
# log_exe_name=1 names each report file asan.<program>.<pid>. Programs other
# than node inherit LD_PRELOAD too (tinypool counts cores with a `sort`
# pipeline); their exit-time leak reports are not ours and are only counted.
others=()
for r in "$logs"/asan.*; do
  case "$(basename "$r")" in asan.node.*) ;; *) others+=("$r") ;; esac
done
reports=("$logs"/asan.node.*)
native=() errors=() suppressed_only=()
native_re='native/[A-Za-z0-9_./-]+\.(cc|h)(:[0-9]+)?'
for r in "${reports[@]}"; do
  if grep -qE "$native_re" "$r"; then native+=("$r")
  elif grep -qE '==[0-9]+==ERROR' "$r"; then errors+=("$r")
  else suppressed_only+=("$r"); fi
done
echo "sanitizer reports from other programs that inherited LD_PRELOAD: ${#others[@]} ($(for r in "${others[@]}"; do basename "$r" | cut -d. -f2; done | sort | uniq -c | xargs))"
echo "sanitizer reports from node: ${#reports[@]} file(s) in $logs"
echo "  ${#suppressed_only[@]} with only the 'Suppressions used' table (cmake/lsan.supp: V8 heap bookkeeping left by process.exit())"
echo "  ${#errors[@]} with errors that name no native/ frame; grouped by error line + first frame:"
for r in "${errors[@]}"; do
  err="$(grep -m1 -oE 'ERROR: .*' "$r")"
  frame="$(grep -m1 -E '^ *#1 ' "$r" | sed -E 's/^ *#1 0x[0-9a-f]+ +//')"
  echo "$err | $frame"
done | sort | uniq -c | sed 's/^/   /'
echo "  ${#native[@]} involving native/ frames:"
for r in "${native[@]}"; do
  echo "  * $(basename "$r"): $(grep -m1 -oE 'ERROR: .*' "$r" || head -n1 "$r")"
  grep -m1 -E 'SUMMARY: ' "$r" | sed 's/^/      /' || true
  grep -E "$native_re" "$r" | head -n 5 | sed -E 's/^ *#/      #/'
done

if [ "${#native[@]}" -gt 0 ]; then
  echo "test-asan: FAIL: ${#native[@]} sanitizer report(s) involve native/ frames"
  exit 1
fi
# An ERROR without a native/ frame is still memory misuse in this process
# (V8 or Node acting on what the addon handed them, or a frame the
# symbolizer could not name): never a pass.
if [ "${#errors[@]}" -gt 0 ]; then
  echo "test-asan: FAIL: ${#errors[@]} sanitizer report(s) with an ERROR (listed above)"
  exit 1
fi
if [ "$vitest_status" -ne 0 ] && [ "${MINI_RACER_ASAN_STRICT:-1}" != 0 ]; then
  echo "test-asan: FAIL: tests failed under ASan (MINI_RACER_ASAN_STRICT=0 to report only)"
  exit 2
fi
echo "test-asan: OK: no sanitizer ERROR from node${vitest_status:+ (vitest exit $vitest_status)}"
exit 0
