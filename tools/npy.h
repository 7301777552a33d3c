// NumPy .npy files (format versions 1-3) to and from tensors, for the CLI's inputs and outputs.
#pragma once

#include <filesystem>
#include <string>

#include "core/tensor.h"

namespace tessera::npy {

/// Reads a .npy file: little-endian bool, int8-64, uint8, float16/32/64, complex64/128, in C
/// or Fortran order. Throws Error naming the file and the problem (bad magic, a header
/// that does not parse, a dtype tessera lacks, data shorter or longer than the shape).
Tensor load(const std::filesystem::path& path);
/// Parses the bytes of a .npy file; what names it in errors.
Tensor parse(const std::string& bytes, const std::string& what);

/// Writes t as a version 1.0 .npy file (bfloat16 and float8 are written as float32, which
/// NumPy lacks).
void save(const std::filesystem::path& path, const Tensor& t);
/// The bytes save() writes.
std::string serialize(const Tensor& t);

}  // namespace tessera::npy
