#!/usr/bin/env python3
"""A bounded load test of gan-serve (issue 14): N concurrent clients on loopback each send R
colorize requests of one photo; latency p50/p99, throughput and failures (anything but 200; a 503
"busy" is retried and counted apart). Requests run one at a time on the server (its queue), so the
latency grows with the clients while the throughput is the model's.

    python3 bench/serve_load.py [--bin build/bin] [--experiment synthetic_colorizer]
                                [--clients 1 4 8] [--requests 20] [--size 512x384]
                                [--json bench/results/serve_load_<date>.json]

The experiment is taken from --checkpoints_dir (default ./checkpoints: the README's main command
trains synthetic_colorizer there); the photo is a built-in scene written by make-synthetic-dataset."""
import argparse
import datetime
import glob
import io
import json
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def multipart(image, experiment):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"experiment\"\r\n\r\n{experiment}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"photo.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + image + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(HERE, "..", "build", "bin"))
    parser.add_argument("--checkpoints_dir", default="./checkpoints")
    parser.add_argument("--experiment", default="synthetic_colorizer")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    parser.add_argument("--size", default="512x384")
    parser.add_argument("--json")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="pigment_serve_load_")
    w, h = map(int, args.size.split("x"))
    subprocess.run([os.path.join(args.bin, "make-synthetic-dataset"), "--output", work, "--train", "1", "--test", "0",
                    "--size", str(max(w, h))], check=True, stdout=subprocess.DEVNULL)
    im = Image.open(sorted(glob.glob(os.path.join(work, "train", "*.png")))[0]).convert("RGB").resize((w, h))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    photo = buf.getvalue()
    log = open(os.path.join(work, "serve.log"), "w+")
    server = subprocess.Popen([os.path.join(args.bin, "gan-serve"), "--port", "0", "--checkpoints_dir",
                               args.checkpoints_dir, "--results_dir", os.path.join(work, "results"),
                               "--max_queue", str(max(args.clients) + 1)], stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "OMP_NUM_THREADS": "2"})
    url = None
    for _ in range(200):
        log.seek(0)
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)/", log.read())
        if m:
            url = m.group(1)
            break
        time.sleep(0.05)
    assert url, "gan-serve did not start"
    body, ctype = multipart(photo, args.experiment)

    def one():
        req = urllib.request.Request(url + "/api/colorize", data=body, method="POST")
        req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                r.read()
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    runs = []
    try:
        assert one() == 200, "the warm-up request failed (is the experiment trained?)"  # loads the model
        for clients in args.clients:
            latencies, failures, busy = [], [], [0]
            lock = threading.Lock()

            def client():
                for _ in range(args.requests):
                    start = time.perf_counter()
                    status = one()
                    while status == 503:
                        with lock:
                            busy[0] += 1
                        time.sleep(0.05)
                        status = one()
                    with lock:
                        latencies.append(time.perf_counter() - start)
                        if status != 200:
                            failures.append(status)
            threads = [threading.Thread(target=client) for _ in range(clients)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds = time.perf_counter() - start
            latencies.sort()
            run = {"clients": clients, "requests": len(latencies), "seconds": round(seconds, 2),
                   "throughput_per_s": round(len(latencies) / seconds, 2),
                   "latency_p50_ms": round(1000 * statistics.median(latencies), 1),
                   "latency_p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
                   "failures": len(failures), "busy_retries": busy[0]}
            print(json.dumps(run), flush=True)
            runs.append(run)
    finally:
        server.terminate()
        server.wait()
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    one_client = next((r for r in runs if r["clients"] == 1), None)
    for r in runs:  # the baseline: one client's requests back to back, measured in the same run
        if one_client:
            r["throughput_vs_one_client"] = round(r["throughput_per_s"] / one_client["throughput_per_s"], 2)
    out = {"date": datetime.date.today().isoformat(), "commit": commit, "cpus": os.cpu_count(), "experiment": args.experiment, "image": args.size,
           "server": "gan-serve on the CPU, 2 threads (OMP_NUM_THREADS=2), requests one at a time",
           "clients": "Python threads on loopback, each request a new connection", "runs": runs}
    if args.json:
        with open(args.json, "w") as f:
            f.write(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
