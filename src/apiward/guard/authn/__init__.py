"""Layer 3 of the guard: authentication, one module per mechanism.

``stage.py`` picks, per operation, the contract's security alternatives and verifies
each scheme with the mechanism the policy binds to it: ``jwt.py`` (+ ``jwks.py``),
``introspection.py`` (RFC 7662), ``apikey.py`` (hashed keys), ``signatures.py``
(RFC 9421 + RFC 9530) and ``totp.py`` (step-up for sensitive operations). The
section's model is ``config.py``, its JSON Schema ``schema.py``. This package's
``__init__`` imports nothing so that the policy can import the model without a cycle.
"""
