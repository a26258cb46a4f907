#pragma once
// --continue_train with options other than the run's: which differences a resume accepts.
//   - Options that change what is trained (the data and its order, the networks, the losses, the
//     optimizer, the seed) would make the resumed run differ from the one that was interrupted:
//     refused, naming each, unless --force.
//   - The schedule's (--lr, --lr_policy, --lr_decay_iters, --n_epochs, --n_epochs_decay,
//     --epoch_count) may change on purpose (training longer): a warning, applied from here on.
//   - The device and the CUDA implementations: a warning (the numbers are not bit-identical).
//   - Everything else (names, logging, saving) is the run's own business: nothing.
#include <map>
#include <string>
#include <utility>

namespace pigment::train {

struct ResumeCheck {
  std::string warning;  // one line per kind of change, "" when none
};

// `recorded`: option → value as the run recorded them (its state's options); `current`: this
// command's (TrainOptions::table, value first). Options missing from either side are skipped.
// Throws pigment::Error naming every option that breaks an exact resume, unless `force`.
ResumeCheck check_resume_options(const std::map<std::string, std::string>& recorded,
                                 const std::map<std::string, std::pair<std::string, std::string>>& current, bool force);

}  // namespace pigment::train
