#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Browser test of the page `tarjama serve` serves at / (run by tests/server_browser.sh).

Expected translations come from `tarjama translate` on the same text, so the page is shown to
put the server's (the library's) answer on screen unchanged.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

BIN, CHROME, DRIVER, OUTDIR = sys.argv[1:5]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TMP = tempfile.mkdtemp(prefix="tj_browser.")
FAILS = []
PASSES = [0]


def check(cond, what):
    if cond:
        PASSES[0] += 1
    else:
        FAILS.append(what)
        print("FAIL:", what, flush=True)


def cli_translate(model, text):
    p = subprocess.run([BIN, "translate", "-m", model], input=text + "\n", capture_output=True,
                       text=True, cwd=ROOT, check=True)
    return p.stdout[:-1]


AR = "وصل الرئيس إلى القاهرة صباح اليوم."
AR_EN = cli_translate("models/ar-en", AR)
BACK = cli_translate("models/en-ar", AR_EN)  # what a swap translates
EN = "Where is the station?"
EN_AR = cli_translate("models/en-ar", EN)
FILE_TEXT = "اللغة العربية جميلة.\nمرحبا"
FILE_EN = cli_translate("models/ar-en", FILE_TEXT)

port_file = os.path.join(TMP, "port")
server = subprocess.Popen([BIN, "serve", "--port", "0", "--port-file", port_file, "--models",
                           "models/ar-en,models/en-ar", "--char-limit", "300"], cwd=ROOT,
                          stderr=open(os.path.join(TMP, "log"), "w"))
for _ in range(3000):  # up to 60 s: sanitizer builds load the models slowly
    if os.path.exists(port_file) and open(port_file).read().endswith("\n"):
        break
    time.sleep(0.02)
base = "http://127.0.0.1:%s" % open(port_file).read().strip()

opts = webdriver.ChromeOptions()
opts.binary_location = CHROME
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--no-first-run", "--user-data-dir=" + os.path.join(TMP, "profile"),
          "--window-size=1280,860", "--lang=en-US"]:
    opts.add_argument(a)
driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
wait = WebDriverWait(driver, 60)


def text_of(id_):
    return driver.find_element(By.ID, id_).text


def wait_output(want, what):
    try:
        wait.until(lambda d: text_of("output") == want)
        check(True, what)
    except Exception:
        check(False, "%s: output %r, want %r; error %r" % (what, text_of("output"), want,
                                                            text_of("error")))


try:
    driver.get(base + "/")
    wait.until(lambda d: len(Select(d.find_element(By.ID, "source")).options) >= 3)
    src, tgt = Select(driver.find_element(By.ID, "source")), Select(driver.find_element(By.ID, "target"))
    check(src.first_selected_option.get_attribute("value") == "auto", "source starts on auto")
    box = driver.find_element(By.ID, "input")

    # type Arabic: translate-as-you-type, detection shown, right-to-left where it belongs
    box.send_keys(AR)
    wait_output(AR_EN, "typed Arabic is translated")
    check("Arabic" in text_of("detected"), "detected language shown: %r" % text_of("detected"))
    check(tgt.first_selected_option.get_attribute("value") == "en", "target English")
    check(driver.find_element(By.ID, "output").get_attribute("dir") == "ltr", "English output ltr")
    n = len(AR)
    check(text_of("count") == "%d / 300" % n, "character counter: %r" % text_of("count"))
    driver.save_screenshot(os.path.join(OUTDIR, "server_page_desktop.png"))

    # swap: the translation becomes the source, the direction turns round
    driver.find_element(By.ID, "swap").click()
    wait_output(BACK, "swap translates back")
    check(src.first_selected_option.get_attribute("value") == "en"
          and tgt.first_selected_option.get_attribute("value") == "ar", "swap turned the languages")
    check(box.get_attribute("value") == AR_EN, "swap moved the translation into the source")
    check(driver.find_element(By.ID, "output").get_attribute("dir") == "rtl", "Arabic output rtl")

    # Ctrl+Enter translates at once
    driver.find_element(By.ID, "clear").click()
    wait.until(lambda d: text_of("output") == "")
    box.send_keys(EN)
    box.send_keys(Keys.CONTROL, Keys.ENTER)
    wait_output(EN_AR, "Ctrl+Enter translates")

    # over the character limit: a clear message, no request
    driver.find_element(By.ID, "clear").click()
    box.send_keys("a" * 301)
    wait.until(lambda d: d.find_element(By.ID, "error").is_displayed())
    check("300 characters" in text_of("error"), "char limit message: %r" % text_of("error"))
    check("over" in driver.find_element(By.ID, "count").get_attribute("class"), "counter turns red")
    driver.find_element(By.ID, "clear").click()

    # file upload: a .txt, then its translation downloaded from the link the page shows
    src.select_by_value("ar")
    tgt.select_by_value("en")
    path = os.path.join(TMP, "story.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(FILE_TEXT + "\n")
    driver.find_element(By.ID, "file").send_keys(path)
    driver.find_element(By.ID, "filego").click()
    wait.until(lambda d: d.find_element(By.ID, "filelink").is_displayed())
    href = driver.find_element(By.ID, "filelink").get_attribute("href")
    with urllib.request.urlopen(href, timeout=30) as r:
        got = r.read().decode()
    check(got == FILE_EN + "\n", "uploaded file translated: %r want %r" % (got, FILE_EN))

    # no request left the server (fonts, scripts, styles: all from the binary)
    urls = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    check(urls and all(u.startswith(base + "/") for u in urls), "only same-origin requests: %r"
          % urls)

    # phone width: panes stacked, everything reachable
    driver.set_window_size(390, 844)
    driver.find_element(By.ID, "clear").click()
    src.select_by_value("auto")
    box.send_keys(AR)
    wait_output(AR_EN, "phone width translates")
    ib = driver.find_element(By.ID, "input").rect
    ob = driver.find_element(By.ID, "output").rect
    check(ob["y"] > ib["y"] + ib["height"] - 1, "panes stacked at phone width")
    width = driver.execute_script("return document.documentElement.scrollWidth")
    check(width <= 390, "no sideways scrolling at phone width (%d px)" % width)
    driver.save_screenshot(os.path.join(OUTDIR, "server_page_phone.png"))
finally:
    driver.quit()
    server.send_signal(signal.SIGTERM)
    rc = server.wait(timeout=30)
    log = open(os.path.join(TMP, "log")).read()
    subprocess.run(["rm", "-rf", TMP])

# 0 after a clean shutdown; under ASan a leak or error at exit makes it non-zero
check(rc == 0, "server exit status %d on SIGTERM:\n%s" % (rc, log[-3000:]))

print("%d passed, %d failed; screenshots in %s" % (PASSES[0], len(FAILS), OUTDIR))
sys.exit(1 if FAILS else 0)
