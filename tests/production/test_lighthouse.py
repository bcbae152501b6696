"""Lighthouse (node_modules, pinned in package-lock.json) on the pages as production serves
them: gunicorn, PostgreSQL, Redis, WhiteNoise. Writes its report to .run/lighthouse.md
(ignored; `make lighthouse` copies it to docs/lighthouse.md), then holds each page to its
targets.

The code and profile pages need a session: a plain HTTP client asks for a code (and then
logs in) through the pages' forms, and Lighthouse sends its cookies with --extra-headers.
Lighthouse starts Debian's Chromium itself (CHROME_PATH); chrome-launcher starts it in a
process group of its own with a profile under TMPDIR, so a Chromium that outlives its
Lighthouse (a timeout) is found by the pid file in that profile and its group ended.
"""

import html
import json
import os
import re
import signal
import subprocess
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import psutil
import pytest

from harness.browser import CHROMIUM
from harness.servers import ROOT

pytestmark = pytest.mark.live

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
REPORT = ROOT / ".run" / "lighthouse.md"  # a test edits no tracked file
CATEGORIES = {
    "performance": "Performance",
    "accessibility": "Accessibility",
    "best-practices": "Best Practices",
    "seo": "SEO",
}
RUN_TIMEOUT = 75  # seconds for one page; one takes 10-20 s here
PAGES = {"phone": "/ui/phone/", "code": "/ui/code/", "profile": "/ui/profile/"}
# The lowest score (0-100) each page must get. SEO counts only for the landing page: the
# code and profile pages are private (behind a session, Cache-Control: no-store).
TARGETS = {
    "phone": {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 90},
    "code": {"performance": 95, "accessibility": 100, "best-practices": 100},
    "profile": {"performance": 95, "accessibility": 100, "best-practices": 100},
}


class PageClient:
    """The pages' forms through plain HTTP, as a browser without JavaScript would send them."""

    def __init__(self, url: str, ip: str):
        self.url, self.ip = url, ip
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def open(self, path: str, form: dict | None = None) -> tuple[str, str]:
        """(the URL it ended at after redirects, the page)"""
        data = None
        if form is not None:
            token = next(c.value for c in self.cookies if c.name == "csrftoken")
            data = urlencode({**form, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(  # noqa: S310 - the loopback test server
            self.url + path, data=data, headers={"X-Forwarded-For": self.ip}
        )
        with self.opener.open(request, timeout=30) as response:
            return response.url, response.read().decode()

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)


# Lighthouse's own "please run Lighthouse again": its trace of the page load came out
# incomplete (NO_NAVSTART, NO_FCP, …), which happens on a loaded machine and is not a
# finding about the page. Such a run is made once more; any other failure fails at once.
TRACE_FAILED = "Something went wrong with recording the trace"


def lighthouse(url: str, directory, cookie: str | None = None) -> dict:
    """The JSON report of a Lighthouse run (default mobile preset) on `url`."""
    directory.mkdir()
    report = lighthouse_once(url, directory / "run1", cookie)
    if TRACE_FAILED in str(report.get("runtimeError", "")):
        report = lighthouse_once(url, directory / "run2", cookie)
    assert "runtimeError" not in report, report["runtimeError"]
    return report


def lighthouse_once(url: str, directory, cookie: str | None = None) -> dict:
    """The JSON report of one Lighthouse run; a failure to record the trace is in its
    runtimeError (as Lighthouse reports it in the JSON, or on stderr)."""
    directory.mkdir()
    output = directory / "report.json"
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={output}",
        "--quiet",
        "--chrome-flags=--headless=new --no-sandbox",
        f"--only-categories={','.join(CATEGORIES)}",
        "--no-enable-error-reporting",  # nothing leaves the machine
    ]
    if cookie:
        headers = directory / "headers.json"
        headers.write_text(json.dumps({"Cookie": cookie}))
        command.append(f"--extra-headers={headers}")
    env = {**os.environ, "CHROME_PATH": CHROMIUM, "TMPDIR": str(directory)}
    process = subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, errors = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Lighthouse took more than {RUN_TIMEOUT} s on {url}")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # Lighthouse closes its Chromium on SIGINT
            try:
                process.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
        end_left_chromium(directory)
    if process.returncode != 0 and TRACE_FAILED in errors:
        return {"runtimeError": errors[-3000:]}
    assert process.returncode == 0, f"Lighthouse failed on {url}:\n{errors[-3000:]}"
    return json.loads(output.read_text())


def end_left_chromium(directory) -> None:
    """End the process group of each Chromium a Lighthouse run in `directory` left running."""
    for pid_file in directory.glob("lighthouse.*/chrome.pid"):
        try:
            pid = int(pid_file.read_text().strip())
            if str(pid_file.parent) in " ".join(psutil.Process(pid).cmdline()):
                os.killpg(pid, signal.SIGKILL)  # the launcher made it a group leader
        except (ValueError, psutil.Error, ProcessLookupError):
            pass  # gone already


