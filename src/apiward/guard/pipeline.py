"""The fixed pipeline: which stages exist, in which order, and how each is built.

The contract every stage keeps is in stage.py. Adding a stage is one module plus
one line in :data:`REQUEST_STAGES`, or in :data:`APP_STAGES` for one that wraps the app.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from apiward.core.registry import Registry
from apiward.guard import authz, credfail, deadline, injection, ratelimit, ssrf, transport
from apiward.guard import validate as validation
from apiward.guard.authn import stage as authn
from apiward.guard.context import ASGIApp
from apiward.guard.policy import Policy
from apiward.guard.routes import RouteTable
from apiward.guard.stage import AppBuilder, Builder, Setup, Stage
from apiward.spec import Api

REQUEST_STAGES: tuple[tuple[str, Builder], ...] = (
    ("transport", transport.build),
    ("authentication", authn.build),
    ("authorization", authz.build),
    ("ratelimit", ratelimit.build),
    ("validate", validation.build),
    ("injection", injection.build),
    ("ssrf", ssrf.build),
)

APP_STAGES: tuple[tuple[str, AppBuilder], ...] = (
    ("deadline", deadline.build),
    ("credential_failures", credfail.build),
)
"""Stages around the app, outermost first: the time budget covers every answer."""


def request_stages() -> Registry[Builder]:
    """The request stages in pipeline order, as a registry of builders."""
    return Registry("guard stage", REQUEST_STAGES)


@dataclass(frozen=True, slots=True, kw_only=True)
class Built:
    """The request stages the policy switched on, in order, and the setup later parts get."""

    stages: tuple[Stage, ...]
    setup: Setup


def build_stages(policy: Policy, api: Api, routes: RouteTable) -> Built:
    """Build every stage the policy switches on, in order."""
    setup = Setup(policy=policy, api=api, routes=routes)
    stages: list[Stage] = []
    for builder in request_stages():
        stage = builder(setup)
        if stage is None:
            continue
        stages.append(stage)
        if isinstance(stage, ratelimit.RateLimit):
            setup = dataclasses.replace(setup, bans=stage)
    return Built(stages=tuple(stages), setup=setup)


def wrap_app(app: ASGIApp, setup: Setup) -> ASGIApp:
    """``app`` inside every app stage the policy switches on (the first listed outermost)."""
    for _, builder in reversed(APP_STAGES):
        app = builder(setup, app) or app
    return app
