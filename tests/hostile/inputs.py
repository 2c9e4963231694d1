"""Hostile input files, written once into a folder: what a new user or an attacker hands apiward.

Each is named by what is wrong with it; :func:`write_inputs` returns name → path.
The good ones (``spec``, ``policy``...) are there so that a case can spoil one input
and keep the others valid.
"""

from __future__ import annotations

import json
from pathlib import Path

GOOD_SPEC = """\
openapi: 3.1.0
info: {title: shop, version: '1'}
paths:
  /orders:
    get:
      responses: {'200': {description: ok}}
  /orders/{order_id}:
    get:
      parameters: [{name: order_id, in: path, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
"""

_LAUGHS = "\n".join(
    [
        "x-lol:",
        "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        *(
            f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]"
            for i in range(1, 9)  # 10^9 leaves, in 1 kB of text
        ),
    ]
)

ENUM_BOMB_SPEC = f"""\
openapi: 3.0.3
info: {{title: laughs, version: '1'}}
{_LAUGHS}
paths:
  /search:
    get:
      parameters:
        - {{name: q, in: query, schema: {{type: string, enum: *l8}}}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{type: string, enum: *l8}}
"""

SCHEMA_BOMB_SPEC = """\
openapi: 3.0.3
info: {title: laughs, version: '1'}
components:
  schemas:
    A: &a {type: object, properties: {a: {type: string}, b: {type: string}}}
    B: &b {type: object, properties: {a: *a, b: *a, c: *a, d: *a, e: *a, f: *a, g: *a, h: *a}}
    C: &c {type: object, properties: {a: *b, b: *b, c: *b, d: *b, e: *b, f: *b, g: *b, h: *b}}
    D: &d {type: object, properties: {a: *c, b: *c, c: *c, d: *c, e: *c, f: *c, g: *c, h: *c}}
    E: &e {type: object, properties: {a: *d, b: *d, c: *d, d: *d, e: *d, f: *d, g: *d, h: *d}}
    F: &f {type: object, properties: {a: *e, b: *e, c: *e, d: *e, e: *e, f: *e, g: *e, h: *e}}
    G: &g {type: object, properties: {a: *f, b: *f, c: *f, d: *f, e: *f, f: *f, g: *f, h: *f}}
    H: &h {type: object, properties: {a: *g, b: *g, c: *g, d: *g, e: *g, f: *g, g: *g, h: *g}}
paths:
  /x:
    get:
      responses:
        '200':
          description: ok
          content: {application/json: {schema: *h}}
"""

SELF_REF_SPEC = """\
openapi: 3.1.0
info: {title: loops, version: '1'}
paths:
  /a: {$ref: '#/paths/~1a'}
  /b:
    get:
      parameters: [{$ref: '#/components/parameters/P'}]
      responses: {'200': {$ref: '#/components/responses/R'}}
components:
  parameters:
    P: {$ref: '#/components/parameters/P'}
  responses:
    R: {$ref: '#/components/responses/R'}
"""

_DEEP = "[" * 100_000 + "]" * 100_000

GOOD_POLICY = "contract: {spec}\naudit:\n  sink: {log}\n"

POLICY_BOMB = "contract: {spec}\n" + _LAUGHS + "\nratelimit:\n  limits: *l8\n"

GOOD_IDENTITIES = """\
identities:
  - name: alice
    role: user
    headers: {Authorization: Bearer alice-token}
"""


