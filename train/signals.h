#pragma once
// Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal closed, ssh dropped, tmux killed) and SIGUSR1
// (a batch system's warning before it ends a job, e.g. Slurm's --signal; what mpirun forwards to
// every rank without ending them) during training: the first asks the loop to save a checkpoint
// after the current step and exit 130; a second exits at once (a checkpoint being written stays the
// previous complete one: every file is written atomically).
namespace pigment::train {

class InterruptHandler {
 public:
  // Installs the handlers; `announce`: say on stderr that a save follows (rank 0 of a data-parallel
  // run only, the others stop with it silently).
  explicit InterruptHandler(bool announce = true);
  ~InterruptHandler();  // restores the previous ones
  InterruptHandler(const InterruptHandler&) = delete;
  InterruptHandler& operator=(const InterruptHandler&) = delete;
  bool requested() const;
};

}  // namespace pigment::train