def score(report: dict, category: str) -> int:
    return round(report["categories"][category]["score"] * 100)


def shortfalls(report: dict) -> list[str]:
    """Each audit of the categories that did not fully pass, with what it found."""
    lines = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if audit["score"] is None or audit["score"] >= 1:
                continue
            if audit["scoreDisplayMode"] in ("informative", "manual", "notApplicable"):
                continue
            value = f": {audit['displayValue']}" if audit.get("displayValue") else ""
            lines.append(f"{category}: {audit['id']} ({audit['title']}){value}")
            for item in (audit.get("details") or {}).get("items", [])[:5]:
                if shown := where(item):
                    lines.append(f"    {shown}")
    return lines


def where(item: dict) -> str:
    """What an audit's detail row points at: an element, a URL, a console message."""
    node = item.get("node") or {}
    if node.get("snippet"):
        return f"{node.get('selector', '')} {node['snippet']}".strip()
    source = item.get("sourceLocation") or {}
    url = item.get("url") or source.get("url") or ""
    return f"{item['description']} ({url})" if item.get("description") else url


def write_report(reports: dict) -> None:
    first = next(iter(reports.values()))
    settings = first["configSettings"]
    throttling = settings["throttling"]
    chromium = re.search(r"Chrome/(\d+)", first["environment"]["hostUserAgent"])
    lines = [
        "# Lighthouse",
        "",
        "The pages as production serves them (gunicorn, PostgreSQL, Redis, WhiteNoise) on "
        "this machine, measured by `tests/production/test_lighthouse.py`; `make lighthouse` "
        "rewrites this file. Code and profile pages with a session.",
        "",
        f"Lighthouse {first['lighthouseVersion']}, default preset: {settings['formFactor']}, "
        f"{settings['throttlingMethod']} throttling ({throttling['rttMs']:.0f} ms RTT, "
        f"{throttling['throughputKbps'] / 1024:.1f} Mbit/s, "
        f"{throttling['cpuSlowdownMultiplier']:.0f}x CPU slowdown); headless Chromium "
        f"{chromium.group(1) if chromium else '?'}, benchmark index "
        f"{first['environment']['benchmarkIndex']:.0f}; {first['fetchTime'][:10]}.",
        "",
        "| Page | " + " | ".join(CATEGORIES.values()) + " | Transferred |",
        "| --- |" + " ---: |" * (len(CATEGORIES) + 1),
    ]
    for name, report in reports.items():
        scores = " | ".join(str(score(report, category)) for category in CATEGORIES)
        transferred = report["audits"]["total-byte-weight"]["numericValue"]
        lines.append(f"| `{PAGES[name]}` | {scores} | {transferred / 1024:.1f} KiB |")
    lines += [
        "",
        "Targets: Performance 95 on every page, Accessibility and Best Practices 100, "
        "SEO 90 on the landing page (the others are private).",
        "",
        "Audits that did not fully pass:",
        "",
    ]
    for name, report in reports.items():
        origin = re.match(r"https?://[^/]+", report["finalDisplayedUrl"])
        missed = shortfalls(report)
        lines.append(f"- `{PAGES[name]}`:" + ("" if missed else " none"))
        for line in missed:  # the server's port changes from run to run
            text = line.replace(origin.group(0), "") if origin else line
            lines.append(f"    - {text.strip()}" if line.startswith(" ") else f"  - {text}")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def reports(stack, tmp_path_factory) -> dict:
    """Lighthouse on each page in turn (never two at once: they would slow each other)."""
    directory = tmp_path_factory.mktemp("lighthouse")
    server, phone = stack.a, stack.new_phone()
    client = PageClient(server.url, stack.new_ip())
    for _ in range(4):  # both of its workers past their first request, as in production
        client.open(PAGES["phone"])
    found = {"phone": lighthouse(server.url + PAGES["phone"], directory / "phone")}

    at, page = client.open(PAGES["phone"], {"phone": phone})
    assert at.endswith(PAGES["code"]), html.unescape(page)[:2000]
    found["code"] = lighthouse(at, directory / "code", client.cookie_header())

    at, page = client.open(PAGES["code"], {"code": stack.code_for(phone)})
    assert at.endswith(PAGES["profile"]), html.unescape(page)[:2000]
    found["profile"] = lighthouse(at, directory / "profile", client.cookie_header())

    write_report(found)
    return found


@pytest.mark.parametrize("page", PAGES)
def test_lighthouse_scores(reports, page):
    report = reports[page]
    assert report["finalDisplayedUrl"].endswith(PAGES[page])  # not sent to log in instead
    missed = {
        category: score(report, category)
        for category, lowest in TARGETS[page].items()
        if score(report, category) < lowest
    }
    details = "\n".join(shortfalls(report))
    assert not missed, f"{PAGES[page]} scored {missed}, below {TARGETS[page]}:\n{details}"
