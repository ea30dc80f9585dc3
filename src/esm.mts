// The ES module entry point re-exports the CommonJS build, so that `import`
// and `require` share one set of classes (instanceof works across both).
export * from "./index.js";
