// Column tables: the in-memory form of every result table (/summary, /runs,
// /timeseries, ...). A table is an ordered list of equal-length typed columns;
// the HDF5 writer stores each column as a 1-D dataset and the column order in
// a `columns` attribute, so h5py, pandas and R read them directly.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace trustsim {

using ColumnData =
    std::variant<std::vector<std::int64_t>, std::vector<double>, std::vector<std::string>>;

struct Column {
  std::string name;
  ColumnData data;
  std::string unit;         // optional, stored as a dataset attribute
  std::string description;  // optional, stored as a dataset attribute
};

class Table {
 public:
  Table() = default;
  explicit Table(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  const std::vector<Column>& columns() const { return columns_; }
  std::vector<Column>& columns() { return columns_; }

  // Adds a column and returns a reference to its storage. The caller fills it.
  std::vector<std::int64_t>& add_int(std::string name, std::string unit = {},
                                     std::string description = {});
  std::vector<double>& add_real(std::string name, std::string unit = {},
                                std::string description = {});
  std::vector<std::string>& add_text(std::string name, std::string unit = {},
                                     std::string description = {});

  const Column* find(const std::string& name) const;
  std::size_t rows() const;  // throws if columns have unequal lengths

 private:
  std::string path_;  // HDF5 group, e.g. "/summary"
  std::vector<Column> columns_;
};

}  // namespace trustsim
