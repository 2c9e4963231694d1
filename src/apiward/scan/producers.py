"""Producers: the operations harvesting runs first, because their answers name objects.

* A **listing** is a GET whose path ends on a literal segment (``GET /books/v1``).
* A **creation** is a POST that adds an object to a collection: ``scan._objects.creates``
  decides it, for harvesting and for the ledger alike.
"""

from __future__ import annotations

from apiward.spec import Api, Operation, ParameterLocation


def is_listing(operation: Operation) -> bool:
    """A GET that takes no path parameter and does not end on one: it lists a collection."""
    return (
        operation.method == "GET"
        and not any(p.location is ParameterLocation.PATH for p in operation.parameters)
        and not operation.path.rstrip("/").endswith("}")
    )


def listing_of(creation: Operation, api: Api) -> Operation | None:
    """The listing of the collection ``creation`` adds to (GET on the same path), if any."""
    return api.operation("GET", creation.path)
