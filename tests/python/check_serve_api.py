#!/usr/bin/env python3
"""gan-serve's HTTP API against a server this test starts on a free loopback port, with tiny models
it trains first: a colorizer, a memory colorizer and a pix2pix.
  - a colour photo colorized: 200, the size kept, PNGs that decode, metrics against the original
    and the gray baseline; a gray photo: no original; ?format=png gives the PNG with the metrics in
    a header; a memory colorizer's alternatives and reference photo;
  - bad uploads: no image, not an image, a truncated PNG, a PNG declaring huge dimensions, a body
    over the limit, a path in the file name (shown only, nothing written outside the results);
  - experiment names that would leave the checkpoints folder, unknown experiments, results paths;
  - one model load per experiment, again when its checkpoint changes;
  - the queue bound (503 at once) and the timeout (504).
    check_serve_api.py BIN_DIR WORK_DIR"""
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib

from PIL import Image

BIN, WORK = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def train(name, *args):
    subprocess.run([os.path.join(BIN, "gan-train"), "--name", name, "--checkpoints_dir", os.path.join(WORK, "ck"),
                    "--netG", "unet_5d", "--ngf", "4", "--ndf", "4", "--load_size", "36", "--crop_size", "32",
                    "--synthetic_train", "4", "--n_epochs", "1", "--n_epochs_decay", "0", "--no_progress", *args],
                   check=True, stdout=subprocess.DEVNULL)


def start(*args):
    log = open(os.path.join(WORK, f"serve_{uuid.uuid4().hex[:6]}.log"), "w+")
    p = subprocess.Popen([os.path.join(BIN, "gan-serve"), "--port", "0", "--checkpoints_dir", os.path.join(WORK, "ck"),
                          "--results_dir", os.path.join(WORK, "results"), *args], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        log.seek(0)
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)/", log.read())
        if m:
            return p, m.group(1)
        time.sleep(0.05)
    p.kill()
    raise SystemExit("gan-serve did not start")


def multipart(fields):
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        if isinstance(value, tuple):  # (filename, bytes)
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{value[0]}\"\r\n"
                     f"Content-Type: application/octet-stream\r\n\r\n").encode() + value[1] + b"\r\n"
        else:
            body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def request(url, fields=None, method=None):
    data, ctype = multipart(fields) if fields is not None else (None, None)
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"))
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def png(w, h, colour=True):
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = ((x * 255) // w, (y * 255) // h, 128) if colour else ((x * 255) // w,) * 3
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def huge_png(w, h):
    # A valid signature and IHDR declaring w×h, then one tiny IDAT: the size is refused before decoding.
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))


