// tfidf_vectorizer: ONNX's TfIdfVectorizer over integer tokens. Counts, per row, the
// n-grams of a pool (n from min_gram_length to max_gram_length, items skip_count + 1 apart
// for each skip count up to max_skip_count) and weighs the counts (TF, IDF or TFIDF).
// Schema and reference kernel.
#include <map>

#include "api/functions.h"
#include "core/factories.h"
#include "dispatch/registration.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(tfidf_vectorizer,
       "tfidf_vectorizer(Tensor input, int min_gram_length, int max_gram_length, int "
       "max_skip_count, int[] ngram_counts, int[] ngram_indexes, int[] pool, str mode='TF', "
       "float[] weights=[]) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

template <typename T>
Tensor tfidf_kernel(const Tensor& input, int64_t min_gram, int64_t max_gram, int64_t max_skip,
                    IntArrayRef ngram_counts, IntArrayRef ngram_indexes, IntArrayRef pool,
                    std::string_view mode, const std::vector<double>& weights) {
  const char* op = "tfidf_vectorizer: ";
  TSR_CHECK(input.dim() == 1 || input.dim() == 2, op, "expected an input [C] or [B, C], got ",
            input.dim(), "-D");
  TSR_CHECK(min_gram >= 1 && max_gram >= min_gram, op,
            "gram lengths must satisfy 1 <= ", "min_gram_length <= max_gram_length, got ", min_gram,
            " and ", max_gram);
  TSR_CHECK(max_skip >= 0, op, "max_skip_count must not be negative, got ", max_skip);
  TSR_CHECK(mode == "TF" || mode == "IDF" || mode == "TFIDF", op,
            "mode must be TF, IDF or TFIDF, got '", mode, "'");
  TSR_CHECK(!ngram_indexes.empty(), op, "ngram_indexes is empty");
  // The pool's n-grams by length (ngram_counts[n - 1] is where those of length n start),
  // numbered in pool order; each counts into column ngram_indexes[its number].
  std::vector<std::map<std::vector<int64_t>, int64_t>> column(static_cast<size_t>(max_gram) + 1);
  const auto pool_size = static_cast<int64_t>(pool.size());
  int64_t id = 0;
  for (size_t k = 0; k < ngram_counts.size(); ++k) {
    const auto n = static_cast<int64_t>(k) + 1;
    const int64_t begin = ngram_counts[k];
    const int64_t end = k + 1 < ngram_counts.size() ? ngram_counts[k + 1] : pool_size;
    TSR_CHECK(begin >= 0 && begin <= end && end <= pool_size, op,
              "ngram_counts must be ascending offsets into the pool, got ", ngram_counts);
    for (int64_t at = begin; at + n <= end; at += n, ++id) {
      if (n < min_gram || n > max_gram) continue;
      TSR_CHECK(id < static_cast<int64_t>(ngram_indexes.size()), op,
                "ngram_indexes has fewer entries than the pool has n-grams");
      const int64_t col = ngram_indexes[static_cast<size_t>(id)];
      TSR_CHECK(col >= 0, op, "ngram_indexes must not be negative");
      column[static_cast<size_t>(n)].emplace(
          std::vector<int64_t>(pool.begin() + at, pool.begin() + at + n), col);
    }
  }
  const int64_t width = *std::max_element(ngram_indexes.begin(), ngram_indexes.end()) + 1;
  const int64_t rows = input.dim() == 2 ? input.size(0) : 1;
  TSR_CHECK(width <= (int64_t{1} << 24) && rows * width <= (int64_t{1} << 28), op, "an output of ",
            rows, " x ", width, " is too large");
  TSR_CHECK(weights.empty() || static_cast<int64_t>(weights.size()) >= width, op, "weights has ",
            weights.size(), " values for ", width, " columns");
  const int64_t c = input.size(-1);
  const Tensor x = cast(input, DType::Int64).contiguous();
  std::vector<int64_t> counts(static_cast<size_t>(rows * width));
  std::vector<int64_t> gram;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t* row = x.data<int64_t>() + r * c;
    int64_t* count = counts.data() + r * width;
    for (int64_t skip = 0; skip <= max_skip; ++skip) {
      const int64_t step = skip + 1;
      // Unigrams have no gaps, so only the first pass counts them.
      for (int64_t n = std::max(min_gram, skip > 0 ? int64_t{2} : int64_t{1}); n <= max_gram; ++n) {
        const auto& table = column[static_cast<size_t>(n)];
        if (table.empty()) continue;
        gram.resize(static_cast<size_t>(n));
        for (int64_t i = 0; i + (n - 1) * step < c; ++i) {
          for (int64_t k = 0; k < n; ++k) gram[static_cast<size_t>(k)] = row[i + k * step];
          const auto it = table.find(gram);
          if (it != table.end()) ++count[it->second];
        }
      }
    }
  }
  Shape shape;
  if (input.dim() == 2) shape.push_back(rows);
  shape.push_back(width);
  Tensor out = empty(shape, DType::Float32);
  float* o = out.data<float>();
  for (int64_t i = 0; i < rows * width; ++i) {
    const auto f = static_cast<double>(counts[static_cast<size_t>(i)]);
    const double w = weights.empty() ? 1.0 : weights[static_cast<size_t>(i % width)];
    o[i] = static_cast<float>(mode == "TF" ? f : mode == "IDF" ? (f > 0 ? w : 0.0) : f * w);
  }
  return out;
}

}  // namespace

TSR_REGISTER {
  impl_for(tfidf_vectorizer_op(), kBackendReference, DTypeList<DType::Int32, DType::Int64>{},
           []<typename T>() { return &tfidf_kernel<T>; });
}

Tensor tfidf_vectorizer(const Tensor& input, int64_t min_gram_length, int64_t max_gram_length,
                        int64_t max_skip_count, IntArrayRef ngram_counts, IntArrayRef ngram_indexes,
                        IntArrayRef pool, std::string_view mode,
                        const std::vector<double>& weights) {
  static const auto op =
      tfidf_vectorizer_op()
          .typed<Tensor(const Tensor&, int64_t, int64_t, int64_t, IntArrayRef, IntArrayRef,
                        IntArrayRef, std::string_view, const std::vector<double>&)>();
  return op.call(input, min_gram_length, max_gram_length, max_skip_count, ngram_counts,
                 ngram_indexes, pool, mode, weights);
}

}  // namespace tessera
