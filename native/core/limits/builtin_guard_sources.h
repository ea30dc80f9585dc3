// The JavaScript of BuiltinGuard's stages (see builtin_guard.h), one file
// each. Each source evaluates to a function: the kit stage takes the
// memory cap and returns the kit; the others take the kit and the cap, and
// take from the kit only what they use.
#ifndef MINI_RACER_CORE_LIMITS_BUILTIN_GUARD_SOURCES_H_
#define MINI_RACER_CORE_LIMITS_BUILTIN_GUARD_SOURCES_H_

namespace mini_racer {

extern const char kBuiltinGuardKit[];
extern const char kBuiltinGuardArrays[];
extern const char kBuiltinGuardCallsAndTyped[];
extern const char kBuiltinGuardLists[];
extern const char kBuiltinGuardMatches[];

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_LIMITS_BUILTIN_GUARD_SOURCES_H_