def write_inputs(folder: Path) -> dict[str, Path]:
    """Write every hostile (and good) input into ``folder``; name → path."""
    files: dict[str, str | bytes] = {
        "spec.yaml": GOOD_SPEC,
        "binary.bin": bytes(range(256)) * 64,
        "latin1.yaml": GOOD_SPEC.replace("shop", "caf\xe9").encode("latin-1"),
        "deep.json": '{"openapi": "3.1.0", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "deep.yaml": "openapi: 3.1.0\nx: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "digits.json": json.dumps({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}})[:-1]
        + ', "paths": {}, "x-big": '
        + "7" * 5000
        + "}",
        "enum-bomb.yaml": ENUM_BOMB_SPEC,
        "schema-bomb.yaml": SCHEMA_BOMB_SPEC,
        "self-ref.yaml": SELF_REF_SPEC,
        "not-a-mapping.yaml": "- just\n- a list\n",
        "identities.yaml": GOOD_IDENTITIES,
        "identities-wrong-types.yaml": "identities:\n  - name: 5\n    role: [user]\n",
        "identities-not-a-list.yaml": "identities: alice\n",
        "identities-bomb.yaml": _LAUGHS + "\nidentities: *l8\n",
        "identities-deep.yaml": "identities: " + _DEEP + "\n",
        "identities-5000-digits.yaml": "identities:\n  - name: a\n    rank: " + "9" * 5000 + "\n",
        "identities-header-newline.yaml": (
            'identities:\n  - name: a\n    headers: {X-Key: "k\\r\\nX-Injected: 1"}\n'
        ),
        "identities-header-name-space.yaml": "identities:\n  - name: a\n    headers: {X Key: k}\n",
        "scan-config-wrong-types.yaml": "concurrency: lots\n",
        "scan-config-deep.yaml": "include: " + _DEEP + "\n",
        "scan-config-5000-digits.yaml": "concurrency: " + "9" * 5000 + "\n",
        "scan-config-nan-timeout.yaml": "timeout: .nan\n",
        "scan-config-concurrency-1e6.yaml": "concurrency: 1000000\n",
        "scan-config-key-is-a-list.yaml": "? [spec]\n: openapi.yaml\n",
        "scan-config-bad-date.yaml": "values: {since: 2025-13-45}\n",
        "scan-config-twice.yaml": "concurrency: 2\ntimeout: 5\nconcurrency: 64\n",
        "identities-twice.yaml": "identities:\n  - name: a\n    role: user\n    role: admin\n",
        "scan-config-bomb.yaml": _LAUGHS.replace("x-lol:", "values:") + "\ninclude: *l8\n",
        "requirements.txt": "requests==2.31.0\n",
        "requirements-unpinned.txt": "requests>=2\n",
        "name-is-five/uv.lock": "version = 1\n[[package]]\nname = 5\nversion = '1.0'\n",
        "version-is-a-table/uv.lock": "version = 1\n[[package]]\nname = 'a'\nversion = {x = 1}\n",
        "osv.json": "[]",
        "osv-digits.json": "[" + "9" * 5000 + "]",
        "osv-deep.json": "[" * 100_000 + "]" * 100_000,
        "access.log": '127.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /orders/7 HTTP/1.1" 200 12\n',
        "deep.har": '{"log": {"entries": ' + "[" * 100_000 + "]" * 100_000 + "}}",
        "audit-garbage.jsonl": '{"not": "an audit event"}\n',
        "bad-ipv6.har": json.dumps(
            {"log": {"entries": [{"request": {"method": "GET", "url": "http://[::1/x"}}]}}
        ),
        "bad-ipv6.log": '127.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET http://[::1/x HTTP/1.1" 200 1\n',
        "empty.db": "",
        "exiting.py": "import sys\n\nsys.exit(0)  # a hook module that ends the process as it loads\n",
        "code/app.py": "import flask\napp = flask.Flask(__name__)\n",
        "code/broken.py": "def (:\n",
        "a-file": "I am a file, not a folder\n",
    }
    paths: dict[str, Path] = {}
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        paths[name] = path
    spec, log = paths["spec.yaml"], folder / "audit.jsonl"
    for name, text in {
        "policy.yaml": GOOD_POLICY.format(spec=spec, log=log),
        "policy-wrong-types.yaml": f"contract: {spec}\nratelimit:\n  limits: 5\n",
        "policy-unknown-key.yaml": f"contract: {spec}\nratelimt: {{}}\n",
        "policy-bomb.yaml": POLICY_BOMB.format(spec=spec),
        "policy-hook-exits.yaml": f"contract: {spec}\nauthorization:\n  roles_hook: exiting:roles\n",
        "policy-twice.yaml": (
            f"contract: {spec}\nratelimit:\n  limits: []\naudit:\n  enabled: true\n"
            "ratelimit:\n  enabled: false\n"
        ),
        "policy-deep.yaml": f"contract: {spec}\nx-deep: {_DEEP}\n",
        "policy-5000-digits.yaml": f"contract: {spec}\ntransport:\n  max_body_bytes: {'9' * 5000}\n",
        "policy-redis-port-99999.yaml": f"contract: {spec}\nratelimit:\n  storage: redis://127.0.0.1:99999\n",
        "policy-anchor-bad-ipv6.yaml": (
            f"contract: {spec}\naudit:\n  sink: {log}\n  key_env: HOME\n  anchor: 'redis://[::1'\n"
        ),
    }.items():
        paths[name] = folder / name
        paths[name].write_text(text, encoding="utf-8")
    (folder / "empty-dir").mkdir(exist_ok=True)
    paths["empty-dir"] = folder / "empty-dir"
    paths["missing"] = folder / "no-such-file.yaml"
    paths["code"] = folder / "code"
    return paths
