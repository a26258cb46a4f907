#!/usr/bin/env python3
"""Data-parallel training under Open MPI (mpirun --oversubscribe: 2 ranks on whatever cores), with
tiny instance-norm models on the built-in scenes:
  - 2 ranks × batch 2 train what 1 process × batch 4 trains (pix2pix, CycleGAN, colorization): the
    same losses and, after 4 steps, the same weights within the summation-order tolerance below,
    far inside how far a changed batch moves them;
  - 2 ranks resume exactly: a run stopped and continued ends bit-identical to one run straight
    through (CycleGAN with dropout and image pools, so every rank's RNG and pools must be restored);
    a resume with another world size continues the weights and says it is not exact;
  - faults: a killed rank ends the run within the timeout, naming it; a stopped (hung) rank makes
    rank 0 name it after --dist_timeout; options that differ between ranks are refused at start;
  - torchrun's variables on the CPU are refused, naming mpirun.
    check_data_parallel.py BIN_DIR WORK_DIR"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_numpy import read_safetensors  # noqa: E402

BIN, WORK = sys.argv[1], sys.argv[2]
GAN_TRAIN = os.path.join(BIN, "gan-train")
failures = []

if shutil.which("mpirun") is None:
    print("mpirun not found (install openmpi-bin: tools/install-deps.sh)")
    sys.exit(77)


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures.append(what)


def mpirun(n):
    cmd = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", str(n)]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd


# Containers often forbid the cross-memory attach of Open MPI's shared-memory transport; the copy-in
# copy-out path works everywhere.
ENV = dict(os.environ, OMPI_MCA_btl_vader_single_copy_mechanism="none", OMPI_MCA_rmaps_base_oversubscribe="1",
           PIGMENT_CPU_THREADS="1")


def tiny(model, name, *extra):
    args = ["--model", model, "--checkpoints_dir", WORK, "--name", name, "--netG", "unet_5d", "--ngf", "4",
            "--ndf", "4", "--netD", "n_layers", "--n_layers_D", "2", "--norm", "instance", "--load_size", "36",
            "--crop_size", "32", "--synthetic_train", "16", "--n_epochs", "1", "--n_epochs_decay", "0",
            "--print_freq", "4", "--display_freq", "1000000", "--save_epoch_freq", "1000", "--no_progress",
            "--no_tensorboard", "--num_threads", "0"]
    return args + list(extra)


def run(cmd, timeout=300):
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=timeout)
    return p.returncode, p.stdout + p.stderr, time.time() - t


def weights(name, net):
    return read_safetensors(os.path.join(WORK, name, f"latest_net_{net}.safetensors"))[0]


def losses(log):
    """The loss lines' values, as printed (3 decimals)."""
    out = []
    for line in log.splitlines():
        if line.startswith("(epoch:"):
            parts = line.split(")", 1)[1].split()
            out.append([float(v) for v in parts[1::2]])
    return out


def max_difference(a, b):
    return max(float(np.max(np.abs(a[k].astype(np.float64) - b[k]))) for k in a if a[k].dtype != np.int64)


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)

