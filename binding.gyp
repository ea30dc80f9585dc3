{
  "targets": [
    {
      "target_name": "mini_racer",
      # One list of sources for both builds: every .cc directly in native/
      # (CMakeLists.txt globs the same folder).
      "sources": [
        "<!@(node -p \"require('fs').readdirSync('native').filter(f => f.endsWith('.cc')).map(f => 'native/' + f).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
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
    }
  ]
}
