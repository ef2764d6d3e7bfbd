// The HDF5 result file (contract in DESIGN.md, "Result file"): writes root attributes,
// /config/scenario and column tables to a temporary file that is renamed onto the target,
// and reads them back. This is the only translation unit that includes HDF5; it uses the
// C API through the small RAII handles below.
#include "trustsim/result_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <hdf5.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include "byte_codec.hpp"
#include "posix_file.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/sha256.hpp"
#include "trustsim/text.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define TRUSTSIM_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRUSTSIM_ADDRESS_SANITIZER 1
#endif
#endif
#if TRUSTSIM_ADDRESS_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif

namespace trustsim {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFormat = "trustsim-results";
constexpr hsize_t kCompressAbove = 4096;  // rows; smaller datasets stay contiguous
constexpr hsize_t kChunkRows = 16384;     // 128 KiB of int64/double per chunk
constexpr unsigned kDeflateLevel = 4;
// The file's first bytes, reserved by HDF5 as a "user block", hold a SHA-256 of everything
// after them: a reader checks it before HDF5 parses a byte, so a damaged file is refused
// with a clear message instead of reaching HDF5's parser (which can crash on bad input).
constexpr hsize_t kUserBlockSize = 512;
constexpr std::string_view kChecksumHeader = "trustsim results checksum 1\n";

// ---------------------------------------------------------------------------
// Failures and HDF5 handles

// Raised by every helper here; the public functions add the file path and rethrow it as the
// library error their contract names (RunError when writing, InputError when reading).
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The most specific message on HDF5's error stack (e.g. "file signature not found"), so a
// failure says why, not only which call failed. Clears the stack.
std::string hdf5_detail() {
  std::string detail;
  const auto innermost_first = [](unsigned, const H5E_error2_t* error, void* out) -> herr_t {
    auto& text = *static_cast<std::string*>(out);
    if (text.empty() && error->desc != nullptr) text = error->desc;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_first, &detail);
  H5Eclear2(H5E_DEFAULT);
  return detail;
}

[[noreturn]] void fail(std::string_view what) {
  const std::string detail = one_line(hdf5_detail(), 160);
  throw Failure(detail.empty() ? std::string(what) : fmt::format("{} ({})", what, detail));
}

hid_t check_id(hid_t id, std::string_view what) {
  if (id < 0) fail(what);
  return id;
}

void check_ok(herr_t status, std::string_view what) {
  if (status < 0) fail(what);
}

// Owns one HDF5 identifier and closes it with the matching H5?close function.
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      close();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  ~Handle() { close(); }

  hid_t get() const { return id_; }

  // Closes now and returns HDF5's status: closing a file flushes it, so that failure matters.
  herr_t close() {
    const herr_t status = id_ >= 0 ? Close(id_) : 0;
    id_ = H5I_INVALID_HID;
    return status;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using Datatype = Handle<H5Tclose>;
using AttributeHandle = Handle<H5Aclose>;
using PropertyList = Handle<H5Pclose>;

// Owns a POSIX file descriptor.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// The library prints its error stack to stderr by default; our messages carry the detail.
void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// ---------------------------------------------------------------------------
// Small shared helpers

Datatype utf8_string_type() {
  Datatype type(check_id(H5Tcopy(H5T_C_S1), "copying the string type"));
  check_ok(H5Tset_size(type.get(), H5T_VARIABLE), "making a variable-length string type");
  check_ok(H5Tset_cset(type.get(), H5T_CSET_UTF8), "setting the UTF-8 character set");
  return type;
}

// A 1-D dataspace of `length` elements, or a scalar one when `length` is empty.
Dataspace make_space(std::optional<hsize_t> length) {
  const hid_t id = length ? H5Screate_simple(1, &*length, nullptr) : H5Screate(H5S_SCALAR);
  return Dataspace(check_id(id, "creating a dataspace"));
}

// Splits "/a/b/c" into "/a", "/a/b", "/a/b/c"; repeated slashes are ignored.
std::vector<std::string> path_prefixes(std::string_view path) {
  std::vector<std::string> prefixes;
  std::string current;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) {
      current += '/';
      current += path.substr(start, end - start);
      prefixes.push_back(current);
    }
    start = end + 1;
  }
  return prefixes;
}

// True when every component of `path` exists (H5Lexists requires the parents to exist).
bool path_exists(hid_t file, std::string_view path) {
  for (const auto& prefix : path_prefixes(path)) {
    const htri_t exists = H5Lexists(file, prefix.c_str(), H5P_DEFAULT);
    check_ok(exists, fmt::format("looking up '{}'", prefix));
    if (exists == 0) return false;
  }
  return true;
}

// A beside-the-target name: ".<filename>.<tag>.<pid>", hidden and unique per process.
fs::path sibling_path(const fs::path& target, std::string_view tag) {
  return target.parent_path() /
         fmt::format(".{}.{}.{}", target.filename().string(), tag, static_cast<long>(::getpid()));
}

