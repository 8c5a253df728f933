"""Model text in the HTML report is inert: headless Chromium runs none of it and shows it as text.

Needs Debian's `chromium` (installed by .ci/run and scripts/setup.sh); skipped without it
outside CI, and failing without it in CI.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tests.reliability.support import config, item_number, run_cli, write_suite
from tests.support.openai_server import FakeOpenAIServer, ScriptedReply

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None and os.environ.get("CI") != "true",
                                reason="needs Debian's chromium package (apt-get install chromium)")


def _payloads(beacon: str) -> list[str]:
    """Replies that would run code or leave a mark if the report rendered them as HTML."""
    mark = "document.body.setAttribute('data-pwned','{0}');new Image().src='" + beacon + "/{0}'"
    return [
        "<script>" + mark.format("script") + "</script> Answer: Yes",
        '<img src="x" onerror="' + mark.format("img") + '"> Answer: Yes',
        '<a href="javascript:' + mark.format("link") + '">click me</a> Answer: Yes',
        '<svg onload="' + mark.format("svg") + '"></svg> Answer: Yes',
        '"><iframe srcdoc="<script>parent.' + mark.format("iframe") + '</script>"></iframe> Answer: Yes',
    ]


PROBE = """<!DOCTYPE html><html><body>
<iframe id="report" src="{report}" style="width:1200px;height:800px"></iframe>
<script>
document.getElementById("report").onload = () => setTimeout(() => {{
  const doc = document.getElementById("report").contentDocument;
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({{
    text: doc.body.innerText, title: doc.title, pwned: doc.body.getAttribute("data-pwned"),
    elements_in_cells: [...doc.querySelectorAll("table")].filter(t => t.innerText.includes("Extracted answer"))
      .map(t => t.querySelectorAll("td *").length).reduce((a, b) => a + b, 0),
    appendix_tables: [...doc.querySelectorAll("table")].filter(t => t.innerText.includes("Extracted answer")).length,
    javascript_links: doc.querySelectorAll('a[href^="javascript:"]').length,
    frames: doc.querySelectorAll("iframe").length}});
  document.body.appendChild(out);
}}, 1000);
</script></body></html>"""


class _Beacon(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture()
def beacon() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 that records every request, to catch code that ran and phoned home."""
    _Beacon.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Beacon)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Beacon.hits
    server.shutdown()
    server.server_close()


def _dump_dom(page: Path) -> str:
    assert CHROMIUM is not None, "chromium is not installed; .ci/run installs Debian's chromium package"
    completed = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def _probe(report: Path, tmp_path: Path) -> dict[str, Any]:
    page = tmp_path / f"probe-{report.stem}.html"
    page.write_text(PROBE.format(report=report.as_uri()))
    dom = _dump_dom(page)
    start = dom.index('<pre id="probe">') + len('<pre id="probe">')
    return json.loads(html.unescape(dom[start:dom.index("</pre>", start)]))


def test_probe_detects_running_code(tmp_path: Path, beacon: tuple[str, list[str]]) -> None:
    url, hits = beacon
    control = tmp_path / "control.html"
    control.write_text("<!DOCTYPE html><html><body>" + _payloads(url)[0] + "</body></html>")
    seen = _probe(control, tmp_path)
    assert seen["pwned"] == "script"
    assert "/script" in hits


def test_report_hostile_replies_inert(tmp_path: Path, beacon: tuple[str, list[str]]) -> None:
    url, hits = beacon
    payloads = _payloads(url)
    tasks = write_suite(tmp_path / "tasks", len(payloads))
    with FakeOpenAIServer(lambda body: ScriptedReply(content=payloads[item_number(body)])) as server:
        config_path = tmp_path / "config.yaml"
        config_path.write_text(yaml.safe_dump(config(server.api_base)))
        completed = run_cli(["run", str(config_path), "--output-dir", str(tmp_path / "out")],
                            env={"VERTICALBENCH_TASKS_DIR": str(tasks)})
    assert completed.returncode == 0, completed.stderr
    report = next((tmp_path / "out" / "reports").glob("*/report.html"))

    seen = _probe(report, tmp_path)
    assert seen["pwned"] is None, "model text ran in the report"
    assert hits == [], f"model text in the report sent requests: {hits}"
    assert seen["appendix_tables"] == 1
    assert (seen["elements_in_cells"], seen["javascript_links"], seen["frames"]) == (0, 0, 0), seen
    for payload in payloads:
        assert payload.split(" Answer:")[0] in seen["text"], f"not shown as text: {payload}"