def error_of(body):
    try:
        return json.loads(body)["error"]
    except Exception:  # noqa: BLE001
        return body[:200]


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    train("colorizer")
    train("memory", "--model", "memory_colorization", "--key_width", "4", "--synthetic_palettes", "2")
    train("pix2pix", "--model", "pix2pix")
    server, url = start("--max_upload_mb", "1", "--max_megapixels", "4")
    try:
        status, _, body = request(url + "/api/experiments")
        names = [e["name"] for e in json.loads(body)["experiments"]]
        check(status == 200 and names == ["colorizer", "memory", "pix2pix"], f"experiments listed: {names}")
        status, _, body = request(url + "/")
        check(status == 200 and b"Pigment" in body and b"/api/colorize" in body, "the page is served at /")

        # A colour photo, colorized: size kept, PNGs decode, metrics against the original and gray.
        photo = png(97, 61)
        status, _, body = request(url + "/api/colorize", {"image": ("photo.png", photo), "experiment": "colorizer"})
        check(status == 200, f"colorize a colour photo: {status} {body[:200]}")
        j = json.loads(body)
        check((j["width"], j["height"]) == (97, 61), "the result keeps the photo's size")
        for key in ("input", "original"):
            s, _, b = request(url + j[key])
            check(s == 200 and Image.open(io.BytesIO(b)).size == (97, 61), f"{key} PNG decodes at 97×61")
        s, h, b = request(url + j["outputs"][0]["url"])
        check(s == 200 and Image.open(io.BytesIO(b)).size == (97, 61), "the result PNG decodes at 97×61")
        m = j["metrics"]
        check(all(k in m["outputs"][0] for k in ("psnr", "ssim", "colorfulness")) and "psnr" in m["gray_baseline"],
              f"metrics: {json.dumps(m)[:200]}")
        # A gray photo: nothing to compare with.
        status, _, body = request(url + "/api/colorize", {"image": ("gray.png", png(40, 30, False))})
        j = json.loads(body)
        check(status == 200 and j["original"] is None and "psnr" not in j["metrics"]["outputs"][0],
              "a gray photo: no original, no PSNR")
        # ?format=png: the PNG itself, the metrics in a header (curl -o).
        status, headers, body = request(url + "/api/colorize?format=png", {"image": ("p.png", photo)})
        check(status == 200 and body[:8] == b"\x89PNG\r\n\x1a\n" and "psnr" in headers.get("X-Pigment-Metrics", ""),
              "format=png returns the PNG with X-Pigment-Metrics")
        # The memory colorizer: alternatives, a reference photo.
        status, _, body = request(url + "/api/colorize", {"image": ("p.png", photo), "experiment": "memory",
                                                          "alternatives": "2"})
        j = json.loads(body)
        check(status == 200 and len(j["outputs"]) == 2 and "memory slot" in j["outputs"][0]["note"],
              f"memory colorizer: 2 colorizations with their slots ({status})")
        status, _, body = request(url + "/api/colorize", {"image": ("p.png", photo), "experiment": "memory",
                                                          "reference": ("ref.png", png(50, 50))})
        check(status == 200 and "reference" in json.loads(body)["outputs"][0]["note"], "memory colorizer: a reference")
        status, _, body = request(url + "/api/colorize", {"image": ("p.png", photo), "experiment": "pix2pix"})
        check(status == 200 and json.loads(body)["outputs"][0]["label"] == "translated", "a translation model translates")

        # Bad uploads: a 4xx with the reason, the server still up.
        bad = [({"experiment": "colorizer"}, 400, "no image"),
               ({"image": ("notes.txt", b"hello, not an image")}, 400, "PNG, JPEG or BMP"),
               ({"image": ("cut.png", photo[: len(photo) // 2])}, 400, "truncated|corrupt"),
               ({"image": ("huge.png", huge_png(30000, 30000))}, 413, "over the limit"),
               ({"image": ("big.png", b"\0" * (2 << 20))}, 413, "over the limit of 1 MiB"),
               ({"image": ("p.png", photo), "alternatives": "zero"}, 400, "not a whole number"),
               ({"image": ("p.png", photo), "experiment": "memory", "alternatives": "99"}, 400, "between 1 and 8"),
               ({"image": ("p.png", photo), "experiment": "colorizer", "alternatives": "2"}, 400, "need a memory colorizer"),
               ({"image": ("p.png", photo), "experiment": "../ck"}, 400, "not an experiment name"),
               ({"image": ("p.png", photo), "experiment": "/etc"}, 400, "not an experiment name"),
               ({"image": ("p.png", photo), "experiment": ".hidden"}, 400, "not an experiment name"),
               ({"image": ("p.png", photo), "experiment": "no_such"}, 404, "no trained experiment")]
        for fields, want, pattern in bad:
            status, _, body = request(url + "/api/colorize", fields)
            msg = error_of(body)
            check(status == want and re.search(pattern, str(msg)) is not None,
                  f"{list(fields)} {fields.get('experiment', '')} → {status} {msg}")
        # A path in the file name is only shown: nothing is written outside the results folder.
        status, _, body = request(url + "/api/colorize", {"image": ("../../../../tmp/escape.png", photo)})
        check(status == 200 and not os.path.exists(os.path.join(WORK, "escape.png")) and not os.path.exists(
            "/tmp/escape.png"), "a path in the upload's name writes nothing outside the results")
        for path in ("/api/results/../../ck/colorizer/train_opt.txt", "/api/results/0123456789abcdef/../../x.png",
                     "/api/results/zz/input.png", "/api/results/0123456789abcdef/result.json"):
            status, _, _ = request(url + path)
            check(status in (400, 404), f"{path} → {status}")
        status, _, body = request(url + "/api/experiments")
        check(status == 200, "the server survived every bad request")
        # One model load per experiment however many requests; a new checkpoint is loaded again.
        loads = json.loads(request(url + "/api/status")[2])["model_loads"]
        check(loads == 3, f"each experiment loaded once for all the requests above: {loads} loads")
        before = json.loads(request(url + "/api/colorize", {"image": ("p.png", photo)})[2])["metrics"]["outputs"][0]
        train("colorizer", "--overwrite", "--seed", "7")  # new weights under the same name
        after = json.loads(request(url + "/api/colorize", {"image": ("p.png", photo)})[2])["metrics"]["outputs"][0]
        loads = json.loads(request(url + "/api/status")[2])["model_loads"]
        check(loads == 4 and after["psnr"] != before["psnr"],
              f"a changed checkpoint is loaded again and used: {loads} loads, PSNR {before['psnr']} → {after['psnr']}")
        written = [os.path.relpath(os.path.join(d, f), WORK) for d, _, fs in os.walk(WORK) for f in fs]
        check(all(w.startswith(("results/", "ck/", "serve_")) for w in written), "files only under results/ and ck/")
    finally:
        server.terminate()
        server.wait()

    # The queue bound: one request runs (a slow one), a second is told "busy" at once; the timeout.
    server, url = start("--max_queue", "1", "--timeout", "1")
    try:
        big = png(3200, 3200)  # a pix2pix forward of 10 Mpx: well past 1 s on a CPU
        results = {}

        def slow():
            results["slow"] = request(url + "/api/colorize", {"image": ("big.png", big), "experiment": "pix2pix"})
        t = threading.Thread(target=slow)
        t.start()
        for _ in range(400):
            if json.loads(request(url + "/api/status")[2])["queue"] == 1:
                break
            time.sleep(0.01)
        start_t = time.time()
        status, _, body = request(url + "/api/colorize", {"image": ("p.png", png(20, 20)), "experiment": "colorizer"})
        check(status == 503 and "busy" in error_of(body) and time.time() - start_t < 1.0,
              f"a full queue answers 503 at once: {status} {error_of(body)}")
        t.join()
        status = results["slow"][0]
        check(status == 504 and "longer than 1 s" in error_of(results["slow"][2]),
              f"a request past the timeout answers 504: {status} {error_of(results['slow'][2])}")
    finally:
        server.terminate()
        server.wait()
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