// ---------------------------------------------------------------------------
// Writing

PropertyList make_plist(hid_t plist_class, std::string_view what) {
  return PropertyList(check_id(H5Pcreate(plist_class), what));
}

// Object timestamps would make two runs with identical results differ byte for byte.
void disable_timestamps(hid_t object_create_plist) {
  check_ok(H5Pset_obj_track_times(object_create_plist, false), "disabling object timestamps");
}

bool filter_available(H5Z_filter_t filter) {
  if (H5Zfilter_avail(filter) <= 0) return false;
  unsigned config = 0;
  if (H5Zget_filter_info(filter, &config) < 0) return false;
  return (config & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0;
}

// Large columns are chunked and compressed (shuffle groups the bytes of similar numbers,
// which deflate then packs well); small ones stay contiguous, where chunking only costs.
PropertyList dataset_create_plist(hsize_t rows) {
  PropertyList dcpl = make_plist(H5P_DATASET_CREATE, "creating dataset properties");
  disable_timestamps(dcpl.get());
  if (rows > kCompressAbove && filter_available(H5Z_FILTER_DEFLATE)) {
    const hsize_t chunk = std::min(rows, kChunkRows);
    check_ok(H5Pset_chunk(dcpl.get(), 1, &chunk), "setting the chunk size");
    if (filter_available(H5Z_FILTER_SHUFFLE))
      check_ok(H5Pset_shuffle(dcpl.get()), "enabling the shuffle filter");
    check_ok(H5Pset_deflate(dcpl.get(), kDeflateLevel), "enabling deflate compression");
  }
  return dcpl;
}

Group create_group(hid_t file, const std::string& path) {
  PropertyList gcpl = make_plist(H5P_GROUP_CREATE, "creating group properties");
  disable_timestamps(gcpl.get());
  const hid_t id = H5Gcreate2(file, path.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT);
  return Group(check_id(id, fmt::format("creating group '{}'", path)));
}

// Creates the group at `path` and any missing parents, one by one rather than with HDF5's
// create-intermediate option, so every group gets our properties (no timestamps).
Group create_group_path(hid_t file, std::string_view path) {
  const auto prefixes = path_prefixes(path);
  if (prefixes.empty()) throw Failure(fmt::format("'{}' does not name a group below '/'", path));
  for (std::size_t i = 0; i + 1 < prefixes.size(); ++i)
    if (!path_exists(file, prefixes[i])) create_group(file, prefixes[i]);
  if (path_exists(file, prefixes.back()))
    throw Failure(fmt::format("'{}' already exists (two tables with the same path?)", path));
  return create_group(file, prefixes.back());
}

// Pointers to `values`: the memory layout HDF5 expects for variable-length strings. The
// strings are typed UTF-8, so a value that is not valid UTF-8 (a command line or file name
// can bring one) is stored with each bad byte written as \xNN, where readers would fail.
class CStrings {
 public:
  // `values` (or `value`) must outlive this object.
  explicit CStrings(const std::vector<std::string>& values) {
    pointers_.reserve(values.size());
    for (const auto& value : values) add(value);
  }
  explicit CStrings(const std::string& value) { add(value); }
  const char* const* data() const { return pointers_.data(); }

 private:
  void add(const std::string& value) {
    if (invalid_utf8_at(value) == std::string::npos) {
      pointers_.push_back(value.c_str());
    } else {
      escaped_.push_back(escape_invalid_utf8(value));
      pointers_.push_back(escaped_.back().c_str());
    }
  }
  std::deque<std::string> escaped_;  // stable addresses
  std::vector<const char*> pointers_;
};

// Creates attribute `name` on `object` (scalar when `length` is empty) and writes `data`.
void put_attribute(hid_t object, const std::string& name, hid_t file_type, hid_t memory_type,
                   std::optional<hsize_t> length, const void* data) {
  const Dataspace space = make_space(length);
  const AttributeHandle attribute(
      check_id(H5Acreate2(object, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
               fmt::format("creating attribute '{}'", name)));
  if (length && *length == 0) return;  // nothing to write, and HDF5 rejects a null buffer
  check_ok(H5Awrite(attribute.get(), memory_type, data),
           fmt::format("writing attribute '{}'", name));
}

void write_attribute(hid_t object, const std::string& name, std::int64_t value) {
  put_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, std::nullopt, &value);
}

void write_attribute(hid_t object, const std::string& name, double value) {
  put_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, std::nullopt, &value);
}

void write_attribute(hid_t object, const std::string& name, const std::string& value) {
  const Datatype type = utf8_string_type();
  const CStrings pointer(value);
  put_attribute(object, name, type.get(), type.get(), std::nullopt, pointer.data());
}

