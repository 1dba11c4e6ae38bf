// NSIM_POLICY_CHECK: an assertion that stays on in release builds (STYLE.md), for conditions only a
// bug of ours can break. Thread-safe.
#pragma once

#include <cstdio>
#include <cstdlib>

#define NSIM_POLICY_CHECK(cond)                                                     \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)
