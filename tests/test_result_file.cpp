// Tests for the HDF5 result file (sim/result_file.cpp): lossless round trips of every column
// type, the on-disk layout other readers rely on, atomic replacement, the output check and
// the reader's rejection of files that are not trustsim results.
#include <gtest/gtest.h>

#include <hdf5.h>
#include <unistd.h>
#include "test_directory.hpp"

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "trustsim/errors.hpp"
#include "trustsim/result_file.hpp"
#include "trustsim/table.hpp"

namespace trustsim {
namespace {

namespace fs = std::filesystem;

// Each test gets its own directory, removed afterwards, so tests can run in parallel.
class ResultFileTest : public ::testing::Test {
 protected:
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_))
      names.push_back(entry.path().filename().string());
    return names;
  }

  trustsim::testing::TestDirectory directory_{"trustsim_result_file"};
  fs::path dir_ = directory_.path();
};

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::uint64_t> bit_patterns(const std::vector<double>& values) {
  std::vector<std::uint64_t> bits;
  for (double value : values) bits.push_back(std::bit_cast<std::uint64_t>(value));
  return bits;
}

std::vector<Attribute> standard_attributes() {
  return {{"format", std::string("trustsim-results")},
          {"schema_version", std::int64_t{1}},
          {"engine_version", std::string("0.1.0")},
          {"master_seed", std::int64_t{-42}},
          {"tolerance", 0.125}};
}

ResultFile small_file() {
  ResultFile file;
  file.root_attributes = standard_attributes();
  file.scenario_yaml = "name: quickstart\n";
  Table summary("/summary");
  summary.add_int("task_id") = {0, 1, 2};
  summary.add_real("orders", "count", "orders per run") = {10.0, 11.5, 12.25};
  file.tables.push_back(std::move(summary));
  return file;
}

const Column& column(const Table& table, const std::string& name) {
  const Column* found = table.find(name);
  EXPECT_NE(found, nullptr) << name;
  return *found;
}

template <class T>
const std::vector<T>& values(const Table& table, const std::string& name) {
  return std::get<std::vector<T>>(column(table, name).data);
}

std::vector<std::string> column_names(const Table& table) {
  std::vector<std::string> names;
  for (const auto& c : table.columns()) names.push_back(c.name);
  return names;
}

// Opens an object in a file with the HDF5 C API to check what external readers see.
struct H5Object {
  explicit H5Object(hid_t handle, herr_t (*closer)(hid_t)) : id(handle), close(closer) {}
  H5Object(const H5Object&) = delete;
  H5Object& operator=(const H5Object&) = delete;
  ~H5Object() {
    if (id >= 0) close(id);
  }
  hid_t id;
  herr_t (*close)(hid_t);
};

TEST_F(ResultFileTest, RoundTripsEveryColumnTypeBitForBit) {
  ResultFile file = small_file();
  Table table("/runs");
  table.add_int("id", "", "row id") = {std::numeric_limits<std::int64_t>::min(),
                                       -1,
                                       0,
                                       std::numeric_limits<std::int64_t>::max(),
                                       7,
                                       8,
                                       9};
  const std::vector<double> reals = {
      std::numeric_limits<double>::quiet_NaN(),
      std::bit_cast<double>(std::uint64_t{0xfff4000000000123}),  // negative NaN with a payload
      std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(),
      -0.0,
      std::numeric_limits<double>::denorm_min(),
      0.1};
  table.add_real("value", "USD") = reals;
  table.add_text("label", "", "unicode label") = {
      "plain", "naïve café", "日本語", "🙂 emoji", "", "tab\tand\nnewline", "x"};
  file.tables.push_back(table);

  const fs::path path = dir_ / "results.h5";
  write_result_file(path, file);
  const ResultFile back = read_result_file(path, {"/runs"});

  ASSERT_EQ(back.tables.size(), 1u);
  const Table& runs = back.tables.front();
  EXPECT_EQ(runs.path(), "/runs");
  EXPECT_EQ(column_names(runs), (std::vector<std::string>{"id", "value", "label"}));
  EXPECT_EQ(values<std::int64_t>(runs, "id"), values<std::int64_t>(table, "id"));
  EXPECT_EQ(bit_patterns(values<double>(runs, "value")), bit_patterns(reals));
  EXPECT_EQ(values<std::string>(runs, "label"), values<std::string>(table, "label"));
  EXPECT_EQ(column(runs, "id").description, "row id");
  EXPECT_EQ(column(runs, "id").unit, "");
  EXPECT_EQ(column(runs, "value").unit, "USD");
  EXPECT_EQ(column(runs, "label").description, "unicode label");
}

