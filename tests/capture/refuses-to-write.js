// Loaded with `node --require` before the leaky server: this process cannot write its own
// snapshot (as if its disk were full or the folder not its own), so `capture --pid` must take
// it over the inspector instead. `process.getBuiltinModule('v8')` returns this same object.
require('v8').writeHeapSnapshot = () => {
  throw new Error('writing is refused here');
};