void write_attribute(hid_t object, const std::string& name,
                     const std::vector<std::string>& values) {
  const Datatype type = utf8_string_type();
  const CStrings pointers(values);
  put_attribute(object, name, type.get(), type.get(), values.size(), pointers.data());
}

// Creates dataset `name` in `group` (scalar when `length` is empty) and writes `data`.
Dataset put_dataset(hid_t group, const std::string& name, hid_t file_type, hid_t memory_type,
                    std::optional<hsize_t> length, const void* data) {
  const PropertyList dcpl = dataset_create_plist(length.value_or(1));
  const Dataspace space = make_space(length);
  Dataset dataset(check_id(
      H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      fmt::format("creating dataset '{}'", name)));
  if (length && *length == 0) return dataset;  // zero rows: nothing to write
  check_ok(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
           fmt::format("writing dataset '{}'", name));
  return dataset;
}

Dataset write_values(hid_t group, const std::string& name,
                     const std::vector<std::int64_t>& values) {
  return put_dataset(group, name, H5T_STD_I64LE, H5T_NATIVE_INT64, values.size(), values.data());
}

Dataset write_values(hid_t group, const std::string& name, const std::vector<double>& values) {
  return put_dataset(group, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.size(), values.data());
}

Dataset write_values(hid_t group, const std::string& name, const std::vector<std::string>& values) {
  const Datatype type = utf8_string_type();
  const CStrings pointers(values);
  return put_dataset(group, name, type.get(), type.get(), values.size(), pointers.data());
}

void write_column(hid_t group, const Column& column) {
  if (column.name.empty() || column.name.find('/') != std::string::npos)
    throw Failure(fmt::format("column name '{}' is empty or contains '/'", column.name));
  const Dataset dataset = std::visit(
      [&](const auto& values) { return write_values(group, column.name, values); }, column.data);
  if (!column.unit.empty()) write_attribute(dataset.get(), "unit", column.unit);
  if (!column.description.empty())
    write_attribute(dataset.get(), "description", column.description);
}

void write_table(hid_t file, const Table& table) {
  try {
    table.rows();  // throws std::logic_error when the columns have unequal lengths
  } catch (const std::logic_error& error) {
    throw Failure(error.what());
  }
  const Group group = create_group_path(file, table.path());
  std::vector<std::string> names;
  for (const auto& column : table.columns()) {
    write_column(group.get(), column);
    names.push_back(column.name);
  }
  write_attribute(group.get(), "columns", names);
}

void write_scenario(hid_t file, const std::string& yaml) {
  const Group config = create_group_path(file, "/config");
  const Datatype type = utf8_string_type();
  const CStrings pointer(yaml);
  put_dataset(config.get(), "scenario", type.get(), type.get(), std::nullopt, pointer.data());
}

