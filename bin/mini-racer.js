#!/usr/bin/env node
// The `mini-racer` command of package.json "bin". The command itself is
// src/cli.ts, built to dist/cjs/cli.js; this file only gives it a shebang
// (tsc's output cannot start with one and a comment both).
"use strict";
require("../dist/cjs/cli.js").run(process.argv.slice(2));
