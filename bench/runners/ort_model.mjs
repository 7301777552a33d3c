// Times one ONNX model in ONNX Runtime (npm onnxruntime-node, CPU, all graph optimisations)
// for bench/models/compare.py: load, first run, then ITERATIONS runs after a warm-up, with
// seeded random float32 inputs (symbolic first dims = BATCH, other symbolic dims 1).
// Prints one JSON object with the same fields as `tessera bench --json`.
//   node ort_model.mjs MODEL THREADS BATCH ITERATIONS
const ort = await import('onnxruntime-node');
const [model, threadsArg, batchArg, itersArg] = process.argv.slice(2);
const threads = Number(threadsArg), batch = Number(batchArg), iterations = Number(itersArg);

const t0 = performance.now();
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const loadMs = performance.now() - t0;

let seed = 1;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5; };
const feeds = {};
for (const name of session.inputNames) {
  const meta = session.inputMetadata.find((m) => m.name === name);
  const dims = meta.shape.map((d, i) => (typeof d === 'number' ? d : (i === 0 ? batch : 1)));
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; ++i) data[i] = rand();
  feeds[name] = new ort.Tensor('float32', data, dims);
}
const t1 = performance.now();
await session.run(feeds);
const firstMs = performance.now() - t1;
const warmup = Math.min(10, Math.max(1, Math.floor(iterations / 10)));
for (let i = 0; i < warmup; ++i) await session.run(feeds);
const ms = [];
for (let i = 0; i < iterations; ++i) {
  const t = performance.now();
  await session.run(feeds);
  ms.push(performance.now() - t);
}
const sorted = [...ms].sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p / 100 * sorted.length))) - 1];
const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
console.log(JSON.stringify({
  model, threads, batch, iterations, load_ms: loadMs, first_run_ms: firstMs,
  latency_ms: { p50: pct(50), p90: pct(90), p99: pct(99), mean, min: sorted[0] },
  throughput_per_s: batch * 1000 / mean,
}));
