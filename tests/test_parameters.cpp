#include "engine/parameters.h"
#include "helpers.h"
#include "kernels/ops.h"

using namespace pigment;
using test::values;

TEST_CASE("flatten moves parameters into one buffer, keeping values and handles", "[parameters]") {
  const Device cpu = Device::cpu();
  ParameterSet ps;
  Tensor a = ps.add("a", Tensor::from_vector<double>({2, 2}, {1, 2, 3, 4}, cpu));
  Tensor b = ps.add("b", Tensor::from_vector<double>({3}, {5, 6, 7}, cpu));
  Tensor layer_handle = a;  // a layer keeping its own copy of the handle
  ps.flatten();
  CHECK(values(ps.flat_params()) == std::vector<double>{1, 2, 3, 4, 5, 6, 7});
  CHECK(a.storage() == ps.flat_params().storage());
  CHECK(layer_handle.storage() == ps.flat_params().storage());
  CHECK(b.storage_offset() == 4);
  // Gradients land in the flat gradient buffer.
  sum(add(mul(a, a), a)).backward();
  sum(b).backward();
  CHECK(values(ps.flat_grads()) == std::vector<double>{3, 5, 7, 9, 1, 1, 1});
  ps.zero_grad();
  CHECK(values(ps.flat_grads()) == std::vector<double>(7, 0.0));
  CHECK(ps.numel() == 7);
  CHECK(ps.find("b").is_same(b));
  CHECK_FALSE(ps.find("c").defined());
  CHECK(test::error_of([&] { ps.add("c", Tensor::zeros({1}, DType::f64, cpu)); }).find("already flattened") !=
        std::string::npos);
}

TEST_CASE("parameter names are unique", "[parameters]") {
  const Device cpu = Device::cpu();
  ParameterSet ps;
  ps.add("w", Tensor::zeros({1}, DType::f32, cpu));
  CHECK(test::error_of([&] { ps.add("w", Tensor::zeros({1}, DType::f32, cpu)); }).find("used twice") !=
        std::string::npos);
}
