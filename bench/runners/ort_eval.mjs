// Runs one ONNX model once in ONNX Runtime (npm onnxruntime-node, CPU) on inputs given as
// JSON ({name: {type: "float32" | "int32" | "int64" | "bool", dims: [...], data: [...]}}) and prints
// the outputs as JSON in the same form. Used by tests that compare tessera with ONNX
// Runtime on hand-built models.
//   node ort_eval.mjs MODEL INPUTS.json
import fs from 'fs';

const ort = await import('onnxruntime-node');
const [model, inputs] = process.argv.slice(2);
const arrays = {float32: Float32Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array};
const feeds = {};
for (const [name, v] of Object.entries(JSON.parse(fs.readFileSync(inputs)))) {
  const data = v.type === 'int64' ? BigInt64Array.from(v.data.map(BigInt)) : arrays[v.type].from(v.data);
  feeds[name] = new ort.Tensor(v.type, data, v.dims);
}
const session = await ort.InferenceSession.create(model);
const out = await session.run(feeds);
const result = {};
for (const [name, t] of Object.entries(out)) {
  result[name] = {type: t.type, dims: t.dims, data: Array.from(t.data, (x) => Number(x))};
}
console.log(JSON.stringify(result));
