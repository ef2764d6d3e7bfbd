#include "trustsim/table.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace trustsim {

namespace {
template <class T>
std::vector<T>& add_column(std::vector<Column>& columns, std::string name, std::string unit,
                           std::string description) {
  columns.push_back(
      Column{std::move(name), std::vector<T>{}, std::move(unit), std::move(description)});
  return std::get<std::vector<T>>(columns.back().data);
}
}  // namespace

std::vector<std::int64_t>& Table::add_int(std::string name, std::string unit,
                                          std::string description) {
  return add_column<std::int64_t>(columns_, std::move(name), std::move(unit),
                                  std::move(description));
}
std::vector<double>& Table::add_real(std::string name, std::string unit, std::string description) {
  return add_column<double>(columns_, std::move(name), std::move(unit), std::move(description));
}
std::vector<std::string>& Table::add_text(std::string name, std::string unit,
                                          std::string description) {
  return add_column<std::string>(columns_, std::move(name), std::move(unit),
                                 std::move(description));
}

const Column* Table::find(const std::string& name) const {
  for (const auto& c : columns_)
    if (c.name == name) return &c;
  return nullptr;
}

std::size_t Table::rows() const {
  if (columns_.empty()) return 0;
  const auto n = std::visit([](const auto& v) { return v.size(); }, columns_.front().data);
  for (const auto& c : columns_) {
    const auto m = std::visit([](const auto& v) { return v.size(); }, c.data);
    if (m != n)
      throw std::logic_error(
          fmt::format("table {}: column '{}' has {} rows, expected {}", path_, c.name, m, n));
  }
  return n;
}

}  // namespace trustsim