TEST_F(ResultFileTest, RoundTripsZeroRowAndZeroColumnTables) {
  ResultFile file = small_file();
  Table empty("/timeseries");
  empty.add_int("task_id");
  empty.add_real("orders");
  empty.add_text("name");
  file.tables.push_back(empty);
  file.tables.emplace_back("/cohort_summary");  // no columns at all

  const fs::path path = dir_ / "results.h5";
  write_result_file(path, file);
  const ResultFile back = read_result_file(path, {"/timeseries", "/cohort_summary"});

  ASSERT_EQ(back.tables.size(), 2u);
  const Table& timeseries = back.tables[0];
  EXPECT_EQ(column_names(timeseries), (std::vector<std::string>{"task_id", "orders", "name"}));
  EXPECT_EQ(timeseries.rows(), 0u);
  EXPECT_TRUE(std::holds_alternative<std::vector<std::int64_t>>(timeseries.columns()[0].data));
  EXPECT_TRUE(std::holds_alternative<std::vector<double>>(timeseries.columns()[1].data));
  EXPECT_TRUE(std::holds_alternative<std::vector<std::string>>(timeseries.columns()[2].data));
  EXPECT_TRUE(back.tables[1].columns().empty());
}

TEST_F(ResultFileTest, CreatesNestedGroupPaths) {
  ResultFile file = small_file();
  Table contrasts("/analysis/contrasts");
  contrasts.add_int("arm_id") = {1};
  contrasts.add_real("mean_diff") = {-0.5};
  Table arms("/lookup/arms");
  arms.add_int("arm_id") = {0, 1};
  arms.add_text("name") = {"baseline", "strict"};
  Table metrics("/lookup/metrics");
  metrics.add_int("metric_id") = {0};
  metrics.add_text("name") = {"gmv"};
  file.tables = {contrasts, arms, metrics};

  const fs::path path = dir_ / "results.h5";
  write_result_file(path, file);
  const ResultFile back =
      read_result_file(path, {"/lookup/metrics", "/analysis/contrasts", "/lookup/arms"});

  ASSERT_EQ(back.tables.size(), 3u);
  EXPECT_EQ(back.tables[0].path(), "/lookup/metrics");
  EXPECT_EQ(values<std::string>(back.tables[0], "name"), (std::vector<std::string>{"gmv"}));
  EXPECT_EQ(bit_patterns(values<double>(back.tables[1], "mean_diff")),
            bit_patterns(std::vector<double>{-0.5}));
  EXPECT_EQ(values<std::string>(back.tables[2], "name"),
            (std::vector<std::string>{"baseline", "strict"}));
}

TEST_F(ResultFileTest, RoundTripsRootAttributesInOrderAndScenarioText) {
  ResultFile file = small_file();
  file.root_attributes.push_back({"command_line", std::string("trustsim run — ü")});
  file.root_attributes.push_back({"a_negative_zero", -0.0});
  file.scenario_yaml = "# résumé\nname: quickstart\nmarket:\n  sellers: 100\n  note: \"日本\"\n";

  const fs::path path = dir_ / "results.h5";
  write_result_file(path, file);
  const ResultFile back = read_result_file(path, {});

  EXPECT_TRUE(back.tables.empty());
  EXPECT_EQ(back.scenario_yaml, file.scenario_yaml);
  ASSERT_EQ(back.root_attributes.size(), file.root_attributes.size());
  for (std::size_t i = 0; i < file.root_attributes.size(); ++i) {
    const auto& expected = file.root_attributes[i];
    const auto& actual = back.root_attributes[i];
    EXPECT_EQ(actual.name, expected.name);  // creation order, not alphabetical
    ASSERT_EQ(actual.value.index(), expected.value.index()) << expected.name;
    if (const auto* real = std::get_if<double>(&expected.value))
      EXPECT_EQ(std::bit_cast<std::uint64_t>(std::get<double>(actual.value)),
                std::bit_cast<std::uint64_t>(*real));
    else
      EXPECT_EQ(actual.value, expected.value) << expected.name;
  }
}