# ---- 2 ranks × batch 2 against 1 process × batch 4 -------------------------------------------------
# Tolerance. Both runs see the same 4 images a step (the sampler interleaves the ranks) and compute
# the same mean gradient, summed in another order: 1 × 4 sums 4 samples in one reduction, 2 × 2
# sums 2 on each rank and averages the two by all-reduce. Float32 rounding differs by ~1e-7 relative
# per gradient element; Adam divides by √v, so where a gradient element is near zero (its samples
# cancel) the rounding can change its update by up to lr (2e-4) a step. 4 steps bound a weight's
# difference by 4 · 2e-4 = 8e-4 in the worst element; the mean over all weights stays near 1e-6.
# A changed batch (another seed) moves weights by ~lr a step everywhere: the control below shows
# that the bound is far from what a wrong gradient does.
for model, nets in [("pix2pix", ["G", "D"]), ("cycle_gan", ["G_A", "G_B", "D_A", "D_B"]),
                    ("colorization", ["G", "D"])]:
    extra = ["--pool_size", "0", "--no_dropout"]
    rc1, log1, t1 = run([GAN_TRAIN] + tiny(model, f"{model}_1x4", "--batch_size", "4", *extra))
    rc2, log2, t2 = run(mpirun(2) + [GAN_TRAIN] + tiny(model, f"{model}_2x2", "--batch_size", "2", *extra))
    rc3, log3, _ = run([GAN_TRAIN] + tiny(model, f"{model}_other", "--batch_size", "4", "--seed", "1", *extra))
    check(rc1 == 0 and rc2 == 0 and rc3 == 0, f"{model}: 1×4, 2×2 and the control train (exit {rc1}, {rc2}, {rc3})")
    if rc1 or rc2 or rc3:
        print(log2[-3000:])
        continue
    check("data parallel over 2 processes (mpirun, mpi)" in log2, f"{model}: rank 0 says it trains on 2 processes")
    check(log2.count("(epoch:") == log1.count("(epoch:"), f"{model}: one loss line per print, from rank 0 only")
    l1, l2 = np.array(losses(log1)), np.array(losses(log2))
    check(l1.shape == l2.shape and l1.size > 0 and np.max(np.abs(l1 - l2)) <= 2e-3,
          f"{model}: the printed losses agree (mean over ranks): {l1.tolist()} vs {l2.tolist()}")
    worst, mean, control = 0.0, [], 0.0
    for net in nets:
        a, b, c = weights(f"{model}_1x4", net), weights(f"{model}_2x2", net), weights(f"{model}_other", net)
        worst = max(worst, max_difference(a, b))
        mean += [float(np.mean(np.abs(a[k].astype(np.float64) - b[k]))) for k in a if a[k].dtype != np.int64]
        control = max(control, max_difference(a, c))
    print(f"{model}: weights 1×4 vs 2×2: max |Δ| {worst:.3g}, mean {np.mean(mean):.3g}; another seed: max {control:.3g}"
          f" (1×4 {t1:.1f} s, 2×2 {t2:.1f} s)")
    check(worst <= 8e-4, f"{model}: every weight within 8e-4 (4 steps × lr) of the single process's")
    check(np.mean(mean) <= 1e-5, f"{model}: the mean weight difference within 1e-5")
    check(control > 10 * worst, f"{model}: a changed batch moves the weights far more ({control:.3g})")

# ---- batch norm: per rank by default, over every rank's batch with --sync_bn ----------------------------
# With batch norm, 2 ranks × batch 2 normalise each half on its own: not 1 × 4. With --sync_bn the
# statistics (and the backward's sums) are of all 4 images, and the run is 1 × 4's again, within the
# tolerance above (the sums now also add the two ranks' halves in double).
bn = ["--norm", "batch", "--pool_size", "0", "--no_dropout"]
rc1, log1, _ = run([GAN_TRAIN] + tiny("pix2pix", "bn_1x4", "--batch_size", "4", *bn))
rc2, log2, _ = run(mpirun(2) + [GAN_TRAIN] + tiny("pix2pix", "bn_2x2", "--batch_size", "2", *bn))
rc3, log3, _ = run(mpirun(2) + [GAN_TRAIN] + tiny("pix2pix", "bn_2x2_sync", "--batch_size", "2", "--sync_bn", *bn))
check(rc1 == 0 and rc2 == 0 and rc3 == 0, f"batch norm: 1×4, 2×2 and 2×2 --sync_bn train (exit {rc1}, {rc2}, {rc3})")
if rc1 == 0 and rc2 == 0 and rc3 == 0:
    per_rank = max(max_difference(weights("bn_1x4", n), weights("bn_2x2", n)) for n in ["G", "D"])
    synced = max(max_difference(weights("bn_1x4", n), weights("bn_2x2_sync", n)) for n in ["G", "D"])
    print(f"batch norm: 1×4 vs 2×2 per rank: max |Δ| {per_rank:.3g}; with --sync_bn: {synced:.3g}")
    check(synced <= 8e-4, "with --sync_bn, 2 ranks × 2 train what 1 × 4 trains (within 8e-4)")
    check(per_rank > 10 * max(synced, 1e-6), "without it, batch norm per rank trains something else")

