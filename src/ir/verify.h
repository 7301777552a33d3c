// The graph IR's verifier.
#pragma once

#include "ir/graph.h"

namespace tessera::ir {

/// Checks g: every value is defined before it is used, every node binds its op's schema
/// (each argument without a default is given, tensors by values, literals of the argument's
/// type, values read as non-tensor arguments of a dtype and rank that can be read), nodes
/// have as many outputs as their ops return, constants' types are their data's. Throws
/// Error for the first problem, naming the node (Node::describe) or the value.
void verify(const Graph& g);

}  // namespace tessera::ir