// The file is built in memory (HDF5's core driver, no backing store): HDF5 never writes to
// disk, so a full disk or a failing device cannot leave the library holding a half-flushed
// file (HDF5 1.10 then crashes in its exit handler). The image is written out with plain
// POSIX calls whose every failure is ours to report.
File create_file_in_memory() {
  PropertyList fcpl = make_plist(H5P_FILE_CREATE, "creating file properties");
  disable_timestamps(fcpl.get());
  // Track creation order on the root group so root attributes read back in written order.
  check_ok(H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
           "tracking attribute creation order");
  check_ok(H5Pset_userblock(fcpl.get(), kUserBlockSize), "reserving the checksum block");
  PropertyList fapl = make_plist(H5P_FILE_ACCESS, "creating file access properties");
  check_ok(H5Pset_fapl_core(fapl.get(), 1 << 20, false), "choosing the in-memory driver");
  const hid_t id = H5Fcreate("trustsim-results-in-memory", H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  return File(check_id(id, "creating the result file in memory"));
}

void write_contents(hid_t file, const ResultFile& contents) {
  for (const auto& attribute : contents.root_attributes)
    std::visit([&](const auto& value) { write_attribute(file, attribute.name, value); },
               attribute.value);
  write_scenario(file, contents.scenario_yaml);
  for (const auto& table : contents.tables) write_table(file, table);
}

// The checksum block: the first kUserBlockSize bytes, which HDF5 leaves to the user.
std::string checksum_block(std::string_view body) {
  std::string block =
      fmt::format("{}sha256={}\nbytes={}\n", kChecksumHeader, sha256_hex(body), body.size());
  block.resize(kUserBlockSize, '\0');
  return block;
}

// The complete file: checksum block, then HDF5's image after its user block.
std::string file_image(const ResultFile& contents) {
  File file = create_file_in_memory();
  write_contents(file.get(), contents);
  check_ok(H5Fflush(file.get(), H5F_SCOPE_LOCAL), "finishing the file in memory");
  const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
  if (size <= 0) fail("getting the file image");
  // The core driver's image starts at HDF5's superblock; the user block goes before it.
  std::string image(kUserBlockSize + static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(file.get(), image.data() + kUserBlockSize,
                        static_cast<std::size_t>(size)) != size)
    fail("getting the file image");
  check_ok(file.close(), "closing the file in memory");
  const std::string block = checksum_block(std::string_view(image).substr(kUserBlockSize));
  image.replace(0, kUserBlockSize, block);
  return image;
}

// Writes `image` to a new file at `temporary` and syncs it: without the fsync a crash
// shortly after the rename could leave the target name on a file never written to disk.
void write_image(const fs::path& temporary, const std::string& image) {
  const FileDescriptor fd(
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  const auto io_failure = [&](std::string_view what) {
    throw Failure(fmt::format("{} '{}': {}", what, temporary.string(),
                              std::generic_category().message(errno)));
  };
  if (fd.get() < 0) io_failure("creating");
  if (!write_fully(fd.get(), image.data(), image.size())) io_failure("writing");
  if (::fsync(fd.get()) != 0) io_failure("syncing");
}

// ---------------------------------------------------------------------------
// Reading

// Frees the strings HDF5 allocated for a variable-length read, also when a copy throws.
class VlenBuffer {
 public:
  VlenBuffer(hid_t type, hid_t space, std::size_t count)
      : type_(type), space_(space), pointers_(count, nullptr) {}
  VlenBuffer(const VlenBuffer&) = delete;
  VlenBuffer& operator=(const VlenBuffer&) = delete;
  ~VlenBuffer() {
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(type_, space_, H5P_DEFAULT, pointers_.data());
#else
    H5Dvlen_reclaim(type_, space_, H5P_DEFAULT, pointers_.data());
#endif
  }
  char** data() { return pointers_.data(); }
  const std::vector<char*>& pointers() const { return pointers_; }

 private:
  hid_t type_;
  hid_t space_;
  std::vector<char*> pointers_;
};

// Reads `count` strings of `file_type` (variable or fixed length) through `read`, which
// calls H5Aread or H5Dread with the memory type and buffer it is given.
template <class Read>
std::vector<std::string> read_strings(hid_t file_type, hid_t space, std::size_t count, Read read) {
  std::vector<std::string> strings;
  if (count == 0) return strings;
  strings.reserve(count);
  Datatype memory_type(check_id(H5Tcopy(H5T_C_S1), "copying the string type"));
  check_ok(H5Tset_cset(memory_type.get(), H5Tget_cset(file_type)), "setting a character set");
  if (H5Tis_variable_str(file_type) > 0) {
    check_ok(H5Tset_size(memory_type.get(), H5T_VARIABLE), "making a string type");
    VlenBuffer buffer(memory_type.get(), space, count);
    check_ok(read(memory_type.get(), buffer.data()), "reading strings");
    for (const char* pointer : buffer.pointers()) strings.emplace_back(pointer ? pointer : "");
    return strings;
  }
  // Fixed-length strings (written by other tools): NUL-padded, trimmed at the first NUL.
  const std::size_t size = H5Tget_size(file_type);
  check_ok(H5Tset_size(memory_type.get(), size), "making a string type");
  check_ok(H5Tset_strpad(memory_type.get(), H5T_STR_NULLPAD), "setting string padding");
  std::vector<char> buffer(count * size);
  check_ok(read(memory_type.get(), buffer.data()), "reading strings");
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view text(buffer.data() + i * size, size);
    strings.emplace_back(text.substr(0, text.find('\0')));
  }
  return strings;
}

std::size_t element_count(hid_t space) {
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  if (count < 0) fail("counting elements");
  return static_cast<std::size_t>(count);
}

AttributeHandle open_attribute(hid_t object, const std::string& name) {
  return AttributeHandle(check_id(H5Aopen(object, name.c_str(), H5P_DEFAULT),
                                  fmt::format("opening attribute '{}'", name)));
}

std::vector<std::string> read_string_attribute(hid_t object, const std::string& name) {
  const AttributeHandle attribute = open_attribute(object, name);
  const Datatype type(check_id(H5Aget_type(attribute.get()), "getting an attribute type"));
  const Dataspace space(check_id(H5Aget_space(attribute.get()), "getting an attribute space"));
  if (H5Tget_class(type.get()) != H5T_STRING)
    throw Failure(fmt::format("attribute '{}' does not hold strings", name));
  return read_strings(type.get(), space.get(), element_count(space.get()),
                      [&](hid_t memory_type, void* buffer) {
                        return H5Aread(attribute.get(), memory_type, buffer);
                      });
}

bool has_attribute(hid_t object, const std::string& name) {
  const htri_t exists = H5Aexists(object, name.c_str());
  check_ok(exists, fmt::format("looking up attribute '{}'", name));
  return exists > 0;
}

std::string read_optional_text(hid_t object, const std::string& name) {
  if (!has_attribute(object, name)) return {};
  const auto values = read_string_attribute(object, name);
  return values.empty() ? std::string() : values.front();
}

// A single-valued integer, float or string attribute; anything else (which other tools may
// add) is skipped rather than making the whole file unreadable.
std::optional<AttributeValue> read_attribute_value(hid_t object, const std::string& name) {
  const AttributeHandle attribute = open_attribute(object, name);
  const Datatype type(check_id(H5Aget_type(attribute.get()), "getting an attribute type"));
  const Dataspace space(check_id(H5Aget_space(attribute.get()), "getting an attribute space"));
  if (element_count(space.get()) != 1) return std::nullopt;
  const std::string what = fmt::format("reading attribute '{}'", name);
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: {
      std::int64_t value = 0;
      check_ok(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value), what);
      return value;
    }
    case H5T_FLOAT: {
      double value = 0;
      check_ok(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value), what);
      return value;
    }
    case H5T_STRING: return read_string_attribute(object, name).front();
    default: return std::nullopt;
  }
}

