"""Can injection signatures on free strings be both useful and quiet? Measured, not assumed.

Detectors: the guard's own (apiward.guard.signatures): libinjection for SQL, and two
small ones for template syntax and path traversal. Benign text: names with apostrophes, prose (the
project's own design documents, plus sentences that use SQL words in English), code
snippets (lines of apiward's own Python), and every ``example``/``examples`` string of
the OpenAPI corpus. Attacks: classic SQLi, SSTI and traversal payloads, hand-written.
Prints, per detector, the share of each benign set it flags (false positives), the
share of each attack set it catches, and the CPU µs per string.
Run: ``.venv/bin/python benchmarks/injection_signatures.py``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from apiward.guard import signatures

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent.parent / "shared" if (ROOT.parent.name == "wt") else ROOT.parent / "shared"
CORPUS = SHARED / "data" / "openapi-corpus"

NAMES = [
    "O'Brien",
    "D'Angelo",
    "O'Neill",
    "N'Dour",
    "D'Arcy",
    "L'Estrange",
    "O'Sullivan",
    "Mc'Donald",
    "D'Souza",
    "Ngũgĩ wa Thiong'o",
    "Shaquille O'Neal",
    "Conan O'Brien",
    "Sinéad O'Connor",
    "Dolores O'Riordan",
    "Flannery O'Connor",
    "Georgia O'Keeffe",
    "Jean-Luc d'Ormesson",
    "Bill O'Reilly",
    "Kamal Al-'Amin",
    "Ta'Quan O'Hara-Smith",
    "Mary-Kate O'Day",
    "De'Andre Hopkins",
    "Rock 'n' Roll Café",
    "Patrick O'Brian Jr.",
    "Anne-Marie D'Amico",
    "O'Brien & Sons Ltd",
    "Miles O'Brien (Ops)",
    "'Ula'ula Kai",
    "Hawai'i Pacific",
    "Côte d'Ivoire",
    "Val d'Isère",
    "Ca' d'Oro",
    "l'Hôpital",
    "O'Donnell-Murphy",
    "Nu'uanu Ave",
    "D'Alembert",
    "O' Brien",
    "Ma'ayan",
    "Sa'id",
    "Ke'ala",
    "Jo O'Meara",
    "John ''Jack'' Smith",
]
TRICKY_PROSE = [
    "Select the plan that fits you, or contact sales.",
    "Union members get 10% off; select 'Pro' or 'Team' at checkout.",
    "It's 5 o'clock -- don't forget the 3 o'clock meeting's notes.",
    "Drop the table lamp by the door; we'll update the order later.",
    "1=1 is always true, and 1 or 2 is not a number.",
    "Where's the delete button? I can't find it in the 'Settings' menu.",
    "My password hint: it's my dog's name and the year -- 2019.",
    "I've read \"The Hitchhiker's Guide\"; rating: 5/5 -- would read again!",
    "Call me at 555-0199 and ask for O'Malley; or email o'malley@example.com",
    "Insert tab A into slot B; then select 'Done' and order the rest.",
    "She said 'hello' and then 'goodbye' -- and that was that.",
    "Meet at 10; if it rains, we'll go to Joe's (or Ann's) instead.",
    "Sleep well; the benchmark runs from 1 to 10 and back.",
    "Our sleep(8) habit: eight hours, no exceptions.",
    "The price is $5 {not including tax} and #1 on the list.",
    "Read ../README first, then the docs in ./guide.",
    "Use {{name}} in the e-mail template to greet each customer.",
    "Totals: ${total} for the order, 50% off {{ promo }}.",
]
SQLI = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "1' OR '1'='1' -- -",
    "admin'--",
    "1; DROP TABLE users",
    "' UNION SELECT username, password FROM users --",
    "1 UNION ALL SELECT NULL,NULL,NULL--",
    "1' AND SLEEP(5)--",
    "1); WAITFOR DELAY '0:0:5'--",
    "' AND 1=CONVERT(int,@@version)--",
    "1 AND (SELECT 1 FROM pg_sleep(5))",
    "x' AND extractvalue(1,concat(0x7e,version()))--",
    "') OR ('a'='a",
    '" OR ""="',
    "1' ORDER BY 3--+",
    "-1' UNION SELECT 1,2,3#",
    "' OR 'x'='x'/*",
    "1 OR 1=1",
    "admin' #",
    "' HAVING 1=1 --",
    "1;SELECT pg_sleep(5)",
    "' || (SELECT version()) || '",
    "1 AND 1=2 UNION SELECT table_name FROM information_schema.tables",
    "%27%20OR%201%3D1--",
    "' oR '1'='1",
    "1'/**/OR/**/'1'='1",
    "'; EXEC xp_cmdshell('dir')--",
    "1' AND (SELECT SUBSTRING(password,1,1) FROM users WHERE id=1)='a'--",
]
TEMPLATE = [
    "{{7*7}}",
    "{{config.items()}}",
    "{{''.__class__.__mro__[1].__subclasses__()}}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{x}}{% endfor %}",
    "${7*7}",
    "${T(java.lang.Runtime).getRuntime().exec('id')}",
    "#{7*7}",
    "<%= 7*7 %>",
    "<%= system('id') %>",
    "*{7*7}",
    "{{request.application.__globals__}}",
    "${{7*7}}",
    "{{self._TemplateReference__context.cycler}}",
    "{php}echo 1;{/php}",
    "#set($x=7*7)${x}",
    "@(7*7)",
    "{{constructor.constructor('return 1')()}}",
    "[[${7*7}]]",
    "{{=7*7}}",
    '<#assign ex="freemarker.template.utility.Execute"?new()>',
]
TRAVERSAL = [
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "....//....//etc/passwd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd",
    "..%5c..%5cwindows%5cwin.ini",
    "/var/www/../../etc/shadow",
    "file/../../../etc/hosts",
    "..;/..;/etc/passwd",
    "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "../../../etc/passwd%00.png",
    "report/../../../../proc/self/environ",
    ".././.././etc/passwd",
    "..",
    "../",
    "statements/..%2F..%2F..%2Fetc%2Fpasswd",
    "..%00/etc/passwd",
    "%2e%2e/%2e%2e/boot.ini",
    "..\\/..\\/etc/passwd",
]


def prose() -> list[str]:
    """Sentences of the project's design documents, markdown and code spans stripped."""
    found: list[str] = []
    for doc in sorted((SHARED / "docs").glob("*.md")):
        in_code = False
        for line in doc.read_text(encoding="utf-8").splitlines():
            if line.startswith("```"):
                in_code = not in_code
            if in_code or not line.strip() or line.lstrip().startswith(("|", "#", "```")):
                continue
            text = re.sub(r"`[^`]*`", "", line).strip(" -*>")
            if len(text) > 20:
                found.append(text)
    return found + TRICKY_PROSE


