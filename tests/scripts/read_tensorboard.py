#!/usr/bin/env python3
"""Reads a directory of TensorBoard event files with TensorBoard's own reader (EventAccumulator,
every event kept) and prints what it holds as JSON:
    {"scalars": {tag: [[step, value], ...]}, "images": {tag: [[step, width, height], ...]}}
The reader applies TensorBoard's purge: a SessionLog START at step s drops the events read before
it with step >= s, so the output is what TensorBoard shows.

    tests/scripts/read_tensorboard.py DIR

Exit 77 when the tensorboard package is not installed (tools/install-deps.sh installs it)."""
import json
import sys


def read_tensorboard(directory):
    """The scalars and images of `directory` as TensorBoard shows them (see the module doc)."""
    from tensorboard.backend.event_processing import event_accumulator as ea

    # Size guidance 0: keep every event (the default samples, e.g. 4 images per tag).
    acc = ea.EventAccumulator(directory, size_guidance={ea.SCALARS: 0, ea.IMAGES: 0})
    acc.Reload()
    tags = acc.Tags()
    return {
        "scalars": {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in tags["scalars"]},
        "images": {t: [[e.step, e.width, e.height] for e in acc.Images(t)] for t in tags["images"]},
    }


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        print("tensorboard is not installed (tools/install-deps.sh): skipping", file=sys.stderr)
        sys.exit(77)
    print(json.dumps(read_tensorboard(sys.argv[1]), indent=1))


if __name__ == "__main__":
    main()
