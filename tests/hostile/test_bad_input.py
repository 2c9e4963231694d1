"""Every verb, handed bad input, ends in one line saying what and where, and exit code 2.

One row per case: the command line (``{name}`` is a hostile input file or server, see
``inputs.py`` and ``servers.py``) and a fragment the error line must hold. Each case
asserts exit code 2, exactly one ``error:`` line on stderr, no traceback, and that it
ends (pytest-timeout). The CLI runs in-process; the servers are real, on 127.0.0.1.
"""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest

from apiward.cli.app import main

# fmt: off
CASES: list[tuple[str, str, str]] = [
    # id                                 command line                                                                error says
    # --- apiward spec show: files
    ("spec-missing",                     "spec show {missing}",                                                      "no such file"),
    ("spec-empty-folder",                "spec show {empty-dir}",                                                    "empty-dir"),
    ("spec-binary",                      "spec show {binary.bin}",                                                   "not UTF-8"),
    ("spec-latin1",                      "spec show {latin1.yaml}",                                                  "not UTF-8"),
    ("spec-deep-json",                   "spec show {deep.json}",                                                    "too deeply"),
    ("spec-deep-yaml",                   "spec show {deep.yaml}",                                                    "too deeply"),
    ("spec-5000-digits",                 "spec show {digits.json}",                                                  "4300 digits"),
    ("spec-schema-alias-bomb",           "spec show {schema-bomb.yaml}",                                             "alias bomb"),
    ("spec-enum-alias-bomb",             "spec show {enum-bomb.yaml}",                                               "alias bomb"),
    ("spec-self-ref",                    "spec show {self-ref.yaml}",                                                "circular"),
    ("spec-not-a-mapping",               "spec show {not-a-mapping.yaml}",                                           "not-a-mapping.yaml"),
    # --- apiward spec show: servers
    ("spec-url-closed-port",             "spec show {closed}/openapi.json --allow-private",                          "127.0.0.1"),
    ("spec-url-hanging",                 "spec show {hang}/openapi.json --allow-private",                            "s"),
    ("spec-url-garbage",                 "spec show {garbage}/openapi.json --allow-private",                         "127.0.0.1"),
    ("spec-url-trickling",               "spec show {trickle}/openapi.json --allow-private",                         "longer than"),
    ("spec-url-huge",                    "spec show {huge}/openapi.json --allow-private",                            "bytes allowed"),
    ("spec-url-private-refused",         "spec show {closed}/openapi.json",                                          "--allow-private"),
    ("spec-url-scheme-gopher",           "spec show gopher://127.0.0.1/openapi.yaml",                                "unsupported URL scheme 'gopher'"),
    ("spec-usage-unknown-option",        "spec show {spec.yaml} --colour",                                           "--colour"),
    ("spec-usage-missing-argument",      "spec show",                                                                "Missing argument"),
    # --- apiward audit contract
    ("contract-missing",                 "audit contract {missing}",                                                 "no such file"),
    ("contract-binary",                  "audit contract {binary.bin}",                                              "not UTF-8"),
    ("contract-deep",                    "audit contract {deep.json}",                                               "too deeply"),
    ("contract-5000-digits",             "audit contract {digits.json}",                                             "4300 digits"),
    ("contract-schema-alias-bomb",       "audit contract {schema-bomb.yaml}",                                        "alias bomb"),
    ("contract-enum-alias-bomb",         "audit contract {enum-bomb.yaml}",                                          "alias bomb"),
    ("contract-self-ref",                "audit contract {self-ref.yaml}",                                           "circular"),
    ("contract-url-garbage",             "audit contract {garbage}/openapi.json --allow-private",                    "127.0.0.1"),
    ("contract-json-is-a-folder",        "audit contract {spec.yaml} --json {empty-dir}",                            "directory"),
    ("contract-json-folder-missing",     "audit contract {spec.yaml} --json {empty-dir}/nope/out.json",              "does not exist"),
    ("contract-json-under-a-file",       "audit contract {spec.yaml} --json {a-file}/out.json",                      "does not exist"),
    ("contract-json-unwritable",         "audit contract {spec.yaml} --json /proc/apiward.json",                     "cannot write"),
    ("contract-json-and-sarif-same",     "audit contract {spec.yaml} --json {empty-dir}/r.out --sarif {empty-dir}/../empty-dir/r.out", "same file"),
    ("contract-json-overwrites-spec",    "audit contract {spec.yaml} --json {spec.yaml}",                            "overwrite an input"),
    ("contract-usage-bad-fail-on",       "audit contract {spec.yaml} --fail-on worst",                               "--fail-on"),
    # --- apiward audit code
    ("code-missing",                     "audit code {missing}",                                                     "no-such-file"),
    ("code-report-is-a-folder",          "audit code {code} --report {empty-dir}",                                  "directory"),
    ("code-junit-and-json-same",         "audit code {code} --junit {empty-dir}/x --json {empty-dir}/x",             "same file"),
    # --- apiward audit deps
    ("deps-missing",                     "audit deps -r {missing} --vulns {osv.json}",                               "no such file"),
    ("deps-folder",                      "audit deps -r {empty-dir} --vulns {osv.json}",                             "directory"),
    ("deps-binary-requirements",         "audit deps -r {binary.bin} --vulns {osv.json}",                            "not UTF-8"),
    ("deps-unpinned",                    "audit deps -r {requirements-unpinned.txt} --vulns {osv.json}",             "not pinned"),
    ("deps-uv-lock-name-is-a-number",    "audit deps -r {name-is-five/uv.lock} --vulns {osv.json}",                  "name must be a string"),
    ("deps-uv-lock-version-is-a-table",  "audit deps -r {version-is-a-table/uv.lock} --vulns {osv.json}",            "version must be a string"),
    ("deps-binary-lock",                 "audit deps -r {binary.bin} --vulns {osv.json}",                            "not UTF-8"),
    ("deps-vulns-missing",               "audit deps -r {requirements.txt} --vulns {missing}",                       "no such"),
    ("deps-vulns-binary",                "audit deps -r {requirements.txt} --vulns {binary.bin}",                    "invalid JSON"),
    ("deps-vulns-5000-digits",           "audit deps -r {requirements.txt} --vulns {osv-digits.json}",               "4300 digits"),
    ("deps-vulns-deep",                  "audit deps -r {requirements.txt} --vulns {osv-deep.json}",                 "invalid JSON"),
    ("deps-osv-closed-port",             "audit deps -r {requirements.txt} --osv-url {closed}",                      "127.0.0.1"),
    ("deps-osv-garbage",                 "audit deps -r {requirements.txt} --osv-url {garbage}",                     "127.0.0.1"),
    ("deps-osv-bad-ipv6",                "audit deps -r {requirements.txt} --osv-url http://[::1",                   "--osv-url"),
    ("deps-sbom-is-a-folder",            "audit deps -r {requirements.txt} --vulns {osv.json} --sbom {empty-dir}",   "directory"),
    ("deps-sbom-overwrites-input",       "audit deps -r {requirements.txt} --vulns {osv.json} --sbom {requirements.txt}", "overwrite an input"),
    ("deps-requirements-and-installed",  "audit deps -r {requirements.txt} --installed --vulns {osv.json}",          "exactly one"),
    # --- apiward inventory
    ("inventory-missing",                "inventory {missing}",                                                      "no-such-file"),
    ("inventory-folder",                 "inventory {empty-dir}",                                                    "empty-dir"),
    ("inventory-binary",                 "inventory {binary.bin}",                                                   "binary.bin"),
    ("inventory-deep-har",               "inventory {deep.har}",                                                     "deep.har"),
    ("inventory-not-events",             "inventory {audit-garbage.jsonl} --format auditlog",                        "audit-garbage.jsonl"),
    ("inventory-unknown-format",         "inventory {access.log} --format pcap",                                     "pcap"),
    ("inventory-spec-binary",            "inventory {access.log} --spec {binary.bin}",                               "not UTF-8"),
    ("inventory-json-is-a-folder",       "inventory {access.log} --inventory-json {empty-dir}",                      "directory"),
    ("inventory-openapi-out-same-as-json", "inventory {access.log} --openapi-out {empty-dir}/o.json --json {empty-dir}/o.json", "same file"),
    ("inventory-har-bad-ipv6",           "inventory {bad-ipv6.har}",                                                 "bad-ipv6.har"),
    ("inventory-access-bad-ipv6",        "inventory {bad-ipv6.log} --format access",                                 "bad-ipv6.log:1"),
    ("inventory-usage-many",             "inventory {access.log} --many 1",                                          "--many"),
    # --- apiward scan: inputs
    ("scan-spec-missing",                "scan --spec {missing} --target {closed}",                                  "no such file"),
    ("scan-spec-binary",                 "scan --spec {binary.bin} --target {closed}",                               "not UTF-8"),
    ("scan-spec-schema-alias-bomb",      "scan --spec {schema-bomb.yaml} --target {closed}",                         "alias bomb"),
    ("scan-identities-missing",          "scan --spec {spec.yaml} --target {closed} --identities {missing}",         "identities"),
    ("scan-identities-binary",           "scan --spec {spec.yaml} --target {closed} --identities {binary.bin}",      "not UTF-8"),
    ("scan-identities-folder",           "scan --spec {spec.yaml} --target {closed} --identities {empty-dir}",       "identities"),
    ("scan-identities-wrong-types",      "scan --spec {spec.yaml} --target {closed} --identities {identities-wrong-types.yaml}", "identities-wrong-types.yaml"),
    ("scan-identities-not-a-list",       "scan --spec {spec.yaml} --target {closed} --identities {identities-not-a-list.yaml}", "identities-not-a-list.yaml"),
    ("scan-identities-alias-bomb",       "scan --spec {spec.yaml} --target {closed} --identities {identities-bomb.yaml}", "alias bomb"),
    ("scan-config-wrong-types",          "scan --config {scan-config-wrong-types.yaml} --spec {spec.yaml} --target {closed}", "concurrency"),
    ("scan-config-alias-bomb",           "scan --config {scan-config-bomb.yaml} --spec {spec.yaml} --target {closed}", "alias bomb"),
    ("scan-config-binary",               "scan --config {binary.bin} --spec {spec.yaml} --target {closed}",          "not UTF-8"),
    ("scan-identities-deep",             "scan --spec {spec.yaml} --target {closed} --identities {identities-deep.yaml}", "nests too deeply"),
    ("scan-identities-5000-digits",      "scan --spec {spec.yaml} --target {closed} --identities {identities-5000-digits.yaml}", "identities-5000-digits.yaml:3"),
    ("scan-identities-key-twice",        "scan --spec {spec.yaml} --target {closed} --identities {identities-twice.yaml}", "identities-twice.yaml:4"),
    ("scan-identities-header-newline",   "scan --spec {spec.yaml} --target {closed} --identities {identities-header-newline.yaml}", "headers.X-Key"),
    ("scan-identities-header-name-space", "scan --spec {spec.yaml} --target {closed} --identities {identities-header-name-space.yaml}", "not a header"),
    ("scan-config-deep",                 "scan --config {scan-config-deep.yaml} --spec {spec.yaml} --target {closed}", "nests too deeply"),
    ("scan-config-5000-digits",          "scan --config {scan-config-5000-digits.yaml} --spec {spec.yaml} --target {closed}", "4300 digits"),
    ("scan-config-nan-timeout",          "scan --config {scan-config-nan-timeout.yaml} --spec {spec.yaml} --target {closed}", "timeout"),
    ("scan-config-concurrency-1e6",      "scan --config {scan-config-concurrency-1e6.yaml} --spec {spec.yaml} --target {closed}", "at most 256"),
    ("scan-config-key-is-a-list",        "scan --config {scan-config-key-is-a-list.yaml} --spec {spec.yaml} --target {closed}", "scan-config-key-is-a-list.yaml:1"),
    ("scan-config-key-twice",            "scan --config {scan-config-twice.yaml} --spec {spec.yaml} --target {closed}", "scan-config-twice.yaml:3"),
    ("scan-config-bad-date",             "scan --config {scan-config-bad-date.yaml} --spec {spec.yaml} --target {closed}", "month"),
    ("scan-target-not-a-url",            "scan --spec {spec.yaml} --target notaurl",                                 "--target"),
    ("scan-target-port-99999",           "scan --spec {spec.yaml} --target http://127.0.0.1:99999",                  "Port out of range"),
    ("scan-target-port-0",               "scan --spec {spec.yaml} --target http://127.0.0.1:0/",                     "port 0"),
    ("scan-target-bad-ipv6",             "scan --spec {spec.yaml} --target http://[::1/",                            "Invalid IPv6 URL"),
    ("scan-value-without-equals",        "scan --spec {spec.yaml} --target {closed} --value code",                   "NAME=VALUE"),
    ("scan-unknown-check",               "scan --spec {spec.yaml} --target {closed} --checks nope",                  "unknown check"),
    ("scan-json-is-a-folder",            "scan --spec {spec.yaml} --target {closed} --json {empty-dir}",             "directory"),
    ("scan-json-and-sarif-same",         "scan --spec {spec.yaml} --target {closed} --json {empty-dir}/s.out --sarif {empty-dir}/s.out", "same file"),
    ("scan-report-overwrites-spec",      "scan --spec {spec.yaml} --target {closed} --report {spec.yaml}",           "overwrite an input"),
    ("scan-usage-concurrency-0",         "scan --spec {spec.yaml} --target {closed} --concurrency 0",                "--concurrency"),
    ("scan-usage-max-answer",            "scan --spec {spec.yaml} --target {closed} --max-answer-bytes 10",          "--max-answer-bytes"),
    ("scan-usage-unknown-option",        "scan --spec {spec.yaml} --targte {closed}",                                "--targte"),
    # --- apiward scan: servers
    ("scan-closed-port",                 "scan --spec {spec.yaml} --target {closed}",                                "cannot reach the target"),
    ("scan-hanging",                     "scan --spec {spec.yaml} --target {hang} --timeout 1",                      "no whole answer within 1 s"),
    ("scan-garbage",                     "scan --spec {spec.yaml} --target {garbage}",                               "not HTTP"),
    ("scan-trickling",                   "scan --spec {spec.yaml} --target {trickle} --timeout 1",                   "no whole answer within 1 s"),
    # --- apiward guard
    ("guard-no-policy",                  "guard --upstream {closed}",                                                "--policy"),
    ("guard-policy-missing",             "guard --policy {missing} --upstream {closed} --listen {busy}",             "no-such-file"),
    ("guard-policy-binary",              "guard --policy {binary.bin} --upstream {closed} --listen {busy}",          "binary.bin"),
    ("guard-policy-wrong-types",         "guard --policy {policy-wrong-types.yaml} --upstream {closed} --listen {busy}", "policy-wrong-types.yaml"),
    ("guard-policy-unknown-key",         "guard --policy {policy-unknown-key.yaml} --upstream {closed} --listen {busy}", "ratelimt"),
    ("guard-policy-alias-bomb",          "guard --policy {policy-bomb.yaml} --upstream {closed} --listen {busy}",    "alias bomb"),
    ("guard-policy-key-twice",           "guard --policy {policy-twice.yaml} --upstream {closed} --listen {busy}",   "policy-twice.yaml:6"),
    ("guard-policy-deep",                "guard --policy {policy-deep.yaml} --upstream {closed} --listen {busy}",    "nests too deeply"),
    ("guard-policy-5000-digits",         "guard --policy {policy-5000-digits.yaml} --upstream {closed} --listen {busy}", "policy-5000-digits.yaml:3"),
    ("guard-policy-redis-port-99999",    "guard --policy {policy-redis-port-99999.yaml} --upstream {closed} --listen {busy}", "policy-redis-port-99999.yaml:3"),
    ("guard-policy-anchor-bad-ipv6",     "guard --policy {policy-anchor-bad-ipv6.yaml} --upstream {closed} --listen {busy}", "policy-anchor-bad-ipv6.yaml:5"),
    ("guard-upstream-not-a-url",         "guard --policy {policy.yaml} --upstream notaurl --listen {busy}",          "--upstream"),
    ("guard-upstream-bad-ipv6",          "guard --policy {policy.yaml} --upstream http://[::1 --listen {busy}",      "--upstream"),
    ("guard-upstream-port-99999",        "guard --policy {policy.yaml} --upstream http://127.0.0.1:99999 --listen {busy}", "--upstream"),
    ("guard-listen-not-host-port",       "guard --policy {policy.yaml} --upstream {closed} --listen 8443",           "HOST:PORT"),
    ("guard-listen-superscript-port",    "guard --policy {policy.yaml} --upstream {closed} --listen 127.0.0.1:²",    "HOST:PORT"),
    ("guard-listen-unclosed-bracket",    "guard --policy {policy.yaml} --upstream {closed} --listen [::1:{busy-port}", "HOST:PORT"),
    ("guard-policy-hook-exits",          "guard --policy {policy-hook-exits.yaml} --upstream {closed} --listen {busy}", "SystemExit"),
    ("guard-listen-port-in-use",         "guard --policy {policy.yaml} --upstream {closed} --listen {busy}",         "in use"),
    ("guard-tls-not-pem",                "guard --policy {policy.yaml} --upstream {closed} --listen {busy} --tls-cert {spec.yaml} --tls-key {spec.yaml}", "not a PEM"),
    ("guard-tls-missing",                "guard --policy {policy.yaml} --upstream {closed} --listen {busy} --tls-cert {missing} --tls-key {missing}", "no such file"),
    ("guard-tls-cert-alone",             "guard --policy {policy.yaml} --upstream {closed} --tls-cert {spec.yaml}",  "go together"),
    ("verify-log-missing",               "guard verify-log {missing}",                                               "no such audit log"),
    ("verify-log-folder",                "guard verify-log {empty-dir}",                                             "directory"),
    ("verify-log-anchor-port-99999",     "guard verify-log {audit-garbage.jsonl} --anchor redis://127.0.0.1:99999",  "--anchor"),
    ("verify-log-anchor-bad-ipv6",       "guard verify-log {audit-garbage.jsonl} --anchor redis://[::1",             "--anchor"),
    ("hash-key-name-with-newline",       "guard hash-key --name 'ci\nbot'",                                          "one line"),
    ("hash-key-empty-name",              "guard hash-key --name ''",                                                 "one line"),
    ("hash-key-short-stdin",             "guard hash-key --stdin",                                                   "characters"),
    # --- apiward demo
    ("demo-report-is-a-folder",          "demo run --report {empty-dir}",                                            "directory"),
    ("demo-serve-port-in-use",           "demo serve --port {busy-port}",                                            "in use"),
    # --- the store's verbs
    ("diff-store-is-binary",             "diff 1 2 --store sqlite:///{binary.bin}",                                  "not a database"),
    ("retest-store-is-binary",           "retest deadbeef --store sqlite:///{binary.bin}",                           "not a database"),
    ("findings-store-closed-port",       "findings list --store postgresql://127.0.0.1:1/apiward",                   "refused"),
    ("findings-store-hanging",           "findings list --store postgresql://{hang-host}/apiward",                   "timeout"),
    ("findings-store-bad-ipv6",          "findings list --store postgresql://u:pw@[::1/apiward",                     "u:***@"),
    ("worker-queue-bad-ipv6",            "worker --store {store.db} --queue postgresql://u:pw@[::1/apiward",         "u:***@"),
    ("worker-webhook-bad-ipv6",          "worker --store {store.db} --queue postgresql://127.0.0.1:1/x --webhook http://[::1", "--webhook 'http://[::1': not a valid URL"),
    ("api-show-no-store",                "api show nope --store sqlite:///{empty-dir}/store.db",                     "no store here"),
    ("diff-usage-run-not-a-number",      "diff first last",                                                          "run_a"),
    ("diff-usage-run-id-2-to-the-66",    "diff 73786976294838206464 1 --store {store.db}",                           "run_a"),
    ("logging-check-run-id-2-to-the-66", "logging-check 73786976294838206464 --store {store.db}",                    "'run'"),
    ("endpoints-unknown-state",          "api endpoints shop --state nonsense --store {store.db}",                   "--state"),
    ("store-info-empty-file",            "store info --store {empty.db}",                                            "no store here"),
    ("server-listen-superscript-port",   "server --store {store.db} --listen 127.0.0.1:²",                      "HOST:PORT"),
    # --- the root command
    ("unknown-verb",                     "scna",                                                                     "scna"),
]
# fmt: on


def _argv(template: str, inputs: dict[str, Path], servers: dict[str, str]) -> list[str]:
    names = {**{k: str(v) for k, v in inputs.items()}, **servers}
    names["busy-port"] = servers["busy"].rsplit(":", 1)[1]
    names["hang-host"] = servers["hang"].removeprefix("http://")
    return [re.sub(r"\{([\w.\-/]+)\}", lambda m: names[m[1]], p) for p in shlex.split(template)]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("command", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_exit_2(
    command: str,
    says: str,
    inputs: dict[str, Path],
    servers: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exit 2, one ``error:`` line holding ``says``, no traceback."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as ended:
        main(_argv(command, inputs, servers))
    stderr = capsys.readouterr().err
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert ended.value.code == 2, stderr
    assert len(errors) == 1, stderr
    assert says in errors[0], stderr
    assert "Traceback" not in stderr
    assert "╭" not in stderr, "a boxed usage error"
