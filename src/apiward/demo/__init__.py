"""The bundled, deliberately vulnerable demo API ("apiward bank") and its ground truth.

create_app(fixed=False, data_dir=None)   the FastAPI app, vulnerable or fixed
running(fixed=False, port=0)             serve one on 127.0.0.1 in a thread; yields its URL
serving(app, port=0)                     the same for an app you built yourself
load_ground_truth()                      every planted flaw, as PlantedFlaw records
matches(finding, flaw) / missed(...)     does a finding report a planted flaw; which are missed
IDENTITIES                               identities.yaml: who a scanner can log in as
"""

from __future__ import annotations

from importlib import resources

from apiward.demo.app import create_app
from apiward.demo.ground_truth import Parameter, PlantedFlaw, load_ground_truth, matches, missed
from apiward.demo.server import running, serving

IDENTITIES = resources.files("apiward.demo").joinpath("identities.yaml")
GROUND_TRUTH = resources.files("apiward.demo").joinpath("ground_truth.yaml")

__all__ = [
    "GROUND_TRUTH",
    "IDENTITIES",
    "Parameter",
    "PlantedFlaw",
    "create_app",
    "load_ground_truth",
    "matches",
    "missed",
    "running",
    "serving",
]