# ---- exact resume with 2 ranks ---------------------------------------------------------------------
# CycleGAN with dropout and image pools: each rank's RNG and pools are part of the checkpoint.
resume_args = ["--batch_size", "1", "--pool_size", "4", "--synthetic_train", "24"]
rc_a, log_a, _ = run(mpirun(2) + [GAN_TRAIN] + tiny("cycle_gan", "straight", *resume_args))
rc_b, log_b, _ = run(mpirun(2) + [GAN_TRAIN] + tiny("cycle_gan", "resumed", *resume_args, "--stop_after", "10"))
check(rc_a == 0, f"2 ranks train straight through (exit {rc_a})")
check(rc_b == 130 and "saved 'latest'" in log_b, f"2 ranks stop after 10 images and save (exit {rc_b})")
_, meta = read_safetensors(os.path.join(WORK, "resumed", "latest_state.safetensors"))
check(meta.get("world_size") == "2" and "rank1.rng_offset" in meta, "the state file holds world_size 2 and rank 1's RNG")
rc_c, log_c, _ = run(mpirun(2) + [GAN_TRAIN] + tiny("cycle_gan", "resumed", *resume_args, "--continue_train"))
check(rc_c == 0 and "resumed 'latest'" in log_c, f"2 ranks resume (exit {rc_c})")
if rc_a == 0 and rc_c == 0:
    identical = all(
        all(np.array_equal(weights("straight", n)[k], weights("resumed", n)[k]) for k in weights("straight", n))
        for n in ["G_A", "G_B", "D_A", "D_B"])
    check(identical, "the resumed run ends bit-identical to the straight one (every rank's RNG and pools restored)")
    state_a, _ = read_safetensors(os.path.join(WORK, "straight", "latest_state.safetensors"))
    state_c, _ = read_safetensors(os.path.join(WORK, "resumed", "latest_state.safetensors"))
    check(all(np.array_equal(state_a[k], state_c[k]) for k in state_a if k.startswith("rank1.")),
          "rank 1's pools are the same in both")
# Another world size: the weights continue, and the run says the resume is not exact.
shutil.copytree(os.path.join(WORK, "resumed"), os.path.join(WORK, "regrown"))
rc_d, log_d, _ = run([GAN_TRAIN] + tiny("cycle_gan", "regrown", *resume_args, "--continue_train", "--n_epochs", "2"))
check(rc_d == 0 and "not exact" in log_d, f"a resume in 1 process of a 2-rank run trains and says it is not exact (exit {rc_d})")

# ---- faults ----------------------------------------------------------------------------------------
def start_long_run(name, *extra):
    """mpirun -np 2 for a run long enough to be interrupted; returns (process, log path)."""
    log = os.path.join(WORK, name + ".log")
    args = tiny("pix2pix", name, "--synthetic_train", "4000", "--print_freq", "2", *extra)
    p = subprocess.Popen(mpirun(2) + [GAN_TRAIN] + args, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=ENV,
                         start_new_session=True)
    return p, log


def ancestors(pid):
    out = []
    while pid > 1:
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            break
        out.append(pid)
    return out


def rank_pid(mpirun_pid, rank):
    """The pid of gan-train rank `rank` started by this mpirun (from its OMPI_COMM_WORLD_RANK)."""
    for _ in range(400):
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if not f.read().split(b"\0")[0].endswith(b"gan-train"):
                        continue
                with open(f"/proc/{pid}/environ", "rb") as f:
                    env = f.read().split(b"\0")
            except OSError:
                continue
            if f"OMPI_COMM_WORLD_RANK={rank}".encode() in env and mpirun_pid in ancestors(int(pid)):
                return int(pid)
        time.sleep(0.05)
    return None


def wait_for_training(log):
    for _ in range(1200):
        if os.path.exists(log) and "(epoch:" in open(log).read():
            return True
        time.sleep(0.05)
    return False


def end_within(p, seconds):
    try:
        p.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        return False


def signal_rank_1(name, sig, *extra):
    """Starts a long 2-rank run, sends rank 1 `sig` once training is under way; returns whether the
    run ended within 60 s, how long that took, its exit status and its output (None if rank 1 was
    not found)."""
    p, log = start_long_run(name, *extra)
    started = wait_for_training(log)
    victim = rank_pid(p.pid, 1)
    check(started and victim is not None, f"{name}: a long 2-rank run is under way (rank 1 found)")
    if not victim:
        end_within(p, 1)
        return None
    t = time.time()
    os.kill(victim, sig)
    ended = end_within(p, 60)
    took = time.time() - t
    try:
        os.kill(victim, signal.SIGKILL)  # a stopped rank that outlived its job
    except ProcessLookupError:
        pass
    return ended, took, p.returncode, open(log).read()


