// BuiltinGuard: keeps V8 builtins that never look at interrupts within a
// call's time limit (issue 9, items 4 and 6).
//
// Many builtins loop in C++/CSA/Torque over an array-like's `length` without
// the interrupt checks that JavaScript code makes at every call and loop back
// edge, so neither the watchdog's TerminateExecution nor close() can stop
// `Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1)`; a few abort the
// process instead (sort of a huge array-like allocates its whole length).
// `scripts/builtin-hangs.mjs` enumerates them. Before any sandbox code runs,
// the guard replaces the affected methods with wrappers that
//  - call the original directly for a real (non-Proxy) Array whose length is
//    small enough that the original ends within a bounded grace even when
//    the array is sparse (the hot path: one isArray, one brand check, one
//    length read);
//  - otherwise call it on a forwarding Proxy of the receiver, so that every
//    element the builtin touches runs a trap, which is JavaScript and so
//    honours TerminateExecution at the deadline;
//  - or throw a RangeError where even that cannot end in any sane time or
//    would exhaust the heap in one allocation (sorting more than a few
//    million indices of an array-like, a regular expression source past a
//    documented size).
// The default sort comparator is replaced by an equivalent JavaScript one
// above a few thousand elements: V8's own converts numbers to strings for
// seconds without looking at interrupts. indexOf/lastIndexOf/includes and
// fill on real arrays past their limit work in chunks of V8's own builtin;
// typed-array join/toLocaleString/sort/toSorted/reverse/toReversed past
// 65536 elements too; apply/Reflect.apply/Reflect.construct copy array-likes
// in a JavaScript loop and refuse argument lists past 65536.
// Loops over a long string, a list or a length (builtin_guard_lists.cc,
// builtin_guard_matches.cc): global replace/replaceAll, match and split of
// strings past 2^16 characters run as JavaScript following the
// specification; Object.keys and kin of a string primitive past 2^15
// characters too; Array.from and %TypedArray%.from get a mapping function
// (V8 then calls JavaScript per element); JSON.stringify's replacer arrays
// and every locale list (Intl constructors, supportedLocalesOf,
// getCanonicalLocales, toLocale*, localeCompare) past a small real array go
// through the interruptible path. The Intl constructors it wraps are
// ChargedObjects' wrappers, which then look native too.
// Every original is captured before sandbox code runs; the wrappers look
// native (name, length, Function.prototype.toString).
#ifndef MINI_RACER_BUILTIN_GUARD_H_
#define MINI_RACER_BUILTIN_GUARD_H_

#include <v8.h>

#include <cstddef>

namespace mini_racer {

class BuiltinGuard {
 public:
  // Wraps the context's builtins before any sandbox code runs, with
  // GuardBase's `base` (the wrappers look native; what V8 installs only in
  // contexts made from a snapshot is guarded by a hook). Returns false if
  // the bootstrap failed.
  static bool Install(v8::Isolate* isolate, v8::Local<v8::Context> context,
                      size_t max_memory, v8::Local<v8::Object> base);
};

}  // namespace mini_racer

#endif  // MINI_RACER_BUILTIN_GUARD_H_
