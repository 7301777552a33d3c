// The in-process tessera runner and the child-process runner.
#include "runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

extern char** environ;

namespace tessera::bench {

using Clock = std::chrono::steady_clock;

std::string TesseraRunner::version() const {
  return "0.1.0";
}

void TesseraRunner::load(const LoadRequest& req) {
  set_num_threads(req.config->threads);
  std::vector<Tensor> inputs;
  for (const Input& in : req.inputs) inputs.push_back(in.tensor);
  op_ = Dispatcher::get().find_or_throw(req.op->dispatch);
  args_ = bind_call(*req.op, inputs, req.config->params);
  Stack s = args_;
  op_->call_boxed(s);
  output_ = s.at(0).to_tensor();
}

double TesseraRunner::run(int64_t iters) {
  // One stack for every call, as an interpreter keeps its own: only the op is timed.
  Stack s;
  s.reserve(args_.size() + 4);
  const auto start = Clock::now();
  for (int64_t i = 0; i < iters; ++i) {
    s.assign(args_.begin(), args_.end());
    op_->call_boxed(s);
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double TesseraRunner::overhead(int64_t iters) {
  const OperatorHandle add = Dispatcher::get().find_or_throw("add.Tensor");
  const Stack args{ones({1}), ones({1}), int64_t{1}};
  const auto start = Clock::now();
  for (int64_t i = 0; i < iters; ++i) {
    Stack s = args;
    add.call_boxed(s);
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double TesseraRunner::overhead_typed(int64_t iters) {
  const Tensor a = ones({1}), b = ones({1});
  const auto start = Clock::now();
  for (int64_t i = 0; i < iters; ++i) {
    Tensor c = add(a, b);
    asm volatile("" : : "r"(c.data_ptr()) : "memory");
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---- ProcessRunner ----

ProcessRunner::ProcessRunner(std::string name, std::vector<std::string> argv,
                             std::vector<std::string> env, const std::string& log_path,
                             double timeout_s)
    : name_(std::move(name)), timeout_s_(timeout_s) {
  int in_pipe[2], out_pipe[2];
  TSR_CHECK(pipe(in_pipe) == 0 && pipe(out_pipe) == 0, "bench: ", name_,
            ": pipe failed: ", std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addclose(&fa, in_pipe[1]);
  posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) envs.emplace_back(*e);
  for (const std::string& e : env) envs.push_back(e);
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : envs) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid;
  const int rc = posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  close(in_pipe[0]);
  close(out_pipe[1]);
  to_child_ = in_pipe[1];
  from_child_ = out_pipe[0];
  TSR_CHECK(rc == 0, "bench: ", name_, ": cannot start '", argv[0], "': ", std::strerror(rc));
  pid_ = pid;
  // A runner that dies must cost its configurations, not the harness: writes to it fail
  // with EPIPE (reported by request) instead of raising SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  const nlohmann::json hello = request({{"cmd", "hello"}});
  version_ = hello.value("version", "?");
}

ProcessRunner::~ProcessRunner() {
  if (to_child_ >= 0) close(to_child_);  // EOF on its stdin: the runner exits
  if (from_child_ >= 0) close(from_child_);
  if (pid_ > 0) {
    int status;
    for (int i = 0; i < 50; ++i) {  // up to 5 s, then kill
      if (waitpid(pid_, &status, WNOHANG) == pid_) return;
      usleep(100000);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
}

nlohmann::json ProcessRunner::request(const nlohmann::json& request_body) {
  // Each request carries a new id that the runner echoes: a reply left over from a request
  // that timed out is skipped rather than taken for this one's.
  nlohmann::json req = request_body;
  req["id"] = ++last_id_;
  const std::string line = req.dump() + "\n";
  size_t off = 0;
  while (off < line.size()) {
    const ssize_t n = write(to_child_, line.data() + off, line.size() - off);
    TSR_CHECK(n > 0, "bench: ", name_, " runner is gone (write failed: ", std::strerror(errno),
              ")");
    off += static_cast<size_t>(n);
  }
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s_);
  for (;;) {
    const size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      const std::string reply = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(reply);
      } catch (const nlohmann::json::exception&) {
        continue;  // not a protocol line (a library printing to stdout): skip it
      }
      if (!j.is_object() || j.value("id", nlohmann::json()) != req["id"]) continue;  // stale
      TSR_CHECK(j.value("ok", false), "bench: ", name_, ": ",
                j.value("error", std::string("failed")));
      return j;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    TSR_CHECK(left > 0, "bench: ", name_, " runner did not answer '", req.value("cmd", ""),
              "' within ", timeout_s_, " s");
    pollfd p{from_child_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000))) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(from_child_, buf, sizeof buf);
    TSR_CHECK(n > 0, "bench: ", name_, " runner exited (see its log)");
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

void ProcessRunner::load(const LoadRequest& req) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const Input& in : req.inputs) {
    inputs.push_back({{"path", in.path},
                      {"shape", in.tensor.sizes().vec()},
                      {"dtype", std::string(tessera::name(in.tensor.dtype()))}});
  }
  const nlohmann::json reply = request({{"cmd", "load"},
                                        {"op", req.op->name},
                                        {"params", req.config->params},
                                        {"dtype", std::string(tessera::name(req.config->dtype))},
                                        {"threads", req.config->threads},
                                        {"chainable", req.chainable},
                                        {"inputs", inputs},
                                        {"output", req.output_path}});
  note_ = reply.value("note", "");
}

namespace {

double seconds_of(const nlohmann::json& reply, const std::string& runner) {
  const auto it = reply.find("seconds");
  TSR_CHECK(it != reply.end() && it->is_number(), "bench: ", runner,
            ": reply without a time: ", reply.dump());
  return it->get<double>();
}

}  // namespace

double ProcessRunner::run(int64_t iters) {
  return seconds_of(request({{"cmd", "run"}, {"iters", iters}}), name_);
}

double ProcessRunner::overhead(int64_t iters) {
  return seconds_of(request({{"cmd", "overhead"}, {"iters", iters}}), name_);
}

}  // namespace tessera::bench
