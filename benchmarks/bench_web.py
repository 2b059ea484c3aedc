"""The attendee page's weight and first render in headless Chromium, on loopback.

First render: from navigation start until the page shows "Connected" (welcome drawn), the
median of ``--runs`` fresh browser contexts against a real hub with 50 approved questions.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

from playwright.async_api import async_playwright  # noqa: E402

from fireside.hub import Hub, HubConfig  # noqa: E402
from fireside.web import page_weight  # noqa: E402
from tests.browser import ARGS, CHROMIUM  # noqa: E402
from tests.wsclient import RawClient  # noqa: E402


async def main(runs: int) -> None:
    print(f"page weight: {page_weight()} bytes (all files, uncompressed)")
    with tempfile.TemporaryDirectory() as tmp:
        config = HubConfig(db_path=Path(tmp) / "b.db", host="127.0.0.1", port=0, token="t" * 20)
        config.auto_approve = True
        config.questions_per_minute = 100
        async with Hub(config) as hub:
            attendee = await RawClient.open(f"ws://127.0.0.1:{hub.port}")
            for number in range(50):
                await attendee.ask(f"Question number {number} about open models?")
            await attendee.close()
            async with async_playwright() as driver:
                browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                times = []
                for _ in range(runs):
                    context = await browser.new_context(viewport={"width": 360, "height": 740})
                    page = await context.new_page()
                    await page.goto(f"http://127.0.0.1:{hub.port}/")
                    await page.wait_for_function(
                        "() => document.querySelectorAll('#questions li').length === 50"
                    )
                    times.append(await page.evaluate("() => performance.now()"))
                    await context.close()
                await browser.close()
    print(f"first render with 50 questions (ms): {[round(t) for t in times]}, "
          f"median {statistics.median(times):.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args().runs))
