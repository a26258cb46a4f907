#include "train/checkpoint.h"

#include <signal.h>

#include <cerrno>
#include <charconv>
#include <cmath>

#include "engine/file_io.h"

namespace pigment::train {

namespace fs = std::filesystem;

namespace {
fs::path net_file(const fs::path& dir, const std::string& tag, const std::string& name) {
  return dir / (tag + "_net_" + name + ".safetensors");
}
fs::path state_file(const fs::path& dir, const std::string& tag) { return dir / (tag + "_state.safetensors"); }
// The state's record of which net file belongs to its generation.
std::string checksum_key(const std::string& name) { return "net_" + name + "_checksum"; }

std::string get(const Metadata& m, const std::string& key, const fs::path& file) {
  auto it = m.find(key);
  PIGMENT_CHECK(it != m.end(), "{}: metadata '{}' is missing: not a Pigment training state file", file.string(), key);
  return it->second;
}

// A file's total_iters; -1 when it has none (or not a number).
std::int64_t step_of(const Metadata& m) {
  auto it = m.find("total_iters");
  std::int64_t step = -1;
  if (it != m.end()) std::from_chars(it->second.data(), it->second.data() + it->second.size(), step);
  return step;
}
std::string step_text(std::int64_t step) { return step < 0 ? "step unknown" : fmt::format("step {}", step); }

// How many values of a host tensor are inf or NaN.
std::int64_t count_non_finite(const Tensor& host) {
  return visit_dtype(host.dtype(), [&]<class T>() {
    const T* p = host.data<T>();
    std::int64_t bad = 0;
    for (std::int64_t i = 0; i < host.numel(); ++i) bad += !std::isfinite(p[i]);
    return bad;
  });
}

// A file's tensors, on the host, refusing inf/NaN.
SafetensorsContents finite_contents(SafetensorsContents c, const fs::path& file) {
  for (const auto& [name, t] : c.tensors) {
    const std::int64_t bad = count_non_finite(t);
    PIGMENT_CHECK(bad == 0,
                  "'{}' holds inf/NaN in '{}' ({} of its {} values): a diverged or corrupted save; use another "
                  "--epoch",
                  file.string(), name, bad, t.numel());
  }
  return c;
}

SafetensorsContents load_finite(const fs::path& file) {
  return finite_contents(load_safetensors(file, Device::cpu()), file);
}

// One network's entries net_<name>.<key> of a state, as a state_dict.
TensorList network_of_state(const TensorList& state, const std::string& name) {
  TensorList sd;
  const std::string prefix = "net_" + name + ".";
  for (const auto& [key, t] : state)
    if (key.starts_with(prefix)) sd.emplace_back(key.substr(prefix.size()), t);
  return sd;
}

// Whether a net file is of the generation whose state recorded `checksum`: `problem` is empty when
// it is, else says what is wrong with it. With `contents` the whole file is read (its data checksum
// verified) into it; without, only its header.
struct NetFileCheck {
  std::string problem;
  std::int64_t step = -1;
};
NetFileCheck check_net_file(const fs::path& file, const std::string& checksum, SafetensorsContents* contents) {
  if (!fs::exists(file)) return {"is missing"};
  try {
    Metadata m;
    if (contents) {
      *contents = load_finite(file);
      m = contents->metadata;
    } else {
      m = read_safetensors_metadata(file);
    }
    const std::int64_t step = step_of(m);
    auto it = m.find(kDataChecksumKey);
    if (it == m.end() || it->second != checksum)
      return {fmt::format("({}) is from an interrupted save, not the one that wrote the state", step_text(step)), step};
    return {"", step};
  } catch (const Error& e) {
    return {fmt::format("cannot be used ({})", e.what())};
  }
}
}  // namespace

void save_checkpoint(const fs::path& dir, const std::string& tag, const nets::Model& model,
                     const LrScheduler& scheduler, const Progress& progress, const std::string& options_json,
                     const std::vector<std::vector<std::byte>>& other_ranks) {
  // Everything to be written, on the host (device tensors copied once; host tensors as they are):
  // checked there, then serialized from there.
  TensorList state;
  Metadata meta;
  for (const auto& [name, net] : model.networks())
    for (const auto& [key, t] : net->state_dict()) state.emplace_back("net_" + name + "." + key, t);
  model.save_training_state(state, meta);
  for (std::size_t i = 0; i < other_ranks.size(); ++i) {
    const std::string prefix = fmt::format("rank{}.", i + 1);
    const SafetensorsContents rank_state =
        parse_safetensors(other_ranks[i], fmt::format("rank {}'s state", i + 1), Device::cpu());
    for (const auto& [key, t] : rank_state.tensors) state.emplace_back(prefix + key, t);
    for (const auto& [key, value] : rank_state.metadata)
      if (key != kDataChecksumKey) meta[prefix + key] = value;
  }
  meta["world_size"] = std::to_string(other_ranks.size() + 1);
  for (auto& [key, t] : state)
    if (!t.is_cpu()) t = t.to(Device::cpu());
  for (const auto& [key, t] : state)
    if (const std::int64_t bad = count_non_finite(t))
      throw NonFiniteState(fmt::format(
          "not saving checkpoint '{}' in '{}': '{}' holds inf/NaN in {} of its {} values; the training state "
          "has diverged, and the checkpoints already saved are unchanged",
          tag, dir.string(), key, bad, t.numel()));

  // Everything is finite: the net files are written one at a time (one file's bytes in memory at
  // once), each checksum kept for the state, which is written last and commits the generation.
  fs::create_directories(dir);
  for (const auto& [name, net] : model.networks()) {
    const std::vector<std::byte> bytes =
        serialize_safetensors(network_of_state(state, name),
                              {{"format", "pigment"}, {"arch", net->arch()}, {"network", name},
                               {"total_iters", std::to_string(progress.total_iters)}});
    meta[checksum_key(name)] = parse_safetensors_metadata(bytes, net_file(dir, tag, name).string()).at(kDataChecksumKey);
    write_file_atomically(net_file(dir, tag, name), bytes);
  }
  scheduler.save(meta);
  meta["format"] = "pigment-training-state";
  meta["model"] = std::string(nets::kModelNames.name(model.options().kind));
  meta["epoch"] = std::to_string(progress.epoch);
  meta["next_batch"] = std::to_string(progress.next_batch);
  meta["epoch_iter"] = std::to_string(progress.epoch_iter);
  meta["total_iters"] = std::to_string(progress.total_iters);
  meta["epoch_loss_sum"] = fmt::format("{:.17g}", progress.epoch_loss_sum);
  meta["epoch_loss_count"] = std::to_string(progress.epoch_loss_count);
  meta["options"] = options_json;
  write_file_atomically(state_file(dir, tag), serialize_safetensors(state, meta));  // last: it commits the generation
}

fs::path existing_state_file(const fs::path& dir, const std::string& tag) {
  const fs::path file = state_file(dir, tag);
  PIGMENT_CHECK(fs::exists(file),
                "--continue_train: no training state '{}' (checkpoints of --epoch {} are not there; run without "
                "--continue_train to start afresh, or pass the --epoch of an existing checkpoint)",
                file.string(), tag);
  return file;
}

LoadedCheckpoint load_checkpoint(const fs::path& dir, const std::string& tag, nets::Model& model,
                                 LrScheduler& scheduler, RankPlace place, const std::vector<std::byte>* state_bytes) {
  const fs::path file = state_bytes ? state_file(dir, tag) : existing_state_file(dir, tag);
  // On the host: the loads below copy to the device.
  const SafetensorsContents c =
      state_bytes ? finite_contents(parse_safetensors(*state_bytes, file.string(), Device::cpu()), file)
                  : load_finite(file);
  PIGMENT_CHECK(get(c.metadata, "format", file) == "pigment-training-state", "{}: not a Pigment training state file",
                file.string());
  const std::string saved_model = get(c.metadata, "model", file);
  PIGMENT_CHECK(saved_model == std::string(nets::kModelNames.name(model.options().kind)),
                "{}: this checkpoint trains model '{}', not '{}' (pass --model {})", file.string(), saved_model,
                std::string(nets::kModelNames.name(model.options().kind)), saved_model);
  for (const auto& [name, net] : model.networks())
    net->load_state_dict(network_of_state(c.tensors, name), file.string() + " (network " + name + ")");
  LoadedCheckpoint loaded;
  loaded.saved_world_size =
      c.metadata.contains("world_size") ? metadata_number<int>(c.metadata, "world_size", file.string()) : 1;
  loaded.exact = loaded.saved_world_size == place.world_size;
  // The state the file has for this rank: its own under "rank<r>." when the world size matches;
  // else a rank other than 0 keeps what it has (its fresh stream, empty pools), not rank 0's.
  TensorList rank_tensors;
  Metadata rank_metadata;
  const bool own_rank_state = place.rank > 0;
  if (own_rank_state && loaded.exact) {
    const std::string prefix = fmt::format("rank{}.", place.rank);
    for (const auto& [key, t] : c.tensors)
      if (key.starts_with(prefix)) rank_tensors.emplace_back(key.substr(prefix.size()), t);
    for (const auto& [key, value] : c.metadata)
      if (key.starts_with(prefix)) rank_metadata[key.substr(prefix.size())] = value;
  } else if (own_rank_state) {
    model.save_rank_state(rank_tensors, rank_metadata);
  }
  model.load_training_state(c.tensors, c.metadata);  // with rank 0's rank state …
  if (own_rank_state) model.load_rank_state(rank_tensors, rank_metadata);  // … replaced by this rank's
  scheduler.load(c.metadata);
  Progress& p = loaded.progress;
  p.epoch = metadata_number<std::int64_t>(c.metadata, "epoch", file.string());
  p.next_batch = metadata_number<std::int64_t>(c.metadata, "next_batch", file.string());
  p.epoch_iter = metadata_number<std::int64_t>(c.metadata, "epoch_iter", file.string());
  p.total_iters = metadata_number<std::int64_t>(c.metadata, "total_iters", file.string());
  p.epoch_loss_sum = metadata_number<double>(c.metadata, "epoch_loss_sum", file.string());
  p.epoch_loss_count = metadata_number<std::int64_t>(c.metadata, "epoch_loss_count", file.string());

  // The state alone was read; a net file of another generation only needs saying (gan-test would
  // not use it).
  for (const auto& [name, net] : model.networks()) {
    auto recorded = c.metadata.find(checksum_key(name));
    if (recorded == c.metadata.end()) continue;  // a state from before generations
    const fs::path nf = net_file(dir, tag, name);
    const NetFileCheck check = check_net_file(nf, recorded->second, nullptr);
    if (!check.problem.empty())
      fmt::print("gan-train: warning: '{}' {}; resuming from the state's generation at step {}; the next save "
                 "rewrites it\n",
                 nf.string(), check.problem, p.total_iters);
  }
  return loaded;
}

LoadedNetwork load_network(const fs::path& dir, const std::string& tag, const std::string& name, nets::Network& net) {
  const fs::path file = net_file(dir, tag, name);
  const fs::path state = state_file(dir, tag);
  std::string recorded;  // the state's checksum of this net file ("": nothing to compare with)
  std::int64_t state_step = -1;
  if (fs::exists(state)) {
    const Metadata m = read_safetensors_metadata(state);
    if (auto it = m.find(checksum_key(name)); it != m.end()) recorded = it->second;
    state_step = step_of(m);
  }
  if (recorded.empty()) {
    // No state, or one from before generations: the net file as it is.
    PIGMENT_CHECK(fs::exists(file), "no checkpoint '{}' (check --checkpoints_dir, --name and --epoch)",
                  file.string());
    const SafetensorsContents c = load_finite(file);
    net.load_state_dict(c.tensors, file.string());
    return {file, step_of(c.metadata), false};
  }
  SafetensorsContents c;
  const NetFileCheck check = check_net_file(file, recorded, &c);
  if (check.problem.empty()) {
    net.load_state_dict(c.tensors, file.string());
    return {file, check.step, false};
  }
  fmt::print("'{}' {}; using network {} from '{}' ({}), the last complete save\n", file.string(), check.problem, name,
             state.string(), step_text(state_step));
  const SafetensorsContents s = load_finite(state);
  net.load_state_dict(network_of_state(s.tensors, name), state.string() + " (network " + name + ")");
  return {state, state_step, true};
}

int remove_stale_temporaries(const fs::path& dir) {
  std::error_code ec;
  int removed = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    // write_file_atomically's name: <file>.tmp.<pid of the writer>.
    const std::string name = entry.path().filename().string();
    const std::size_t at = name.rfind(".tmp.");
    if (at == std::string::npos || at == 0) continue;
    const char* first = name.data() + at + 5;
    const char* last = name.data() + name.size();
    pid_t pid = 0;
    const auto [end, err] = std::from_chars(first, last, pid);
    if (err != std::errc() || end != last || first == last || pid <= 0) continue;
    // ESRCH: no such process. EPERM means one exists (of another user): keep its file.
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (fs::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace pigment::train
