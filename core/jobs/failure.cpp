#include "jobs/failure.hpp"

#include <new>

namespace htut::jobs {

Failure classify(Stage stage, const Error& error, const std::string& key) {
  using Kind = Error::Kind;
  const std::string& why = error.message;
  switch (stage) {
    case Stage::read_object:
      switch (error.kind) {
        case Kind::unavailable:
          return {true, why};
        case Kind::not_found:
          return {false, "the uploaded file is missing from storage (" + key + ")"};
        case Kind::forbidden:
          return {false, "storage refused access to the uploaded file (" + key + "): " + why};
        case Kind::invalid:
          return {false, "the uploaded file's storage key is not valid (" + key + "): " + why};
        default:  // internal: an answer (4xx) that will not change
          return {false, "storage could not read the uploaded file (" + key + "): " + why};
      }
    case Stage::count:
      if (error.kind == Kind::unavailable) return {true, why};
      return {false, "the file cannot be counted: " + why};
    case Stage::database:
      // Down, restarting, a statement timeout, a schema being migrated
      // (internal): nothing to do with the document. The database refusing
      // the data itself will refuse it again.
      if (error.kind == Kind::unavailable || error.kind == Kind::internal) return {true, why};
      return {false, "the count could not be stored: " + why};
  }
  return {true, why};
}

std::string crash_error() {
  return "the worker stopped while counting this document " + std::to_string(kMaxStartsWithoutOutcome) +
         " times (killed or out of memory); it was not tried again";
}

std::string exception_error(const std::exception* e) {
  if (dynamic_cast<const std::bad_alloc*>(e) != nullptr)
    return "the worker ran out of memory while counting this document";
  if (e != nullptr) return std::string("counting this document failed unexpectedly: ") + e->what();
  return "counting this document failed unexpectedly";
}

}  // namespace htut::jobs
