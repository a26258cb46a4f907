#!/usr/bin/env python3
"""The colorize page in a real browser: headless Chromium (Debian's chromium and chromium-driver,
driven by Selenium) opens gan-serve's page, chooses a photo, presses Colorize, and sees the result
image and its metrics; a screenshot is kept as the test's artefact (WORK_DIR/page.png). Then the
memory colorizer's alternatives. Exit 77 (skipped) without Selenium or Chromium.
    check_serve_page.py BIN_DIR WORK_DIR"""
import os
import re
import shutil
import subprocess
import sys
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    print("skipped: python3-selenium is not installed (tools/install-deps.sh installs it)")
    sys.exit(77)
from PIL import Image

BIN, WORK = sys.argv[1], sys.argv[2]
DRIVER = shutil.which("chromedriver")
BROWSER = shutil.which("chromium")
if not DRIVER or not BROWSER:
    print("skipped: chromium and chromium-driver are not installed (tools/install-deps.sh installs them)")
    sys.exit(77)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    for name, extra in (("colorizer", []), ("memory", ["--model", "memory_colorization", "--key_width", "4"])):
        subprocess.run([os.path.join(BIN, "gan-train"), "--name", name, "--checkpoints_dir", os.path.join(WORK, "ck"),
                        "--netG", "unet_5d", "--ngf", "4", "--ndf", "4", "--load_size", "36", "--crop_size", "32",
                        "--synthetic_train", "4", "--n_epochs", "1", "--n_epochs_decay", "0", "--no_progress", *extra],
                       check=True, stdout=subprocess.DEVNULL)
    photo = os.path.join(WORK, "a <em>photo.png")  # markup in a file name is shown as text
    im = Image.new("RGB", (120, 80))
    im.putdata([((x * 2) % 256, (y * 3) % 256, 90) for y in range(80) for x in range(120)])
    im.save(photo)
    log = open(os.path.join(WORK, "serve.log"), "w+")
    server = subprocess.Popen([os.path.join(BIN, "gan-serve"), "--port", "0", "--checkpoints_dir",
                               os.path.join(WORK, "ck"), "--results_dir", os.path.join(WORK, "results")],
                              stdout=log, stderr=subprocess.STDOUT)
    url = None
    for _ in range(200):
        log.seek(0)
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+/)", log.read())
        if m:
            url = m.group(1)
            break
        time.sleep(0.05)
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1100"):
        options.add_argument(flag)
    driver = None
    failures = 0
    try:
        if not url:
            raise RuntimeError("gan-serve did not start")
        driver = webdriver.Chrome(service=Service(DRIVER), options=options)
        driver.get(url)
        wait = WebDriverWait(driver, 60)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#experiment option")) == 2)
        Select(driver.find_element(By.ID, "experiment")).select_by_value("colorizer")
        driver.find_element(By.ID, "files").send_keys(photo)
        wait.until(lambda d: d.find_element(By.ID, "go").is_enabled())
        driver.find_element(By.ID, "go").click()
        card = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".result[data-done]"))
        # Every image of the result has loaded (naturalWidth > 0), the colorized one at the photo's size.
        wait.until(lambda d: d.execute_script(
            "return [...document.querySelectorAll('.result[data-done] img')].every(i => i.complete && i.naturalWidth > 0)"))
        sizes = driver.execute_script(
            "return [...document.querySelectorAll('.result[data-done] .compare img')].map(i => [i.naturalWidth, i.naturalHeight])")
        table = card.find_element(By.CSS_SELECTOR, "table.metrics").text
        driver.save_screenshot(os.path.join(WORK, "page.png"))
        ok = [120, 80] in sizes and re.search(r"colorized\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+", table) and "gray" in table
        print(("ok" if ok else "FAIL") + f": the result appears with its metrics ({sizes}; {table!r})")
        failures += not ok
        title = card.find_element(By.CSS_SELECTOR, "h2").text
        ok = "a <em>photo" in title and not card.find_elements(By.CSS_SELECTOR, "h2 em")
        print(("ok" if ok else "FAIL") + f": the file name is shown as text: {title!r}")
        failures += not ok
        # The before/after slider: the result lies exactly on the image under it, and the slider
        # moves the edge between them.
        over, under = (card.find_element(By.CSS_SELECTOR, ".compare ." + c) for c in ("over", "under"))
        same_box = over.rect == under.rect and over.rect["width"] > 0
        slider = card.find_element(By.CSS_SELECTOR, ".compare input[type=range]")
        driver.execute_script("arguments[0].value = 80; arguments[0].dispatchEvent(new Event('input'))", slider)
        clip = driver.execute_script("return arguments[0].style.clipPath", over)
        ok = same_box and "20%" in clip
        print(("ok" if ok else "FAIL") + f": the slider's images share one box ({over.rect} vs {under.rect}); clip {clip!r}")
        failures += not ok
        link = card.find_element(By.CSS_SELECTOR, "a.download").get_attribute("href")
        print(("ok" if "/api/results/" in link else "FAIL") + f": a download link to the full-size result: {link}")
        failures += "/api/results/" not in link
        # The memory colorizer: its controls appear, and 2 colorizations come back.
        Select(driver.find_element(By.ID, "experiment")).select_by_value("memory")
        alternatives = driver.find_element(By.ID, "alternatives")
        ok = alternatives.is_displayed()
        alternatives.clear()
        alternatives.send_keys("2")
        driver.find_element(By.ID, "go").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".result[data-done]")) == 2)
        wait.until(lambda d: d.execute_script(
            "return [...document.querySelectorAll('.result[data-done] img')].every(i => i.complete && i.naturalWidth > 0)"))
        alt = driver.find_elements(By.CSS_SELECTOR, ".result[data-done] .alternatives figure")
        ok = ok and len(alt) == 1 and "memory slot" in driver.find_element(By.CSS_SELECTOR, ".result[data-done]").text
        driver.save_screenshot(os.path.join(WORK, "page_memory.png"))
        print(("ok" if ok else "FAIL") + ": the memory colorizer's alternatives and slots")
        failures += not ok
    finally:
        if driver:
            driver.quit()
        server.terminate()
        server.wait()
    print(f"{failures} failure(s); screenshots in {WORK}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
