// IR graphs back to ONNX models.
#pragma once

#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "ir/graph.h"

namespace tessera::onnx_frontend {

/// An ONNX model (opset 17) computing what g computes: graph inputs with their types,
/// constants as initializers, each node as the ONNX nodes of its op's exporter
/// (export.cpp's table; the ops the importer's lowerings make for CNNs and transformers).
/// input_names and output_names name the graph's inputs and outputs (the ONNX names a
/// model was imported with). Throws NotImplementedError naming the ops without an
/// exporter, and Error when a node's arguments cannot be written (e.g. read at run time).
onnx::ModelProto export_model(const ir::Graph& g, const std::vector<std::string>& input_names,
                              const std::vector<std::string>& output_names);

}  // namespace tessera::onnx_frontend
