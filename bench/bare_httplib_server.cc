// The baseline of the `notion-sim serve` comparison (scripts/bench_serve.sh): a bare cpp-httplib
// server, the same library and version serve is built on, configured like serve (thread pool,
// keep-alive, TCP_NODELAY), answering every GET with one constant page body. Whatever serve costs
// on top of this is ours: routing, auth, the core's lock, the lookup, rendering, the journal.
//
//   bare_httplib_server [--port N] [--threads N] [--body-bytes N]
//
// Prints "listening on http://127.0.0.1:PORT" once it accepts; stops on SIGINT or SIGTERM.
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <httplib.h>

namespace {

// A page object shaped like the fake's answer to GET /v1/pages/{id}, padded to `bytes`.
std::string PageBody(std::size_t bytes) {
  std::string body =
      R"({"object":"page","id":"0b3c6e2a-5f1d-4c8e-9a7b-2d4e6f8a0c1e","created_time":"2026-01-01T00:00:00.000Z",)"
      R"("last_edited_time":"2026-01-01T00:00:00.000Z","archived":false,"in_trash":false,)"
      R"("parent":{"type":"data_source_id","data_source_id":"1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"},)"
      R"("properties":{"Name":{"id":"title","type":"title","title":[{"type":"text","text":{"content":")";
  const std::string tail = R"("}}]}},"url":"https://www.notion.so/x"})";
  if (body.size() + tail.size() < bytes) body.append(bytes - body.size() - tail.size(), 'x');
  return body + tail;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int threads = 16;              // serve's default
  std::size_t body_bytes = 700;  // about the fake's page answer
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) {
      port = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--threads") == 0) {
      threads = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--body-bytes") == 0) {
      body_bytes = static_cast<std::size_t>(std::atol(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: %s [--port N] [--threads N] [--body-bytes N]\n", argv[0]);
      return 2;
    }
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const std::string body = PageBody(body_bytes);
  httplib::Server server;
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads < 1 ? 1 : threads));
  };
  server.set_keep_alive_timeout(2);
  server.set_keep_alive_max_count(1000);
  server.set_tcp_nodelay(true);
  int listen_fd = -1;  // listened on again with serve's backlog (httplib's own is 5)
  server.set_socket_options([&listen_fd](int fd) {
    httplib::default_socket_options(fd);
    listen_fd = fd;
  });
  server.Get(".*", [&body](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json; charset=utf-8");
  });
  const int bound = port == 0 ? server.bind_to_any_port("127.0.0.1")
                              : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) {
    std::fprintf(stderr, "bare_httplib_server: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  if (listen_fd < 0 || ::listen(listen_fd, 256) != 0) {
    std::fprintf(stderr, "bare_httplib_server: cannot set the listen backlog\n");
    return 1;
  }
  std::thread listener([&server] { server.listen_after_bind(); });
  for (int waited_ms = 0; !server.is_running() && waited_ms < 10'000; ++waited_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::printf("listening on http://127.0.0.1:%d\n", bound);
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  server.stop();
  listener.join();
  return 0;
}