def code() -> list[str]:
    """Non-blank lines of apiward's own Python, as a code-snippet field would hold them."""
    lines = [
        line.strip()
        for path in sorted((ROOT / "src" / "apiward").rglob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.strip()) > 10
    ]
    return lines[::7]  # every 7th: a spread over every module, not one module's style


def corpus_examples() -> list[str]:
    """Every string under an ``example``/``examples`` key of the OpenAPI corpus's specs."""
    found: list[str] = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix not in {".yaml", ".yml", ".json"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError):
            continue
        found.extend(_examples(document, inside=False))
    return list(dict.fromkeys(found))  # each distinct value once


def _examples(node: Any, *, inside: bool) -> Iterator[str]:
    if isinstance(node, str):
        if inside:
            yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _examples(value, inside=inside or key in {"example", "examples"})
    elif isinstance(node, list):
        for item in node:
            yield from _examples(item, inside=inside)


def cpu_us(detect: Callable[[str], bool], texts: list[str], rounds: int = 5) -> float:
    """Best-of-rounds process CPU µs per string (the machine is shared)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for text in texts:
            detect(text)
        best = min(best, time.process_time() - started)
    return best / len(texts) * 1e6


def main() -> None:
    """Print false-positive and detection rates and the cost of each detector."""
    benign = {
        "names": NAMES,
        "prose": prose(),
        "code": code(),
        "corpus examples": corpus_examples(),
    }
    attacks = {"sql": SQLI, "template": TEMPLATE, "traversal": TRAVERSAL}
    detectors = {
        "sql (libinjection)": signatures.sql,
        "template": signatures.template,
        "traversal": signatures.traversal,
    }
    sizes = ", ".join(f"{name} {len(texts)}" for name, texts in benign.items())
    print(f"benign strings: {sizes}")
    print(f"attack payloads: {', '.join(f'{k} {len(v)}' for k, v in attacks.items())}")
    everything = [t for texts in benign.values() for t in texts]
    for label, detect in detectors.items():
        fp = {k: sum(map(detect, v)) for k, v in benign.items()}
        tp = {k: sum(map(detect, v)) for k, v in attacks.items()}
        fps = ", ".join(
            f"{k} {fp[k]}/{len(benign[k])} ({fp[k] / len(benign[k]):.1%})" for k in benign
        )
        tps = ", ".join(f"{k} {tp[k]}/{len(attacks[k])}" for k in attacks)
        print(f"\n{label}: {cpu_us(detect, everything):.2f} µs/string")
        print(f"  false positives: {fps}")
        print(f"  detections:      {tps}")
        skipped = [t for texts in attacks.values() for t in texts if signatures.inert(t)]
        print(f"  attack payloads the stage's inert() prefilter lets by unchecked: {len(skipped)}")
        flagged = [t for texts in benign.values() for t in texts if detect(t)]
        for text in flagged[:: max(1, len(flagged) // 10)]:
            print(f"    e.g. {text[:90]!r}")


if __name__ == "__main__":
    main()
