"""Stage 4, authorization: function level (BFLA) and object level (BOLA), OWASP API1/API5.

No common gateway enforces object ownership; this stage does, from the policy's
``authorization`` section::

    authorization:
      roles_hook: "myapp.authz:roles"              # roles from the app's database
      operations:
        "DELETE /promo-codes/{code}": {roles: [admin]}
        "* /admin/**": {roles: [admin]}
      tags:
        billing: {scopes: [billing:read]}
      ownership:
        - {operation: "GET /users/{user_id}", param: {in: path, name: user_id},
           equals_claim: sub, unless_roles: [admin]}
        - {operation: "GET /accounts/{id}", param: {in: path, name: id},
           hook: "myapp.authz:account_owner"}

functions.py compiles the function-level requirements, ownership.py the ownership
rules, hooks.py loads and checks the Python hooks, stage.py runs them per request.
"""

from apiward.guard.authz.hooks import OwnerHook, RolesHook
from apiward.guard.authz.stage import Authorization, build

__all__ = ["Authorization", "OwnerHook", "RolesHook", "build"]
