# Every third-party dependency comes from Debian's packages (scripts/deps.sh installs them).
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)          # libcrypto: SHA-256 for idempotency keys
find_package(SQLite3 REQUIRED)          # durable DLQ / key store in live runs
find_package(CLI11 REQUIRED)            # command-line parsing
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
if(NSIM_BUILD_TESTS)
  find_package(GTest REQUIRED)
  find_package(rapidcheck REQUIRED)
endif()
if(NSIM_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
