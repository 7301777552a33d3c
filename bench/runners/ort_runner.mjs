// The ONNX Runtime runner of `tessera bench-ops` (npm onnxruntime-node, CPU), speaking the
// JSON-lines protocol of bench/harness/runner.h on stdin/stdout. Models come from
// onnx_model.py. For ops that keep their input's shape and dtype it times a chain of K
// nodes and one node and reports (t_K - t_1) / (K - 1) per op, so the fixed cost of a
// session run cancels (docs/op-benchmark.md).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ort = await import('onnxruntime-node');
const K = 16;

const ARRAYS = {
  bool: Uint8Array, uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array,
  int64: BigInt64Array, float16: Uint16Array, float32: Float32Array, float64: Float64Array,
};

function loadInput(spec) {
  const Arr = ARRAYS[spec.dtype];
  if (!Arr) throw new Error(`onnxruntime-node has no tensor type for ${spec.dtype}`);
  const bytes = fs.readFileSync(spec.path);
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  const n = spec.shape.reduce((a, b) => a * b, 1);
  return new ort.Tensor(spec.dtype, new Arr(copy, 0, n), spec.shape);
}

function makeModel(op, inputs, params, k, file) {
  const shapes = inputs.map((i) => ({ shape: i.shape, dtype: i.dtype }));
  execFileSync('/usr/bin/python3', [path.join(here, 'onnx_model.py'), '--op', op, '--inputs',
    JSON.stringify(shapes), '--params', JSON.stringify(params), '--k', String(k), '--out', file]);
}

async function session(file, threads) {
  return ort.InferenceSession.create(file, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Idle intra-op threads would otherwise spin on for a while after each run, on the core
    // the next framework's timing round needs (as OMP_WAIT_POLICY=PASSIVE for the others).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

async function timeRuns(sess, feeds, iters) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iters; ++i) await sess.run(feeds);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

let loaded = null;
let overheadModel = null;

async function handle(req) {
  switch (req.cmd) {
    case 'hello':
      return { ok: true, framework: 'onnxruntime', version: ort.env.versions?.common ?? ort.env.versions?.node ?? '?' };
    case 'load': {
      const dir = path.dirname(req.output);
      const feeds = {};
      req.inputs.forEach((spec, i) => { feeds[`x${i}`] = loadInput(spec); });
      const one = path.join(dir, 'ort-1.onnx');
      makeModel(req.op, req.inputs, req.params, 1, one);
      const s1 = await session(one, req.threads);
      const out = (await s1.run(feeds)).y;
      const data = out.data;
      fs.writeFileSync(req.output, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      let sk = null;
      if (req.chainable) {
        const chain = path.join(dir, `ort-${K}.onnx`);
        makeModel(req.op, req.inputs, req.params, K, chain);
        sk = await session(chain, req.threads);
      }
      loaded = { s1, sk, feeds };
      return { ok: true, note: sk ? `chain of ${K} nodes: (t${K} - t1) / ${K - 1}` : 'overhead_included: one node per session run' };
    }
    case 'run': {
      const { s1, sk, feeds } = loaded;
      if (!sk) return { ok: true, seconds: await timeRuns(s1, feeds, req.iters) };
      const tk = await timeRuns(sk, feeds, req.iters);
      const t1 = await timeRuns(s1, feeds, req.iters);
      return { ok: true, seconds: Math.max((tk - t1) / (K - 1), 1e-12) };
    }
    case 'overhead': {
      if (!overheadModel) {
        const file = path.join(fs.mkdtempSync('/tmp/tessera-ort-'), 'add1.onnx');
        const spec = [{ shape: [1], dtype: 'float32' }, { shape: [1], dtype: 'float32' }];
        makeModel('add', spec, {}, 1, file);
        const sess = await session(file, 1);
        const x = new ort.Tensor('float32', new Float32Array([1]), [1]);
        overheadModel = { sess, feeds: { x0: x, x1: x } };
      }
      return { ok: true, seconds: await timeRuns(overheadModel.sess, overheadModel.feeds, req.iters) };
    }
    default:
      return { ok: false, error: `unknown command ${req.cmd}` };
  }
}

const rl = readline.createInterface({ input: process.stdin });
// One request at a time, in order.
let queue = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(async () => {
    let reply;
    let id = null; // echoed, so the harness can tell this reply from a late one
    try {
      const req = JSON.parse(line);
      id = req.id ?? null;
      reply = await handle(req);
    } catch (e) {
      reply = { ok: false, error: String(e.message ?? e).split('\n')[0] };
    }
    reply.id = id;
    process.stdout.write(JSON.stringify(reply) + '\n');
  });
});