TEST_F(ResultFileTest, StoresPortableTypesAndCompressesOnlyLargeColumns) {
  ResultFile file = small_file();
  std::vector<std::int64_t> day;
  std::vector<double> orders;
  std::vector<std::string> name;
  for (int i = 0; i < 10000; ++i) {
    day.push_back(i);
    orders.push_back(i * 0.5);
    name.push_back("row " + std::to_string(i));
  }
  // Filled afterwards: add_* returns a reference that the next add_* may invalidate.
  Table big("/timeseries");
  big.add_int("day") = day;
  big.add_real("orders") = orders;
  big.add_text("name") = name;
  file.tables.push_back(big);
  const fs::path path = dir_ / "results.h5";
  write_result_file(path, file);

  const ResultFile back = read_result_file(path, {"/timeseries"});
  EXPECT_EQ(values<std::int64_t>(back.tables[0], "day"), day);
  EXPECT_EQ(bit_patterns(values<double>(back.tables[0], "orders")), bit_patterns(orders));
  EXPECT_EQ(values<std::string>(back.tables[0], "name"), name);

  const H5Object h5(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_GE(h5.id, 0);
  const auto layout = [&](const char* dataset_path) {
    const H5Object dataset(H5Dopen2(h5.id, dataset_path, H5P_DEFAULT), H5Dclose);
    const H5Object dcpl(H5Dget_create_plist(dataset.id), H5Pclose);
    return H5Pget_layout(dcpl.id);
  };
  const bool deflate = H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0;
  EXPECT_EQ(layout("/timeseries/day"), deflate ? H5D_CHUNKED : H5D_CONTIGUOUS);
  EXPECT_EQ(layout("/summary/task_id"), H5D_CONTIGUOUS);

  const auto type_equals = [&](const char* dataset_path, hid_t expected) {
    const H5Object dataset(H5Dopen2(h5.id, dataset_path, H5P_DEFAULT), H5Dclose);
    const H5Object type(H5Dget_type(dataset.id), H5Tclose);
    return H5Tequal(type.id, expected) > 0;
  };
  EXPECT_TRUE(type_equals("/timeseries/day", H5T_STD_I64LE));
  EXPECT_TRUE(type_equals("/timeseries/orders", H5T_IEEE_F64LE));
  const H5Object names(H5Dopen2(h5.id, "/timeseries/name", H5P_DEFAULT), H5Dclose);
  const H5Object name_type(H5Dget_type(names.id), H5Tclose);
  EXPECT_EQ(H5Tget_class(name_type.id), H5T_STRING);
  EXPECT_GT(H5Tis_variable_str(name_type.id), 0);
  EXPECT_EQ(H5Tget_cset(name_type.id), H5T_CSET_UTF8);
}

// The creation time HDF5 recorded for an object: 0 when times are not tracked, -1 on error.
long creation_time(hid_t file, const char* path) {
#if H5_VERSION_GE(1, 12, 0)
  H5O_info2_t info;
  if (H5Oget_info_by_name3(file, path, &info, H5O_INFO_TIME, H5P_DEFAULT) < 0) return -1;
#else
  H5O_info_t info;
  if (H5Oget_info_by_name2(file, path, &info, H5O_INFO_TIME, H5P_DEFAULT) < 0) return -1;
#endif
  return static_cast<long>(info.ctime);
}

TEST_F(ResultFileTest, SameContentsGiveIdenticalBytes) {
  const ResultFile file = small_file();
  write_result_file(dir_ / "a.h5", file);
  write_result_file(dir_ / "b.h5", file);
  EXPECT_EQ(file_bytes(dir_ / "a.h5"), file_bytes(dir_ / "b.h5"));

  // The two writes may fall in the same second, so also check directly that no object
  // records a creation time (HDF5 stores one per object unless told not to).
  const H5Object h5(H5Fopen((dir_ / "a.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_GE(h5.id, 0);
  for (const char* object : {"/config", "/config/scenario", "/summary", "/summary/orders"})
    EXPECT_EQ(creation_time(h5.id, object), 0) << object;
}

TEST_F(ResultFileTest, ReplacesAnExistingFile) {
  const fs::path path = dir_ / "results.h5";
  write_result_file(path, small_file());
  ResultFile second = small_file();
  second.scenario_yaml = "name: second\n";
  write_result_file(path, second);
  EXPECT_EQ(read_result_file(path, {}).scenario_yaml, "name: second\n");
  EXPECT_EQ(entries(), (std::vector<std::string>{"results.h5"}));
}

TEST_F(ResultFileTest, FailedWriteKeepsExistingFileAndRemovesTemporary) {
  const fs::path path = dir_ / "results.h5";
  write_result_file(path, small_file());
  const std::string before = file_bytes(path);

  ResultFile ragged = small_file();
  Table table("/runs");
  table.add_int("a") = {1, 2, 3};
  table.add_real("b") = {1.0};
  ragged.tables.push_back(table);
  try {
    write_result_file(path, ragged);
    FAIL() << "expected RunError";
  } catch (const RunError& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
  }
  EXPECT_EQ(file_bytes(path), before);
  EXPECT_EQ(entries(), (std::vector<std::string>{"results.h5"}));

  ResultFile duplicate = small_file();
  duplicate.tables.push_back(duplicate.tables.front());  // two tables at "/summary"
  EXPECT_THROW(write_result_file(path, duplicate), RunError);
  EXPECT_EQ(file_bytes(path), before);
  EXPECT_EQ(entries(), (std::vector<std::string>{"results.h5"}));
}

TEST_F(ResultFileTest, WriteFailsWithRunErrorForMissingDirectoryOrDirectoryTarget) {
  EXPECT_THROW(write_result_file(dir_ / "missing" / "results.h5", small_file()), RunError);
  fs::create_directory(dir_ / "taken");
  EXPECT_THROW(write_result_file(dir_ / "taken", small_file()), RunError);
  EXPECT_EQ(entries(), (std::vector<std::string>{"taken"}));
  EXPECT_TRUE(fs::is_empty(dir_ / "taken"));
}

std::string input_error_message(const fs::path& path) {
  try {
    check_output_writable(path);
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no InputError)";
}

TEST_F(ResultFileTest, OutputCheckRejectsMissingDirectory) {
  const fs::path path = dir_ / "missing" / "results.h5";
  const std::string message = input_error_message(path);
  EXPECT_NE(message.find("cannot write results to '" + path.string() + "'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
}

TEST_F(ResultFileTest, OutputCheckRejectsDirectoryPath) {
  fs::create_directory(dir_ / "out");
  const std::string message = input_error_message(dir_ / "out");
  EXPECT_NE(message.find("is a directory"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_empty(dir_ / "out"));
}

TEST_F(ResultFileTest, OutputCheckRejectsFileAsDirectory) {
  write_text(dir_ / "plain", "x");
  const std::string message = input_error_message(dir_ / "plain" / "results.h5");
  EXPECT_NE(message.find("not a directory"), std::string::npos) << message;
}

TEST_F(ResultFileTest, OutputCheckLeavesNothingBehindAndKeepsExistingTarget) {
  EXPECT_NO_THROW(check_output_writable(dir_ / "results.h5"));
  EXPECT_TRUE(entries().empty());

  write_text(dir_ / "results.h5", "previous results");
  const auto modified = fs::last_write_time(dir_ / "results.h5");
  EXPECT_NO_THROW(check_output_writable(dir_ / "results.h5"));
  EXPECT_EQ(file_bytes(dir_ / "results.h5"), "previous results");
  EXPECT_EQ(fs::last_write_time(dir_ / "results.h5"), modified);
  EXPECT_EQ(entries(), (std::vector<std::string>{"results.h5"}));
}

TEST_F(ResultFileTest, OutputCheckRejectsReadOnlyDirectory) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses permission checks";
  fs::create_directory(dir_ / "locked");
  fs::permissions(dir_ / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  const std::string message = input_error_message(dir_ / "locked" / "results.h5");
  EXPECT_NE(message.find("permission denied"), std::string::npos) << message;
  fs::permissions(dir_ / "locked", fs::perms::owner_all);
  EXPECT_TRUE(fs::is_empty(dir_ / "locked"));
}

TEST_F(ResultFileTest, ReaderRejectsMissingAndNonHdf5Files) {
  EXPECT_THROW(read_result_file(dir_ / "missing.h5", {}), InputError);
  write_text(dir_ / "text.h5", "not hdf5 at all\n");
  EXPECT_THROW(read_result_file(dir_ / "text.h5", {}), InputError);
  EXPECT_THROW(read_result_file(dir_, {}), InputError);
}

TEST_F(ResultFileTest, ReaderRejectsHdf5FilesThatAreNotTrustsimResults) {
  const fs::path plain = dir_ / "plain.h5";
  {
    const H5Object h5(H5Fcreate(plain.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(h5.id, 0);
  }
  try {
    read_result_file(plain, {});
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("not a trustsim result file"), std::string::npos)
        << error.what();
  }
  // Unverified, HDF5 parses it and the format attribute is what is missing.
  try {
    read_result_file(plain, {}, false);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("no 'format' attribute"), std::string::npos)
        << error.what();
  }

  ResultFile other = small_file();
  other.root_attributes.front().value = std::string("something-else");
  write_result_file(dir_ / "other.h5", other);
  EXPECT_THROW(read_result_file(dir_ / "other.h5", {}), InputError);
}

TEST_F(ResultFileTest, ReaderNamesAMissingTable) {
  const fs::path path = dir_ / "results.h5";
  write_result_file(path, small_file());
  for (const std::string table : {"/analysis/contrasts", "/runs"}) {
    try {
      read_result_file(path, {"/summary", table});
      FAIL() << "expected InputError for " << table;
    } catch (const InputError& error) {
      EXPECT_NE(std::string(error.what()).find(table), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace trustsim
