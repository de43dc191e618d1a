#!/usr/bin/env python3
"""Converts the two user-agent data sets pageviews vendors into the JSON it embeds.

    scripts/agent-data.py UAP_CORE_DIR CRAWLER_USER_AGENTS_JSON

UAP_CORE_DIR is a checkout of the ua-parser project's uap-core (Apache-2.0): its regexes.yaml
becomes data/agents/uap-regexes.json (browser and OS parsers only: the device class is read from
the user agent directly), its tests/test_ua.yaml and tests/test_os.yaml become
tests/cli/fixtures/uap-core/, where the accuracy test reads them. CRAWLER_USER_AGENTS_JSON is
crawler-user-agents.json of the crawler-user-agents project (MIT; also published on npm as
`crawler-user-agents`, `npm pack crawler-user-agents`): each entry's pattern and tags are kept,
with a name for the bot, the text its pattern matches in its first example, trimmed of
punctuation. Keeping the data current is re-running this on newer releases and committing the
result with the tests (docs/privacy.md, "Where the names come from").
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def revision(path: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown"


def dump(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")


def bot_name(entry: dict) -> str:
    """The text the pattern matches most often in its examples (on a tie, one spelt with capitals,
    as products name themselves, then the first), trimmed of punctuation; the pattern without its
    regex syntax when it has no example."""
    found = []
    for instance in entry.get("instances", []):
        match = re.search(entry["pattern"], instance)
        if match:
            text = re.sub(r"^[^0-9A-Za-z]+|[^0-9A-Za-z]+$", "", match.group(0))
            if text:
                found.append(text)
    if found:
        name = max(found, key=lambda text: (found.count(text), text != text.lower(),
                                            -found.index(text)))
    else:
        name = re.sub(r"\\(.)", r"\1", entry["pattern"]).strip("^$")
        name = re.sub(r"^[^0-9A-Za-z]+|[^0-9A-Za-z]+$", "", name)
    return name[:50] or entry["pattern"][:50]


def main() -> None:
    uap, crawlers = Path(sys.argv[1]), Path(sys.argv[2])
    regexes = yaml.safe_load((uap / "regexes.yaml").read_text())
    dump(ROOT / "data/agents/uap-regexes.json", {
        "user_agent_parsers": regexes["user_agent_parsers"],
        "os_parsers": regexes["os_parsers"],
        "device_parsers": [],
    })
    for name in ["test_ua", "test_os"]:
        cases = yaml.safe_load((uap / "tests" / f"{name}.yaml").read_text())["test_cases"]
        kept = [{"user_agent_string": c["user_agent_string"], "family": c["family"]}
                for c in cases]
        dump(ROOT / f"tests/cli/fixtures/uap-core/{name}.json", kept)
    entries = json.loads(crawlers.read_text())
    dump(ROOT / "data/agents/crawlers.json",
         [{"pattern": e["pattern"], "tags": e.get("tags", []), "name": bot_name(e)}
          for e in entries])
    print(f"uap-core {revision(uap)}: {len(regexes['user_agent_parsers'])} browser and "
          f"{len(regexes['os_parsers'])} OS parsers; crawler-user-agents "
          f"{revision(crawlers.parent)}: {len(entries)} patterns")


if __name__ == "__main__":
    main()
