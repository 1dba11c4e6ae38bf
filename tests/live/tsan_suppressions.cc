// ThreadSanitizer suppressions for the live tests (compiled into live_test; inert without TSan).
//
// cpp-httplib comes from Debian as a shared library built without ThreadSanitizer: its workers
// synchronize in code TSan cannot see, so their memcpy/memcmp on shared buffers look racy. It only
// serves the tests; the code under test (LiveLoop, CurlTransport) runs on one thread. Only reports
// from interceptors called inside that library are suppressed.
#if defined(__SANITIZE_THREAD__)
extern "C" const char* __tsan_default_suppressions();
extern "C" const char* __tsan_default_suppressions() {
  return "called_from_lib:libcpp-httplib.so\n";
}
#endif