// Attribute names in creation order where the file tracks it (ours do), else by name.
std::vector<std::string> attribute_names(hid_t object) {
  std::vector<std::string> names;
  const auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    try {
      static_cast<std::vector<std::string>*>(out)->emplace_back(name);
      return 0;
    } catch (...) {  // an exception must not cross HDF5's C frames
      return -1;
    }
  };
  hsize_t position = 0;
  if (H5Aiterate2(object, H5_INDEX_CRT_ORDER, H5_ITER_INC, &position, collect, &names) >= 0)
    return names;
  H5Eclear2(H5E_DEFAULT);
  names.clear();
  position = 0;
  check_ok(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &position, collect, &names),
           "listing attributes");
  return names;
}

std::vector<Attribute> read_root_attributes(hid_t file) {
  std::vector<Attribute> attributes;
  for (const auto& name : attribute_names(file))
    if (auto value = read_attribute_value(file, name))
      attributes.push_back(Attribute{name, std::move(*value)});
  return attributes;
}

void check_format(hid_t file) {
  const std::string prefix = "not a trustsim result file";
  if (!has_attribute(file, "format")) throw Failure(prefix + " (no 'format' attribute)");
  const auto format = read_attribute_value(file, "format");
  const auto* text = format ? std::get_if<std::string>(&*format) : nullptr;
  if (text == nullptr) throw Failure(prefix + " ('format' is not a string)");
  if (*text != kFormat) throw Failure(fmt::format("{} (format is '{}')", prefix, *text));
}

template <class T>
std::vector<T> read_numbers(hid_t dataset, hid_t memory_type, std::size_t count,
                            std::string_view what) {
  std::vector<T> values(count);
  if (count > 0)
    check_ok(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), what);
  return values;
}

ColumnData read_column_data(hid_t dataset, hid_t type, hid_t space, std::string_view what) {
  const std::size_t count = element_count(space);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return read_numbers<std::int64_t>(dataset, H5T_NATIVE_INT64, count, what);
    case H5T_FLOAT: return read_numbers<double>(dataset, H5T_NATIVE_DOUBLE, count, what);
    case H5T_STRING:
      return read_strings(type, space, count, [&](hid_t memory_type, void* buffer) {
        return H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
      });
    default: throw Failure(fmt::format("{}: not an integer, float or string column", what));
  }
}

Column read_column(hid_t group, const std::string& table_path, const std::string& name) {
  const std::string what = fmt::format("reading column '{}' of table '{}'", name, table_path);
  const Dataset dataset(check_id(H5Dopen2(group, name.c_str(), H5P_DEFAULT), what));
  const Datatype type(check_id(H5Dget_type(dataset.get()), what));
  const Dataspace space(check_id(H5Dget_space(dataset.get()), what));
  if (H5Sget_simple_extent_ndims(space.get()) != 1)
    throw Failure(fmt::format("{}: not a one-dimensional dataset", what));
  Column column{name, read_column_data(dataset.get(), type.get(), space.get(), what), {}, {}};
  column.unit = read_optional_text(dataset.get(), "unit");
  column.description = read_optional_text(dataset.get(), "description");
  return column;
}

Table read_table(hid_t file, const std::string& path) {
  if (!path_exists(file, path)) throw Failure(fmt::format("table '{}' is missing", path));
  const Group group(check_id(H5Gopen2(file, path.c_str(), H5P_DEFAULT),
                             fmt::format("opening table '{}' (not a group?)", path)));
  if (!has_attribute(group.get(), "columns"))
    throw Failure(fmt::format("table '{}' has no 'columns' attribute", path));
  Table table(path);
  for (const auto& name : read_string_attribute(group.get(), "columns"))
    table.columns().push_back(read_column(group.get(), path, name));
  try {
    table.rows();  // the contract says equal lengths; a foreign file may not keep it
  } catch (const std::logic_error& error) {
    throw Failure(error.what());
  }
  return table;
}

