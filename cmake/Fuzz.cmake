# The libFuzzer addon (issue 5): only with -DMINI_RACER_FUZZ=ON, and only
# with Clang. See native/fuzz/README.md; scripts/fuzz.mjs does all of this:
#
#   npx cmake-js compile -O build-cmake/fuzz -T mini_racer_fuzz \
#     --cc clang-14 --cxx clang++-14 --CDMINI_RACER_FUZZ=ON
#
# Builds <build dir>/Release/mini_racer_fuzz.node from native/core/ and
# native/capi/ (not native/binding/) and native/fuzz/*.cc, instrumented with
# -fsanitize=fuzzer-no-link (plus MINI_RACER_FUZZ_SANITIZE, address by
# default) and linked with libFuzzer's no-main runtime: the addon calls
# LLVMFuzzerRunDriver itself, inside node, where V8 is.
#
# Writes <build dir>/fuzz-env.json: the sanitizer runtime to LD_PRELOAD
# (node is not instrumented) and what the addon was built with.

set(MINI_RACER_FUZZ_SANITIZE "address" CACHE STRING
    "Sanitizers for the fuzz addon besides fuzzer-no-link: empty, address, undefined or address,undefined")

function(mini_racer_add_fuzz_target)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MINI_RACER_FUZZ needs Clang (libFuzzer); configure with "
                        "--cc clang-14 --cxx clang++-14 (cmake-js) or "
                        "-DCMAKE_CXX_COMPILER=clang++-14")
  endif()

  execute_process(COMMAND "${CMAKE_CXX_COMPILER}" --print-runtime-dir
    OUTPUT_VARIABLE _rt_dir OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(_arch "${CMAKE_SYSTEM_PROCESSOR}")
  find_file(MINI_RACER_LIBFUZZER_NO_MAIN
    NAMES "libclang_rt.fuzzer_no_main-${_arch}.a" "libclang_rt.fuzzer_no_main.a"
    PATHS "${_rt_dir}" NO_DEFAULT_PATH NO_CACHE)
  if(NOT MINI_RACER_LIBFUZZER_NO_MAIN)
    message(FATAL_ERROR "mini_racer: libclang_rt.fuzzer_no_main not found in '${_rt_dir}' "
                        "(Debian: apt-get install libclang-rt-14-dev)")
  endif()

  # The core and the C API (MINI_RACER_CORE_SOURCES, not the
  # mini_racer_core library: these are built with the fuzzer's
  # instrumentation) in a library of their own, and the fuzz target over
  # them; not the Node-API binding. Like the binding, native/fuzz/*.cc see
  # the C API's folder only.
  file(GLOB _fuzz_sources CONFIGURE_DEPENDS
    "${CMAKE_CURRENT_SOURCE_DIR}/native/fuzz/*.cc")

  # The sandbox's prelude, embedded as a raw string literal.
  set(_gen "${CMAKE_CURRENT_BINARY_DIR}/fuzz_gen")
  set(_prelude "${CMAKE_CURRENT_SOURCE_DIR}/native/fuzz/prelude.js")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_prelude}")
  file(READ "${_prelude}" _prelude_text)
  file(WRITE "${_gen}/prelude.inc.tmp" "R\"MRFUZZ(${_prelude_text})MRFUZZ\"\n")
  configure_file("${_gen}/prelude.inc.tmp" "${_gen}/prelude.inc" COPYONLY)

  add_library(mini_racer_fuzz_core STATIC ${MINI_RACER_CORE_SOURCES})
  set_target_properties(mini_racer_fuzz_core PROPERTIES
    POSITION_INDEPENDENT_CODE ON)
  target_include_directories(mini_racer_fuzz_core
    PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/native"
    PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/native/capi")

  add_library(mini_racer_fuzz MODULE ${_fuzz_sources} ${CMAKE_JS_SRC})
  set_target_properties(mini_racer_fuzz PROPERTIES
    PREFIX "" SUFFIX ".node" OUTPUT_NAME "mini_racer_fuzz")
  target_include_directories(mini_racer_fuzz PRIVATE "${_mr_napi_inc}" "${_gen}")

  # Defines as the addon's, but their own module name.
  get_target_property(_defs mini_racer COMPILE_DEFINITIONS)
  list(FILTER _defs EXCLUDE REGEX "^NODE_GYP_MODULE_NAME=")
  foreach(_target mini_racer_fuzz_core mini_racer_fuzz)
    target_include_directories(${_target} SYSTEM PRIVATE ${_mr_node_inc})
    target_compile_definitions(${_target} PRIVATE
      ${_defs} NODE_GYP_MODULE_NAME=${_target} MINI_RACER_FUZZING=1)
  endforeach()

  set(_san -fsanitize=fuzzer-no-link)
  set(_asan OFF)
  if(MINI_RACER_FUZZ_SANITIZE)
    string(REPLACE "," ";" _list "${MINI_RACER_FUZZ_SANITIZE}")
    foreach(_s IN LISTS _list)
      string(STRIP "${_s}" _s)
      if(_s STREQUAL "address")
        list(APPEND _san -fsanitize=address)
        set(_asan ON)
      elseif(_s STREQUAL "undefined")
        # vptr needs RTTI; the addon is built without it.
        list(APPEND _san -fsanitize=undefined -fno-sanitize=vptr
                         -fno-sanitize-recover=undefined)
      else()
        message(FATAL_ERROR "MINI_RACER_FUZZ_SANITIZE: unknown sanitizer '${_s}'")
      endif()
    endforeach()
  endif()
  foreach(_target mini_racer_fuzz_core mini_racer_fuzz)
    target_compile_options(${_target} PRIVATE
      -pthread -fno-rtti -fno-exceptions -Wall -Wextra -Wno-unused-parameter
      ${_san} -g -O1 -fno-omit-frame-pointer)
  endforeach()
  # A module loaded into an uninstrumented node: the shared sanitizer
  # runtime (preloaded by scripts/fuzz.mjs), libFuzzer linked in whole.
  set(_link_san "")
  if(_asan OR MINI_RACER_FUZZ_SANITIZE MATCHES "undefined")
    list(REMOVE_ITEM _san -fsanitize=fuzzer-no-link)
    set(_link_san ${_san} -shared-libsan)
  endif()
  target_link_options(mini_racer_fuzz PRIVATE -pthread ${_link_san})
  find_package(Threads REQUIRED)
  target_link_libraries(mini_racer_fuzz PRIVATE
    mini_racer_fuzz_core "${MINI_RACER_LIBFUZZER_NO_MAIN}" Threads::Threads
    ${CMAKE_JS_LIB})

  # The runtime node must preload.
  set(_preload "")
  if(_asan)
    set(_rt_name "libclang_rt.asan-${_arch}.so")
  elseif(MINI_RACER_FUZZ_SANITIZE MATCHES "undefined")
    set(_rt_name "libclang_rt.ubsan_standalone-${_arch}.so")
  endif()
  if(_rt_name)
    execute_process(COMMAND "${CMAKE_CXX_COMPILER}" "-print-file-name=${_rt_name}"
      OUTPUT_VARIABLE _preload OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT IS_ABSOLUTE "${_preload}" OR NOT EXISTS "${_preload}")
      message(WARNING "mini_racer: ${_rt_name} not found; the fuzz addon will not load")
      set(_preload "")
    endif()
  endif()
  file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/fuzz-env.json" CONTENT
"{
  \"addon\": \"$<TARGET_FILE:mini_racer_fuzz>\",
  \"preload\": \"${_preload}\",
  \"sanitize\": \"${MINI_RACER_FUZZ_SANITIZE}\",
  \"compiler\": \"${CMAKE_CXX_COMPILER} ${CMAKE_CXX_COMPILER_VERSION}\",
  \"libfuzzer\": \"${MINI_RACER_LIBFUZZER_NO_MAIN}\"
}
")
  message(STATUS "mini_racer: fuzz addon mini_racer_fuzz (sanitizers: fuzzer-no-link "
                 "${MINI_RACER_FUZZ_SANITIZE}; libFuzzer ${MINI_RACER_LIBFUZZER_NO_MAIN})")
endfunction()
