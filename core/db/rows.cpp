#include "db/rows.hpp"

#include <charconv>
#include <cstdlib>

#include "db/libpq_api.hpp"

namespace htut::db {

void Rows::Free::operator()(pg_result* r) const { libpq().clear(r); }

Rows::Rows(pg_result* result) : result_(result) {}

int Rows::size() const { return result_ ? libpq().ntuples(result_.get()) : 0; }
int Rows::columns() const { return result_ ? libpq().nfields(result_.get()) : 0; }

bool Rows::is_null(int row, int column) const { return libpq().getisnull(result_.get(), row, column) == 1; }

std::string_view Rows::text(int row, int column) const {
  // PQgetlength, not strlen: the length libpq received is the truth.
  return {libpq().getvalue(result_.get(), row, column),
          static_cast<std::size_t>(libpq().getlength(result_.get(), row, column))};
}

std::optional<std::string> Rows::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return std::string(text(row, column));
}

std::optional<std::int64_t> Rows::optional_int(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  auto t = text(row, column);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

bool Rows::boolean(int row, int column) const { return text(row, column) == "t"; }

std::int64_t Rows::affected() const {
  if (!result_) return 0;
  const char* n = libpq().cmdTuples(result_.get());
  return (n == nullptr || *n == '\0') ? 0 : std::strtoll(n, nullptr, 10);
}

}  // namespace htut::db
