# MINI_RACER_SANITIZE: "", "address", "undefined" or "address,undefined".
#
#   address   -> -fsanitize=address -fno-omit-frame-pointer (ASan + LSan)
#   undefined -> -fsanitize=undefined -fno-sanitize=vptr (vptr needs RTTI,
#                and the addon is built with -fno-rtti like binding.gyp)
#
# node itself is not instrumented, so the ASan runtime has to be preloaded:
# configure writes <build dir>/node-sanitized.sh, which sets LD_PRELOAD to the
# compiler's own libasan (g++ 12 -> libasan.so.8), ASAN_OPTIONS and
# LSAN_OPTIONS (cmake/lsan.supp on request), then execs node.

set(MINI_RACER_SANITIZE "" CACHE STRING
    "Sanitizers for the addon: empty, address, undefined, or address,undefined")
set_property(CACHE MINI_RACER_SANITIZE PROPERTY STRINGS
  "" "address" "undefined" "address,undefined")

# mini_racer_enable_sanitizers(<target>...): the same flags on each target
# (the core library and the addon that links it).
function(mini_racer_enable_sanitizers)
  if(NOT MINI_RACER_SANITIZE)
    return()
  endif()
  if(MSVC)
    message(FATAL_ERROR "MINI_RACER_SANITIZE is only wired up for GCC/Clang")
  endif()

  string(REPLACE "," ";" _sans "${MINI_RACER_SANITIZE}")
  set(_flags "")
  set(_asan OFF)
  set(_cflags_extra "")
  foreach(_s IN LISTS _sans)
    string(STRIP "${_s}" _s)
    if(_s STREQUAL "address")
      list(APPEND _flags -fsanitize=address)
      set(_asan ON)
    elseif(_s STREQUAL "undefined")
      list(APPEND _flags -fsanitize=undefined -fno-sanitize=vptr)
    else()
      message(FATAL_ERROR "MINI_RACER_SANITIZE: unknown sanitizer '${_s}' "
                          "(expected address and/or undefined)")
    endif()
  endforeach()
  # Readable stacks: frame pointers, debug info, and not -O3.
  list(APPEND _flags -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 with -fsanitize=address or =undefined: bogus -Wuninitialized on
    # v8::Nothing<T>() (v8-maybe.h leaves Maybe<T>::value_ unset on purpose;
    # the warning comes from inlining, so SYSTEM includes do not hide it).
    set(_cflags_extra -Wno-uninitialized)
  endif()
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # Clang links the ASan runtime statically by default; a shared object loaded
    # into node must use the shared runtime (the one that is preloaded).
    list(APPEND _flags -shared-libsan)
  endif()

  foreach(_target IN LISTS ARGN)
    target_compile_options(${_target} PRIVATE ${_flags} ${_cflags_extra} -g -O1)
    target_link_options(${_target} PRIVATE ${_flags})
  endforeach()
  message(STATUS "mini_racer: sanitizers: ${MINI_RACER_SANITIZE}")

  # Which runtime to preload.
  set(_rt "")
  if(_asan)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      set(_rt_names libasan.so)
    else()
      # Older Clang: libclang_rt.asan-<arch>.so; newer (per-target runtime
      # dirs): libclang_rt.asan.so. (Clang path untested here.)
      set(_rt_names "libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so" libclang_rt.asan.so)
    endif()
    foreach(_rt_name IN LISTS _rt_names)
      # The compiler prints the bare name back when it has no such file.
      execute_process(COMMAND "${CMAKE_CXX_COMPILER}" "-print-file-name=${_rt_name}"
        OUTPUT_VARIABLE _rt OUTPUT_STRIP_TRAILING_WHITESPACE)
      if(IS_ABSOLUTE "${_rt}" AND EXISTS "${_rt}")
        # libasan.so -> libasan.so.8.0.0 (the one the addon's DT_NEEDED gets).
        get_filename_component(_rt "${_rt}" REALPATH)
        break()
      endif()
      set(_rt "")
    endforeach()
    if(NOT _rt)
      message(WARNING "mini_racer: could not locate the ASan runtime (${_rt_names}) "
                      "for LD_PRELOAD; set it by hand when running node")
    endif()
  endif()
  set(MINI_RACER_ASAN_RUNTIME "${_rt}" CACHE INTERNAL "")

  set(MINI_RACER_NODE "${NODE_EXECUTABLE}")
  set(MINI_RACER_PRELOAD "${_rt}")
  set(MINI_RACER_LSAN_SUPP "${CMAKE_CURRENT_SOURCE_DIR}/cmake/lsan.supp")
  configure_file("${CMAKE_CURRENT_SOURCE_DIR}/cmake/node-sanitized.sh.in"
                 "${CMAKE_BINARY_DIR}/node-sanitized.sh" @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
                                  GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  message(STATUS "mini_racer: run node with the sanitized addon via ${CMAKE_BINARY_DIR}/node-sanitized.sh")
endfunction()