std::string read_scenario(hid_t file) {
  if (!path_exists(file, "/config/scenario")) throw Failure("'/config/scenario' is missing");
  const std::string what = "reading '/config/scenario'";
  const Dataset dataset(check_id(H5Dopen2(file, "/config/scenario", H5P_DEFAULT), what));
  const Datatype type(check_id(H5Dget_type(dataset.get()), what));
  const Dataspace space(check_id(H5Dget_space(dataset.get()), what));
  if (H5Tget_class(type.get()) != H5T_STRING || element_count(space.get()) != 1)
    throw Failure("'/config/scenario' is not a single string");
  return read_strings(type.get(), space.get(), 1,
                      [&](hid_t memory_type, void* buffer) {
                        return H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                       buffer);
                      })
      .front();
}

// The whole file, read without blocking on a FIFO or following it into a device.
std::string read_file_bytes(const fs::path& path) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) throw Failure("the file does not exist");
    if (errno == EISDIR) throw Failure("it is a directory");
    throw Failure(std::generic_category().message(errno));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw Failure(std::generic_category().message(errno));
  if (S_ISDIR(info.st_mode)) throw Failure("it is a directory");
  if (!S_ISREG(info.st_mode)) throw Failure("it is not a regular file (a FIFO, socket or device)");
  std::string bytes;
  const auto size = static_cast<std::size_t>(info.st_size);
  if (!read_up_to(fd.get(), size, bytes)) throw Failure(std::generic_category().message(errno));
  if (bytes.size() != size) throw Failure("the file changed size while it was read");
  return bytes;
}

// Checks the checksum block against the rest of the file.
void check_checksum(const std::string& bytes) {
  const std::string_view signature = "\x89HDF\r\n\x1a\n";
  if (!bytes.starts_with(kChecksumHeader)) {
    if (bytes.starts_with(signature))
      throw Failure(
          "not a trustsim result file, or one written before schema version 2: it is an HDF5 "
          "file without the checksum block trustsim writes, so it cannot be verified");
    throw Failure(bytes.size() < kUserBlockSize && bytes.empty() ? "the file is empty"
                                                                 : "not a trustsim result file");
  }
  if (bytes.size() < kUserBlockSize) throw Failure("the file is truncated");
  const std::string_view block(bytes.data(), kUserBlockSize);
  const auto field = [&](std::string_view key) {
    const auto at = block.find(key);
    if (at == std::string_view::npos) return std::string_view();
    const auto start = at + key.size();
    return block.substr(start, block.find('\n', start) - start);
  };
  // Everything after the block's text is NUL padding.
  const auto text_end = block.find("\n", block.find("\nbytes=") + 1);
  if (text_end == std::string_view::npos ||
      block.find_first_not_of('\0', text_end + 1) != std::string_view::npos)
    throw Failure("the file is damaged: its checksum block holds unexpected bytes");
  const std::string_view body(bytes.data() + kUserBlockSize, bytes.size() - kUserBlockSize);
  if (field("\nbytes=") != std::to_string(body.size()))
    throw Failure(fmt::format(
        "the file is truncated, extended or was changed after trustsim wrote it: {} bytes "
        "follow its checksum block, which says {}",
        body.size(), one_line(field("\nbytes="), 24)));
  if (field("\nsha256=") != sha256_hex(body))
    throw Failure(
        "the file is damaged or was changed after trustsim wrote it: its SHA-256 does not "
        "match the checksum block");
}

File open_image(const std::string& bytes) {
  PropertyList fapl = make_plist(H5P_FILE_ACCESS, "creating file access properties");
  check_ok(H5Pset_fapl_core(fapl.get(), 1 << 20, false), "choosing the in-memory driver");
  check_ok(H5Pset_file_image(fapl.get(), const_cast<char*>(bytes.data()), bytes.size()),
           "handing the file image to HDF5");
  const hid_t id = H5Fopen("trustsim-results-in-memory", H5F_ACC_RDONLY, fapl.get());
  return File(check_id(id, "cannot open it as an HDF5 file"));
}

// Whether every group on an absolute path ("/analysis/sobol") exists.
bool group_exists(hid_t file, const std::string& path) {
  for (std::size_t at = path.find('/', 1);; at = path.find('/', at + 1)) {
    if (H5Lexists(file, path.substr(0, at).c_str(), H5P_DEFAULT) <= 0) return false;
    if (at == std::string::npos) return true;
  }
}

// Every table of a file: each group with a 'columns' attribute, by path in name order.
std::vector<std::string> every_table(hid_t file) {
  std::vector<std::string> paths;
  const auto visit = [](hid_t group, const char* name, const H5L_info_t*, void* data) -> herr_t {
    if (H5Aexists_by_name(group, name, "columns", H5P_DEFAULT) > 0)
      static_cast<std::vector<std::string>*>(data)->push_back(std::string("/") + name);
    return 0;
  };
  check_ok(H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, visit, &paths), "listing the tables");
  return paths;
}

