// DevTools' take-and-load, for scripts/bench-capture.sh: what the Memory panel does when its
// "Take snapshot" button is pressed, with DevTools' own loader code from the oracle's bundle.
//
//   node --experimental-websocket scripts/devtools-take.mjs ORACLE_DIR WS_URL
//
// As in DevTools, this thread talks the protocol (HeapProfiler.takeHeapSnapshot with the panel's
// options; HeapSnapshotProfileType.addHeapSnapshotChunk) and posts each chunk to a worker thread
// (HeapProfileHeader.transferChunk -> HeapSnapshotWorker), where HeapSnapshotLoader.write()
// parses it; at the response, close() and buildSnapshot() (JSHeapSnapshot.initialize with its
// SecondaryInitManager), then the Summary grid's aggregatesWithFilter(new NodeFilter()).
// Prints one JSON line: ms from the request to the last chunk and to the ready Summary, bytes.
import {Worker, isMainThread, parentPort, workerData} from 'node:worker_threads';
import path from 'node:path';

if (!Promise.withResolvers) {
  Promise.withResolvers = function() {
    let resolve, reject;
    const promise = new this((a, b) => { resolve = a; reject = b; });
    return {promise, resolve, reject};
  };
}

if (isMainThread) {
  const [oracle, url] = process.argv.slice(2);
  const t0 = performance.now();
  const worker = new Worker(new URL(import.meta.url), {workerData: {oracle: path.resolve(oracle)}});
  const ready = new Promise((resolve, reject) => {
    worker.on('message', m => m.ready && resolve(m));
    worker.on('error', reject);
  });
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  let id = 0, bytes = 0, tReceived = 0;
  const pending = new Map();
  const call = (method, params = {}) => new Promise(resolve => {
    pending.set(++id, resolve);
    ws.send(JSON.stringify({id, method, params}));
  });
  ws.onmessage = e => {
    const m = JSON.parse(e.data);
    if (m.method === 'HeapProfiler.addHeapSnapshotChunk') {
      bytes += m.params.chunk.length;
      worker.postMessage({chunk: m.params.chunk});
    } else if (m.id && pending.has(m.id)) {
      pending.get(m.id)(m);
      pending.delete(m.id);
    }
  };
  await call('HeapProfiler.enable');
  await call('HeapProfiler.takeHeapSnapshot',
             {reportProgress: true, treatGlobalObjectsAsRoots: true, captureNumericValue: false, exposeInternals: false});
  tReceived = performance.now() - t0;
  worker.postMessage({close: true});
  const r = await ready;
  const tReady = performance.now() - t0;
  ws.close();
  await worker.terminate();
  console.log(JSON.stringify({received_ms: Math.round(tReceived), ready_ms: Math.round(tReady), bytes,
                              nodes: r.nodes, classes: r.classes}));
} else {
  const DT = await import(path.join(workerData.oracle, 'dist/devtools_heap.mjs'));
  const loader = new DT.HeapSnapshotLoader.HeapSnapshotLoader(undefined);
  parentPort.on('message', async m => {
    if (m.chunk !== undefined) {
      loader.write(m.chunk);
      return;
    }
    loader.close();
    const channel = new MessageChannel();
    new DT.HeapSnapshot.SecondaryInitManager(channel.port2);
    const snapshot = await loader.buildSnapshot(channel.port1);
    const aggregates = snapshot.aggregatesWithFilter(new DT.HeapSnapshotModel.NodeFilter());
    channel.port1.close();
    channel.port2.close();
    parentPort.postMessage({ready: true, nodes: snapshot.nodeCount, classes: Object.keys(aggregates).length});
  });
}
