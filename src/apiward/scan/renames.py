"""A write never renames its object: a body field named as its path's key keeps the path's value.

Django REST Framework's serializers show an object's lookup field in its body (``slug`` beside
``PATCH /api/spaces/{slug}/``), and the synthesised body filled it with another value the scan
had seen (``acme``, an organisation's slug): the legitimate write renamed the space, whose
DELETE by its old slug then found nothing, and the restore called it deleted (the DRF trial
left three spaces). A PUT or PATCH whose path ends in a parameter sends, in a top-level body
field of that very name, the path's value.
"""

from __future__ import annotations

from apiward.scan.request import Request, Where


def keeping_key(request: Request) -> Request:
    """``request`` with its body's copy of the object's key set to the path's (see above)."""
    if request.method.upper() not in {"PUT", "PATCH"} or not isinstance(request.body, dict):
        return request
    last = request.path.rstrip("/").rsplit("/", 1)[-1]
    if not (last.startswith("{") and last.endswith("}")):
        return request
    name = last[1:-1]
    value, sent = request.path_params.get(name), request.body.get(name)
    if value is None or sent is None or str(sent) == value:
        return request
    kept: str | int = int(value) if isinstance(sent, int) and value.isdigit() else value
    return request.with_param(Where.BODY, name, kept)
