{
  # Two targets, one per side of the C API (see README, Architecture):
  #  - mini_racer_core: the V8 core (native/core/) and the C API over it
  #    (native/capi/), a static library. Its files include each other by
  #    path from native/ ("core/limits/watchdog.h", "capi/mini_racer.h").
  #  - mini_racer: the Node-API addon (native/binding/). Its include path has
  #    native/capi/ and node-addon-api only, so it can include the C API
  #    ("mini_racer.h") and no core header.
  # Sources: every .cc in those folders, at any depth, so a new file is
  # picked up (CMakeLists.txt globs the same folders); native/fuzz/ is in
  # neither target.
  "target_defaults": {
    "defines": [
      "NAPI_DISABLE_CPP_EXCEPTIONS",
      # A worker being terminated cannot take exceptions: drop them rather
      # than abort the process.
      "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
      "NODE_ADDON_API_DISABLE_DEPRECATED"
    ],
    # The C++ standard is the one the Node headers' own common.gypi asks
    # for: C++17 for Node 20 and 22, C++20 for Node 24 and 26 (their V8
    # headers need it). The sources are valid in both.
    "cflags_cc": ["-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "xcode_settings": {
      "MACOSX_DEPLOYMENT_TARGET": "11.0"
    }
  },
  "targets": [
    {
      "target_name": "mini_racer_core",
      "type": "static_library",
      "sources": [
        "<!@(node -p \"['native/core', 'native/wire', 'native/capi'].flatMap((function w(d) { return require('fs').readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name < b.name ? -1 : 1).flatMap(e => e.isDirectory() ? w(d + '/' + e.name) : e.name.endsWith('.cc') ? [d + '/' + e.name] : []) })).join(' ')\")"
      ],
      # Linked into the addon, a shared object: no -fPIC needed here, as
      # node-gyp's addon.gypi adds it to every target type on Linux (but
      # ia32) and the BSDs, this one included.
      "include_dirs": ["native"]
    },
    {
      "target_name": "mini_racer",
      "sources": [
        "<!@(node -p \"(function w(d) { return require('fs').readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name < b.name ? -1 : 1).flatMap(e => e.isDirectory() ? w(d + '/' + e.name) : e.name.endsWith('.cc') ? [d + '/' + e.name] : []) })('native/binding').join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/capi"
      ],
      "dependencies": ["mini_racer_core"]
    }
  ]
}
