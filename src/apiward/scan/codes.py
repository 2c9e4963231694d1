"""A write never spends a code the scan did not make: a promo code in its body is left out.

A redemption (``POST /vouchers/redeem``) never goes out as an identity of the file
(``Ledger._unredeemed``): its credit is for good. A code in a creation's body is the same
act. The NestJS trial's ``POST /v1/orders`` took an optional ``promoCode``; the scan filled it
with a code it had seen, the organisation's seeded ``ACME-CREW`` (100 % off), and a file
identity's legitimate order spent it: the code's use count moved for everybody, and the
order, refunded by a probe, could not be deleted.

So outside ``--aggressive``, a write sent as an identity of the file leaves out
each top-level body field that names such a code (``promoCode``, ``coupon``,
``voucher_code``, ``referralCode``, ``giftCard``; a string), unless its value is one the
scan made. Where the contract requires the field, the write is withheld instead. A user
the scan signed up sends it as it is: its credit is its own (``business_flows``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from apiward.scan.fields import tokens
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.withhold import Unrestorable
from apiward.spec import Api, Operation

_CODES = frozenset({"promo", "promotion", "coupon", "voucher", "referral", "gift", "discount"})
_CODES |= {"promocode", "couponcode", "giftcard", "referrer"}


def spends(name: str, value: object) -> bool:
    """True for a body field that hands over a code (``promoCode: "ACME-CREW"``)."""
    return isinstance(value, str) and bool(value) and bool(set(tokens(name)) & _CODES)


def unspent(
    api: Api, operation: Operation, request: Request, made: Callable[[object], bool], who: Identity
) -> Request:
    """``request`` without the codes it would spend that the scan did not make (see above)."""
    if not isinstance(request.body, dict):
        return request
    spent = [k for k, v in request.body.items() if spends(k, v) and not made(v)]
    if not spent:
        return request
    required = set(_required(api, operation)) & set(spent)
    if required:
        why = (
            f"its {', '.join(sorted(required))} spends a code the scan did not make, "
            "for good: taken only as a user the scan made"
        )
        raise Unrestorable(operation, who, why)
    return dataclasses.replace(
        request, body={k: v for k, v in request.body.items() if k not in spent}
    )


def _required(api: Api, operation: Operation) -> tuple[str, ...]:
    body = operation.request_body
    for schema in body.content.values() if body is not None else ():
        required = api.deref(schema).get("required", ())
        return tuple(str(name) for name in required) if isinstance(required, list) else ()
    return ()
