"""Inventory: what is really deployed, from traffic, against the contract.

read_traffic(path, format=None)     one traffic file (audit log, HAR, access log) → Batch
cluster(observations, api=None)     observations → endpoint templates with their usage
diff(endpoints, api)                shadow, zombie and unseen endpoints as findings
take_inventory(batches, api=None)   all of the above, plus the sensitive-data map
skeleton(inventory)                 an OpenAPI 3.1 document of what was discovered
"""

from apiward.inventory.cluster import Endpoint, Usage, cluster
from apiward.inventory.diff import State, diff
from apiward.inventory.inventory import Inventory, take_inventory
from apiward.inventory.observation import Batch, Observation, TrafficError
from apiward.inventory.skeleton import skeleton
from apiward.inventory.sources import FORMATS, read_traffic

__all__ = [
    "FORMATS",
    "Batch",
    "Endpoint",
    "Inventory",
    "Observation",
    "State",
    "TrafficError",
    "Usage",
    "cluster",
    "diff",
    "read_traffic",
    "skeleton",
    "take_inventory",
]