// The tables of a file image (bytes already read and, where asked, verified).
ResultFile parse_image(const std::string& bytes, std::vector<std::string> table_paths) {
  const File file = open_image(bytes);  // HDF5 keeps its own copy of the image
  check_format(file.get());
  ResultFile contents;
  contents.root_attributes = read_root_attributes(file.get());
  contents.scenario_yaml = read_scenario(file.get());
  if (table_paths == std::vector<std::string>{kEveryTable}) table_paths = every_table(file.get());
  for (auto table_path : table_paths) {
    const bool optional = table_path.ends_with('?');
    if (optional) table_path.pop_back();
    if (optional && !group_exists(file.get(), table_path)) continue;
    contents.tables.push_back(read_table(file.get(), table_path));
  }
  return contents;
}

// ---------------------------------------------------------------------------
// Output check

// Creates and removes a probe file in `directory`, returning why that failed (empty if not).
std::string probe_directory(const fs::path& target, const fs::path& directory) {
  const fs::path probe = directory / sibling_path(target, "probe").filename();
  // O_EXCL: never open, and so never remove, a file that is not ours.
  const FileDescriptor fd(::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    const int error = errno;
    if (error == EACCES || error == EPERM)
      return fmt::format("permission denied (cannot create files in '{}')", directory.string());
    if (error == EROFS)
      return fmt::format("directory '{}' is on a read-only file system", directory.string());
    return fmt::format("cannot create files in '{}': {}", directory.string(),
                       std::generic_category().message(error));
  }
  ::unlink(probe.c_str());
  return {};
}

}  // namespace

void check_output_writable(const std::filesystem::path& path) {
  const auto reject = [&](const std::string& why) {
    throw InputError(fmt::format("cannot write results to '{}': {}", path.string(), why));
  };
  if (path.empty()) reject("the path is empty");
  const fs::path directory = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code error;
  const auto directory_status = fs::status(directory, error);
  if (error == std::errc::permission_denied)
    reject(fmt::format("permission denied (cannot access directory '{}')", directory.string()));
  if (!fs::exists(directory_status))
    reject(fmt::format("directory '{}' does not exist", directory.string()));
  if (!fs::is_directory(directory_status))
    reject(fmt::format("'{}' is not a directory", directory.string()));
  if (fs::is_directory(fs::status(path, error))) reject("it is a directory");
  if (const std::string why = probe_directory(path, directory); !why.empty()) reject(why);
}

void write_result_file(const std::filesystem::path& path, const ResultFile& file) {
  silence_hdf5_errors();
  const fs::path temporary = sibling_path(path, "tmp");
  try {
    write_image(temporary, file_image(file));
    std::error_code error;
    fs::rename(temporary, path, error);
    if (error)
      throw Failure(fmt::format("renaming '{}' onto it: {}", temporary.string(), error.message()));
    const fs::path directory = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    const FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());  // the rename itself survives a crash
  } catch (const std::exception& failure) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw RunError(fmt::format("cannot write results to '{}': {}", path.string(),
                               one_line(failure.what(), 400)));
  }
}

namespace {

// A ResultFile as bytes, from the child process that parsed it to its parent.
enum class ChildReply : std::uint8_t { kFile = 1, kRefused = 2, kOutOfMemory = 3 };

void put_result(ByteWriter& w, const ResultFile& file) {
  w.put<std::uint64_t>(file.root_attributes.size());
  for (const auto& a : file.root_attributes) {
    w.put_string(a.name);
    w.put<std::uint8_t>(static_cast<std::uint8_t>(a.value.index()));
    std::visit(
        [&](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>)
            w.put_string(v);
          else
            w.put(v);
        },
        a.value);
  }
  w.put_string(file.scenario_yaml);
  w.put<std::uint64_t>(file.tables.size());
  for (const auto& t : file.tables) {
    w.put_string(t.path());
    w.put<std::uint64_t>(t.columns().size());
    for (const auto& c : t.columns()) {
      w.put_string(c.name);
      w.put_string(c.unit);
      w.put_string(c.description);
      w.put<std::uint8_t>(static_cast<std::uint8_t>(c.data.index()));
      std::visit(
          [&](const auto& values) {
            using V = typename std::decay_t<decltype(values)>::value_type;
            if constexpr (std::is_same_v<V, std::string>) {
              w.put<std::uint64_t>(values.size());
              for (const auto& v : values) w.put_string(v);
            } else {
              w.put_vector(values);
            }
          },
          c.data);
    }
  }
}

