// The HDF5 result file (contract in DESIGN.md): root attributes, the resolved
// scenario text at /config/scenario, and column tables at their group paths.
// This is the only module that includes HDF5. Files are built in memory,
// written to a temporary name beside the target and renamed into place when
// complete, so a reader never sees a half-written file and an existing file
// is replaced only by a complete one. The file's first 512 bytes (an HDF5
// user block, which h5py and other readers skip) hold a SHA-256 of the rest:
// a reader refuses a damaged file before HDF5 parses it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "trustsim/table.hpp"

namespace trustsim {

using AttributeValue = std::variant<std::int64_t, double, std::string>;

struct Attribute {
  std::string name;
  AttributeValue value;
};

struct ResultFile {
  std::vector<Attribute> root_attributes;  // format, schema_version, engine_version, ...
  std::string scenario_yaml;               // stored as a string dataset at /config/scenario
  std::vector<Table> tables;               // each table's path() is its group, e.g. "/summary"
};

// The table at `path` ("/summary"), or nullptr.
inline const Table* find_table(const ResultFile& file, std::string_view path) {
  for (const auto& t : file.tables)
    if (t.path() == path) return &t;
  return nullptr;
}

// The root attribute `name`, or nullptr.
inline const Attribute* find_attribute(const ResultFile& file, std::string_view name) {
  for (const auto& a : file.root_attributes)
    if (a.name == name) return &a;
  return nullptr;
}

// The root attribute `name` when it holds a T, else `fallback`.
template <class T>
T attribute_or(const ResultFile& file, std::string_view name, T fallback) {
  const auto* a = find_attribute(file, name);
  return a && std::holds_alternative<T>(a->value) ? std::get<T>(a->value) : fallback;
}

// Fails with InputError (exit 2) when a result file could not be created at
// `path`: missing directory, no permission, path is a directory. Creates and
// removes a probe file beside the target; touches nothing the user has.
void check_output_writable(const std::filesystem::path& path);

// Writes `file` to `path` atomically (temporary name + rename). Throws
// RunError on any HDF5 or filesystem failure (a full disk included), after
// removing the temporary; HDF5 itself never writes to disk.
void write_result_file(const std::filesystem::path& path, const ResultFile& file);

// `table_paths` of read_result_file that reads every table the file holds.
inline constexpr const char* kEveryTable = "*";

// Reads a result file back (all tables under the groups listed in
// `table_paths`, the root attributes and the scenario text). A path ending in
// '?' names an optional table, skipped when the file does not have it;
// {kEveryTable} reads every table, in path order. Throws
// InputError if the file is missing, not a regular file (a FIFO is refused,
// never waited on), damaged (checksum), unreadable or not a trustsim result
// file. `verify_checksum` false skips the checksum (for files changed by
// other tools; HDF5 then parses unverified bytes).
ResultFile read_result_file(const std::filesystem::path& path,
                            const std::vector<std::string>& table_paths,
                            bool verify_checksum = true);

}  // namespace trustsim