# A killed rank: Open MPI sees it die and ends the job, naming the rank.
result = signal_rank_1("killed", signal.SIGKILL)
if result:
    ended, took, code, text = result
    check(ended and code != 0, f"killing rank 1 ends the run ({took:.1f} s, exit {code})")
    check("rank 1" in text, "the message names rank 1: " + " | ".join(l for l in text.splitlines() if "rank 1" in l)[:300])

# A stopped rank (SIGSTOP: alive but hung): rank 0 gives up after --dist_timeout, naming it.
result = signal_rank_1("stopped", signal.SIGSTOP, "--dist_timeout", "5")
if result:
    ended, took, code, text = result
    check(ended and code != 0, f"stopping rank 1 ends the run ({took:.1f} s, exit {code})")
    check(took < 40, "within the timeout and the abort's grace")
    named = re.search(r"rank 0 waited \d+ s in .*: rank 1 (never reached it|reached it and then fell silent)", text)
    check(named is not None, "rank 0 names the hung rank: " +
          " | ".join(l for l in text.splitlines() if "rank 0 waited" in l)[:400])

# Stopping with a save: SIGUSR1 to mpirun (forwarded to every rank), and Ctrl-C with the time
# Open MPI gives the ranks raised (Ctrl-C to mpirun: SIGTERM to the ranks after T seconds, SIGKILL
# after 2T; T = odls_base_sigkill_timeout, 1 by default). The ranks
# agree to stop at the same step; rank 0 saves 'latest' with every rank's state.
for how, extra_mpirun in [("usr1", []), ("ctrl_c", ["--mca", "odls_base_sigkill_timeout", "5"])]:
    log = os.path.join(WORK, how + ".log")
    args = tiny("pix2pix", how, "--synthetic_train", "4000", "--print_freq", "2", "--save_latest_freq", "100000")
    p = subprocess.Popen(mpirun(2) + extra_mpirun + [GAN_TRAIN] + args, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                         env=ENV, start_new_session=True)
    if wait_for_training(log):
        p.send_signal(signal.SIGUSR1 if how == "usr1" else signal.SIGINT)
        ended = end_within(p, 60)
        text = open(log).read()
        state = os.path.join(WORK, how, "latest_state.safetensors")
        # (After Ctrl-C mpirun is tearing the job down and may drop the ranks' last lines; the state
        # file, which no periodic save wrote here, is the proof.)
        check(ended and os.path.exists(state) and (how != "usr1" or "saved 'latest'" in text),
              f"{how}: 2 ranks stop after a save (exit {p.returncode})")
        if os.path.exists(state):
            check(read_safetensors(state)[1].get("world_size") == "2", f"{how}: the checkpoint holds both ranks' state")

# Options that differ between the ranks: refused at start (MPMD launch, one rank with another --lr).
cmd = mpirun(1) + [GAN_TRAIN] + tiny("pix2pix", "mismatch", "--lr", "0.0002") + [":", "-np", "1", GAN_TRAIN] + \
    tiny("pix2pix", "mismatch", "--lr", "0.001")
if os.geteuid() == 0:
    cmd.insert(1, "--allow-run-as-root")
rc, text, took = run(cmd, timeout=120)
check(rc != 0 and "rank 1 was started with other options than rank 0" in text and "--lr" in text,
      f"mismatched options refused at start (exit {rc}): " +
      " | ".join(l for l in text.splitlines() if "other options" in l)[:300])
check(not os.path.exists(os.path.join(WORK, "mismatch", "latest_state.safetensors")), "and nothing was trained")

# torchrun's variables on the CPU: refused, naming mpirun.
env = dict(ENV, RANK="0", WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT="29577")
p = subprocess.run([GAN_TRAIN] + tiny("pix2pix", "torchrun_cpu", "--device", "cpu"), capture_output=True, text=True,
                   env=env, timeout=60)
check(p.returncode == 2 and "mpirun" in p.stderr, f"torchrun's variables on the CPU refused (exit {p.returncode}): "
      + p.stderr.strip()[:200])

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("data parallel: all checks passed")
