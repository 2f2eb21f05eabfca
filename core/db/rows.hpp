#pragma once
// The result of one statement: owns libpq's PGresult (freed on destruction).
// Values are text (we never ask for binary results); NULL reads as "" from
// text() and as nullopt from optional_text().
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct pg_result;  // libpq's PGresult; only connection.cpp/rows.cpp see it

namespace htut::db {

class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result);  // takes ownership

  int size() const;     // number of rows
  int columns() const;  // number of columns
  bool is_null(int row, int column) const;
  std::string_view text(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;
  std::optional<std::int64_t> optional_int(int row, int column) const;
  bool boolean(int row, int column) const;  // 't' / 'f'
  std::int64_t affected() const;            // rows changed by INSERT/UPDATE/DELETE

 private:
  struct Free {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Free> result_;
};

}  // namespace htut::db