ResultFile get_result(ByteReader& r) {
  ResultFile file;
  const auto attributes = r.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < attributes; ++i) {
    Attribute a{r.get_string(), {}};
    switch (r.get<std::uint8_t>()) {
      case 0: a.value = r.get<std::int64_t>(); break;
      case 1: a.value = r.get<double>(); break;
      default: a.value = r.get_string(); break;
    }
    file.root_attributes.push_back(std::move(a));
  }
  file.scenario_yaml = r.get_string();
  const auto tables = r.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < tables; ++i) {
    Table t(r.get_string());
    const auto columns = r.get<std::uint64_t>();
    for (std::uint64_t k = 0; k < columns; ++k) {
      Column c;
      c.name = r.get_string();
      c.unit = r.get_string();
      c.description = r.get_string();
      switch (r.get<std::uint8_t>()) {
        case 0: c.data = r.get_vector<std::int64_t>(); break;
        case 1: c.data = r.get_vector<double>(); break;
        default: {
          std::vector<std::string> values(r.get<std::uint64_t>());
          for (auto& v : values) v = r.get_string();
          c.data = std::move(values);
        }
      }
      t.columns().push_back(std::move(c));
    }
    file.tables.push_back(std::move(t));
  }
  return file;
}

// The child: parses the file and writes its reply to `fd`, then leaves without running
// exit handlers (the parent's HDF5 and stdio state are not ours to flush).
[[noreturn]] void parse_in_child(int fd, const std::string& bytes,
                                 const std::vector<std::string>& table_paths) {
#if TRUSTSIM_ADDRESS_SANITIZER
  // Under a fuzzer, its death callback would report this child's end as the fuzzer's own
  // crash: a crash here is the parent's refusal, nothing more.
  __sanitizer_set_death_callback(nullptr);
#endif
  ByteWriter w;
  try {
    const ResultFile file = parse_image(bytes, table_paths);
    w.put(ChildReply::kFile);
    put_result(w, file);
  } catch (const Failure& failure) {
    w.bytes.clear();
    w.put(ChildReply::kRefused);
    w.put_string(failure.what());
  } catch (const std::bad_alloc&) {
    w.bytes.clear();
    w.put(ChildReply::kOutOfMemory);
  } catch (const std::exception& error) {
    w.bytes.clear();
    w.put(ChildReply::kRefused);
    w.put_string(error.what());
  }
  const bool written = write_fully(fd, w.bytes.data(), w.bytes.size());
  ::_exit(written ? 0 : 1);
}

// Reads the child's whole reply, giving up after `seconds`.
bool read_reply(int fd, std::string& reply, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  char buffer[65536];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return false;
    pollfd wait{fd, POLLIN, 0};
    const int ready = ::poll(&wait, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;  // end of the reply (or the child died)
    reply.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

ResultFile read_result_file(const std::filesystem::path& path,
                            const std::vector<std::string>& table_paths, bool verify_checksum) {
  silence_hdf5_errors();
  const auto refuse = [&](const std::string& why) {
    return InputError(fmt::format("cannot read results from '{}': {}", path.string(), why));
  };
  // The bytes are read and their checksum checked here. HDF5 1.10 is not memory-safe on
  // crafted files (fuzzing found a buffer overflow and a leak inside it on files whose
  // checksum was forged), so it parses them in a child process: a crash, a hang or a leak
  // there is a refusal here, never this process's fault.
  std::string bytes;
  try {
    bytes = read_file_bytes(path);
    if (verify_checksum) check_checksum(bytes);
  } catch (const Failure& failure) {
    throw refuse(failure.what());
  } catch (const std::bad_alloc&) {
    throw refuse("it is larger than the memory available");
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw RunError(fmt::format("cannot read results from '{}': {}", path.string(),
                               std::generic_category().message(errno)));
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw RunError(fmt::format("cannot read results from '{}': {}", path.string(),
                               std::generic_category().message(errno)));
  }
  if (child == 0) {
    ::close(fds[0]);
    parse_in_child(fds[1], bytes, table_paths);
  }
  ::close(fds[1]);
  std::string reply;
  constexpr int kParseSeconds = 600;
  const bool finished = read_reply(fds[0], reply, kParseSeconds);
  ::close(fds[0]);
  if (!finished) ::kill(child, SIGKILL);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished)
    throw refuse(fmt::format("reading it took longer than {} s (damaged?)", kParseSeconds));
  if (WIFSIGNALED(status))
    throw refuse(
        fmt::format("the HDF5 library failed on its contents (signal {}): the file is "
                    "damaged or was made by something else than trustsim",
                    WTERMSIG(status)));
  try {
    ByteReader r({reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()});
    switch (r.get<ChildReply>()) {
      case ChildReply::kFile: return get_result(r);
      case ChildReply::kRefused: throw refuse(r.get_string());
      case ChildReply::kOutOfMemory:
        throw refuse("it claims more data than fits in memory (damaged?)");
    }
  } catch (const RunError&) {
  }
  throw refuse("the reader stopped before it finished (damaged file?)");
}

}  // namespace trustsim
