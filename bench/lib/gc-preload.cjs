// Diagnostic only (bench/bridge.mjs --gc-diagnostic): preloaded into the bridge with
// --expose-gc; on SIGUSR2 it collects garbage and prints V8's and Node's memory figures,
// to tell live memory per connection from garbage not yet collected.
process.on('SIGUSR2', () => {
  globalThis.gc();
  process.stderr.write(`GC-DIAGNOSTIC ${JSON.stringify(process.memoryUsage())}\n`);
});
