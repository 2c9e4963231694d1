"""Request data compiled as a template (server-side template injection).

``Environment().from_string(x)``, ``jinja2.Template(x)``, Flask's
``render_template_string(x)`` and Mako ``Template(x)`` where ``x`` derives from a
function parameter. A sandboxed environment narrows what an attacker reaches but
still renders whatever the template asks for from its context.
"""

from __future__ import annotations

from collections.abc import Iterator

from apiward.audit.code.astutil import calls, functions, last_name
from apiward.audit.code.rule import CodeRule, Hit
from apiward.audit.code.source import Project
from apiward.audit.code.taint import reads, tainted_names
from apiward.core.findings import Severity

COMPILERS = frozenset({"from_string", "Template", "render_template_string"})


def _hits(project: Project) -> Iterator[Hit]:
    for source in project.files:
        for function in functions(source.tree):
            tainted = tainted_names(function)
            for call in calls(function):
                names = reads(call.args[0], tainted) if call.args else set()
                if last_name(call.func) in COMPILERS and names:
                    why = f"{', '.join(sorted(names))} (request data) is compiled as a template"
                    yield Hit(source=source, line=call.lineno, why=why)


RULE = CodeRule(
    id="template-injection",
    title="Request data compiled as a template",
    severity=Severity.HIGH,
    owasp=None,
    cwe="CWE-1336",
    remediation=(
        "Keep templates fixed in code or files and pass user input only as context values; "
        "for user-written templates, substitute a fixed set of placeholders yourself."
    ),
    check=_hits,
)
