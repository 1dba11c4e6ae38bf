# Project-wide warning flags, in one place.
set(NSIM_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wconversion -Wno-sign-conversion -Wimplicit-fallthrough)
if(NSIM_WERROR)
  list(APPEND NSIM_WARNINGS -Werror)
endif()

# nsim_add_library(NAME folder SOURCES ... DEPS ...)
# Makes the library target notion_sim_<folder> with the alias notion_sim::<folder>; its public
# headers live in <folder>/include/notion_sim/<folder>/.
function(nsim_add_library folder)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target notion_sim_${folder})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(notion_sim::${folder} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                       PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_options(${target} PRIVATE ${NSIM_WARNINGS})
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# nsim_add_test(NAME SOURCES ... DEPS ...): a GoogleTest binary whose tests CTest discovers.
function(nsim_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${NSIM_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  # Each discovered test is labelled with its binary, so `ctest -L live_test` runs one binary's.
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES ENVIRONMENT "NSIM_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
                                  LABELS ${name})
endfunction()

# nsim_add_bench(NAME SOURCES ... DEPS ...): a Google Benchmark binary that also runs as a short
# smoke test in CTest, so it cannot rot.
function(nsim_add_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${NSIM_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  if(NSIM_BUILD_TESTS)
    add_test(NAME smoke.${name} COMMAND ${name} --benchmark_min_time=0.001)
  endif()
endfunction()
