#!/usr/bin/env python3
"""How docs/images/gan-serve.jpg was made: the README's main command's colorizer
(./checkpoints/synthetic_colorizer) served by gan-serve, a held-out built-in scene at 512×512
colorized through the page in headless Chromium (Debian's chromium, chromium-driver, Selenium).
    /usr/bin/python3 docs/images/make_gan_serve_screenshot.py [BIN_DIR] [CHECKPOINTS_DIR]"""
import glob
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "build", "bin")
CHECKPOINTS = sys.argv[2] if len(sys.argv) > 2 else "./checkpoints"

work = tempfile.mkdtemp(prefix="pigment_screenshot_")
# Test scenes are other scenes than the training ones (make-synthetic-dataset --seed 0 = gan-train's).
subprocess.run([os.path.join(BIN, "make-synthetic-dataset"), "--output", work, "--train", "0", "--test", "4",
                "--size", "512"], check=True, stdout=subprocess.DEVNULL)
photo = sorted(glob.glob(os.path.join(work, "test", "*.png")))[1]
log = open(os.path.join(work, "serve.log"), "w+")
server = subprocess.Popen([os.path.join(BIN, "gan-serve"), "--port", "0", "--checkpoints_dir", CHECKPOINTS,
                           "--results_dir", os.path.join(work, "results")], stdout=log, stderr=subprocess.STDOUT)
url = None
for _ in range(200):
    log.seek(0)
    m = re.search(r"listening on (http://127\.0\.0\.1:\d+/)", log.read())
    if m:
        url = m.group(1)
        break
    time.sleep(0.05)
options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium")
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1500",
             "--hide-scrollbars"):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
try:
    assert url, "gan-serve did not start"
    driver.get(url)
    wait = WebDriverWait(driver, 120)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#experiment option"))
    driver.find_element(By.ID, "files").send_keys(photo)
    wait.until(lambda d: d.find_element(By.ID, "go").is_enabled())
    driver.find_element(By.ID, "go").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".result[data-done]"))
    wait.until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('.result[data-done] img')].every(i => i.complete && i.naturalWidth > 0)"))
    out = os.path.join(HERE, "gan-serve.jpg")
    Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB").save(out, quality=88)
    print(f"wrote {out}")
finally:
    driver.quit()
    server.terminate()
    server.wait()
    shutil.rmtree(work, ignore_errors=True)
